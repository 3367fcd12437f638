"""The authenticity verdict for a scanned code, from what the log knows and its scan history.

Pure functions: the facts gatherer reads the store, this module only decides.

>>> policy = Policy(max_devices=3)
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
# Issued, but under a GS1 prefix no organization here holds: nobody vouches for the producer.
UNVERIFIED = "unverified"
_EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Policy:
    """Thresholds, configurable per deployment (``AGRITRACE_SCAN_*`` settings feed them).

    A stamp counts *devices* (a first-party cookie) and *places*, not page loads: one scan per
    device per code per day is logged, and one client address logs at most
    ``devices_per_client`` scans of a code a day (a household's phones; a script that drops the
    cookie gets no more) and ``per_client_hour`` scans of any code an hour.
    """

    # More distinct devices than this for one serialized stamp: it was probably copied.
    max_devices: int = 15
    # More distinct places (coarse ~10 km cells, where visitors shared a location) than this.
    max_places: int = 4
    # Faster than an airliner between two scans of one stamp means two stamps carry one code.
    max_speed_kmh: float = 900.0
    # Coarse locations are rounded to ~10 km: nearer than this is "the same place".
    min_distance_km: float = 25.0
    devices_per_client: int = 3
    per_client_hour: int = 120

    @property
    def window(self) -> int:
        """How many of a code's newest scans are read with each page.

        One more than ``max_devices``: while a stamp has fewer scans every one of them is read
        (devices and places counted from them); past it, devices and places are the counts kept
        with the code's totals as its scans are written (``scan_totals``) and only the newest
        scans are compared for travel, so a much-scanned code costs the same to answer as a
        fresh one.
        """
        return self.max_devices + 1


@dataclass(frozen=True)
class Status:
    """What the event log says about a code."""

    issued: bool
    voided: bool = False
    recalled: bool = False
    serialized: bool = True
    owned: bool = True  # an organization holds the code's prefix (agritrace.trust)


@dataclass(frozen=True)
class Scan:
    scanned_us: int
    lat: float | None = None
    lon: float | None = None
    device: str = ""


@dataclass(frozen=True)
class History:
    """What the verdict needs of a code's logged scans: how many, from how many devices and
    places, the first, the newest (oldest first).

    >>> h = History().plus(Scan(5, device="a"), keep=2).plus(Scan(7, 21.0, 105.8, "b"), keep=2)
    >>> h.count, h.devices, h.places, [s.scanned_us for s in h.recent]
    (2, 2, 1, [5, 7])
    """

    count: int = 0
    first: Scan | None = None
    recent: tuple[Scan, ...] = ()
    devices: int = 0
    places: int = 0

    @classmethod
    def of(cls, scans: Sequence[Scan]) -> History:
        """The history of all of a code's scans (oldest first)."""
        return cls(len(scans), scans[0] if scans else None, tuple(scans),
                   len({s.device for s in scans}),
                   len({(s.lat, s.lon) for s in scans if s.lat is not None}))

    def plus(self, scan: Scan, keep: int) -> History:
        """This history after one more logged scan, keeping the newest ``keep``."""
        first = self.first if self.first and self.first.scanned_us <= scan.scanned_us else scan
        new_device = all(s.device != scan.device for s in self.recent)
        located = scan.lat is not None
        new_place = located and all((s.lat, s.lon) != (scan.lat, scan.lon) for s in self.recent)
        return History(self.count + 1, first, (*self.recent, scan)[-keep:],
                       self.devices + new_device, self.places + new_place)


@dataclass(frozen=True)
class Verdict:
    """``kind`` plus the reasons (message keys of :mod:`agritrace.web.i18n`) behind it."""

    kind: str
    reasons: tuple[str, ...] = field(default_factory=tuple)
    scan_count: int = 0
    first_scan: Scan | None = None
    devices: int = 0
    places: int = 0


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
    """Recalled beats everything; then unknown; then any suspicious sign; then a code nobody
    owns (unverified); else genuine."""
    first, count = history.first, history.count
    spread = (history.devices, history.places)
    if status.recalled:
        return Verdict(RECALLED, ("reason_recalled",), count, first, *spread)
    if not status.issued:
        return Verdict(UNKNOWN, ("reason_unknown",), count, first, *spread)
    reasons: list[str] = []
    if status.voided:
        reasons.append("reason_voided")
    # Many scans of a lot or product code are normal; only a serialized stamp is one pack.
    if status.serialized and history.devices > policy.max_devices:
        reasons.append("reason_too_many")
    if status.serialized and history.places > policy.max_places:
        reasons.append("reason_places")
    if status.serialized and impossible_travel(history.recent, policy):
        reasons.append("reason_travel")
    if reasons:
        return Verdict(SUSPICIOUS, tuple(reasons), count, first, *spread)
    if not status.owned:
        return Verdict(UNVERIFIED, ("reason_unverified",), count, first, *spread)
    return Verdict(GENUINE, ("reason_genuine",), count, first, *spread)
