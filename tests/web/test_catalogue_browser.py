"""The catalogue in real headless Chromium, without JavaScript, on a phone and a desktop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


@contextmanager
def marketplace(listing: str) -> Iterator[str]:
    """Another site (its own origin, on this machine) with one listing page; yields its URL.
    A made-up host answered by Playwright would be a public site, which Chromium forbids to
    frame a local address (Local Network Access), whatever the frame allows."""

    class Listing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = listing.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Listing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/listing"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_marketplace_frames_the_badge_and_nothing_else(served: str) -> None:
    """Another site's listing frames the badge (shown, with the consumer page's verdict) and,
    in a second frame, the product page (refused by its frame-ancestors 'none')."""
    listing = (f'<!doctype html><meta charset="utf-8"><h1>Chợ phiên</h1>'
               f'<iframe name="badge" src="{served}/embed/01/{COFFEE}/10/R26-1106" '
               f'width="320" height="48"></iframe>'
               f'<iframe name="page" src="{served}/p/{COFFEE}" width="320" height="200"></iframe>')
    with chromium() as browser, marketplace(listing) as market:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
        refused: list[str] = []
        page.on("requestfailed", lambda r: refused.append(f"{r.url} {r.failure}"))
        page.goto(market, wait_until="load")
        badge, product = page.frame(name="badge"), page.frame(name="page")
        assert badge is not None and product is not None
        assert badge.locator("a.genuine").count() == 1, refused
        consumer = context.new_page()
        consumer.goto(f"{served}/01/{COFFEE}/10/R26-1106")
        verdict = consumer.locator("#verdict-h").inner_text()
        assert verdict in badge.locator("a").inner_text()
        assert product.url.startswith("chrome-error://")  # the browser refused to frame it
        assert product.locator("h1").count() == 0
        page.screenshot(path=str(SHOTS / "catalogue-badge-framed-phone-vi.png"))
