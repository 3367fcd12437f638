"""Writing and reading the scan log and the problem reports (tickets)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select

from agritrace.errors import Problem, ValidationException
from agritrace.scans.tables import tickets
from agritrace.scans.verdict import History, Policy, Scan
from agritrace.store.raw import AsyncRaw

TICKET_KINDS = ("fake", "quality", "wrong_info", "other")
MAX_MESSAGE = 2000
MAX_CONTACT = 200
_COARSE_DECIMALS = 1  # 0.1 degree, about 11 km: enough for a verdict, not enough to find a home


def now_us() -> int:
    return time.time_ns() // 1000


def coarse(value: float | None, limit: float) -> float | None:
    """Round a coordinate to ~10 km, or None when absent or out of range.

    >>> coarse(21.03467, 90), coarse(200.0, 180), coarse(None, 90)
    (21.0, None, None)
    """
    if value is None or not -limit <= value <= limit:
        return None
    return round(value, _COARSE_DECIMALS)


def new_scan(lat: float | None = None, lon: float | None = None,
             at_us: int | None = None, device: str = "") -> Scan:
    """A scan happening now (or at ``at_us``), its location coarse, or none if half given."""
    lat, lon = coarse(lat, 90), coarse(lon, 180)
    if lat is None or lon is None:
        lat = lon = None
    return Scan(at_us or now_us(), lat, lon, device)


@dataclass(frozen=True)
class Visit:
    """Who scans, as far as the scan log keeps it: a device (the digest of a random first-party
    cookie) and a client (a salted digest of the client address), never more."""

    device: str
    client: str
    user_agent: str = ""


def device_key(cookie: str) -> str:
    """What the log keeps of a device cookie: a digest, so the log cannot replay it."""
    return hashlib.sha256(cookie.encode()).hexdigest()[:32]


DAY_US = 24 * 3600 * 1_000_000
_HOUR_US = 3600 * 1_000_000

# Fixed statements, run through the driver: the consumer page runs them on every request.
_COLUMNS = "code, scanned_us, lat, lon, user_agent, device, client"
_INSERT = f"INSERT INTO scans ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
# Whether a scan is logged: this device's first of the code within a day, the client's first few
# of the code within a day, and the client within its hourly allowance. Served by the indexes
# on (code, scanned_us) and (client, scanned_us); the hourly count stops at the allowance.
_ROOM = ("NOT EXISTS (SELECT 1 FROM scans WHERE code = ? AND device = ? AND scanned_us >= ?) "
         "AND (SELECT count(*) FROM scans WHERE code = ? AND client = ? AND scanned_us >= ?) < ? "
         "AND (SELECT count(*) FROM (SELECT 1 FROM scans WHERE client = ? AND scanned_us >= ? "
         "LIMIT ?) h) < ?")
_INSERT_IF_ROOM = f"INSERT INTO scans ({_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ? WHERE {_ROOM}"
# All of these are served by the index ix_scans_code_scanned_us, whatever the code's scan count.
_NEWEST = ("SELECT scanned_us, lat, lon, device FROM scans WHERE code = ? "
           "ORDER BY scanned_us DESC LIMIT ?")
_COUNT = "SELECT count(*) FROM scans WHERE code = ?"
_FIRST = ("SELECT scanned_us, lat, lon, device FROM scans WHERE code = ? "
          "ORDER BY scanned_us LIMIT 1")
# Distinct devices and places of a much-scanned code, each counted up to a bound.
_SPREAD = ("SELECT (SELECT count(*) FROM (SELECT DISTINCT device FROM scans WHERE code = ? "
           "LIMIT ?) d), (SELECT count(*) FROM (SELECT DISTINCT lat, lon FROM scans "
           "WHERE code = ? AND lat IS NOT NULL LIMIT ?) p)")
# The newest scans and whether there is room for one more, in one statement: rows tagged 'n'
# (a scan) and one tagged 'r' (1 if there is room).
_NEWEST_AND_ROOM = (f"SELECT 'n', scanned_us, lat, lon, device FROM ({_NEWEST}) n UNION ALL "
                    f"SELECT 'r', CASE WHEN {_ROOM} THEN 1 ELSE 0 END, NULL, NULL, NULL")
# PostgreSQL logs the scan (if there is room) in the statement that reads the newest before it
# (the query of a statement does not see the rows its WITH clause inserts); ``logged`` tells.
_LOGGED_AND_NEWEST = (f"WITH logged AS ({_INSERT_IF_ROOM} RETURNING scanned_us), "
                      f"newest AS ({_NEWEST}) ")


def _room_params(code: str, scan: Scan, visit: Visit, policy: Policy) -> tuple[Any, ...]:
    day, hour = scan.scanned_us - DAY_US, scan.scanned_us - _HOUR_US
    return (code, visit.device, day, code, visit.client, day, policy.devices_per_client,
            visit.client, hour, policy.per_client_hour, policy.per_client_hour)


def _row(code: str, scan: Scan, visit: Visit) -> tuple[Any, ...]:
    return (code, scan.scanned_us, scan.lat, scan.lon, visit.user_agent[:200], visit.device,
            visit.client)


@dataclass(frozen=True)
class Unlogged:
    """A scan that another statement logs on PostgreSQL: one round trip fewer for the page.

    :attr:`sql` goes in front of that statement, :attr:`params` in front of its parameters;
    its query reads the newest scans before this one from ``newest`` (scanned_us, lat, lon,
    device) and whether this one was logged from ``logged`` (a row if it was).
    """

    code: str
    scan: Scan
    visit: Visit
    policy: Policy
    sql = _LOGGED_AND_NEWEST

    @property
    def params(self) -> tuple[Any, ...]:
        return (*_row(self.code, self.scan, self.visit),
                *_room_params(self.code, self.scan, self.visit, self.policy),
                self.code, self.policy.window)


async def logged(raw: AsyncRaw, unlogged: Unlogged, newest: list[tuple[Any, ...]],
                 stored: bool) -> History:
    """The history of a scan that a statement logged (``stored``: there was room), from the
    ``newest`` scans before it that the statement read (any order)."""
    newest = sorted(newest, key=lambda row: row[0], reverse=True)
    policy = unlogged.policy
    history = await _history(raw, unlogged.code, newest, policy, stored)
    return history.plus(unlogged.scan, policy.window) if stored else history


# A visitor who shares a location once the page is open: it goes on the scan that page logged
# (same code, same device, a few minutes ago, no location yet) rather than counting a second.
_LOCATE = ("UPDATE scans SET lat = ?, lon = ? WHERE id = (SELECT id FROM scans WHERE code = ? "
           "AND device = ? AND lat IS NULL AND scanned_us >= ? "
           "ORDER BY scanned_us DESC LIMIT 1) RETURNING id")
LOCATE_WITHIN_US = 10 * 60 * 1_000_000


async def record_scan(raw: AsyncRaw, code: str, scan: Scan, visit: Visit, policy: Policy, *,
                      locating: bool = False) -> History:
    """Log ``scan`` of ``code`` if there is room for it (see :class:`Policy`; committed at once
    on the autocommitting ``raw``) and return the history with it: its count, devices and
    places, the first scan and the newest ``policy.window`` scans.

    Two statements while the code has fewer scans than the window (the newest are then all of
    them), a few more past it; never a read of every scan of a much-scanned code. ``locating``:
    the visitor shares the location of a scan just made, which gets it instead of a new row.
    """
    if locating and scan.lat is not None and await raw.rows_unless_locked(_LOCATE, (
            scan.lat, scan.lon, code, visit.device, scan.scanned_us - LOCATE_WITHIN_US),
            _Waiting.WAIT_MS):
        return await _history(raw, code, await raw.rows(_NEWEST, (code, policy.window)),
                              policy, False)
    rows = await raw.rows(_NEWEST_AND_ROOM, (code, policy.window,
                                             *_room_params(code, scan, visit, policy)))
    room = any(tag == "r" and value == 1 for tag, value, *_ in rows)
    before = sorted((tuple(r[1:]) for r in rows if r[0] == "n"), key=lambda r: r[0],
                    reverse=True)
    stored = False
    if room and raw.postgres:
        stored = bool(await raw.rows(_INSERT + " RETURNING id", _row(code, scan, visit)))
    elif room:
        waiting = _WAITING.get(raw.database) or _WAITING.setdefault(raw.database, _Waiting())
        stored = await waiting.write(raw, _row(code, scan, visit))
    history = await _history(raw, code, before, policy, stored)
    return history.plus(scan, policy.window) if room else history


async def _history(raw: AsyncRaw, code: str, newest_rows: list[tuple[Any, ...]],
                   policy: Policy, stored: bool) -> History:
    """The history from the newest scans read; the rest read only past the window."""
    newest = [Scan(*r) for r in reversed(newest_rows)]
    if len(newest) < policy.window:
        return History.of(newest)
    count = (await raw.rows(_COUNT, (code,)))[0][0] - stored  # read after the insert
    first = Scan(*(await raw.rows(_FIRST, (code,)))[0])
    devices, places = (await raw.rows(_SPREAD, (code, policy.max_devices + 1, code,
                                                policy.max_places + 1)))[0]
    # The devices and places read after the insert may hold the new scan's: the verdict then
    # counts it once more, which only matters at the threshold.
    return History(int(count), first, tuple(newest), int(devices) - stored, int(places))


class _Waiting:
    """Scans that found SQLite's write lock taken (a capture holds it for its whole document).

    A consumer page never waits for a capture: its scan waits here, in this process and
    bounded, and is written with the next scan that finds the lock free.
    """

    WAIT_MS = 50
    LIMIT = 10_000

    def __init__(self) -> None:
        self._rows: deque[tuple[Any, ...]] = deque(maxlen=self.LIMIT)
        self._lock = threading.Lock()

    async def write(self, raw: AsyncRaw, row: tuple[Any, ...]) -> bool:
        """Write the waiting scans and ``row``; False if the lock was taken (they all wait)."""
        with self._lock:
            rows = [*self._rows, row]
            self._rows.clear()
        if await raw.insert_unless_locked(_INSERT, rows, self.WAIT_MS):
            return True
        with self._lock:
            self._rows.extendleft(reversed(rows))  # beyond LIMIT, the newest are dropped
        return False


# One queue per database, so that a scan is only ever written where it was made.
_WAITING: dict[str, _Waiting] = {}


@dataclass(frozen=True)
class TicketPolicy:
    per_window: int = 5
    window_s: int = 3600


class RateLimited(ValidationException):
    status = 429
    title = "Too many reports"


def client_key(address: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{address}".encode()).hexdigest()


def open_ticket(engine: Engine, code: str, kind: str, message: str, contact: str,
                key: str, policy: TicketPolicy = TicketPolicy()) -> int:
    """Store a report; raises ValidationException for bad fields, RateLimited when too many."""
    message, contact = message.strip(), contact.strip()
    _check_ticket(kind, message, contact)
    since = now_us() - policy.window_s * 1_000_000
    with engine.begin() as conn:
        recent = conn.execute(select(func.count()).select_from(tickets).where(
            tickets.c.client_key == key, tickets.c.created_us >= since)).scalar_one()
        if recent >= policy.per_window:
            raise RateLimited(f"More than {policy.per_window} reports within "
                              f"{policy.window_s} s from one client",
                              [Problem("report", f"at most {policy.per_window}", str(recent))])
        result = conn.execute(insert(tickets).values(
            code=code[:300], kind=kind, message=message, contact=contact,
            created_us=now_us(), client_key=key))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def _check_ticket(kind: str, message: str, contact: str) -> None:
    problems = []
    if kind not in TICKET_KINDS:
        problems.append(Problem("kind", " | ".join(TICKET_KINDS), repr(kind[:40])))
    if not message:
        problems.append(Problem("message", "a description", "nothing"))
    if len(message) > MAX_MESSAGE:
        problems.append(Problem("message", f"at most {MAX_MESSAGE} characters",
                                f"{len(message)} characters"))
    if len(contact) > MAX_CONTACT:
        problems.append(Problem("contact", f"at most {MAX_CONTACT} characters",
                                f"{len(contact)} characters"))
    if problems:
        raise ValidationException("The report is not valid", problems)
