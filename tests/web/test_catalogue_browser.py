"""The catalogue in real headless Chromium, without JavaScript, on a phone and a desktop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.web.browser import DESKTOP, PHONE, SHOTS, chromium, serving
from tests.web.market_shop import COFFEE, build_shop

pytestmark = pytest.mark.browser


@pytest.fixture
def served(engine: Engine) -> Iterator[str]:
    if engine.dialect.name != "sqlite":
        pytest.skip("one engine is enough for the browser; the page tests cover both")

    def build(base: str) -> FastAPI:
        app = build_shop(engine, base).client.app
        assert isinstance(app, FastAPI)
        return app

    with serving(build) as base:
        yield base


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_a_shopper_filters_the_catalogue_and_opens_a_product(
        served: str, name: str, viewport: dict[str, int]) -> None:
    requests: list[str] = []
    with chromium() as browser:
        page = browser.new_context(viewport=viewport, java_script_enabled=False).new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(served + "/catalogue")
        assert page.locator("#products li").count() == 2
        page.select_option("select[name=stars]", "4")
        page.click("#filters button[type=submit]")
        assert page.locator("#products li").count() == 1
        # Nothing is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(SHOTS / f"catalogue-{name}-vi.png"), full_page=True)
        page.click(f"#products a[href='/p/{COFFEE}']")
        assert page.locator("h1").inner_text() == "Cà phê Arabica Mường Ảng 250 g"
        assert page.locator("ul.plots svg").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(SHOTS / f"catalogue-product-{name}-vi.png"), full_page=True)
        page.click("#switch-lang")
        assert page.locator("h1").inner_text() == "Muong Ang Arabica coffee 250 g"
    assert all(url.startswith(served) for url in requests)  # no external request
