"""Every date a person reads is the day in Vietnam, also between 17:00 and 24:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from agritrace.vietnam_time import vietnam_day


def test_an_evening_in_utc_is_the_next_morning_in_vietnam() -> None:
    evening = datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    assert vietnam_day(int(evening.timestamp() * 1_000_000)) == date(2026, 12, 6)


def test_a_utc_afternoon_is_the_same_day_in_vietnam() -> None:
    afternoon = datetime(2026, 12, 5, 16, 59, tzinfo=UTC)
    assert vietnam_day(int(afternoon.timestamp() * 1_000_000)) == date(2026, 12, 5)
