"""The time a Vietnamese reader lives in: every date a person reads is a day in Vietnam.

Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact; a date taken in
UTC is the previous day from 17:00 to midnight UTC, which is 0:00-7:00 in Hanoi.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")


def vietnam_datetime(time_us: int) -> datetime:
    """The time in Vietnam of a time in microseconds since the Unix epoch."""
    return datetime.fromtimestamp(time_us / 1_000_000, VIETNAM)


def vietnam_day(time_us: int) -> date:
    """The day in Vietnam of a time in microseconds since the Unix epoch."""
    return vietnam_datetime(time_us).date()


def vietnam_now() -> datetime:
    return datetime.now(VIETNAM)
