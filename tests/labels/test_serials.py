"""Serialized stamps: unique, unguessable, readable serials and the printing-house CSV."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import CSET82, Gtin, InvalidIdentifier, Lot, Serial
from agritrace.labels import serials as serials_module
from agritrace.labels.serials import (
    ALPHABET,
    CSV_COLUMNS,
    DEFAULT_LENGTH,
    Stamp,
    entropy_bits,
    issue_serials,
    iter_serials,
    stamps,
    write_csv,
)
from agritrace.web.i18n import Translator

GTIN = Gtin.parse("8931234567897")


def test_alphabet_has_no_look_alikes_and_is_in_set_82() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    assert set(ALPHABET) <= CSET82
    assert not set(ALPHABET) & set("01ILOU")
    assert ALPHABET.upper() == ALPHABET


def test_entropy_is_stated() -> None:
    assert entropy_bits() == pytest.approx(12 * math.log2(30))
    assert round(entropy_bits(), 2) == 58.88
    assert round(entropy_bits(20), 1) == 98.1
    # one guess in 5.3e11 hits one of a million issued serials
    assert pytest.approx(5.31e11, rel=0.01) == 30**DEFAULT_LENGTH / 1_000_000


def test_a_large_batch_is_unique_valid_and_evenly_spread() -> None:
    batch = issue_serials(100_000)
    assert len(set(batch)) == 100_000
    assert all(len(s) == DEFAULT_LENGTH and Serial.parse(s).value == s for s in batch)
    counts = Counter("".join(batch))
    expected = 100_000 * DEFAULT_LENGTH / len(ALPHABET)  # 40,000 each; sd about 197
    assert set(counts) == set(ALPHABET)
    assert all(abs(n - expected) < 0.05 * expected for n in counts.values())
    for position in (0, DEFAULT_LENGTH - 1):  # no position is biased either
        at = Counter(s[position] for s in batch)
        assert all(abs(n - 100_000 / 30) < 0.15 * 100_000 / 30 for n in at.values())


def test_two_batches_do_not_repeat() -> None:
    assert not set(issue_serials(10_000)) & set(issue_serials(10_000))


@given(st.integers(8, 20), st.integers(0, 50))
def test_length_and_count(length: int, count: int) -> None:
    batch = issue_serials(count, length=length)
    assert len(batch) == len(set(batch)) == count
    assert all(len(s) == length for s in batch)


def test_collisions_within_the_batch_and_with_existing_are_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws: Iterator[int] = iter([0, 0, 1, 2, 0, 3])
    monkeypatch.setattr(serials_module.secrets, "randbelow", lambda _: next(draws))
    existing = {"322222222222"}  # what draw 1 spells: "3" is the alphabet's second symbol
    assert issue_serials(3, existing=existing) == ["222222222222", "422222222222", "522222222222"]


def test_existing_only_needs_membership() -> None:
    class Store:
        def __init__(self) -> None:
            self.asked = 0

        def __contains__(self, item: object) -> bool:
            self.asked += 1
            return False

    store = Store()
    assert len(issue_serials(25, existing=store)) == 25
    assert store.asked == 25


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1}, "Invalid serial count -1: expected 0 or more."),
        ({"count": 1, "length": 7},
         "Invalid serial length 7: expected 8 to 20 (AI 21 holds 20 characters; fewer than 8 "
         "are guessable)."),
        ({"count": 1, "length": 21},
         "Invalid serial length 21: expected 8 to 20 (AI 21 holds 20 characters; fewer than 8 "
         "are guessable)."),
        ({"count": 1, "alphabet": "AB#"},
         "Invalid serial alphabet 'AB#': expected 2 or more distinct characters of GS1 "
         "character set 82, found ['#']."),
        ({"count": 1, "alphabet": "AA"},
         "Invalid serial alphabet 'AA': expected 2 or more distinct characters of GS1 "
         "character set 82, found repeats."),
        ({"count": 300, "alphabet": "AB", "length": 8},
         "Invalid serial count 300: expected at most 0 serials of 8 characters, so that they "
         "stay unguessable."),
    ],
)
def test_bad_requests_are_refused_at_once(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        iter_serials(**kwargs)  # type: ignore[arg-type]
    assert caught.value.detail == message


def test_csv_for_the_printing_house() -> None:
    batch = issue_serials(1_000)
    out = io.StringIO(newline="")
    written = write_csv(stamps(GTIN, Lot("LOT2026A"), batch), out, "https://truyxuat.example.vn")
    assert written == 1_000
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["serial"] for r in rows] == batch
    assert [r["seq"] for r in rows] == [str(i) for i in range(1, 1_001)]
    for row in rows:
        link = DigitalLink.parse(row["digital_link"])
        assert row["digital_link"] == (
            f"https://truyxuat.example.vn/01/08931234567897/10/LOT2026A/21/{row['serial']}")
        assert link == Stamp(GTIN, Lot("LOT2026A"), Serial(row["serial"])).link
        assert DigitalLink.from_element_string(row["element_string"]) == link
    assert out.getvalue().count("\r\n") == 1_001


def test_csv_neutralises_formula_cells_but_keeps_exact_links() -> None:
    out = io.StringIO(newline="")
    write_csv([Stamp(GTIN, Lot("=1+2"), Serial("-A")), Stamp(GTIN, None, Serial("B"))], out,
              "http://127.0.0.1:8000")
    first, second = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert (first["lot"], first["serial"]) == ("'=1+2", "'-A")
    assert first["digital_link"] == "http://127.0.0.1:8000/01/08931234567897/10/%3D1%2B2/21/-A"
    assert first["element_string"] == "(01)08931234567897(10)=1+2(21)-A"
    assert (second["lot"], second["digital_link"]) == (
        "", "http://127.0.0.1:8000/01/08931234567897/21/B")


def test_stamps_validate_each_serial() -> None:
    with pytest.raises(InvalidIdentifier, match="Invalid serial 'a b'"):
        list(stamps(GTIN, None, ["OK1", "a b"]))


@pytest.mark.parametrize(("kwargs", "vietnamese"), [
    ({"count": -1}, "0 tem trở lên"),
    ({"count": 1, "length": 7}, "từ 8 đến 20 ký tự"),
    ({"count": 1, "alphabet": "AB#"}, "bộ ký tự GS1 82"),
    ({"count": 300, "alphabet": "AB", "length": 8}, "không quá 0 số sê-ri dài 8 ký tự"),
])
def test_a_refused_request_is_said_in_vietnamese_first(kwargs: dict[str, object],
                                                       vietnamese: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        iter_serials(**kwargs)  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert vietnamese in Translator("vi").expected(problem)
    assert Translator("en").expected(problem) == problem.expected  # the API's English
