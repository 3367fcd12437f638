"""The rows behind the desk's figures in real headless Chromium, without JavaScript (issue 13):
the demo's officer signs in with the link the demo prints, follows one figure of each kind
(hectares, stamps, recalls, methane, diary entries by ingredient, OCOP products) on a 360 px
phone, and each list's rows add up to the figure clicked, with no horizontal overflow."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from agritrace.demo import load_demo
from agritrace.farm.demo import load_farm_demo
from agritrace.province.demo import Officer, load_province_demo
from agritrace.store.orgs import sign_in_link
from tests.web.browser import SHOTS, chromium, serving_app, sqlite_only

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 780}
#: One figure of each kind, as the desk links it: the list, and a part of the link's query that
#: picks the figure (the first such link on the page is clicked).
FIGURES = (("plots", "stage=registered_ha"), ("stamps", "what=issued"),
           ("recalls", "status=closed"), ("seasons", ""), ("compliance", "severity=refused"),
           ("products", "which=ocop"))


@pytest.fixture
def served(engine: Engine) -> Iterator[tuple[str, Officer, Engine]]:
    sqlite_only(engine)
    load_farm_demo(engine, load_demo(engine))
    officer = load_province_demo(engine)
    with serving_app(engine) as base:
        yield base, officer, engine


def _number(text: str) -> float:
    """A number as the Vietnamese page writes it: 1.100 and 4,50."""
    return float(text.strip().replace(".", "").replace(",", "."))


def test_the_officer_follows_each_kind_of_figure_to_rows_that_add_up(
        served: tuple[str, Officer, Engine]) -> None:
    base, officer, engine = served
    with chromium() as browser:
        context = browser.new_context(viewport=NARROW, java_script_enabled=False)
        page = context.new_page()
        page.goto(sign_in_link(engine, base, officer.token).url)  # as the demo prints it
        page.click("form.big button[type=submit]")
        page.goto(base + "/province")
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        followed = {}
        for name, pick in FIGURES:
            chosen = f'[href*="{pick}"]' if pick else ""  # (*="" matches no link)
            link = page.locator(f'a.rows[href*="/province/rows/{name}"]{chosen}').first
            figure = _number(link.inner_text())
            link.click()
            assert page.locator("h1").count() == 1 and "/province/rows/" + name in page.url
            rows = page.locator("#rows tbody tr").count()
            count = _number(re.sub(r"\D*$", "", page.locator("#count").inner_text().split(
                "·")[0]))
            assert rows == count, name  # one page holds them all here
            if name in ("plots", "seasons") and page.locator("#total").count():
                assert _number(page.locator("#total").inner_text()) == pytest.approx(
                    figure, abs=0.01), name
            else:
                assert count == figure, name
            assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], (
                name)
            followed[name] = count
            if name == "recalls":
                page.screenshot(path=str(SHOTS / "province-rows-recalls-vi.png"), full_page=True)
            page.go_back()
        context.close()
    # the demo's closed recall and its two refused entries are there to be followed
    assert followed["recalls"] == 1 and followed["compliance"] == 2
    assert followed["plots"] > 0
