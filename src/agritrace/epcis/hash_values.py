"""Value and name normalisation for the CBV 2.0 event hash (see :mod:`agritrace.epcis.hashing`).

>>> value("urn:epcglobal:cbv:bizstep:shipping"), value("25.0"), value(True), value("gs1:Speed")
('https://ref.gs1.org/cbv/BizStep-shipping', '25', 'true', 'https://gs1.org/voc/Speed')
>>> time_value("2023-02-02T12:04:03.1415+01:00")
'2023-02-02T11:04:03.142Z'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from agritrace.epcis.cbv import VOCABULARIES, WEB_PREFIXES
from agritrace.epcis.formats import TIME_RANGE
from agritrace.errors import Problem, ValidationException, describe
from agritrace.ids.epc import lenient_id

_CURIES = (("gs1:", "https://gs1.org/voc/"), ("cbv:", "https://ref.gs1.org/cbv/"))
_URN_TO_WEB = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)
# First characters of everything Python's float() accepts once stripped (digits, sign, dot,
# inf, nan); anything else skips the costly try.
_NUMBER_START = frozenset("0123456789+-.iInN")
_INFINITIES = (float("inf"), float("-inf"))


@lru_cache(maxsize=1 << 16)
def text_value(text: str) -> str:
    """A string value normalised: CURIE, CBV URN, number, GS1 identifier (cached)."""
    text = text.strip()
    for prefix, base in _CURIES:
        if text.startswith(prefix):
            text = base + text[len(prefix):]
    if "urn:epcglobal:cbv:" in text:
        for urn, web in _URN_TO_WEB:
            text = text.replace(urn, web)
    if text and text[0] in _NUMBER_START:
        text = _number_text(text)
    if text.startswith(("urn:epc:", "http")):
        return lenient_id(text)
    return text


def _number_text(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in _INFINITIES:
        return text
    return str(int(number)) if number == int(number) else str(number)


def value(item: Any) -> str:
    """Any JSON value as the pre-hash string writes it."""
    kind = type(item)
    if kind is str:
        return text_value(item)
    if kind is int:
        return str(item)
    if kind is bool:
        return "true" if item else "false"
    if kind is float:
        if item.is_integer():
            return str(int(item))
        return repr(item)  # the shortest repr, as float(str) gives; inf and nan kept
    return text_value(str(item))


def vocab_value(vocabulary: str, item: Any) -> str:
    """A CBV bare word as its Web URI, anything else as :func:`value`."""
    if isinstance(item, str) and item in VOCABULARIES[vocabulary]:
        return WEB_PREFIXES[vocabulary] + item
    return value(item)


def time_value(text: str) -> str:
    """UTC, millisecond precision, ``Z``; the sub-millisecond part rounds half to even.

    Text that is not an ISO 8601 date-time is kept (stripped), as the reference does.
    """
    if len(text) == 24 and text[23] == "Z" and text[19] == "." and text[10] == "T":
        return text  # already canonical, or not a time at all: kept either way
    return _time_by_minute(text) or _time_parsed(text)


# Event times are nearly all distinct, but their days and offsets repeat. The common form
# (``YYYY-MM-DDTHH:MM:SS[.mmm]`` and ``Z`` or ``±HH:MM``) moves to UTC by adding minutes, with
# the day before, the day itself and the day after looked up once per day and offset: the
# parser's three method calls cost about 20,000 instructions a time.
_DAYS: dict[str, tuple[str, str, str]] = {}
_DAYS_KEPT = 1 << 12
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))
_MINUTES_A_DAY = 24 * 60


def _time_by_minute(text: str) -> str | None:
    """The common form moved to UTC by arithmetic; None for anything else (more digits to
    round, naive times, other separators), which is left to the parser. Written with
    characters and small integers only: a method call or a format spec costs as much as the
    rest together."""
    size = len(text)
    end = size - 1 if size and text[size - 1] == "Z" else size - 6
    if not (end == 19 or end == 23) or text[4] != "-" or text[7] != "-" or text[10] != "T" or (
            text[13] != ":" or text[16] != ":"):
        return None
    hour, minute, second = _two(text, 11), _two(text, 14), _two(text, 17)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        return None
    millis = ".000"
    if end == 23:
        if text[19] != "." or _two(text, 20) < 0 or _two(text, 21) < 0:
            return None
        millis = text[19:23]
    offset = 0
    if end != size - 1:
        sign, hours, minutes = text[end], _two(text, end + 1), _two(text, end + 4)
        if not (sign == "+" or sign == "-") or text[end + 3] != ":" or hours < 0 or minutes < 0:
            return None
        offset = hours * 60 + minutes if sign == "+" else -(hours * 60 + minutes)
    days = _days(text[:10], text[end:])
    utc = hour * 60 + minute - offset
    day = days[0] if utc < 0 else days[2] if utc >= _MINUTES_A_DAY else days[1]
    if not day:
        return None  # an invalid date, or a neighbour past year 1 or 9999: the parser decides
    utc %= _MINUTES_A_DAY
    return day + "T" + _TWO_DIGITS[utc // 60] + ":" + _TWO_DIGITS[utc % 60] + text[16:19] + (
        millis + "Z")


def _two(text: str, at: int) -> int:
    """The two ASCII digits at ``at`` as a number, or -1."""
    tens, ones = ord(text[at]) - 48, ord(text[at + 1]) - 48
    return tens * 10 + ones if 0 <= tens <= 9 and 0 <= ones <= 9 else -1


def _days(date: str, zone: str) -> tuple[str, str, str]:
    """The day before ``date``, ``date`` and the day after, as the parser writes them; ``""``
    for any the parser would refuse (an invalid date or offset, a year past the range)."""
    key = date + zone
    found = _DAYS.get(key)
    if found is not None:
        return found
    try:
        noon = datetime.fromisoformat(f"{date}T12:00:00{zone}").replace(tzinfo=None)
    except ValueError:
        found = ("", "", "")
    else:
        found = (_day_near(noon, -1), noon.isoformat()[:10], _day_near(noon, 1))
    if len(_DAYS) >= _DAYS_KEPT:
        _DAYS.clear()
    _DAYS[key] = found
    return found


def _day_near(moment: datetime, days: int) -> str:
    try:
        return (moment + timedelta(days=days)).isoformat()[:10]
    except OverflowError:
        return ""


def _time_parsed(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text.strip()
    try:
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        millis, rest = divmod(moment.microsecond, 1000)
        if rest > 500 or (rest == 500 and millis % 2):
            moment += timedelta(microseconds=1000 - rest)  # may carry into the second, and beyond
    except OverflowError:
        # Valid xsd:dateTime, but the UTC instant is in year 0 or 10000: no hash can write it.
        raise ValidationException("An event time is outside 0001-9999 after conversion to UTC", [
            Problem("time", TIME_RANGE, describe(text))]) from None
    # "milliseconds" truncates what is left below the millisecond; [:23] drops "+00:00".
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def name(key: str, namespaces: Mapping[str, str]) -> str:
    """``prefix:local`` as ``{namespace}local`` when the prefix is declared, else unchanged."""
    if ":" not in key:
        return key
    prefix, _, local = key.partition(":")
    namespace = namespaces.get(prefix)
    return key if namespace is None else f"{{{namespace}}}{local}"


def expanded_names(names: Iterable[str], namespaces: Mapping[str, str]) -> frozenset[str]:
    """Field names in both their written and their expanded form."""
    listed = frozenset(names)
    return listed | frozenset(name(n, namespaces) for n in listed)
