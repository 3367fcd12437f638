"""``agritrace stamps …`` as a user runs it, against a real SQLite file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.store.engine import make_engine
from agritrace.store.tables import events

runner = CliRunner()
GTIN = "08931234000356"
BASE = "https://truyxuat.example.vn"


@pytest.fixture(autouse=True)
def database(cli_database: Path, environment: Callable[..., None]) -> Path:
    environment(base_url=BASE)
    for name in ("HTX Mường Ảng", "Somebody else"):  # created on purpose, never by --org
        assert runner.invoke(app, ["org", "create", name]).exit_code == 0
    assert runner.invoke(app, ["org", "grant-prefix", "HTX Mường Ảng", GTIN,
                               "--kind", "gtin"]).exit_code == 0
    return cli_database


def _issue(out: Path, count: int = 45, layout: str = "3x7") -> list[dict[str, str]]:
    result = runner.invoke(app, ["stamps", "issue", "--org", "HTX Mường Ảng", "--gtin", GTIN,
                                 "--lot", "R26-1106", "--count", str(count), "--layout", layout,
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"đã phát hành {count} tem" in result.stdout
    assert f"issued {count} stamps" in result.stdout
    (pdf,) = out.glob("*.pdf")
    (table,) = out.glob("*.csv")
    assert pdf.stem == table.stem
    rows = list(csv.DictReader(table.open(newline="", encoding="utf-8")))
    assert len(rows) == count
    assert len(pypdf.PdfReader(pdf).pages) == -(-count // {"3x7": 21, "5x13": 65}[layout])
    return rows


@pytest.mark.parametrize("layout", ["3x7", "5x13"])
def test_issue_writes_pdf_and_csv_and_records_events(tmp_path: Path, database: Path,
                                                     layout: str) -> None:
    rows = _issue(tmp_path / "print", layout=layout)
    assert all(r["digital_link"].startswith(f"{BASE}/01/{GTIN}/10/R26-1106/21/") for r in rows)
    with make_engine(f"sqlite:///{database}").connect() as conn:
        assert conn.scalar(select(events.c.biz_step)) == "commissioning"


def test_void_then_activate(tmp_path: Path) -> None:
    rows = _issue(tmp_path)
    code = rows[0]["digital_link"]
    voided = runner.invoke(app, ["stamps", "void", code, "--org", "HTX Mường Ảng"])
    assert voided.exit_code == 0 and "voided 1 stamp" in voided.stdout, voided.output
    back = runner.invoke(app, ["stamps", "activate", rows[0]["element_string"],
                               "--org", "HTX Mường Ảng"])
    assert back.exit_code == 0 and "activated 1 stamp" in back.stdout, back.output


def test_void_refuses_what_another_org_issued_and_non_stamps(tmp_path: Path) -> None:
    code = _issue(tmp_path)[0]["digital_link"]
    foreign = runner.invoke(app, ["stamps", "void", code, "--org", "Somebody else"])
    assert foreign.exit_code == 2 and "not issued by Somebody else" in foreign.output
    lot_only = runner.invoke(app, ["stamps", "void", f"/01/{GTIN}/10/R26", "--org",
                                   "HTX Mường Ảng"])
    assert lot_only.exit_code == 2 and "a GTIN with a serial" in lot_only.output


def test_issue_only_for_a_gtin_the_org_speaks_for(tmp_path: Path, database: Path) -> None:
    """Issue 11: the command printed stamps for any GTIN a capture would accept, e.g. another
    cooperative's registered product that no grant covers."""
    held = runner.invoke(app, ["stamps", "issue", "--org", "Somebody else", "--gtin", GTIN,
                               "--count", "3", "--out", str(tmp_path)])
    assert held.exit_code != 0 and "held by HTX Mường Ảng" in held.output
    assert runner.invoke(app, ["farm", "product", "add", "08930000000019", "--org",
                               "HTX Mường Ảng", "--name-vi", "Chè"]).exit_code == 0
    registered = runner.invoke(app, ["stamps", "issue", "--org", "Somebody else", "--gtin",
                                     "08930000000019", "--count", "3", "--out", str(tmp_path)])
    assert registered.exit_code != 0 and "registered by another organization" in registered.output
    assert not list(tmp_path.glob("stamps-*"))
    with make_engine(f"sqlite:///{database}").connect() as conn:
        assert conn.execute(select(events.c.id)).first() is None


def test_issue_refuses_an_unknown_layout_before_issuing(tmp_path: Path, database: Path) -> None:
    result = runner.invoke(app, ["stamps", "issue", "--org", "x", "--gtin", GTIN, "--count", "3",
                                 "--layout", "9x9", "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Không có khổ nhãn '9x9' / Unknown label layout '9x9'" in result.output
    assert "cần một trong: 2x7, 3x7, 4x10, 5x13" in result.output
    assert not database.exists() or not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize("fmt", ["--png", "--svg"])
def test_qr_draws_a_code_that_decodes_to_the_url(tmp_path: Path, fmt: str) -> None:
    url = f"{BASE}/01/{GTIN}/10/R26-1106/21/X7K9Q2MN3P4R"
    target = tmp_path / f"qr.{fmt[2:]}"
    result = runner.invoke(app, ["stamps", "qr", url, fmt, "--out", str(target)])
    assert result.exit_code == 0, result.output
    if fmt == "--svg":
        svg = target.read_text()
        assert svg.startswith("<svg") or "<svg" in svg[:200]
        assert "(21) X7K9Q2MN3P4R" in svg
        return
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(target.read_bytes())))
    assert decoded.text == url
