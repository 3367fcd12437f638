"""EPCIS date-times to exact integers and back.

Stored times are integer microseconds since the Unix epoch in UTC, so ordering and range filters
are exact on every engine; the offset the event was written in is kept beside it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: str) -> int:
    """Microseconds since the epoch for an ISO 8601 date-time that carries a time zone.

    >>> parse_time("1970-01-01T07:00:00.5+07:00")
    500000
    >>> parse_time("2026-01-01T00:00:00")
    Traceback (most recent call last):
    ...
    ValueError: '2026-01-01T00:00:00' has no time zone
    """
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def format_time(micros: int, offset: str = "+00:00") -> str:
    """The ISO 8601 text of a stored time, shown in the given offset.

    >>> format_time(500000, "+07:00")
    '1970-01-01T07:00:00.500+07:00'
    """
    zone = _zone(offset)
    moment = (_EPOCH + timedelta(microseconds=micros)).astimezone(zone)
    text = moment.isoformat(timespec="milliseconds")
    if micros % 1000:
        text = moment.isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z") if offset in ("Z", "+00:00") else text


def now_micros() -> int:
    return time.time_ns() // 1000


def _zone(offset: str) -> timezone:
    if offset in ("Z", "+00:00", "-00:00"):
        return UTC
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
