"""EPC URN / Digital Link -> canonical Digital Link, against the reference normaliser on every
identifier in the official files, against biip's check digits, and on its error messages."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given, settings
from hypothesis import strategies as st

from agritrace.ids.epc import (
    InvalidIdentifier,
    canonical_id,
    check_digit,
    is_gs1_id,
    lenient_id,
)
from tests.conformance import SHARED, ids, needs_files

FILES = sorted(p for p in SHARED.rglob("*") if p.suffix in (".json", ".jsonld", ".xml"))
_IDENTIFIER = re.compile(r'(?:urn:epc:[a-z]+:[a-z]+:[^"<\s]+|https?://[^"<\s]+)')


def _identifiers(path: Path) -> list[str]:
    return sorted(set(_IDENTIFIER.findall(path.read_text(errors="ignore"))))


def _reference(uri: str) -> str | None:
    from epcis_event_hash_generator.dl_normaliser import normaliser

    logging.disable(logging.CRITICAL)
    try:
        result: str | None = normaliser(uri)
    finally:
        logging.disable(logging.NOTSET)
    return result


@needs_files
@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_every_identifier_in_the_official_files_normalises_as_the_reference(path: Path) -> None:
    for uri in _identifiers(path):
        expected = _reference(uri)
        assert lenient_id(uri) == (uri if expected is None else expected), uri
        # no official identifier is malformed, so capture never rejects an official file
        assert canonical_id(uri) == lenient_id(uri)
        assert is_gs1_id(uri) == (expected is not None)


# One identifier of each scheme, from the hash vectors (epclist_normalisation, AllGS1Keys).
@pytest.mark.parametrize("urn, link", [
    ("urn:epc:id:sgtin:4012345.011111.9876", "https://id.gs1.org/01/04012345111118/21/9876"),
    ("urn:epc:id:sscc:4012345.3111111111", "https://id.gs1.org/00/340123451111111111"),
    ("urn:epc:id:sgln:4012345.00005.122", "https://id.gs1.org/414/4012345000054/254/122"),
    ("urn:epc:id:sgln:4012345.00005.0", "https://id.gs1.org/414/4012345000054"),
    ("urn:epc:id:grai:4012345.00022.334455", "https://id.gs1.org/8003/04012345000221334455"),
    ("urn:epc:id:giai:4012345.ABC345", "https://id.gs1.org/8004/4012345ABC345"),
    ("urn:epc:id:gsrn:4012345.0000006765", "https://id.gs1.org/8018/401234500000067657"),
    ("urn:epc:id:gsrnp:4012345.0000000007", "https://id.gs1.org/8017/401234500000000074"),
    ("urn:epc:id:gdti:4012345.00009.PO-4711", "https://id.gs1.org/253/4012345000092PO-4711"),
    ("urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234",
     "https://id.gs1.org/8010/061414111111111111111-A%23%2F/8011/1234"),
    ("urn:epc:id:sgcn:4012345.99999.44", "https://id.gs1.org/255/401234599999044"),
    ("urn:epc:id:ginc:0614141.xyz47%2F11", "https://id.gs1.org/401/0614141xyz47%2F11"),
    ("urn:epc:id:gsin:4012345.222333444", "https://id.gs1.org/402/40123452223334442"),
    ("urn:epc:id:itip:4012345.011111.01.02.987",
     "https://id.gs1.org/8006/040123451111180102/21/987"),
    ("urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7'SDB",
     "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7'SDB"),
    ("urn:epc:id:pgln:999999999999.", "https://id.gs1.org/417/9999999999994"),
    ("urn:epc:class:lgtin:4012345.012345.Lot987",
     "https://id.gs1.org/01/04012345123456/10/Lot987"),
    ("urn:epc:idpat:sgtin:4054739.099914.*", "https://id.gs1.org/01/04054739999148"),
    ("urn:epc:idpat:itip:4012345.012345.01.02.*", "https://id.gs1.org/8006/040123451234560102"),
])
def test_each_scheme_and_its_digital_link_agree(urn: str, link: str) -> None:
    assert canonical_id(urn) == link
    assert canonical_id(link) == link
    assert canonical_id(link.replace("https://id.gs1.org", "http://scan.example.vn/r")) == link


@pytest.mark.parametrize("uri", [
    "https://example.com/about", "urn:uuid:3c1f1e6a-8d0b-4b55-9a1e-2f0f1f8c7a11",
    "urn:epc:id:adi:2.ABC.1", "urn:epc:idpat:sscc:4012345.*", "http://example.com/01/abc",
    "urn:epcglobal:cbv:bt:0614141073467:1152", "urn:epc:idpat:sgtin:4012345.*.*",
])
def test_other_uris_are_returned_unchanged(uri: str) -> None:
    assert canonical_id(uri) == uri
    assert not is_gs1_id(uri)


@pytest.mark.parametrize("written", [
    "https://example.com/gtin/9780345418913/ser/ab%21",
    "https://example.com/shop/01/09780345418913/21/ab!",
    "https://id.gs1.org/01/09780345418913/22/v1/10/L1/21/ab%21?linkType=all#top",
    "https://id.gs1.org/01/09780345418913/21/ab%21/",
    "urn:epc:id:sgtin:978034.0541891.ab!",
])
def test_every_way_of_writing_one_instance_gives_one_string(written: str) -> None:
    assert canonical_id(written) == "https://id.gs1.org/01/09780345418913/21/ab%21"


@pytest.mark.parametrize("uri, expected, found", [
    ("urn:epc:id:sgtin:0614141.10734.1",
     "company prefix and item reference of 13 digits together", "'0614141.10734'"),
    ("urn:epc:id:sscc:06141.1234567890",
     "company prefix and serial reference of 17 digits together", "'06141.1234567890'"),
    ("urn:epc:id:sgtin:0614141.107346",
     "3 dot-separated parts after 'urn:epc:…:sgtin:'", "'0614141.107346'"),
    ("urn:epc:id:sgtin:0614141.107346.abc/def",
     "serial of 1-20 characters of the GS1 character set", "'abc/def'"),
    ("urn:epc:id:sgtin:0614141.107346.123456789012345678901",
     "serial of 1-20 characters of the GS1 character set", "'123456789012345678901'"),
    ("urn:epc:id:itip:4012345.011111.1.02.987", "piece of 2 digits", "'1'"),
    ("https://id.gs1.org/01/10614141073465/21/2017", "GTIN check digit 4",
     "5 in '10614141073465'"),
    ("https://id.gs1.org/00/106141412345678907", "SSCC check digit 8",
     "7 in '106141412345678907'"),
    ("https://id.gs1.org/01/4012345111117", "GTIN check digit 8", "7 in '04012345111117'"),
    ("https://id.gs1.org/01/106141410734645", "GTIN of 8, 12, 13 or 14 digits",
     "'106141410734645'"),
    ("https://id.gs1.org/01/10614141073464/99/x",
     "a qualifier of (01) among ('22', '10', '21', '235')", "'99'"),
    ("https://id.gs1.org/414/0614141073467/254", "qualifier/value pairs after the (414) key",
     "'254'"),
])
def test_malformed_gs1_identifiers_are_named_with_what_was_expected(
        uri: str, expected: str, found: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        canonical_id(uri, path="epcList[2]")
    (problem,) = caught.value.problems
    assert (problem.path, problem.expected, problem.found) == ("epcList[2]", expected, found)
    assert str(caught.value).startswith(f"Invalid GS1 identifier {uri!r}\n  - epcList[2]: ")


def test_a_wrong_check_digit_is_still_normalised_for_hashing() -> None:
    written = "https://example.com/01/10614141073465/21/2017"
    assert lenient_id(written) == "https://id.gs1.org/01/10614141073465/21/2017"
    assert lenient_id("urn:epc:id:sgtin:0614141.10734.1") == "urn:epc:id:sgtin:0614141.10734.1"


@given(st.text("0123456789", min_size=1, max_size=17))
def test_check_digit_agrees_with_biip(digits: str) -> None:
    assert check_digit(digits) == gs1_standard_check_digit(digits)


def test_check_digit_reads_other_digits_as_int_does() -> None:
    """Callers check for ASCII digits first; past them the answer is still int()'s."""
    assert check_digit("06141410734\u0666") == check_digit("061414107346")
    with pytest.raises(ValueError, match="invalid literal"):
        check_digit("0614a")


_SERIAL = st.text(alphabet="!\"%&'()*+,-./0123456789:;<=>?ABCZ_abz", min_size=1, max_size=20)
_URN_ESCAPES = {c: f"%{ord(c):02X}" for c in "\"%&/<>?"}
_DL_ESCAPES = {c: f"%{ord(c):02x}" for c in "!\"#%&()*+,/:<>? "}


@settings(max_examples=150, deadline=None)
@given(prefix_length=st.integers(6, 12), digits=st.text("0123456789", min_size=13, max_size=13),
       serial=_SERIAL, host=st.sampled_from(["https://id.gs1.org", "https://qr.htx.vn/p",
                                             "http://example.com"]),
       short=st.booleans(), lot=st.booleans())
def test_an_sgtin_urn_and_any_digital_link_for_it_agree(
        prefix_length: int, digits: str, serial: str, host: str, short: bool,
        lot: bool) -> None:
    prefix, item = digits[1 : 1 + prefix_length], digits[0] + digits[1 + prefix_length :]
    gtin = digits + str(gs1_standard_check_digit(digits))
    urn = (f"urn:epc:id:sgtin:{prefix}.{item}."
           + "".join(_URN_ESCAPES.get(c, c) for c in serial))
    encoded = "".join(_DL_ESCAPES.get(c, c) for c in serial)
    link = (f"{host}/{'gtin' if short else '01'}/{gtin}"
            + ("/10/LOT1" if lot else "") + f"/{'ser' if short else '21'}/{encoded}?q=1")
    expected = canonical_id(urn)
    assert expected.startswith(f"https://id.gs1.org/01/{gtin}/21/")
    assert canonical_id(link) == expected
