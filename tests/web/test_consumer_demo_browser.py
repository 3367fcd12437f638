"""A bag from the README's demo, scanned in real headless Chromium: the complete page in both
languages, with the plot drawn, the journey from the diary to the shelf, and the verdict."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from agritrace.demo import load_demo
from agritrace.farm.demo import load_farm_demo
from agritrace.scans.log import flush_queues
from agritrace.scans.tables import scans
from tests.web.browser import PHONE, SHOTS, chromium, serving_app, sqlite_only

pytestmark = pytest.mark.browser


def test_a_demo_bag_opens_a_complete_page_in_both_languages(engine: Engine) -> None:
    sqlite_only(engine)
    chain = load_demo(engine)
    load_farm_demo(engine, chain)
    bag = chain.bags[0].removeprefix("https://id.gs1.org")

    with serving_app(engine) as base, chromium() as browser:
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                      java_script_enabled=False)
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(base + bag)
        assert page.locator("#verdict").inner_text().startswith("Hàng chính hãng")
        assert page.locator("svg.plot path").count() == 1
        journey = page.locator("#journey + ol li")
        assert journey.count() >= 10  # diary entries, harvests, hulling, roasting, shipping…
        steps = page.locator("#journey + ol").inner_text()
        assert "Bón phân" in steps and "Nhận hàng" in steps
        page.screenshot(path=str(SHOTS / "consumer-demo-vi.png"), full_page=True)
        page.click("#switch-lang")
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Mường Ảng roasted ground coffee, 250 g" in page.locator("h1").inner_text()
        assert page.locator("#verdict").inner_text().startswith("Genuine product")
        assert page.locator("svg.plot path").count() == 1
        page.screenshot(path=str(SHOTS / "consumer-demo-en.png"), full_page=True)
        assert all(url.startswith(base) for url in requested)  # no external request


def test_a_visitor_can_share_a_coarse_location_from_the_page(engine: Engine) -> None:
    sqlite_only(engine)
    chain = load_demo(engine)
    bag = chain.bags[1].removeprefix("https://id.gs1.org")

    with serving_app(engine) as base, chromium() as browser:
        context = browser.new_context(viewport=PHONE, geolocation={
            "latitude": 21.0345, "longitude": 105.8412}, permissions=["geolocation"])
        page = context.new_page()
        page.goto(base + bag)
        page.click("#locate button")
        page.wait_for_selector("#located")
        assert "vị trí gần đúng" in page.locator("#located").inner_text()
    flush_queues()  # the server (a thread of this process) writes its scans in batches
    with engine.connect() as conn:
        rows = conn.execute(select(scans.c.lat, scans.c.lon).where(scans.c.code == bag)).all()
    assert [tuple(r) for r in rows] == [(21.0, 105.8)]
