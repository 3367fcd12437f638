"""GS1 keys: check digits on real GTINs, widening to GTIN-14, set 82, and the error texts."""

from __future__ import annotations

import string
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agritrace.errors import ValidationException
from agritrace.ids.gs1 import (
    CSET82,
    Gln,
    GlnExtension,
    Gtin,
    InvalidIdentifier,
    Lot,
    Serial,
    Sscc,
    check_digit,
    vietnam_gtin,
)


def _mod10(payload: str) -> int:
    """An independent statement of GS1 General Specifications 7.9.1, for comparison."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return -total % 10


# Real, printed GTINs from several GS1 member organisations, and ones we computed under 893.
REAL_GTINS = [
    ("4006381333931", "04006381333931"),  # EAN-13, GS1 Germany
    ("036000291452", "00036000291452"),  # UPC-A, GS1 US
    ("96385074", "00000096385074"),  # EAN-8
    ("9780201379624", "09780201379624"),  # ISBN as EAN-13 (Bookland 978)
    ("8931234567897", "08931234567897"),  # GS1 Vietnam 893, computed
    ("8930000000170", "08930000000170"),  # GS1 Vietnam 893, computed
    ("18931234567894", "18931234567894"),  # GTIN-14 with indicator 1, computed
]


@pytest.mark.parametrize(("printed", "gtin14"), REAL_GTINS)
def test_real_gtins_are_accepted_and_widened(printed: str, gtin14: str) -> None:
    assert Gtin.parse(printed).value == gtin14
    assert check_digit(printed[:-1]) == int(printed[-1]) == _mod10(printed[:-1])


def test_vietnamese_gtins() -> None:
    gtin = vietnam_gtin("123456789")
    assert gtin.value == "08931234567897"
    assert gtin.gtin13 == "8931234567897"
    assert gtin.is_vietnamese
    assert gtin.issuer == "GS1 Vietnam"
    assert Gtin.parse("18931234567894").is_vietnamese
    assert not Gtin.parse("4006381333931").is_vietnamese
    assert Gtin.parse("4006381333931").issuer == "GS1 Germany"


@given(st.text(alphabet=string.digits, min_size=13, max_size=13))
def test_check_digit_agrees_with_the_specification(payload: str) -> None:
    assert check_digit(payload) == _mod10(payload)
    assert Gtin.parse(payload + str(_mod10(payload))).value == payload + str(_mod10(payload))


@given(st.text(alphabet=string.digits, min_size=12, max_size=12), st.integers(1, 9))
def test_every_wrong_check_digit_is_refused(payload: str, shift: int) -> None:
    wrong = (_mod10(payload) + shift) % 10
    with pytest.raises(InvalidIdentifier):
        Gtin.parse(payload + str(wrong))


def test_wrong_check_digit_message_names_value_expected_found() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        Gtin.parse("08931234567890")
    assert caught.value.detail == (
        "Invalid GTIN check digit for '08931234567890': expected 7, got 0."
    )
    problem = caught.value.problems[0]
    assert (problem.path, problem.expected, problem.found) == ("gtin", "check digit 7", "0")
    assert isinstance(caught.value, ValidationException)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Gtin.parse("8931234567"),
         "Invalid GTIN '8931234567': expected 8 or 12 or 13 or 14 digits, found 10."),
        (lambda: Gtin.parse("89312345678 7"),
         "Invalid GTIN '89312345678 7': expected 8 or 12 or 13 or 14 digits, "
         "found non-digit characters."),
        (lambda: Gtin.parse("８９３１２３４５６７８９７"),
         "Invalid GTIN '８９３１２３４５６７８９７': expected 8 or 12 or 13 or 14 digits, "
         "found non-digit characters."),
        (lambda: Sscc.parse("389312340000000013"),
         "Invalid SSCC check digit for '389312340000000013': expected 2, got 3."),
        (lambda: Sscc.parse("38931234000000001"),
         "Invalid SSCC '38931234000000001': expected 18 digits, found 17."),
        (lambda: Gln.parse("8931234000005"),
         "Invalid GLN check digit for '8931234000005': expected 4, got 5."),
        (lambda: vietnam_gtin("12345678"),
         "Invalid Vietnamese GTIN body '12345678': expected 9 digits after 893."),
        (lambda: Gtin.from_payload("89312345"),
         "Invalid GTIN payload '89312345': expected 7, 11, 12 or 13 digits."),
        (lambda: Lot.parse(""), "Invalid lot '': expected 1 to 20 characters."),
        (lambda: Serial.parse("A" * 21),
         "Invalid serial 'AAAAAAAAAAAAAAAAAAAAA': expected at most 20 characters, found 21."),
        (lambda: Serial.parse("AB C#"),
         "Invalid serial 'AB C#': expected characters of GS1 character set 82 "
         "(A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_), found ' ', '#'."),
        (lambda: Lot.parse("Lô1"),
         "Invalid lot 'Lô1': expected characters of GS1 character set 82 "
         "(A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_), found 'ô'."),
    ],
)
def test_error_messages(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        call()
    assert caught.value.detail == message


def test_sscc_and_gln() -> None:
    sscc = Sscc.parse("389312340000000012")
    assert sscc.is_vietnamese and str(sscc) == "389312340000000012"
    assert Sscc.parse("106141412345678908").is_vietnamese is False
    gln = Gln.parse("8931234000004")
    assert gln.is_vietnamese and str(gln) == "8931234000004"


def test_set_82_is_exactly_82_characters() -> None:
    assert len(CSET82) == 82
    assert CSET82.issubset(string.printable)
    assert not CSET82 & set(" #$@[\\]^`{|}~")


@given(st.text(alphabet=sorted(CSET82), min_size=1, max_size=20))
def test_any_set_82_value_up_to_20_is_a_lot_serial_and_extension(value: str) -> None:
    assert Lot.parse(value).value == value
    assert Serial.parse(value).value == value
    assert GlnExtension.parse(value).value == value


@given(
    st.text(alphabet=sorted(CSET82), max_size=10),
    st.characters(exclude_characters=sorted(CSET82)),
    st.text(alphabet=sorted(CSET82), max_size=9),
)
def test_any_character_outside_set_82_is_refused(head: str, bad: str, tail: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        Serial.parse(head + bad + tail)
    assert repr(bad) in caught.value.detail


def test_problem_path_can_be_named_by_the_caller() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        Lot.parse("a b", field="/10")
    assert caught.value.problems[0].path == "/10"
