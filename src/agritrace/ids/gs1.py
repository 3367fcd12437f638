"""GS1 keys as validated value objects: GTIN, SSCC, GLN, lot (AI 10), serial (AI 21), AI 254.

Each key is parsed once, at the boundary, by its ``parse()`` classmethod; an object you hold is
valid, so nothing downstream re-checks it. Errors name the value, what was expected and what was
found (the GS1 General Specifications are the source of every rule here).

>>> Gtin.parse("8931234567897").value       # GTIN-13 widened to GTIN-14
'08931234567897'
>>> Gtin.parse("08931234567897").is_vietnamese
True
>>> vietnam_gtin("123456789").value         # 893 + company prefix and item reference
'08931234567897'
>>> Serial.parse("X7K9Q2").value
'X7K9Q2'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from biip.checksums import gs1_standard_check_digit
from biip.gs1_prefixes import GS1Prefix

from agritrace.errors import Problem, ValidationException

#: GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CSET82: frozenset[str] = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
#: Longest value of AI 10 (batch/lot), AI 21 (serial) and AI 254 (GLN extension).
MAX_ALPHANUMERIC = 20
#: GS1 Vietnam's prefix (TCVN 13274:2020).
VIETNAM_PREFIX = "893"


class InvalidIdentifier(ValidationException):
    """A GS1 key or attribute that breaks the GS1 rules; the message says which rule."""

    title = "The identifier is not a valid GS1 key"


def invalid_identifier(field: str, message: str, expected: str, found: str) -> InvalidIdentifier:
    """The error for one broken rule, with its :class:`Problem` (path, expected, found)."""
    return InvalidIdentifier(message, [Problem(path=field, expected=expected, found=found)])


def check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit of a numeric payload (GTIN, SSCC, GLN alike).

    >>> check_digit("893123456789")
    7
    """
    return gs1_standard_check_digit(payload)


def _digits(value: str, kind: str, field: str, lengths: tuple[int, ...]) -> str:
    wanted = " or ".join(str(n) for n in lengths)
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise invalid_identifier(
            field,
            f"Invalid {kind} {value!r}: expected {wanted} digits, found non-digit characters.",
            f"{wanted} digits", repr(value),
        )
    if len(value) not in lengths:
        raise invalid_identifier(
            field,
            f"Invalid {kind} {value!r}: expected {wanted} digits, found {len(value)}.",
            f"{wanted} digits", f"{len(value)} digits",
        )
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise invalid_identifier(
            field,
            f"Invalid {kind} check digit for {value!r}: expected {expected}, got {value[-1]}.",
            f"check digit {expected}", value[-1],
        )
    return value


def _prefix(digits: str) -> GS1Prefix | None:
    # biip knows the GS1 prefix table (which member organisation allocated which range).
    return GS1Prefix.extract(digits)


@dataclass(frozen=True, slots=True)
class Gtin:
    """A Global Trade Item Number, always held as GTIN-14 (the form used in Digital Links)."""

    value: str

    @classmethod
    def parse(cls, value: str, *, field: str = "gtin") -> Self:
        """Accept GTIN-8, -12, -13 or -14 and widen it to 14 digits after checking it."""
        return cls(_digits(value, "GTIN", field, (8, 12, 13, 14)).zfill(14))

    @classmethod
    def from_payload(cls, payload: str) -> Self:
        """The GTIN whose check digit is computed from ``payload`` (7, 11, 12 or 13 digits).

        >>> Gtin.from_payload("893123456789").value
        '08931234567897'
        """
        if payload.isascii() and payload.isdigit() and len(payload) in (7, 11, 12, 13):
            return cls.parse(payload + str(check_digit(payload)))
        raise invalid_identifier(
            "gtin",
            f"Invalid GTIN payload {payload!r}: expected 7, 11, 12 or 13 digits.",
            "7, 11, 12 or 13 digits", repr(payload),
        )

    @property
    def gtin13(self) -> str | None:
        """The 13-digit form when the indicator digit is 0, as printed under an EAN-13."""
        return self.value[1:] if self.value[0] == "0" else None

    @property
    def _body(self) -> str:
        # Six leading zeros mark a GTIN-8, whose GS1-8 prefix starts its eight digits.
        return self.value[6:] if self.value.startswith("000000") else self.value[1:]

    @property
    def prefix(self) -> str:
        """The three GS1 prefix digits (after the indicator; of the 8 digits for a GTIN-8)."""
        return self._body[:3]

    @property
    def issuer(self) -> str | None:
        """Who allocated the prefix, e.g. ``'GS1 Vietnam'`` (from biip's GS1 prefix table)."""
        found = _prefix(self._body)
        return None if found is None else str(found.usage)

    @property
    def is_vietnamese(self) -> bool:
        """Allocated by GS1 Vietnam (prefix 893), as TCVN 13274 expects of local products."""
        return self.prefix == VIETNAM_PREFIX

    def __str__(self) -> str:
        return self.value


def vietnam_gtin(company_and_item: str) -> Gtin:
    """The GTIN-13 ``893`` + 9 digits (company prefix and item reference) + check digit.

    >>> vietnam_gtin("000000017").value
    '08930000000170'
    """
    if not (company_and_item.isascii() and company_and_item.isdigit()
            and len(company_and_item) == 9):
        raise invalid_identifier(
            "gtin",
            f"Invalid Vietnamese GTIN body {company_and_item!r}: expected 9 digits after 893.",
            "9 digits", repr(company_and_item),
        )
    return Gtin.from_payload(VIETNAM_PREFIX + company_and_item)


@dataclass(frozen=True, slots=True)
class Sscc:
    """A Serial Shipping Container Code (AI 00): 18 digits with a check digit."""

    value: str

    @classmethod
    def parse(cls, value: str, *, field: str = "sscc") -> Self:
        """Check length, digits and check digit.

        >>> Sscc.parse("389312340000000012").is_vietnamese
        True
        """
        return cls(_digits(value, "SSCC", field, (18,)))

    @property
    def is_vietnamese(self) -> bool:
        """The GS1 prefix follows the extension digit."""
        return self.value[1:4] == VIETNAM_PREFIX

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Gln:
    """A Global Location Number (AI 414): 13 digits with a check digit."""

    value: str

    @classmethod
    def parse(cls, value: str, *, field: str = "gln") -> Self:
        """Check length, digits and check digit.

        >>> Gln.parse("8931234000004").is_vietnamese
        True
        """
        return cls(_digits(value, "GLN", field, (13,)))

    @property
    def is_vietnamese(self) -> bool:
        return self.value[:3] == VIETNAM_PREFIX

    def __str__(self) -> str:
        return self.value


def _cset82(value: str, kind: str, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise invalid_identifier(
            field, f"Invalid {kind} {value!r}: expected 1 to {MAX_ALPHANUMERIC} characters.",
            f"1 to {MAX_ALPHANUMERIC} characters", repr(value),
        )
    if len(value) > MAX_ALPHANUMERIC:
        raise invalid_identifier(
            field,
            f"Invalid {kind} {value!r}: expected at most {MAX_ALPHANUMERIC} characters, "
            f"found {len(value)}.",
            f"at most {MAX_ALPHANUMERIC} characters", f"{len(value)} characters",
        )
    bad = sorted({c for c in value if c not in CSET82})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise invalid_identifier(
            field,
            f"Invalid {kind} {value!r}: expected characters of GS1 character set 82 "
            f"(A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_), found {shown}.",
            "GS1 character set 82", shown,
        )
    return value


@dataclass(frozen=True, slots=True)
class Lot:
    """A batch or lot number (AI 10): 1-20 characters of GS1 character set 82."""

    value: str

    @classmethod
    def parse(cls, value: str, *, field: str = "lot") -> Self:
        return cls(_cset82(value, "lot", field))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Serial:
    """A serial number (AI 21): 1-20 characters of GS1 character set 82."""

    value: str

    @classmethod
    def parse(cls, value: str, *, field: str = "serial") -> Self:
        return cls(_cset82(value, "serial", field))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class GlnExtension:
    """A GLN extension component (AI 254): 1-20 characters of GS1 character set 82."""

    value: str

    @classmethod
    def parse(cls, value: str, *, field: str = "gln_extension") -> Self:
        return cls(_cset82(value, "GLN extension", field))

    def __str__(self) -> str:
        return self.value
