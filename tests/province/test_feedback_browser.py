"""The public report form and the ticket-code lookup in real headless Chromium at 360 px, with
no JavaScript: anyone reports with a photo, writes the code down, types it back (lower case,
with spaces) and reads the state; later the owner's answer. No horizontal overflow, no external
request, nothing of the reporter on the lookup page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.province.test_desk import World, make_world
from tests.web.browser import SHOTS, chromium, serving_app, sqlite_only

pytestmark = pytest.mark.browser
NARROW = {"width": 360, "height": 740}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[str, World]]:
    sqlite_only(engine)
    world = make_world(engine)
    with serving_app(engine) as base:
        yield base, world


def _fits(page: object) -> bool:
    return bool(page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth") <= NARROW["width"])


def test_anyone_reports_and_looks_the_answer_up_on_a_small_phone(
        served: tuple[str, World], tmp_path: Path) -> None:
    base, world = served
    photo = tmp_path / "anh-bao-bi.png"
    photo.write_bytes(PNG)
    requests: list[str] = []
    with chromium() as browser:
        context = browser.new_context(viewport=NARROW, java_script_enabled=False)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base + "/feedback")
        assert "Phản ánh về nông sản" in page.locator("h1").inner_text()
        assert _fits(page)
        page.click("#feedback-form button[type=submit]")  # the browser asks for a text first
        assert page.url.endswith("/feedback")
        page.select_option("#kind", "safety")
        page.fill("#code", "/01/08931234000356/10/CF-26")
        page.fill("#message", "Có mùi lạ sau khi pha")
        page.fill("#contact", "0912 345 678")
        page.set_input_files("#photo", str(photo))
        page.click("#feedback-form button[type=submit]")
        code = page.locator("#ticket-code").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
        assert _fits(page)
        page.screenshot(path=str(SHOTS / "feedback-sent-360.png"), full_page=True)
        page.click("#to-status")
        page.fill("#ticket_code", code.lower().replace("-", " "))
        page.click("#lookup-form button[type=submit]")
        assert page.locator("#report-state").get_attribute("data-state") == "new"
        assert "An toàn thực phẩm" in page.locator("#report-state").inner_text()
        assert code not in page.url and "ticket" not in page.url  # the code is in no URL
        assert "0912" not in page.content() and "mùi lạ" not in page.content()
        assert _fits(page)
        # the owner answers; the reporter looks again, in English
        answered = world.client.post("/coop/tickets/2/close", headers=world.auth("highland"),
                                     data={"answer": "Lô đã được thu hồi để kiểm tra"})
        assert answered.status_code == 200, answered.text
        page.goto(base + "/feedback/status?lang=en")
        page.fill("#ticket_code", code)
        page.click("#lookup-form button[type=submit]")
        assert page.locator("#report-state").get_attribute("data-state") == "answered"
        assert "Answer from HTX Cà phê Ẳng Nưa" in page.locator("#answer").inner_text()
        assert page.locator("#steps li").count() == 2  # received, answered
        assert _fits(page)
        page.screenshot(path=str(SHOTS / "feedback-status-360.png"), full_page=True)
        # a mistyped code says so, in the reader's language
        page.fill("#ticket_code", "0000-0000-0000-0000")
        page.click("#lookup-form button[type=submit]")
        assert "No report has this ticket code" in page.locator("#not-found").inner_text()
        context.close()
    assert requests and all(url.startswith(base) for url in requests)  # no external request
