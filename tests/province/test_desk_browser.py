"""The province desk in real headless Chromium, without JavaScript: an officer reads the page on
a phone (no horizontal overflow at 390 px, the charts drawn), sets a target, switches to
English; a cooperative's manager is refused the desk; no external request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from agritrace.web.pages.session import COOKIE
from tests.province.test_desk import World, make_world
from tests.web.browser import PHONE, SHOTS, chromium, serving_app, sqlite_only

pytestmark = pytest.mark.browser


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[str, World]]:
    sqlite_only(engine)
    world = make_world(engine)

    with serving_app(engine) as base:
        yield base, world


def test_an_officer_reads_the_desk_on_a_phone(served: tuple[str, World]) -> None:
    base, world = served
    requests: list[str] = []
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        context.add_cookies([{"name": COOKIE, "value": world.keys["dien_bien"], "url": base}])
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base + "/province")
        assert "Điện Biên" in page.locator("#area").inner_text()
        assert page.locator("#communes tbody tr").count() == 1
        assert "6,60" in page.locator("#communes").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.select_option("#target-form select[name=indicator]", "coded_ha")
        page.fill("#target-form input[name=crop]", "coffee")
        page.fill("#target-form input[name=value]", "9")
        page.click("#target-form button")
        assert page.locator("#saved").count() == 1
        row = page.locator("#by-crop tr[data-crop=coffee][data-indicator=coded_ha]")
        assert "50 %" in row.inner_text()  # 4,50 ha of 9
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.locator("figure.chart svg[role=img]").count() == 4  # drawn, no script
        page.screenshot(path=str(SHOTS / "province-desk-vi.png"), full_page=True)
        page.click("#switch-lang")
        assert "The province desk" in page.locator("h1").inner_text()
        assert "6.60" in page.locator("#communes").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        context.close()
        # a cooperative's manager signed in sees no desk: the page says it is for officers
        manager = browser.new_context(viewport=PHONE, java_script_enabled=False)
        manager.add_cookies([{"name": COOKIE, "value": world.keys["highland"], "url": base}])
        refused = manager.new_page()
        answer = refused.goto(base + "/province")
        assert answer is not None and answer.status == 403
        assert "không quản lý địa bàn" in refused.content()
        assert refused.locator("figure.chart").count() == 0
        manager.close()
    assert requests and all(url.startswith(base) for url in requests)  # no external request
