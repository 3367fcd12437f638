"""A query schedule (EPCIS 2.0 QuerySchedule, ``query-schedule.json``): when a scheduled
subscription runs, in UTC.

Each field is a list of values and ranges: ``"5"``, ``"1,15"``, ``"[1-5]"`` (the standard's
form), also ``"1-5"`` and a step ``"0/30"`` (the openapi's own example). A field left out is any
value when it is coarser than the finest field given, else its least value: ``{"hour": "1",
"minute": "5"}`` runs at 01:05:00 every day, ``{"minute": "0"}`` at the top of every hour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from agritrace.errors import Problem

#: Field, least and greatest value, finest last.
FIELDS = (("month", 1, 12), ("dayOfMonth", 1, 31), ("dayOfWeek", 1, 7), ("hour", 0, 23),
          ("minute", 0, 59), ("second", 0, 59))
_ITEM = re.compile(r"\[?(\d{1,2})(?:-(\d{1,2}))?\]?(?:/(\d{1,2}))?")
_DAYS_AHEAD = 366 * 4 + 1  # a schedule on 29 February still runs within four years

Values = dict[str, frozenset[int]]


def parse(schedule: Any) -> tuple[Values, list[Problem]]:
    """The allowed values of each field, and a problem per field that cannot be read."""
    if not isinstance(schedule, Mapping) or not schedule:
        return {}, [Problem("schedule", 'an object such as {"hour": "1", "minute": "5"}',
                            repr(schedule)[:80])]
    problems = [Problem(f"schedule.{key}", "one of " + ", ".join(f for f, _, _ in FIELDS),
                        repr(key)[:80]) for key in schedule if key not in dict.fromkeys(
                            f for f, _, _ in FIELDS)]
    given = [name for name, _, _ in FIELDS if name in schedule]
    finest = max(i for i, (name, _, _) in enumerate(FIELDS) if name in given) if given else -1
    values: Values = {}
    for index, (name, low, high) in enumerate(FIELDS):
        if name in schedule:
            found = _field(schedule[name], low, high)
            if found is None:
                problems.append(Problem(f"schedule.{name}", f"values from {low} to {high}, "
                                        "as '5', '1,15', '[1-5]' or '0/30'",
                                        repr(schedule[name])[:80]))
                continue
            values[name] = found
        elif index > finest and name not in ("dayOfMonth", "dayOfWeek", "month"):
            values[name] = frozenset({low})
        else:
            values[name] = frozenset(range(low, high + 1))
    return values, problems


def _field(raw: Any, low: int, high: int) -> frozenset[int] | None:
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    found: set[int] = set()
    for item in text.replace(" ", "").split(","):
        match = _ITEM.fullmatch(item)
        if match is None:
            return None
        first = int(match[1])
        last = int(match[2]) if match[2] else (high if match[3] else first)
        step = int(match[3]) if match[3] else 1
        if not low <= first <= last <= high or step < 1:
            return None
        found.update(range(first, last + 1, step))
    return frozenset(found) if found else None


def next_run(values: Values, after_us: int) -> int | None:
    """The first time (µs since the epoch) strictly after ``after_us`` the schedule allows."""
    start = datetime.fromtimestamp(after_us // 1_000_000, UTC) + timedelta(seconds=1)
    day = start.replace(hour=0, minute=0, second=0)
    for _ in range(_DAYS_AHEAD):
        if (day.month in values["month"] and day.day in values["dayOfMonth"]
                and day.isoweekday() in values["dayOfWeek"]):
            for hour in sorted(values["hour"]):
                for minute in sorted(values["minute"]):
                    for second in sorted(values["second"]):
                        moment = day.replace(hour=hour, minute=minute, second=second)
                        if moment >= start:
                            return int(moment.timestamp()) * 1_000_000
        day += timedelta(days=1)
    return None
