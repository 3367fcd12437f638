"""The manager's EUDR and methane pages in real headless Chromium, without JavaScript."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import Engine

from agritrace.store.orgs import create_token
from agritrace.web.pages.session import COOKIE
from tests.reports.demo_data import PALLET, Demo, load
from tests.reports.test_eudr_file import MIXED
from tests.web.browser import DESKTOP, SHOTS, chromium, serving_app, sqlite_only

pytestmark = pytest.mark.browser


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[str, Demo]]:
    sqlite_only(engine)
    demo = load(engine)

    with serving_app(engine) as base:
        yield base, demo


def signed_in_page(base: str, token: str) -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
        context.add_cookies([{"name": COOKIE, "value": token, "url": base}])
        yield context.new_page()


def test_a_manager_finds_a_shipments_plots_and_a_seasons_methane(
        served: tuple[str, Demo], engine: Engine) -> None:
    base, demo = served
    requests: list[str] = []
    for page in signed_in_page(base, create_token(engine, demo.roaster, "browser")):
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base + "/reports/eudr")
        assert page.locator("nav.coop-nav a[href='/reports/methane']").count() == 1
        assert page.locator("header form.logout").count() == 1  # the office's header
        page.fill("#ids", PALLET)
        page.click("form[action='/reports/eudr'] button")
        assert page.locator("#summary").inner_text().startswith("Lô hàng sẵn sàng: 3 thửa")
        assert page.locator("#plots svg.plot path").count() == 3
        page.screenshot(path=str(SHOTS / "reports-eudr-vi.png"), full_page=True)
        page.click("#switch-lang")
        assert "Shipment ready: all 3 plots are valid." in page.locator("#summary").inner_text()
        with page.expect_download() as download:
            page.click("#dl-geojson")
        assert download.value.suggested_filename == "eudr.geojson"
    assert all(url.startswith(base) for url in requests)  # no external request

    for page in signed_in_page(base, create_token(engine, demo.rice_coop, "browser")):
        page.goto(base + "/reports/methane?lang=en")
        page.fill("input[name=from]", "2025-12-01")
        page.fill("input[name=to]", "2025-12-31")
        page.click("form[action='/reports/methane'] button")
        assert page.locator("#seasons tbody tr").count() == 4
        assert "not enough data" in page.locator(".not-enough").inner_text()
        assert "33 %" in page.locator("#totals").inner_text()
        page.screenshot(path=str(SHOTS / "reports-methane-en.png"), full_page=True)


def test_a_manager_checks_a_suppliers_geojson_file_without_javascript(
        served: tuple[str, Demo], engine: Engine, tmp_path: Path) -> None:
    base, demo = served
    supplier = tmp_path / "nha-cung-cap.geojson"
    supplier.write_bytes(MIXED)
    requests: list[str] = []
    for page in signed_in_page(base, create_token(engine, demo.roaster, "browser")):
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base + "/reports/eudr")
        page.set_input_files("#check-file", str(supplier))
        page.click("#check-button")
        assert page.locator("#summary strong").inner_text() == (
            "4 trong 13 thửa của nha-cung-cap.geojson sẵn sàng cho hệ thống EU.")
        assert page.locator("#ready-list").inner_text() == "Sẵn sàng: #0–1, #8, #12."
        assert page.locator("#not-ready-list").inner_text() == "Chưa sẵn sàng: #2–7, #9–11."
        assert page.locator("#findings tbody tr").count() >= 9
        assert "features[2].properties.Area" in page.locator("#findings").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        page.screenshot(path=str(SHOTS / "reports-eudr-check-vi.png"), full_page=True)
        page.set_input_files("#check-file", str(supplier))
        with page.expect_download() as download:
            page.click("#fix-button")
        assert download.value.suggested_filename == "fixed-nha-cung-cap.geojson"
        fixed = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        ring = fixed["features"][5]["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]  # the unclosed ring of plot #5, closed
        # An English reader keeps English through the upload.
        page.goto(base + "/reports/eudr?lang=en")
        page.set_input_files("#check-file", str(supplier))
        page.click("#check-button")
        assert page.locator("#summary").inner_text().startswith(
            "4 of the 13 plots of nha-cung-cap.geojson are ready")
        assert "needs its Area in hectares" in page.locator("#findings").inner_text()
    assert all(url.startswith(base) for url in requests)  # no external request
