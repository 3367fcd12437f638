"""Issue 15: no English sentence on a Vietnamese page, whatever its words. Every page the sweep's
people reach over the whole demo is rendered in Vietnamese and in English; a text both show the
same that reads as English prose was never translated (tests.web.test_i18n_messages.untranslated).
The browser sweep checks the same pages for overflow with Chromium; this needs no browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.web.app import create_app
from agritrace.web.i18n import COOKIE as LANG_COOKIE
from agritrace.web.pages.session import COOKIE
from tests.web.browser import sqlite_only
from tests.web.test_i18n_messages import untranslated
from tests.web.test_sweep_browser import _SKIP, PEOPLE, Person, _people, walk

pytestmark = pytest.mark.slow


def _get(client: TestClient, path: str, lang: str) -> Response:
    """``path`` in ``lang``, chosen as a reader's earlier choice is (its cookie), so a redirect
    (to the sign-in page) keeps it."""
    client.cookies.set(LANG_COOKIE, lang)
    return client.get(path)


def _links(html: str) -> Iterator[str]:
    for href in re.findall(r'<a [^>]*\bhref="([^"]+)"', html):
        parts = urlsplit(unescape(href))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not parts.netloc and path.startswith("/") and not _SKIP.search(path):
            yield path


def _faults(client: TestClient, person: Person) -> list[str]:
    """Each untranslated text on the person's pages, with its page."""
    faults: list[str] = []

    def visit(path: str) -> list[str]:
        vietnamese = _get(client, path, "vi")
        if not vietnamese.headers.get("content-type", "").startswith("text/html"):
            return []
        english = _get(client, path, "en")
        faults.extend(f"{person.name} {path}: {text!r}"
                      for text in untranslated(vietnamese.text, english.text))
        return list(_links(vietnamese.text))
    walk(person, visit)
    return faults


@pytest.mark.parametrize("who", PEOPLE)
def test_no_page_leaves_an_english_text_untranslated(engine: Engine, who: str) -> None:
    sqlite_only(engine)  # the pages are the same on both engines; their tests cover each
    (person,) = [p for p in _people(engine) if p.name == who]
    app = create_app(Settings(database_url="sqlite://", base_url="http://testserver"), engine)
    with TestClient(app) as client:
        if person.token:
            client.cookies.set(COOKIE, person.token)
        faults = _faults(client, person)
    assert faults == [], "\n".join(faults)
    assert len(person.seen) >= 5, person.seen
