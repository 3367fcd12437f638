"""The authenticity verdict for a scanned code, from what the log knows and its scan history.

Pure functions: the facts gatherer reads the store, this module only decides.

>>> policy = Policy(max_scans=3)
>>> decide(Status(issued=True), History(), policy).kind
'genuine'
>>> decide(Status(issued=False), History(), policy).kind
'unknown'
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

GENUINE, SUSPICIOUS, UNKNOWN, RECALLED = "genuine", "suspicious", "unknown", "recalled"
_EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Policy:
    """Thresholds, configurable per deployment (``AGRITRACE_SCAN_*`` settings feed them)."""

    max_scans: int = 20
    # Faster than an airliner between two scans of one stamp means two stamps carry one code.
    max_speed_kmh: float = 900.0
    # Coarse locations are rounded to ~10 km: nearer than this is "the same place".
    min_distance_km: float = 25.0

    @property
    def window(self) -> int:
        """How many of a code's newest scans the speed rule compares.

        One more than ``max_scans``: while a stamp is within its allowance every scan of it is
        compared; past it the stamp is suspicious anyway and only its newest scans are read, so a
        much-scanned code costs the same to answer as a fresh one.
        """
        return self.max_scans + 1


@dataclass(frozen=True)
class Status:
    """What the event log says about a code."""

    issued: bool
    voided: bool = False
    recalled: bool = False
    serialized: bool = True


@dataclass(frozen=True)
class Scan:
    scanned_us: int
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class History:
    """What the verdict needs of a code's scans: how many, the first, the newest (oldest first).

    >>> History().plus(Scan(5), keep=2).plus(Scan(7), keep=2).plus(Scan(9), keep=2)
    ... # doctest: +NORMALIZE_WHITESPACE
    History(count=3, first=Scan(scanned_us=5, lat=None, lon=None),
            recent=(Scan(scanned_us=7, lat=None, lon=None), Scan(scanned_us=9, lat=None, lon=None)))
    """

    count: int = 0
    first: Scan | None = None
    recent: tuple[Scan, ...] = ()

    def plus(self, scan: Scan, keep: int) -> History:
        """This history after one more scan, keeping the newest ``keep``."""
        first = self.first if self.first and self.first.scanned_us <= scan.scanned_us else scan
        return History(self.count + 1, first, (*self.recent, scan)[-keep:])


@dataclass(frozen=True)
class Verdict:
    """``kind`` plus the reasons (message keys of :mod:`agritrace.web.i18n`) behind it."""

    kind: str
    reasons: tuple[str, ...] = field(default_factory=tuple)
    scan_count: int = 0
    first_scan: Scan | None = None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two ``(lat, lon)`` points in km (haversine).

    >>> round(distance_km((21.0285, 105.8542), (10.7769, 106.7009)))
    1144
    """
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def impossible_travel(scans: Sequence[Scan], policy: Policy) -> bool:
    """True when two consecutive located scans are farther apart than time allows."""
    located = sorted((s for s in scans if s.lat is not None and s.lon is not None),
                     key=lambda s: s.scanned_us)
    for before, after in itertools.pairwise(located):
        km = distance_km((before.lat, before.lon), (after.lat, after.lon))  # type: ignore[arg-type]
        if km < policy.min_distance_km:
            continue
        hours = max(after.scanned_us - before.scanned_us, 1) / 3_600_000_000
        if km / hours > policy.max_speed_kmh:
            return True
    return False


def decide(status: Status, history: History, policy: Policy) -> Verdict:
    """Recalled beats everything; then unknown; then any suspicious sign; else genuine."""
    first, count = history.first, history.count
    if status.recalled:
        return Verdict(RECALLED, ("reason_recalled",), count, first)
    if not status.issued:
        return Verdict(UNKNOWN, ("reason_unknown",), count, first)
    reasons: list[str] = []
    if status.voided:
        reasons.append("reason_voided")
    # Many scans of a lot or product code are normal; only a serialized stamp is one pack.
    if status.serialized and count > policy.max_scans:
        reasons.append("reason_too_many")
    if status.serialized and impossible_travel(history.recent, policy):
        reasons.append("reason_travel")
    if reasons:
        return Verdict(SUSPICIOUS, tuple(reasons), count, first)
    return Verdict(GENUINE, ("reason_genuine",), count, first)
