"""The eudr and methane commands as a user runs them, on both engines."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.demo import PLOTS, ROASTER
from agritrace.settings import get_settings
from tests.reports.demo_data import PALLET, Demo, load

runner = CliRunner()


@pytest.fixture
def demo(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("AGRITRACE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield load(engine)
    get_settings.cache_clear()


def test_readiness_list_and_geojson_of_the_pallet(demo: Demo, tmp_path: Path) -> None:
    target = tmp_path / "pallet.geojson"
    result = runner.invoke(app, ["eudr", "readiness", PALLET, "--org", ROASTER, "--lang", "en",
                                 "--geojson", str(target)])
    assert result.exit_code == 0, result.output
    assert "Shipment ready for the EU system: 3 plots" in result.stdout
    assert "no risk result for some plots" in result.stdout
    collection = json.loads(target.read_text())
    assert len(collection["features"]) == 3
    assert "103.196412, 21.498731" in target.read_text()  # [lon, lat], six decimals
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [
        "eudr", "readiness", PALLET, "--org", ROASTER, "--format", "csv"]).stdout)))
    assert [(r["producer"], r["ready"]) for r in rows] == [
        ("Lò Văn A", "yes"), ("Lò Văn B", "yes"), ("Lò Văn C", "yes")]


def test_geojson_and_statement_commands(demo: Demo) -> None:
    geo = runner.invoke(app, ["eudr", "geojson", PALLET, "--org", ROASTER])
    assert geo.exit_code == 0, geo.output
    assert json.loads(geo.stdout)["features"][2]["properties"]["ProducerName"] == "Lò Văn C"
    whisp = runner.invoke(app, ["eudr", "geojson", PALLET, "--org", ROASTER, "--whisp"])
    assert [f["properties"]["external_id"] for f in json.loads(whisp.stdout)["features"]] == (
        list(PLOTS))
    made = runner.invoke(app, ["eudr", "statement", demo.chain.green_lot, "--org",
                               demo.coop.name, "--activity", "EXPORT"])
    assert made.exit_code == 0, made.output
    data = orjson.loads(made.stdout)
    assert data["activityType"] == "EXPORT" and data["operator"]["name"] == demo.coop.name
    assert data["commodities"][0]["descriptors"]["goodsMeasure"]["netWeight"] == 560.0


def test_risk_import_then_shown_in_the_readiness_list(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "whisp.csv"
    path.write_text("external_id,risk_pcrop\n" + "".join(f"{p},low\n" for p in PLOTS))
    imported = runner.invoke(app, ["eudr", "risk-import", str(path), "--org", ROASTER])
    assert imported.exit_code == 0, imported.output
    assert "3 plot results imported" in imported.stdout
    shown = runner.invoke(app, ["eudr", "readiness", PALLET, "--org", ROASTER, "--format",
                                "json", "--lang", "en"])
    data = orjson.loads(shown.stdout)
    assert data["risk"] == "low" and "31/12/2020" in data["risk_message"]
    assert [p["risk"] for p in data["plots"]] == ["low", "low", "low"]


def test_a_bad_risk_file_stores_nothing_and_says_where(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "whisp.csv"
    path.write_text("external_id,risk_pcrop\nurn:x:nowhere,low\n")
    result = runner.invoke(app, ["eudr", "risk-import", str(path), "--org", ROASTER])
    assert result.exit_code == 2
    assert "whisp.csv line 2: external_id: expected the URI of a registered plot" in (
        result.output)
    assert "Traceback" not in result.output


def test_methane_season_and_totals(demo: Demo) -> None:
    text = runner.invoke(app, ["methane", "season", "--org", demo.rice.cooperative,
                               "--from", "2025-12-01", "--to", "2025-12-31", "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "not enough data: missing" in text.stdout
    data = orjson.loads(runner.invoke(app, [
        "methane", "season", "--org", demo.rice.cooperative, "--format", "json"]).stdout)
    assert [s["water_regime"] for s in data["seasons"][:3]] == [
        "multiple_drainage", "continuously_flooded", "single_drainage"]
    totals = orjson.loads(runner.invoke(app, ["methane", "totals", "--by", "province",
                                              "--format", "json"]).stdout)
    assert [t["key"] for t in totals] == ["Cần Thơ"]
    assert totals[0]["awd_share"] == pytest.approx(1 / 3)


def test_methane_tables_speak_the_readers_language(demo: Demo) -> None:
    """Issue 15: the methane command printed English headers and raw water-regime codes
    (multiple_drainage) beside Vietnamese notes."""
    season = ["methane", "season", "--org", demo.rice.cooperative]
    wide = {"COLUMNS": "240"}  # a wide terminal: headings on one line each
    vietnamese = runner.invoke(app, season, env=wide)
    assert vietnamese.exit_code == 0, vietnamese.output
    assert "Chế độ nước" in vietnamese.stdout and "rút nước nhiều lần" in vietnamese.stdout
    assert "Tỷ lệ có rút nước" in vietnamese.stdout
    assert "multiple_drainage" not in vietnamese.stdout and "water" not in vietnamese.stdout
    assert re.search(r"\d,\d\d \(\d", vietnamese.stdout)  # 1,23 (0,98–1,50): decimal commas
    english = runner.invoke(app, [*season, "--lang", "en"], env=wide).stdout
    assert "Water regime" in english and "multiple drainage / AWD" in english
    assert "Chế độ nước" not in english and re.search(r"\d\.\d\d \(\d", english)
    totals = runner.invoke(app, ["methane", "totals", "--by", "province"], env=wide).stdout
    assert "Tỉnh" in totals and "Cần Thơ" in totals and "AWD share" not in totals
    assert "Province" in runner.invoke(app, ["methane", "totals", "--lang", "en"], env=wide).stdout


@pytest.mark.parametrize(("args", "vi", "en"), [
    (["methane", "season", "--org", ROASTER, "--from", "1/12/2025"],
     "lỗi: Giá trị của --from không hợp lệ\n  - --from: cần một ngày dạng YYYY-MM-DD, "
     "đã nhập '1/12/2025'", "error: Invalid value for --from\n  - --from: expected a date as "
                            "YYYY-MM-DD, found '1/12/2025'"),
    (["methane", "totals", "--by", "district"], "cần một trong: cooperative, province",
     "expected one of cooperative, province"),
])
def test_methane_errors_speak_the_commands_language(demo: Demo, args: list[str], vi: str,
                                                    en: str) -> None:
    vietnamese = runner.invoke(app, args)
    assert vietnamese.exit_code == 2 and vi in vietnamese.output
    assert "expected" not in vietnamese.output
    english = runner.invoke(app, [*args, "--lang", "en"])
    assert english.exit_code == 2 and en in english.output and "cần" not in english.output


@pytest.mark.parametrize(("args", "message"), [
    (["eudr", "readiness", "LOT-1", "--org", ROASTER], "not an identifier"),
    (["eudr", "geojson", PALLET, "--org", "Nobody"], "No organization named 'Nobody'"),
    (["eudr", "statement", PALLET, "--org", ROASTER], "netWeight: expected the shipment's "
                                                      "net mass in kg"),
    (["methane", "season", "--org", ROASTER, "--from", "1/12/2025"], "cần một ngày"),
    (["methane", "totals", "--by", "district"], "cần một trong: cooperative, province"),
])
def test_errors_are_one_readable_message(demo: Demo, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
