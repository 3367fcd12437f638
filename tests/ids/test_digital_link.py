"""GS1 Digital Link: the official examples' links, round trips, agreement with biip, errors."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from hypothesis import given
from hypothesis import strategies as st

from agritrace.ids.digital_link import DigitalLink, is_canonical
from agritrace.ids.gs1 import CSET82, Gln, GlnExtension, Gtin, InvalidIdentifier, Lot, Serial, Sscc
from tests.conformance import ids, json_examples, needs_files, xml_examples

# Any http(s) URI whose first path segment is a GS1 primary-key AI of GS1 Digital Link 1.2.
_GS1_KEYS = "01|00|414|8004|8003|253|255|401|402|417|8006|8010|8013|8017|8018"
_DL = re.compile(rf"https?://[A-Za-z0-9.\-]+/(?:{_GS1_KEYS})/[^\s\"<'&]+")
_OURS = re.compile(r"^https?://[^/]+/(01|00|414)/")


def _official_files() -> list[Path]:
    return [p for p in json_examples() + xml_examples() if _DL.search(p.read_text("utf-8"))]


OFFICIAL = _official_files()


@needs_files
@pytest.mark.parametrize("path", OFFICIAL, ids=ids(OFFICIAL))
def test_every_digital_link_in_the_official_examples(path: Path) -> None:
    for uri in sorted(set(_DL.findall(path.read_text("utf-8")))):
        if not _OURS.match(uri):
            with pytest.raises(InvalidIdentifier, match=r"expected a primary key 01 \(GTIN\)"):
                DigitalLink.parse(uri)
            continue
        link = DigitalLink.parse(uri)
        assert link.path == urlsplit(uri).path
        assert is_canonical(uri)
        assert GS1DigitalLinkURI.parse(uri).as_canonical_uri() == link.canonical_uri()
        assert DigitalLink.from_element_string(link.element_string()) == link


@needs_files
def test_the_official_examples_hold_links_of_every_key_we_serve() -> None:
    found = {
        m.group(1)
        for p in OFFICIAL
        for uri in _DL.findall(p.read_text("utf-8"))
        if (m := _OURS.match(uri))
    }
    assert found == {"01", "414"}  # no SSCC link in them: SSCC is covered below


def _no_ai_marker(value: str) -> bool:
    # "(10)" inside a value cannot be told from the next element in a bracketed string.
    return re.search(r"\((00|01|10|21|254|414)\)", value) is None


_SET82 = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)
_gtins = st.from_regex(r"\A[0-9]{13}\Z").map(Gtin.from_payload)
_links = st.one_of(
    st.builds(DigitalLink, _gtins, st.none() | _SET82.map(Lot), st.none() | _SET82.map(Serial)),
    st.builds(DigitalLink, st.from_regex(r"\A[0-9]{17}\Z").map(lambda p: Sscc.parse(
        p + str(_check(p))))),
    st.builds(
        DigitalLink, st.from_regex(r"\A[0-9]{12}\Z").map(lambda p: Gln.parse(p + str(_check(p)))),
        extension=st.none() | _SET82.map(GlnExtension),
    ),
)


def _check(payload: str) -> int:
    return -sum(int(d) * (3 - 2 * (i % 2)) for i, d in enumerate(reversed(payload))) % 10


@given(_links, st.sampled_from(["http://127.0.0.1:8000", "https://truyxuat.example.vn/",
                                "https://agritrace.example.org/dl"]))
def test_uri_round_trip_on_any_host(link: DigitalLink, base: str) -> None:
    uri = link.uri(base)
    assert uri.startswith(base.rstrip("/") + "/")
    assert DigitalLink.parse(uri) == link
    assert is_canonical(uri)


@given(_links)
def test_element_string_round_trips(link: DigitalLink) -> None:
    assert DigitalLink.from_element_string(link.barcode_data()) == link
    if all(_no_ai_marker(v) for _, v in link.pairs()):
        assert DigitalLink.from_element_string(link.element_string()) == link


@given(_links)
def test_agrees_with_biip(link: DigitalLink) -> None:
    theirs = GS1DigitalLinkURI.parse(link.uri("https://example.com"))
    assert [(e.ai.ai, e.value) for e in theirs.element_strings] == link.pairs()
    assert theirs.as_canonical_uri() == link.canonical_uri()
    assert theirs.as_gs1_message().as_hri() == link.element_string()


def test_the_issue_example() -> None:
    uri = "https://truyxuat.example.vn/01/08931234567897/10/LOT2026A/21/X7K9Q2"
    link = DigitalLink.parse(uri)
    assert link.key == Gtin("08931234567897")
    assert link.lot == Lot("LOT2026A") and link.serial == Serial("X7K9Q2")
    assert link.element_string() == "(01)08931234567897(10)LOT2026A(21)X7K9Q2"
    assert link.barcode_data() == "010893123456789710LOT2026A\x1d21X7K9Q2"
    assert link.uri("https://truyxuat.example.vn") == uri
    assert link.canonical_uri() == "https://id.gs1.org/01/08931234567897/10/LOT2026A/21/X7K9Q2"


@pytest.mark.parametrize(
    ("given_uri", "canonical_path"),
    [
        ("https://x.vn/01/8931234567897", "/01/08931234567897"),  # GTIN-13 widened
        ("https://x.vn/01/96385074/21/1", "/01/00000096385074/21/1"),  # GTIN-8
        ("https://x.vn/gtin/08931234567897/lot/A/ser/B", "/01/08931234567897/10/A/21/B"),
        ("https://x.vn/01/08931234567897/", "/01/08931234567897"),  # trailing slash
        ("https://x.vn/01/08931234567897/10/L%31", "/01/08931234567897/10/L1"),  # needless %
        ("https://x.vn/sscc/389312340000000012", "/00/389312340000000012"),
        ("https://x.vn/gln/8931234000004/glnx/kho-2", "/414/8931234000004/254/kho-2"),
    ],
)
def test_lenient_forms_are_read_and_not_canonical(given_uri: str, canonical_path: str) -> None:
    assert DigitalLink.parse(given_uri).path == canonical_path
    assert not is_canonical(given_uri)


def test_path_prefix_query_and_fragment() -> None:
    link = DigitalLink.parse("https://x.vn/t/01/08931234567897/10/A?linkType=gs1:pip#top")
    assert link.path == "/01/08931234567897/10/A"
    assert is_canonical("https://x.vn/t/01/08931234567897/10/A?linkType=all")
    assert DigitalLink.parse("/01/08931234567897/10/A?x=1") == link


@pytest.mark.parametrize(
    ("value", "encoded"),
    [("A/B", "A%2FB"), ("50%", "50%25"), ("a?b=c&d", "a%3Fb%3Dc%26d"),
     ("(x)*+,", "%28x%29%2A%2B%2C"), ("'!\"", "%27%21%22"), (":;<>", "%3A%3B%3C%3E"),
     ("a-b.c_d", "a-b.c_d")],
)
def test_percent_encoding_of_lot_and_serial(value: str, encoded: str) -> None:
    link = DigitalLink.for_gtin("8931234567897", value, value)
    assert link.path == f"/01/08931234567897/10/{encoded}/21/{encoded}"
    assert DigitalLink.parse(link.uri("https://x.vn")) == link


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("https://x.vn/01/08931234567890",
         "Invalid GTIN check digit for '08931234567890': expected 7, got 0."),
        ("https://x.vn/about",
         "Invalid GS1 Digital Link 'https://x.vn/about': expected a primary key 01 (GTIN), "
         "00 (SSCC) or 414 (GLN) in the path, found '/about'."),
        ("https://x.vn/8004/0614141123",
         "Invalid GS1 Digital Link 'https://x.vn/8004/0614141123': expected a primary key "
         "01 (GTIN), 00 (SSCC) or 414 (GLN) in the path, found '/8004/0614141123'."),
        ("ftp://x.vn/01/08931234567897",
         "Invalid GS1 Digital Link 'ftp://x.vn/01/08931234567897': expected an http or https "
         "URI or a path starting with '/'."),
        ("https://x.vn/01/08931234567897/10",
         "Invalid GS1 Digital Link 'https://x.vn/01/08931234567897/10': expected a value "
         "after '10', found the end of the path."),
        ("https://x.vn/01/08931234567897/21/S/10/L",
         "Invalid GS1 Digital Link 'https://x.vn/01/08931234567897/21/S/10/L': expected each "
         "qualifier once in the order 22, 10, 21, found 21, 10."),
        ("https://x.vn/01/08931234567897/10/A/10/B",
         "Invalid GS1 Digital Link 'https://x.vn/01/08931234567897/10/A/10/B': expected each "
         "qualifier once in the order 22, 10, 21, found 10, 10."),
        ("https://x.vn/01/08931234567897/254/V",
         "Invalid GS1 identifier 'https://x.vn/01/08931234567897/254/V': after 01 (GTIN) "
         "expected qualifiers 22, 10, 21, found '254'."),
        ("https://x.vn/00/389312340000000012/21/1",
         "Invalid GS1 identifier 'https://x.vn/00/389312340000000012/21/1': after 00 (SSCC) "
         "expected no qualifier, found '21'."),
        ("https://x.vn/01/08931234567897/21/a%20b",
         "Invalid serial 'a b': expected characters of GS1 character set 82 "
         "(A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_), found ' '."),
        ("https://x.vn/01/08931234567897/10/123456789012345678901",
         "Invalid lot '123456789012345678901': expected at most 20 characters, found 21."),
    ],
)
def test_error_messages(uri: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        DigitalLink.parse(uri)
    assert caught.value.detail == message
    assert caught.value.status == 400


def test_error_names_the_segment() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        DigitalLink.parse("https://x.vn/01/08931234567897/21/a%20b")
    problem = caught.value.problems[0]
    assert (problem.path, problem.expected, problem.found) == (
        "/21", "GS1 character set 82", "' '")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(01)08931234567897(17)271231",  # AI 17 is not one we read: it stays in the GTIN
         "Invalid GTIN '08931234567897(17)271231': expected 8 or 12 or 13 or 14 digits, "
         "found non-digit characters."),
        ("01089312345678971727", "Invalid element string '01089312345678971727': expected an "
         "AI 00, 01, 10, 21, 254 or 414, found '1727'."),
        ("(10)A(21)B", "Invalid GS1 identifier '(10)A(21)B': expected exactly one primary key "
         "01 (GTIN), 00 (SSCC) or 414 (GLN), found none."),
        ("(01)08931234567897(414)8931234000004",
         "Invalid GS1 identifier '(01)08931234567897(414)8931234000004': expected exactly one "
         "primary key 01 (GTIN), 00 (SSCC) or 414 (GLN), found 01, 414."),
        ("(LOT)(10)A", "Invalid element string '(LOT)(10)A': expected '(' AI ')' value, with AIs "
         "00, 01, 10, 21, 254, 414."),
    ],
)
def test_element_string_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        DigitalLink.from_element_string(text)
    assert caught.value.detail == message


def test_element_strings_in_any_order_and_with_symbology_identifier() -> None:
    link = DigitalLink.from_element_string("(21)S1(01)08931234567897(10)L1")
    assert link.path == "/01/08931234567897/10/L1/21/S1"
    assert DigitalLink.from_element_string("]Q3010893123456789721S1\x1d10L1") == link


def test_lot_and_serial_qualify_a_gtin_only() -> None:
    with pytest.raises(InvalidIdentifier, match=r"A lot or serial qualifies a GTIN only\."):
        DigitalLink(Sscc.parse("389312340000000012"), lot=Lot("A"))
    with pytest.raises(InvalidIdentifier, match=r"A GLN extension \(254\) qualifies a GLN"):
        DigitalLink(Gtin.parse("8931234567897"), extension=GlnExtension("A"))


def test_base_url_must_be_http() -> None:
    with pytest.raises(InvalidIdentifier, match=r"Invalid base URL 'truyxuat\.vn'"):
        DigitalLink.for_gtin("8931234567897").uri("truyxuat.vn")


def test_a_variant_ai_22_is_a_qualifier_checked_and_left_out_of_the_path() -> None:
    link = DigitalLink.parse("https://x.vn/01/09506000134352/22/V1/10/L1/21/S1")
    assert link == DigitalLink.parse("/01/09506000134352/10/L1/21/S1")
    assert DigitalLink.parse("/gtin/9506000134352/cpv/V1").path == "/01/09506000134352"
    with pytest.raises(InvalidIdentifier) as caught:
        DigitalLink.parse("/01/09506000134352/10/L1/22/V1")  # 22 comes first
    assert caught.value.problems[0].path == "path"
    with pytest.raises(InvalidIdentifier) as caught:
        DigitalLink.parse("/01/09506000134352/22/" + "V" * 21)
    assert caught.value.problems[0].path == "/22"


@given(st.text(alphabet="AZaz09%Gg", min_size=1, max_size=12))
def test_a_percent_sign_must_start_an_escape(value: str) -> None:
    """``/10/A%G1`` was read as the lot ``A%G1`` and redirected to ``%25G1``: another lot."""
    path = f"/01/09506000134352/10/{value}"
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        with pytest.raises(InvalidIdentifier) as caught:
            DigitalLink.parse(path)
        assert caught.value.problems[0].path == "/10"
        return
    try:
        link = DigitalLink.parse(path)
    except InvalidIdentifier:
        return  # e.g. an escape of a character outside set 82, or a value too long
    assert DigitalLink.parse(link.path) == link
