"""Issue 15: what the services say about a wrong input reaches a page in the reader's language.

Each case is a page a person met with English inside Vietnamese ("Cần: an amount above 0 and at
most 5000 kg/ha", "(Decision 278/QĐ-BNN-BVTV of 08/02/2017)", "Lò Văn A is a farmer; only a
manager…", the season overlap, the import of a file that is no table); the Vietnamese page must
hold no English sentence and the English page none of the Vietnamese one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from sqlalchemy import Engine

from agritrace.web.i18n import COOKIE
from tests.web.farm_site import Site, event_count, make_site

# Words of an English sentence that no Vietnamese page text uses (names and codes aside).
_ENGLISH = re.compile(r"\b(the|expected|found|is|only|may|must|already|above|at most|was|"
                      r"of|and|not|nothing|still open|refused)\b")


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, styles, tags or attributes; the switch to the other
    language (its own name) and a text marked as English (a cited title) left out."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r'(?s)<(cite|span|q)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", html)
    html = re.sub(r'(?s)<a [^>]*hreflang="[^"]*"[^>]*>.*?</a>', " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html))


def english_in(html: str) -> list[str]:
    """The English on a Vietnamese page: the words of the list above, and each text that reads
    as English prose whatever its words (:func:`looks_english`)."""
    text = visible_text(html).replace("English", "")
    prose = {node for node in text_nodes(html) if looks_english(node)}
    return sorted({m.group(0) for m in _ENGLISH.finditer(text)} | prose)


# What a reader reads outside the text between tags: a field's hint, a tooltip, a picture's text.
_READ_ATTRIBUTES = re.compile(r'\b(?:placeholder|title|alt|aria-label)="([^"]*)"')
# A word of prose: two or more ASCII letters, not in capitals (EUDR, OCOP, API are names).
_PROSE_WORD = re.compile(r"\(?(?:[a-z]{2,}|[A-Z][a-z]+)(?:'s)?[.,;:!?)]*")


def text_nodes(html: str) -> list[str]:
    """Each text a reader sees on its own (between tags, or in an attribute a reader reads),
    with what :func:`visible_text` leaves out left out."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", "<>", html)
    html = re.sub(r'(?s)<(cite|span|q)\b[^>]*\blang="en"[^>]*>.*?</\1>', "<>", html)
    html = re.sub(r'(?s)<a [^>]*hreflang="[^"]*"[^>]*>.*?</a>', "<>", html)
    said = [*_READ_ATTRIBUTES.findall(html), *re.split(r"(?s)<[^>]*>", html)]
    nodes = (re.sub(r"\s+", " ", unescape(text)).strip() for text in said)
    return [node for node in nodes if node]


def looks_english(text: str) -> bool:
    """Prose with no Vietnamese letter: three or more words of plain ASCII letters, at least half
    of what it says (a name, a code, a number or a unit is not prose; Vietnamese data such as
    'Nương cà phê Lò Văn A' has its diacritics).

    >>> looks_english("Please scan this code again later"), looks_english("Lò Văn A")
    (True, False)
    >>> looks_english("urn:epc:id:sgln:8938612.10001.0"), looks_english("GS1 EPCIS 2.0 API")
    (False, False)
    """
    if any(ch.isalpha() and not ch.isascii() for ch in text):
        return False
    tokens = text.split()
    words = [t for t in tokens if _PROSE_WORD.fullmatch(t)]
    return len(words) >= 3 and 2 * len(words) >= len(tokens)


def untranslated(vietnamese: str, english: str) -> list[str]:
    """The texts of a page's Vietnamese rendering that its English rendering shows the same and
    that read as English prose: a sentence the page never translated, whatever its words (the
    word list of :func:`english_in` misses a sentence that avoids its words)."""
    in_english = set(text_nodes(english))
    return sorted({node for node in text_nodes(vietnamese)
                   if node in in_english and looks_english(node)})


@dataclass(frozen=True)
class Case:
    """A page to render: who signs in, what is sent, what each language must say."""

    who: str
    send: Callable[[Site], Any]
    vi: str
    en: str


def _fertilizing(site: Site) -> Any:
    url = f"/my/plots/{site.coop.plot_a.id}/fertilizing"
    return site.client.post(url, data={"idempotency_key": site.form_key(url), "on": "2026-04-05",
                                       "product": "Urê", "amount": "-5", "unit": "kg/ha"})


def _paraquat(site: Site) -> Any:
    url = f"/my/plots/{site.coop.plot_a.id}/spraying"
    return site.client.post(url, data={"idempotency_key": site.form_key(url), "on": "2026-06-10",
                                       "product": "Gramoxone 20SL", "dose": "2",
                                       "dose_unit": "l/ha"})


def _no_season(site: Site) -> Any:
    url = f"/my/plots/{site.coop.plot_a.id}/pest_observation"
    return site.client.post(url, data={"idempotency_key": site.form_key(url), "on": "2020-01-10",
                                       "pest": "rệp sáp"})


def _overlap(site: Site) -> Any:
    return site.client.post("/coop/seasons", data={"plot": site.coop.plot_b.uri,
                                                   "start": "2026-11-15"})


def _reports_as_farmer(site: Site) -> Any:
    return site.client.get("/reports/eudr")


def _empty_import(site: Site) -> Any:
    return site.client.post("/coop/import", data={"kind": "members"},
                            files={"file": ("thanh-vien.csv", b"\xef\xbb\xbf")})  # Excel's BOM


CASES = {
    "amount": Case("a", _fertilizing, "Cần: lượng lớn hơn 0 và không quá 5.000 kg/ha",
                   "Expected an amount above 0 and at most 5,000 kg/ha"),
    "banned": Case("a", _paraquat, "(Quyết định 278/QĐ-BNN-BVTV ngày 08/02/2017)",
                   "(Decision 278/QĐ-BNN-BVTV of 08/02/2017)"),
    "season": Case("a", _no_season, "có ngày 10/01/2020", "covering 10 Jan 2020"),
    "overlap": Case("office", _overlap,
                    "Thửa Nương B đã có mùa vụ từ 01/02/2026 đến nay (chưa đóng)",
                    "The plot Nương B already has a season from 1 Feb 2026, still open"),
    "role": Case("a", _reports_as_farmer, "Tài khoản này không được xem báo cáo",
                 "This account may not see the cooperative&#39;s reports"),
    "import": Case("office", _empty_import, "Tệp thanh-vien.csv không có dữ liệu",
                   "thanh-vien.csv is empty"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_refusal_is_said_in_the_readers_language_only(engine: Engine, name: str) -> None:
    case = CASES[name]
    site = make_site(engine)
    site.sign_in(case.who)
    vietnamese = case.send(site)
    assert 400 <= vietnamese.status_code < 500
    assert case.vi in vietnamese.text
    assert english_in(vietnamese.text) == [], visible_text(vietnamese.text)
    site.client.cookies.set(COOKIE, "en")
    english = case.send(site)
    assert case.en in english.text
    assert case.vi not in english.text and "Cần:" not in english.text
    assert untranslated(vietnamese.text, english.text) == []
    assert "đã nhập" not in english.text and "Quyết định" not in english.text
    assert event_count(engine) == 0  # a refusal leaves nothing behind


def test_the_consumer_page_names_a_wrong_check_digit_without_english(engine: Engine) -> None:
    site = make_site(engine)
    page = site.client.get("/01/08931234000357")
    assert page.status_code == 400 and english_in(page.text) == [], visible_text(page.text)
    english = site.client.get("/01/08931234000357?lang=en").text
    assert "expected check digit 6, found 7" in english and "không hợp lệ" not in english


def test_the_detector_sees_english_that_avoids_its_word_list() -> None:
    """An English sentence left in a template, in neither catalogue: the word list passes it,
    the comparison of the page's two languages does not."""
    template = "<main><h1>{title}</h1><p>Please scan this code again later</p>" \
               '<input placeholder="Type your phone number here"></main>'
    vietnamese = template.format(title="Truy xuất nguồn gốc")
    english = template.format(title="Product traceability")
    assert not _ENGLISH.search(visible_text(vietnamese))  # the word list alone missed it
    said = ["Please scan this code again later", "Type your phone number here"]
    assert english_in(vietnamese) == said
    assert untranslated(vietnamese, english) == said
    # names, codes and figures the same in both languages are not prose
    same = "<p>Lò Văn A</p><p>urn:epc:id:sgln:8938612.10001.0</p><p>GS1 EPCIS 2.0 API</p>"
    assert untranslated(same, same) == []


def test_the_detector_sees_the_english_the_issue_quoted() -> None:
    assert {"above", "at most"} <= set(english_in(
        "<p>Cần: an amount above 0 and at most 5000 kg/ha</p>"))
    assert english_in('<p>Lò Văn A là nông dân</p><a hreflang="en" href="?lang=en">English</a>'
                      ) == []


def _statement() -> Any:
    from agritrace.reports.eudr import CommodityLine, PlotRecord, statement

    crossing = {"type": "Polygon", "coordinates": [[[103.3, 21.5], [103.31, 21.51],
                                                    [103.31, 21.5], [103.3, 21.51],
                                                    [103.3, 21.5]]]}
    plot = PlotRecord("urn:x:plot:1", "Lò Văn A", "VN", "Mường Ảng", crossing, 1.0)
    return statement("SELLING", [CommodityLine("coffee", "cà phê", 0, ("urn:x:plot:1",
                                                                       "urn:x:plot:9"))],
                     [plot])


def _no_org(engine: Engine) -> Any:
    from agritrace.store.orgs import ensure_organization, find_organization

    ensure_organization(engine, "HTX Cà phê Mường Ảng")
    return find_organization(engine, "HTX ca phe Muong Ang 2")


def _unknown_field(engine: Engine) -> Any:
    from agritrace.farm.record import build_entry

    return build_entry("fertilizing", {"colour": "xanh"}, "Lò Văn A")


def _stamps(engine: Engine) -> Any:
    from agritrace.labels.stamps import stamp_links

    return stamp_links(["https://id.gs1.org/01/08931234000357", "/01/08931234000356"])


def _layout(engine: Engine) -> Any:
    from agritrace.labels.sheets import layout_named

    return layout_named("9x9")


def _offer(engine: Engine) -> Any:
    from agritrace.market.offers import check_offer

    return check_offer({"price": "12,5k", "currency": "ĐỒNG", "availability": "soon"})


# Each service message the issue found in English on Vietnamese screens (and in the CLI), with
# a sentence each language must hold.
SERVICES: dict[str, tuple[Callable[[Engine], Any], str, str]] = {
    "organization": (_no_org, "Có phải là: 'HTX Cà phê Mường Ảng'?",
                     "Did you mean: 'HTX Cà phê Mường Ảng'?"),
    "statement": (lambda _engine: _statement(), "khối lượng tịnh (kg) lớn hơn 0",
                  "a net mass in kg above 0"),
    "unknown field": (_unknown_field, "đã nhập một trường mà loại này không có",
                      "found an unknown field"),
    "stamps": (_stamps, "Có mã không phải là tem", "Some codes are not stamps"),
    "layout": (_layout, "Không có khổ nhãn '9x9'", "Unknown label layout '9x9'"),
    "offer": (_offer, "cần một số, ví dụ 125000", "expected a number such as 125000"),
}


@pytest.mark.parametrize("name", list(SERVICES))
def test_a_service_refusal_has_both_languages(engine: Engine, name: str) -> None:
    """Issue 15: the organization-not-found error, the EUDR statement's checks, an unknown
    diary field, stamps and label sheets said their problems in English only. Each is said
    whole in either language (a page, the CLI); the API's detail holds both."""
    from agritrace.errors import AgritraceError
    from agritrace.web.i18n import Translator

    make, vi, en = SERVICES[name]
    with pytest.raises(AgritraceError) as caught:
        make(engine)
    exc = caught.value

    def said(lang: str) -> str:
        t = Translator(lang)
        return "\n".join([t.detail(exc, "problem_nothing"), *map(t.problem, exc.problems)])

    vietnamese, english = said("vi"), said("en")
    assert vi in vietnamese and english_in(f"<p>{vietnamese}</p>") == [], vietnamese
    assert en in english and vi not in english and "cần" not in english, english
    assert exc.key is not None and " / " in exc.detail  # the API: Vietnamese, then English
