"""The dashboard's kept figures, charts and printable report (issue 13).

An officer reads figures computed ahead (province.kept): a change shows after the refresh (the
cron command, or the page's "recompute" button) or once the kept row is older than the stated
staleness, never a half-computed page. The charts are SVG drawn on the server in the reader's
language, and the PDF carries the same numbers.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select, update

from agritrace.farm.places import add_place
from agritrace.farm.registry import org_actor
from agritrace.province import kept
from agritrace.province.tables import kept_figures
from agritrace.vietnam_time import vietnam_now
from tests.province.test_desk import (
    World,
    db,  # noqa: F401  (the CLI's database fixture)
    make_world,
)
from tests.province.test_desk import _run as run_cli
from tests.province.test_kept_background import wait_for


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _registered(world: World) -> float:
    answer = world.client.get("/province/indicators", headers=world.auth("dien_bien"))
    assert answer.status_code == 200, answer.text
    return float(answer.json()["current"]["by_crop"]["coffee"]["registered_ha"])


def test_a_change_shows_after_the_refresh_or_once_stale(world: World, engine: Engine) -> None:
    assert _registered(world) == pytest.approx(6.6, abs=0.01)
    add_place(engine, org_actor(world.highland), {
        "name": "Nương 4", "crop": "coffee", "area_ha": 2.0, "province": "Điện Biên",
        "commune": "Ẳng Nưa"})
    assert _registered(world) == pytest.approx(6.6, abs=0.01)  # kept: one row read, not every plot
    page = world.client.get("/province", headers=world.auth("dien_bien"))
    assert 'id="computed"' in page.text and "cũ nhất 15 phút" in page.text
    refreshed = world.client.post("/province/refresh", headers=world.auth("dien_bien"),
                                  follow_redirects=False)
    assert refreshed.status_code == 303 and refreshed.headers["location"].startswith("/province?")
    assert _registered(world) == pytest.approx(8.6, abs=0.01)
    add_place(engine, org_actor(world.highland), {
        "name": "Nương 5", "crop": "coffee", "area_ha": 1.0, "province": "Điện Biên",
        "commune": "Ẳng Nưa"})
    with engine.begin() as conn:  # the kept row grows older than the stated staleness
        conn.execute(update(kept_figures).values(
            computed_us=kept_figures.c.computed_us - (kept.STALE_AFTER_S + 1) * 1_000_000))
    # served at once as kept, while it is computed again in the background
    assert _registered(world) == pytest.approx(8.6, abs=0.01)
    assert wait_for(lambda: _registered(world) == pytest.approx(9.6, abs=0.01))
    # a stranger may not make the desk recompute
    assert world.client.post("/province/refresh", headers=world.auth("highland"),
                             follow_redirects=False).status_code == 403


@pytest.fixture
def cli_world(db: Engine) -> Iterator[Engine]:  # noqa: F811
    make_world(db)
    yield db


def test_the_refresh_command_keeps_every_regulators_default_period(cli_world: Engine) -> None:
    output = run_cli("province", "refresh")
    assert "refreshed: 2" in output
    period = kept.default_period(vietnam_now().date())
    with cli_world.connect() as conn:
        rows = conn.execute(select(kept_figures.c.period_from, kept_figures.c.period_to)).all()
    assert rows == [(period.start.isoformat(), period.end.isoformat())] * 2


def test_the_charts_are_svg_in_the_readers_language(world: World) -> None:
    page = world.client.get("/province", headers=world.auth("dien_bien"))
    assert page.status_code == 200
    charts = re.findall(r'<svg [^>]*role="img"[^>]*>.*?</svg>', page.text, re.DOTALL)
    assert len(charts) == 4
    assert 'aria-label="Diện tích mọi cây trồng theo giai đoạn (ha)"' in charts[0]
    assert ">6,60<" in charts[0] and ">4,50<" in charts[0]  # registered, coded
    assert "<script" not in page.text and not re.search(r'(src|href)="https?://', page.text)
    english = world.client.get("/province", headers=world.auth("dien_bien"),
                               params={"lang": "en"})
    assert ">6.60<" in english.text and "Hectares registered per commune" in english.text


def test_the_printable_report_carries_the_pages_numbers(world: World) -> None:
    answer = world.client.get("/province/report.pdf", headers=world.auth("dien_bien"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "6,60" in text and "4,50" in text
    assert re.search(r"B[áa]o c[áa]o ch[ỉi] s[ốo] n[ôo]ng s[ảa]n", text)
    assert world.client.get("/province/report.pdf",
                            headers=world.auth("highland")).status_code == 403


def test_export_open_data_writes_what_the_site_serves(db: Engine,  # noqa: F811
                                                      tmp_path: Path) -> None:
    world = make_world(db)
    listed = run_cli("export", "open-data", "--out", str(tmp_path)).split()
    assert sorted(Path(p).name for p in listed) == [
        "catalog.jsonld", "dien-bien.csv", "dien-bien.json", "dien-bien.parquet",
        "dong-thap.csv", "dong-thap.json", "dong-thap.parquet"]
    served = world.client.get("/province/open-data.csv", params={"province": "dien-bien"})
    assert (tmp_path / "dien-bien.csv").read_text(encoding="utf-8") == served.text
    catalogue = json.loads((tmp_path / "catalog.jsonld").read_text(encoding="utf-8"))
    assert catalogue == world.client.get("/open-data").json()


def test_the_page_lists_the_largest_codes_at_risk_and_the_download_all(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from agritrace.web.pages import province

    monkeypatch.setattr(province, "AT_RISK_ROWS", 0)  # as if the area had more than the page
    page = world.client.get("/province", headers=world.auth("dien_bien")).text
    assert 'id="more-at-risk"' in page and "Hiển thị 0 trên 1 mã" in page
    assert 'data-code="VN-DB-001"' not in page
    table = world.client.get("/province/tables/codes_at_risk.csv",
                             headers=world.auth("dien_bien")).text
    assert "VN-DB-001" in table
