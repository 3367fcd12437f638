"""The consumer page in real headless Chromium, served by the real app under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.web.app import create_app
from agritrace.web.pages import resolver
from tests.web import stamp_chain
from tests.web.browser import PHONE, SHOTS, chromium, serving
from tests.web.stamp_chain import RECALL_SERIAL, SERIALS

pytestmark = pytest.mark.browser


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[str, stamp_chain.Chain]]:
    if engine.dialect.name != "sqlite":
        pytest.skip("one engine is enough for the browser; the resolver tests cover both")
    chain = stamp_chain.load(engine)

    def build(base: str) -> FastAPI:
        app = create_app(Settings(database_url="sqlite://", base_url=base), engine)
        if not any(getattr(r, "path", "") == "/.well-known/gs1resolver" for r in app.routes):
            app.include_router(resolver.router)
        return app

    with serving(build) as base:
        yield base, chain


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                      java_script_enabled=False)
        yield context.new_page()


def test_stamp_page_language_recall_and_report(served: tuple[str, stamp_chain.Chain],
                                               page: Page) -> None:
    base, chain = served
    p = page
    p.goto(base + chain.path(SERIALS[0]))
    assert p.locator("#verdict").inner_text().startswith("Hàng chính hãng")
    assert p.locator("svg.plot path").count() == 1
    assert "Regent 800WG" in p.locator("#journey + ol").inner_text()
    p.screenshot(path=str(SHOTS / "consumer-vi.png"), full_page=True)

    p.click("#switch-lang")
    assert p.locator("html").get_attribute("lang") == "en"
    p.goto(base + chain.path(SERIALS[0]))
    assert "Genuine product" in p.locator("#verdict").inner_text()  # the cookie remembers
    p.screenshot(path=str(SHOTS / "consumer-en.png"), full_page=True)

    p.goto(base + chain.path(RECALL_SERIAL, chain.recalled_lot) + "?lang=vi")
    assert p.locator("#recall").is_visible()
    p.screenshot(path=str(SHOTS / "consumer-recalled.png"))

    p.goto(base + chain.path("NEVER2ISSUED"))
    assert "hàng giả" in p.locator("main").inner_text()
    p.select_option("#kind", "fake")
    p.fill("#message", "Tem không quét được trên hộp mua ở chợ")
    p.click("button[type=submit]")
    assert "Mã phản ánh của bạn" in p.locator("main").inner_text()
    p.screenshot(path=str(SHOTS / "consumer-unknown-reported.png"))
