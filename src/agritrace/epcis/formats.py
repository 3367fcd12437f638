"""Lexical checks for the value formats the EPCIS 2.0 JSON schema uses.

Each check answers exactly what the official schema's format or pattern answers, as enforced
by ``jsonschema`` with its format checker (``uri``: RFC 3987's URI rule; ``date-time``: RFC 3339),
with one deliberate difference: the schema's regular expressions end in ``$``, which in Python also
matches just before a final newline, so the schema accepts ``"+07:00\\n"`` or a URI with a trailing
newline. We reject a trailing newline everywhere, and a version written with non-ASCII digits.

>>> is_uri("urn:epc:id:sgtin:0614141.107346.2017"), is_uri("not a uri")
(True, False)
>>> is_date_time("2026-05-01T08:30:00+07:00"), is_date_time("2026-05-01 08:30")
(True, False)
>>> is_time_zone_offset("+07:00"), is_time_zone_offset("+14:30")
(True, False)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

# RFC 3986 appendix A, written out once; fullmatch (not ``$``) so a trailing newline fails.
_PCT = r"%[0-9A-Fa-f]{2}"
_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCHAR_SET = _UNRESERVED_SUB + ":@"
_H16 = r"[0-9A-Fa-f]{1,4}"
_LS32 = rf"(?:{_H16}:{_H16}|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){{3}}" \
        r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))"
_IPV6 = "|".join((
    rf"(?:{_H16}:){{6}}{_LS32}",
    rf"::(?:{_H16}:){{5}}{_LS32}",
    rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
    rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
    rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
    rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
))
_IP_LITERAL = rf"\[(?:{_IPV6}|v[0-9A-Fa-f]+\.[{_UNRESERVED_SUB}:]+)\]"
_AUTHORITY = (
    rf"(?:(?:[{_UNRESERVED_SUB}:]|{_PCT})*@)?"
    rf"(?:{_IP_LITERAL}|(?:[{_UNRESERVED_SUB}]|{_PCT})*)(?::[0-9]*)?"
)
_PATH = rf"(?:[{_PCHAR_SET}/]|{_PCT})*"
_QUERY = rf"(?:[{_PCHAR_SET}/?]|{_PCT})*"
_URI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*:(?://{_AUTHORITY}(?:/{_PATH})?|(?!//){_PATH})"
    rf"(?:\?{_QUERY})?(?:#{_QUERY})?"
)

# Without "%" or "[" neither percent-encoding nor an IP literal can occur, and the grammar
# reduces to plain character classes, which the regex engine runs several times faster.
_U = _UNRESERVED_SUB
_PLAIN_URI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*:(?://(?:[{_U}:]*@)?[{_U}]*(?::[0-9]*)?(?:/[{_PCHAR_SET}/]*)?"
    rf"|(?!//)[{_PCHAR_SET}/]*)(?:\?[{_PCHAR_SET}/?]*)?(?:#[{_PCHAR_SET}/?]*)?"
)

_plain_uri = _PLAIN_URI.fullmatch

_DATE_TIME = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-[0-9]{2}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)

# Every offset the schema's pattern allows: -13:59..+13:59 plus ±14:00; a set lookup is cheapest.
_OFFSETS: frozenset[str] = frozenset(
    f"{sign}{hour:02d}:{minute:02d}"
    for sign in "+-" for hour in range(14) for minute in range(60)
) | {"+14:00", "-14:00"}

_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DIGITS = frozenset("0123456789")
_UOM_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")

# Prefixes the schema's vocab-other-uri / vocab-nonGS1WebVoc-uri patterns forbid.
CBV_URI_PREFIXES = ("urn:epcglobal:cbv", "http://ns.gs1.org/cbv/", "https://ns.gs1.org/cbv/")
GS1_VOC_PREFIXES = (
    "http://gs1.org/voc/", "https://gs1.org/voc/",
    "http://www.gs1.org/voc/", "https://www.gs1.org/voc/",
)


def is_uri(value: str) -> bool:
    """Whether ``value`` is an absolute URI (RFC 3986 ``URI``: scheme, ``:``, the rest).

    >>> is_uri("https://id.gs1.org/01/09521234543213/21/1"), is_uri("example:myField")
    (True, True)
    >>> is_uri("urn:epc:id:sgtin:0614141.107346.2017\\n"), is_uri("http://a b")
    (False, False)
    """
    if "%" in value or "[" in value:
        return _URI.fullmatch(value) is not None
    return _plain_uri(value) is not None


@lru_cache(maxsize=1 << 16)
def is_repeated_uri(value: str) -> bool:
    """:func:`is_uri`, remembered: for values that recur from event to event (locations,
    product classes, field names), not for serial numbers, which would only fill the cache."""
    return is_uri(value)


def is_date_time(value: str) -> bool:
    """Whether ``value`` is an RFC 3339 date-time with a time zone (``T``/``Z`` in either case).

    >>> is_date_time("2024-02-29T23:59:59.5Z"), is_date_time("2023-02-29T00:00:00Z")
    (True, False)
    """
    if _DATE_TIME.fullmatch(value) is None:
        return False
    day_text = value[8:10]
    if "01" <= day_text <= "28":  # every month has these days: no arithmetic needed
        return value[:4] != "0000"
    year, month, day = int(value[:4]), int(value[5:7]), int(day_text)
    if year == 0 or day == 0:
        return False
    if month == 2:
        return day == 29 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _DAYS[month]


def is_within_utc_years(value: str) -> bool:
    """Whether a valid :func:`is_date_time` stays within years 0001-9999 once moved to UTC.

    xsd:dateTime and the schema allow ``0001-01-01T00:30:00+01:00``, but its instant is in
    year 0, which no event hash, stored time or query can write. Only years 0001 and 9999
    can cross, so every other year answers without arithmetic.

    >>> is_within_utc_years("0001-01-01T00:30:00+01:00")
    False
    >>> is_within_utc_years("9999-12-31T23:59:59-14:00"), is_within_utc_years("9999-12-31T23:59Z")
    (False, True)
    >>> is_within_utc_years("9999-12-31T23:59:59.9995Z")  # the hash's millisecond rounds up
    False
    """
    if value[:4] not in ("0001", "9999"):
        return True
    try:
        # Half a millisecond more: the event hash rounds to the millisecond, which may carry.
        datetime.fromisoformat(value.upper()).astimezone(UTC) + timedelta(microseconds=500)
    except (OverflowError, ValueError):
        return False
    return True


TIME_RANGE = "a time within years 0001-9999 after conversion to UTC"


def is_time_zone_offset(value: str) -> bool:
    """Whether ``value`` is ``±hh:mm`` between -14:00 and +14:00, as the schema's pattern says."""
    return value in _OFFSETS


def is_version(value: str) -> bool:
    """Whether ``value`` is dot-separated ASCII digits, e.g. ``2.0``.

    >>> is_version("2.0"), is_version("2."), is_version("v2")
    (True, False, False)
    """
    parts = value.split(".")
    return all(part and _DIGITS.issuperset(part) for part in parts)


def is_uom(value: str) -> bool:
    """Whether ``value`` has the shape of a UN/ECE Recommendation 20 code (``KGM``, ``A93``)."""
    return 2 <= len(value) <= 3 and _UOM_CHARS.issuperset(value)


def is_hex_binary(value: str) -> bool:
    """Whether ``value`` is one or more hexadecimal digits."""
    return bool(value) and _HEX_CHARS.issuperset(value)


def is_other_uri(value: str) -> bool:
    """A URI that is not in the CBV's own URN or ns.gs1.org namespace (schema: vocab-other-uri)."""
    return not value.startswith(CBV_URI_PREFIXES) and is_uri(value)


def is_non_gs1_voc_uri(value: str) -> bool:
    """A URI outside the GS1 Web Vocabulary (schema: vocab-nonGS1WebVoc-uri)."""
    return not value.startswith(GS1_VOC_PREFIXES) and is_uri(value)
