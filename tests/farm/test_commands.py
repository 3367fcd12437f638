"""``agritrace farm …`` as a user runs it, against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agritrace.cli import app
from tests.farm.coop import BIG, CHERRY, polygon

runner = CliRunner()
ORG = ["--org", "HTX Ẳng Nưa"]


pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture(autouse=True)
def _organization(cli_database: Path) -> None:
    """The cooperative, created on purpose: a command's --org names an existing one."""
    assert runner.invoke(app, ["org", "create", ORG[1]]).exit_code == 0


def _run(*args: str) -> str:
    result = runner.invoke(app, ["farm", *args, *ORG])
    assert result.exit_code == 0, result.output
    return result.stdout


def _plot(tmp_path: Path) -> str:
    _run("member", "add", "Lò Văn A", "--phone", "0912345671")
    geojson = tmp_path / "plot.geojson"
    geojson.write_text(json.dumps({"type": "Feature", "properties": {},
                                   "geometry": polygon(BIG)}))
    line = _run("plot", "add", "Nương A", "--geojson", str(geojson), "--crop", "coffee",
                "--farmer", "Lò Văn A", "--uri", "urn:epc:id:sgln:8931234.10001.0")
    assert "4.4997 ha" in line
    _run("season", "open", "urn:epc:id:sgln:8931234.10001.0", "--start", "2026-02-01",
         "--sown-on", "2026-03-01")
    return "urn:epc:id:sgln:8931234.10001.0"


def test_member_plot_season_diary_and_readiness(tmp_path: Path) -> None:
    plot = _plot(tmp_path)
    args = ("diary", "add", "fertilizing", "--plot", plot, "--on", "2026-04-05",
            "-f", "product=NPK 16-16-8", "-f", "amount=300")
    first = _run(*args)
    again = _run(*args)
    assert "recorded" in first and "already recorded" in again
    assert first.split()[-1] == again.split()[-1]
    report = _run("readiness", "--as-of", "2026-04-30")
    assert "not ready 4.4997 ha" in report and "kỹ thuật" in report
    members = json.loads(_run("member", "list"))
    assert [m["name"] for m in members] == ["Lò Văn A"]


def test_refused_entries_and_bad_input_exit_2_with_the_field(tmp_path: Path) -> None:
    plot = _plot(tmp_path)
    banned = runner.invoke(app, ["farm", "diary", "add", "spraying", "--plot", plot,
                                 "--on", "2026-06-10", "-f", "product=Furadan 3GR",
                                 "-f", "active_ingredients=Carbofuran", "-f", "dose=20",
                                 "-f", "dose_unit=kg/ha", *ORG])
    assert banned.exit_code == 2 and "Carbofuran" in banned.output
    negative = runner.invoke(app, ["farm", "diary", "add", "fertilizing", "--plot", plot,
                                   "--on", "2026-04-05", "-f", "product=Urê", "-f", "amount=-5",
                                   *ORG], env={"COLUMNS": "240"})
    # issue 15: an error in the warnings' languages, Vietnamese then English, not English only
    assert negative.exit_code == 2 and "lỗi / error:" in negative.output
    assert ("fertilizing.amount: cần lượng lớn hơn 0 và không quá 5.000 kg/ha, đã nhập -5.0 / "
            "fertilizing.amount: expected an amount above 0 and at most 5,000 kg/ha, found -5.0"
            ) in negative.output
    gtin = runner.invoke(app, ["farm", "product", "add", "8931234000111", "--name-vi", "x",
                               *ORG])
    assert gtin.exit_code == 2 and "product.gtin" in gtin.output
    good = runner.invoke(app, ["farm", "product", "add", CHERRY, "--name-vi", "Quả cà phê",
                               *ORG])
    assert good.exit_code == 0, good.output


def test_import_refuses_bad_rows_unless_asked(tmp_path: Path) -> None:
    _run("member", "add", "Lò Văn A")
    csv = tmp_path / "members.csv"
    csv.write_text("họ tên,vai trò\nQuàng Văn D,farmer\nLò Thị E,chairman\n", encoding="utf-8")
    refused = runner.invoke(app, ["farm", "import", str(csv), "--kind", "members", *ORG])
    assert refused.exit_code == 2 and "row 3, column vai trò" in refused.output
    assert len(json.loads(_run("member", "list"))) == 1
    applied = _run("import", str(csv), "--kind", "members", "--apply-good-rows")
    assert "1 rows saved, 1 skipped" in applied
    assert len(json.loads(_run("member", "list"))) == 2


def test_masterdata_prints_a_vocabulary_list(tmp_path: Path) -> None:
    _plot(tmp_path)
    data = json.loads(_run("masterdata"))
    (vocabulary,) = data["epcisMasterData"]["vocabularyList"]
    assert vocabulary["vocabularyElementList"][0]["id"] == "urn:epc:id:sgln:8931234.10001.0"


def test_a_product_or_plot_under_another_owner_s_code_is_refused(tmp_path: Path) -> None:
    """Issue 11, item 4, from the command line: the same check as the API (farm.registry)."""
    assert runner.invoke(app, ["org", "create", "Rang xay Điện Biên"]).exit_code == 0
    assert runner.invoke(app, ["org", "grant-prefix", "Rang xay Điện Biên", "8931234"]
                         ).exit_code == 0
    product = runner.invoke(app, ["farm", "product", "add", CHERRY, "--name-vi", "Cà phê",
                                  *ORG])
    assert product.exit_code != 0 and "held by Rang xay Điện Biên" in product.output
    geojson = tmp_path / "plot.geojson"
    geojson.write_text(json.dumps({"type": "Feature", "properties": {},
                                   "geometry": polygon(BIG)}))
    plot = runner.invoke(app, ["farm", "plot", "add", "Nương A", "--geojson", str(geojson),
                               "--crop", "coffee", "--uri", "urn:epc:id:sgln:8931234.10001.0",
                               *ORG])
    assert plot.exit_code != 0 and "held by Rang xay Điện Biên" in plot.output
    masterdata = _run("masterdata")  # the registry as EPCIS master data: still empty
    assert CHERRY not in masterdata and "Nương A" not in masterdata
