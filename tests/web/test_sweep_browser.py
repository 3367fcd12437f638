"""Issue 15's sweep: every page a visitor, a farmer, a cooperative's office and a province officer
reach from their pages' links, over the whole demo (``agritrace demo``), in real headless
Chromium on a 360 px phone and a 1280 px desktop: nothing runs off the side of the screen, and
the Vietnamese page holds no English sentence. ``scripts/screenshots -k sweep`` keeps a picture
of each in docs/screenshots/sweep/ (docs/screenshots.md lists them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine

from agritrace.demo import load_demo
from agritrace.farm.demo import load_farm_demo
from agritrace.farm.shrimp_demo import load_shrimp_demo
from agritrace.province.demo import load_province_demo
from agritrace.reports.rice_demo import load_report_demos
from agritrace.web.pages.session import COOKIE
from tests.web.browser import SHOTS, chromium, serving_app, sqlite_only
from tests.web.test_i18n_messages import english_in, visible_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (360, 1280)
MAX_PAGES = 12
"""Pages per person, breadth first: their own pages and what those link to, not every plot."""
# Not pages a person reads in Vietnamese: files, the API and its docs, the switch of language,
# signing out, the machine-readable feeds and open data.
_SKIP = re.compile(r"\.(csv|xlsx|pdf|json|jsonld|geojson|xml|svg|png|txt)(\?|$)|^/(docs|redoc|"
                   r"openapi|events|queries|capture|log/|metrics|health|logout|feeds|open-data|"
                   r"embed)|[?&]lang=|/feed\.")


@dataclass
class Person:
    name: str
    start: list[str]
    token: str | None = None
    seen: list[str] = field(default_factory=list)


def _people(engine: Engine) -> list[Person]:
    """The demo, as ``agritrace demo`` loads it, and who signs in to what."""
    chain = load_demo(engine)
    farm = load_farm_demo(engine, chain)
    rice = load_report_demos(engine, chain)
    shrimp = load_shrimp_demo(engine)
    officer = load_province_demo(engine)
    role = {s.role: s.token for s in farm.sign_ins}
    bag = chain.bags[0].removeprefix("https://id.gs1.org")
    return [Person("visitor", ["/", bag, shrimp, "/catalogue"]),
            Person("farmer", ["/my"], role["farmer"]),
            Person("office", ["/coop"], role["manager"]),
            Person("rice-office", ["/coop"], rice.sign_ins[0].token),
            Person("province", ["/province"], officer.token)]


def walk(person: Person, visit: Callable[[str], Iterable[str]]) -> None:
    """Open the person's pages breadth first, up to :data:`MAX_PAGES`: ``visit`` opens one and
    gives the links on it."""
    queue = list(person.start)
    # Another query of a path already opened (a list filtered six ways) waits until every new
    # path is opened: twelve pages are to show twelve pages, not one list twelve times.
    later: list[str] = []
    while (queue or later) and len(person.seen) < MAX_PAGES:
        path = queue.pop(0) if queue else later.pop(0)
        if path in person.seen:
            continue
        if queue and path.split("?")[0] in {seen.split("?")[0] for seen in person.seen}:
            later.append(path)
            continue
        person.seen.append(path)
        queue += [link for link in visit(path) if link not in person.seen]


def _slug(path: str) -> str:
    """A picture's name: the path, a stamp's random serial left out (the same name each run)."""
    path = re.sub(r"/21/[^/?]+", "/21/serial", path)
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:60] or "home"


def _links(page: Page, base: str) -> Iterator[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    for href in hrefs:
        parts = urlsplit(href)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if href.startswith(base) and not _SKIP.search(path):
            yield path


# Numbers and dates as English or a program writes them, never in Vietnamese text: an ISO date
# (2026-11-06) or a decimal point before one or two digits (1.5 ha; Vietnamese writes 1,5 and
# its "." only separates thousands, before three digits).
# Identifiers (urn:epc:id:sgln:8931234.10001.0), versions after a name (EPCIS 2.0, CC BY 4.0)
# and a table's number (bảng 7.15) are left alone.
_FOREIGN_FORMS = re.compile(r"(?<![\w.:/-])(?<![A-Z] )(?<![A-Z]\w )(?<!bảng )"
                            r"(?:20\d\d-\d\d-\d\d|\d+\.\d{1,2})\b(?![.\d])")


def _not_vietnamese(html: str) -> list[str]:
    """What on a Vietnamese page is not said in Vietnamese: English sentences, and numbers
    or dates in English or ISO form, each shown with the words around it."""
    text = visible_text(html)
    found = [(f"English {said!r}", re.search(rf"(?<!\w){re.escape(said)}(?!\w)", text))
             for said in english_in(html)]
    found += [(f"the form {m.group(0)!r}", m) for m in _FOREIGN_FORMS.finditer(text)]
    # (an English hint or tooltip is said without context: it is not in the text between tags)
    return [f"{what} in '…{text[max(m.start() - 40, 0):m.end() + 40]}…'" if m else what
            for what, m in found[:4] if m or what.startswith("English")]


def _visit(page: Page, base: str, path: str, width: int, person: Person) -> list[str]:
    """Open ``path`` at ``width``; the faults seen there (none for data a program reads)."""
    answer = page.goto(base + path)
    if answer is None or not answer.headers.get("content-type", "").startswith("text/html"):
        return []  # data for programs (the indicators' JSON), not a page
    faults = []
    if answer.status >= 500 or (answer.status >= 400 and path in person.start):
        faults.append(f"{person.name} {path}: HTTP {answer.status}")
    if person.name in SIGNED_IN_HEADER and answer.status == 200 and not page.locator(
            'form[action="/logout"]').count():
        faults.append(f"{person.name} {path}: no sign-out in the page's header")
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > width:
        faults.append(f"{person.name} {path} at {width} px: {wide} px wide")
    if width < 600:
        faults += [f"{person.name} {path}: {fault}" for fault in _not_vietnamese(page.content())]
    page.screenshot(path=str(SHOTS / "sweep" / f"{person.name}-{_slug(path)}-{width}.jpg"),
                    full_page=width < 600, type="jpeg", quality=55)
    return faults


def _sweep(browser: Browser, base: str, person: Person) -> list[str]:
    """Visit the person's pages breadth first; the faults found, one line each."""
    faults: list[str] = []
    contexts = {width: browser.new_context(viewport={"width": width, "height": 800},
                                           is_mobile=width < 600, locale="vi-VN")
                for width in WIDTHS}
    for context in contexts.values():
        if person.token:
            context.add_cookies([{"name": COOKIE, "value": person.token, "url": base}])
    pages = {width: context.new_page() for width, context in contexts.items()}

    def visit(path: str) -> Iterator[str]:
        for width, page in pages.items():
            faults.extend(_visit(page, base, path, width, person))
        return _links(pages[WIDTHS[0]], base)
    walk(person, visit)
    for context in contexts.values():
        context.close()
    return faults


PEOPLE = ("visitor", "farmer", "office", "rice-office", "province")
# A member's pages, the cooperative's reports among them, keep the header with its sign-out.
SIGNED_IN_HEADER = ("farmer", "office", "rice-office")
# What each reaches, at least: its desk and the pages its navigation names (the office's
# reports from its own header, which they keep).
REACHED = {"visitor": {"/", "/catalogue"}, "farmer": {"/my"},
           "office": {"/coop", "/coop/members", "/coop/plots", "/coop/seasons", "/coop/import",
                      "/reports/eudr", "/reports/methane"},
           "rice-office": {"/reports/methane", "/coop"}, "province": {"/province"}}


@pytest.mark.parametrize("who", PEOPLE)
def test_every_page_from_the_navigation_fits_a_phone_and_speaks_vietnamese(
        engine: Engine, who: str) -> None:
    sqlite_only(engine)
    (person,) = [p for p in _people(engine) if p.name == who]
    (SHOTS / "sweep").mkdir(parents=True, exist_ok=True)
    with serving_app(engine) as base, chromium() as browser:
        faults = _sweep(browser, base, person)
    assert faults == [], "\n".join(faults)
    assert REACHED[who] <= set(person.seen), person.seen
    assert len(person.seen) >= 5, person.seen


def test_the_sweep_sees_an_english_hint_in_an_attribute() -> None:
    assert _not_vietnamese('<input placeholder="Type the code printed on the bag">') == [
        "English 'Type the code printed on the bag'"]


def test_the_sweep_sees_numbers_and_dates_not_written_as_vietnamese() -> None:
    said = _not_vietnamese("<p>Diện tích 4.50 ha, thu hoạch 2026-10-20, liều 1.5 l/ha</p>")
    assert [s.split(" in ")[0] for s in said] == [
        "the form '4.50'", "the form '2026-10-20'", "the form '1.5'"]
    assert _not_vietnamese("<p>4,50 ha; 5.000 kg; 20/10/2026; EPCIS 2.0; bảng 7.15; "
                           "urn:epc:id:sgln:8931234.10001.0</p>") == []
