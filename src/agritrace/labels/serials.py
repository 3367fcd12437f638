"""Serialized stamps: unique, unguessable AI 21 serials, and the CSV a printing house needs.

A serial is drawn with :mod:`secrets` from an alphabet that people can read back from a
scratched stamp: digits 2-9 and capital letters without ``I``, ``L``, ``O`` and ``U`` (so no
0/O, 1/I/l, U/V mix-ups). That is 30 symbols, every one in GS1 character set 82, and QR codes
of upper-case text stay small. The default length of 12 carries
``12 × log2(30) ≈ 58.9`` bits: with a million stamps issued for a GTIN, a forger guessing at
random hits an issued serial once in about 5.3 × 10¹¹ tries.

>>> len(issue_serials(3))
3
>>> round(entropy_bits(12), 1)
58.9
"""

from __future__ import annotations

import csv
import math
import secrets
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import (
    CSET82,
    MAX_ALPHANUMERIC,
    Gtin,
    InvalidIdentifier,
    Lot,
    Serial,
)
from agritrace.web.i18n import expect

#: Digits and capitals a person will not confuse with one another (no 0 1 I L O U).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
DEFAULT_LENGTH = 12
#: Below this a serial is too easy to guess (8 × log2(30) ≈ 39 bits).
MIN_LENGTH = 8
#: The space must stay at least this many times larger than what it holds, so a fresh draw
#: almost never collides and issuing never slows to a crawl.
_HEADROOM = 1_000

CSV_COLUMNS = ("seq", "gtin", "lot", "serial", "digital_link", "element_string")


def entropy_bits(length: int = DEFAULT_LENGTH, alphabet: str = ALPHABET) -> float:
    """Bits of randomness in one serial: ``length × log2(len(alphabet))``."""
    return length * math.log2(len(alphabet))


def iter_serials(
    count: int,
    *,
    existing: Container[str] = frozenset(),
    length: int = DEFAULT_LENGTH,
    alphabet: str = ALPHABET,
) -> Iterator[str]:
    """Yield ``count`` new serials, distinct from each other and from ``existing``.

    ``existing`` only needs ``in``: a set, or an object that asks the store. Memory grows with
    ``count`` (the serials of this batch are remembered to refuse repeats), not with
    ``existing``.
    """
    _check_request(count, length, alphabet)  # now, not at the first next()
    return _draw(count, existing, length, alphabet)


def _draw(count: int, existing: Container[str], length: int, alphabet: str) -> Iterator[str]:
    issued: set[str] = set()
    base, space = len(alphabet), len(alphabet) ** length
    while len(issued) < count:
        serial = _spell(secrets.randbelow(space), base, length, alphabet)
        if serial in issued or serial in existing:
            continue  # a collision: vanishingly rare with the headroom required above
        issued.add(serial)
        yield serial


def issue_serials(
    count: int,
    *,
    existing: Container[str] = frozenset(),
    length: int = DEFAULT_LENGTH,
    alphabet: str = ALPHABET,
) -> list[str]:
    """``count`` new serials as a list; see :func:`iter_serials`."""
    return list(iter_serials(count, existing=existing, length=length, alphabet=alphabet))


def _spell(number: int, base: int, length: int, alphabet: str) -> str:
    # One uniform draw over the whole space, written in base len(alphabet): as random as
    # drawing each character, at a twelfth of the cost.
    chars = []
    for _ in range(length):
        number, digit = divmod(number, base)
        chars.append(alphabet[digit])
    return "".join(chars)


def _check_request(count: int, length: int, alphabet: str) -> None:
    """Refuse a request that cannot give unguessable serials; each problem names its catalogue
    text, so a page or the command says it in the reader's language (the detail stays the
    API's English)."""
    if count < 0:
        raise InvalidIdentifier(f"Invalid serial count {count}: expected 0 or more.",
                                [expect("count", "expect_serial_count", count)])
    if not MIN_LENGTH <= length <= MAX_ALPHANUMERIC:
        raise InvalidIdentifier(
            f"Invalid serial length {length}: expected {MIN_LENGTH} to {MAX_ALPHANUMERIC} "
            "(AI 21 holds 20 characters; fewer than 8 are guessable).",
            [expect("length", "expect_serial_length", length, low=MIN_LENGTH,
                    high=MAX_ALPHANUMERIC)])
    outside = sorted(set(alphabet) - CSET82)
    if len(set(alphabet)) != len(alphabet) or len(alphabet) < 2 or outside:
        raise InvalidIdentifier(
            f"Invalid serial alphabet {alphabet!r}: expected 2 or more distinct characters of "
            f"GS1 character set 82, found {'repeats' if not outside else repr(outside)}.",
            [expect("alphabet", "expect_serial_alphabet", alphabet, shown=repr(alphabet))])
    if count * _HEADROOM > len(alphabet) ** length:
        most = len(alphabet) ** length // _HEADROOM
        raise InvalidIdentifier(
            f"Invalid serial count {count}: expected at most {most} serials of {length} "
            "characters, so that they stay unguessable.",
            [expect("count", "expect_serial_space", count, high=most, length=length)])


@dataclass(frozen=True, slots=True)
class Stamp:
    """One printed stamp: a GTIN, optionally its lot, and its own serial."""

    gtin: Gtin
    lot: Lot | None
    serial: Serial

    @property
    def link(self) -> DigitalLink:
        return DigitalLink(self.gtin, self.lot, self.serial)


def stamps(gtin: Gtin, lot: Lot | None, serials: Iterable[str]) -> Iterator[Stamp]:
    """The stamps of one lot, lazily, one per serial."""
    for serial in serials:
        yield Stamp(gtin, lot, Serial.parse(serial))


def write_csv(stamps: Iterable[Stamp], out: TextIO, base_url: str) -> int:
    """Write one row per stamp (streaming) with the full Digital Link URL; return the count.

    Columns: ``seq, gtin, lot, serial, digital_link, element_string``. Open ``out`` with
    ``newline=""``. A cell that a spreadsheet would run as a formula (it starts with ``=``,
    ``+``, ``-`` or ``@``) is prefixed with ``'``; the ``digital_link`` and ``element_string``
    cells always carry the exact values.
    """
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    seq = 0
    for seq, stamp in enumerate(stamps, start=1):
        link = stamp.link
        lot = stamp.lot.value if stamp.lot else ""
        writer.writerow((seq, stamp.gtin.value, _cell(lot), _cell(stamp.serial.value),
                         link.uri(base_url), link.element_string()))
    return seq


def _cell(value: str) -> str:
    # OWASP CSV injection: set 82 allows = + - in a lot, and printing houses open CSV in Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
