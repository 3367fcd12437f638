"""Writing and reading the scan log and the problem reports (tickets)."""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import threading
import time
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, insert

from agritrace import limits
from agritrace.errors import Problem, ValidationException
from agritrace.limits import Limit
from agritrace.province.areas import PROVINCES
from agritrace.scans import receipt
from agritrace.scans.photos import Photo
from agritrace.scans.tables import ticket_photos, tickets
from agritrace.scans.verdict import History, Policy, Scan
from agritrace.store.raw import AsyncRaw, Raw
from agritrace.subscriptions.notices import ticket_notice
from agritrace.web.i18n import expect

_log = logging.getLogger(__name__)

#: A report's categories (counterfeit, quality, wrong information, safety, other): the first
#: four have a deadline the province sets (:func:`agritrace.province.feedback.deadlines_of`).
TICKET_KINDS = ("fake", "quality", "wrong_info", "safety", "other")
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
_COLUMNS = ("code", "scanned_us", "lat", "lon", "user_agent", "device", "client")
_INSERT = f"INSERT INTO scans ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
# Kept with each batch, in the order of their keys: two workers' batches lock rows in the same
# order (devices, then places, then totals, each sorted), so neither waits for the other in turn.
# The devices and places new to a code are the rows inserted (RETURNING), and are added to its
# totals. The rows go in as arrays on PostgreSQL (one fixed statement, prepared once; a VALUES
# list of 500 rows cost 10 ms a batch to parse and plan), as VALUES lists on SQLite (executemany
# returns no rows on sqlite3).
_NEW_DEVICES = "INSERT INTO scan_devices (code, device) {} ON CONFLICT DO NOTHING RETURNING code"
_NEW_PLACES = ("INSERT INTO scan_places (code, lat, lon) {} ON CONFLICT DO NOTHING "
               "RETURNING code")
_DEVICE_ARRAYS, _PLACE_ARRAYS = "%s::text[], %s::text[]", "%s::text[], %s::float8[], %s::float8[]"
_CHUNK = 500  # SQLite's rows a statement (1,500 parameters at most)
_ADD_TOTALS = ("INSERT INTO scan_totals (code, scans, first_us, devices, places) "
               "VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT (code) DO UPDATE SET scans = scan_totals.scans + excluded.scans, "
               "first_us = CASE WHEN excluded.first_us < scan_totals.first_us "
               "THEN excluded.first_us ELSE scan_totals.first_us END, "
               "devices = scan_totals.devices + excluded.devices, "
               "places = scan_totals.places + excluded.places")
# Everything a page needs of a code's scans, in one statement (one round trip on PostgreSQL, a
# consistent snapshot on both engines): in a row tagged 'r', whether this device scanned the code
# within a day, how many scans of the code the client made within a day and how many of any code
# within an hour (each bounded), the code's scan count and distinct devices and places (one row
# of scan_totals: a DISTINCT over the scans, even bounded, read and sorted every scan of the code
# on PostgreSQL) and the caller's own scalar (:func:`read_scans`'s ``along``); then the newest
# scans (rows tagged 'n') and the first ('f'). Served by the indexes on (code, scanned_us),
# (device, code, scanned_us), (client, scanned_us) and scan_totals' key, whatever the code's
# scan count. (The 'r' row comes first: PostgreSQL types a column of a UNION from its first two
# branches, and a NULL in both would make it text.)
_SCAN = "SELECT scanned_us, lat, lon, device FROM scans WHERE code = ? ORDER BY scanned_us"
_READ = (
    "SELECT 'r', NULL, NULL, NULL, NULL, (SELECT count(*) FROM (SELECT 1 FROM scans WHERE "
    "code = ? AND device = ? AND scanned_us >= ? LIMIT 1) d), (SELECT count(*) FROM (SELECT 1 "
    "FROM scans WHERE code = ? AND client = ? AND scanned_us >= ? LIMIT ?) c), (SELECT count(*) "
    "FROM (SELECT 1 FROM scans WHERE client = ? AND scanned_us >= ? LIMIT ?) h), "
    "t.scans, t.devices, t.places, {along} "
    "FROM (SELECT 1) one LEFT JOIN scan_totals t ON t.code = ? UNION ALL "
    f"SELECT 'n', scanned_us, lat, lon, device, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    f"FROM ({_SCAN} DESC LIMIT ?) n UNION ALL "
    f"SELECT 'f', scanned_us, lat, lon, device, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    f"FROM ({_SCAN} LIMIT 1) f")


# A visitor who shares a location once the page is open: it goes on the scan that page logged
# (same code, same device, a few minutes ago, no location yet) rather than counting a second,
# and the place, if new to the code, is counted with it (in one transaction: SQLite's three
# statements, PostgreSQL's one).
_LOCATE = ("UPDATE scans SET lat = ?, lon = ? WHERE id = (SELECT id FROM scans WHERE code = ? "
           "AND device = ? AND lat IS NULL AND scanned_us >= ? "
           "ORDER BY scanned_us DESC LIMIT 1) RETURNING code, lat, lon")
_COUNT_PLACES = "UPDATE scan_totals SET places = places + 1 WHERE code = ?"
_LOCATE_PG = (f"WITH located AS ({_LOCATE}), "
              f"placed AS ({_NEW_PLACES.format('SELECT code, lat, lon FROM located')}), "
              "counted AS (UPDATE scan_totals SET places = places + 1 "
              "WHERE code IN (SELECT code FROM placed) RETURNING 1) "
              "SELECT count(*) FROM located")
LOCATE_WITHIN_US = 10 * 60 * 1_000_000
_LOCATE_WAIT_MS = 50


@dataclass(frozen=True)
class _Seen:
    """What the queue holds about one code and one visit (see :meth:`ScanQueue.seen`)."""

    epoch: int
    newest: list[Scan]  # the code's newest waiting scans, oldest first, at most the window
    count: int  # of the code's waiting scans
    first: Scan | None
    devices: int  # distinct devices among them
    places: int  # distinct places among them
    device: bool  # this device scanned the code within a day
    client_code: int  # scans of the code by the client within a day
    client_hour: int  # scans of any code by the client within an hour


_NOTHING = _Seen(0, [], 0, None, 0, 0, False, 0, 0)


@dataclass
class _Code:
    """One code's waiting scans, kept so that a page reads what it needs without copying every
    waiting scan of a much-scanned code: rows in time order (and their scans, made once), the
    latest scan of each device, the scans of each client, the places."""

    rows: list[list[Any]] = field(default_factory=list)
    scans: list[Scan] = field(default_factory=list)
    devices: dict[str, int] = field(default_factory=dict)
    clients: dict[str, list[int]] = field(default_factory=dict)
    places: set[tuple[float, float]] = field(default_factory=set)

    def add(self, row: list[Any]) -> None:
        at = bisect_right(self.rows, row[1], key=_SCANNED_US)  # nearly in order: at the end
        self.rows.insert(at, row)
        self.scans.insert(at, _scan(row))
        device, at = row[5], row[1]
        self.devices[device] = max(at, self.devices.get(device, at))
        self.clients.setdefault(row[6], []).append(at)
        if row[2] is not None:
            self.places.add((row[2], row[3]))


_SCANNED_US = itemgetter(1)


def _scan(row: list[Any]) -> Scan:
    return Scan(row[1], row[2], row[3], row[5])


class ScanQueue:
    """The scans of one process waiting to be written to one database, in batches.

    A consumer page appends its scan here instead of writing it (no transaction, no write lock
    per request): a thread writes what waits every :attr:`INTERVAL_S` seconds, or at once past
    :attr:`BATCH` scans, in one transaction; :func:`flush_queues` writes the rest when the
    process stops normally (the app's shutdown, or the interpreter's exit). Pages of this
    process count what waits here as logged (:func:`read_scans`), so their counts agree with
    what they logged; another worker sees a scan once it is written, at most
    :attr:`INTERVAL_S` later. A crashed process loses what waited: at most :attr:`INTERVAL_S`
    seconds of its scans (or :attr:`BATCH`, whichever comes first) while the database takes
    writes; while it does not, the queue keeps up to :attr:`LIMIT` and refuses more.

    ``epoch`` is odd while a batch commits: a reader that read the database while it changed
    reads again (:func:`read_scans`), so no scan is counted twice or missed.
    """

    INTERVAL_S = 0.25
    BATCH = 500
    LIMIT = 20_000

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._rows: list[list[Any]] = []  # [code, scanned_us, lat, lon, user_agent, device, client]
        self._by_code: dict[str, _Code] = {}
        self._by_client: dict[str, list[int]] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.epoch = 0
        self.dropped = 0

    def add(self, row: tuple[Any, ...]) -> bool:
        """Queue one scan's row; False if :attr:`LIMIT` scans already wait."""
        with self._lock:
            if len(self._rows) >= self.LIMIT:
                self.dropped += 1
                return False
            self._index(list(row))
            if len(self._rows) >= self.BATCH:
                self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="scan-queue",
                                                daemon=True)
                self._thread.start()
        return True

    def _index(self, row: list[Any]) -> None:
        self._rows.append(row)
        self._by_code.setdefault(row[0], _Code()).add(row)
        self._by_client.setdefault(row[6], []).append(row[1])

    def seen(self, code: str, device: str, client: str, day_us: int, hour_us: int,
             window: int) -> _Seen:
        """What waits of ``code`` (its newest ``window`` scans and its counts), and what decides
        whether this visit's scan is logged."""
        with self._lock:
            client_hour = sum(1 for at in self._by_client.get(client, ()) if at >= hour_us)
            waiting = self._by_code.get(code)
            if waiting is None:
                return replace(_NOTHING, epoch=self.epoch, client_hour=client_hour)
            rows = waiting.scans
            return _Seen(
                self.epoch, rows[-window:], len(rows), rows[0],
                len(waiting.devices), len(waiting.places),
                waiting.devices.get(device, -1) >= day_us,
                sum(1 for at in waiting.clients.get(client, ()) if at >= day_us), client_hour)

    def locate(self, code: str, device: str, since_us: int, lat: float, lon: float) -> bool:
        """Put a location on this device's waiting scan of ``code`` (see :data:`_LOCATE`)."""
        with self._lock:
            waiting = self._by_code.get(code, _Code())
            for at in reversed(range(len(waiting.rows))):
                row = waiting.rows[at]
                if row[5] == device and row[2] is None and row[1] >= since_us:
                    row[2], row[3] = lat, lon
                    waiting.scans[at] = _scan(row)
                    waiting.places.add((lat, lon))
                    return True
        return False

    def flush(self) -> int:
        """Write every waiting scan in one transaction; how many were written."""
        with self._flushing:
            with self._lock:
                batch = [tuple(row) for row in self._rows]
            if not batch:
                return 0
            totals: dict[str, tuple[int, int]] = {}
            for code, scanned_us, *_ in batch:
                count, first = totals.get(code, (0, scanned_us))
                totals[code] = (count + 1, min(first, scanned_us))
            devices = sorted({(row[0], row[5]) for row in batch})
            places = sorted({(row[0], row[2], row[3]) for row in batch if row[2] is not None})
            with self._engine.connect() as conn:
                marks = "%s" if conn.dialect.name == "postgresql" else "?"
                conn.exec_driver_sql(_INSERT.replace("?", marks), batch)
                new_devices = _inserted(conn, _NEW_DEVICES, devices, _DEVICE_ARRAYS)
                new_places = _inserted(conn, _NEW_PLACES, places, _PLACE_ARRAYS)
                conn.exec_driver_sql(_ADD_TOTALS.replace("?", marks), [
                    (code, *totals[code], new_devices[code], new_places[code])
                    for code in sorted(totals)])
                with self._lock:
                    self.epoch += 1
                try:
                    conn.commit()
                finally:
                    with self._lock:
                        self.epoch += 1
            with self._lock:
                rest = self._rows[len(batch):]
                self._rows, self._by_code, self._by_client = [], {}, {}
                for waiting in rest:
                    self._index(waiting)
            return len(batch)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.INTERVAL_S)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the database is away: the scans wait for the next round
                _log.warning("scans not written yet", exc_info=True)
            with self._lock:
                if not self._rows:  # no thread while nothing waits
                    self._thread = None
                    return

    def close(self) -> None:
        """Write what waits (the thread, if any, stops once nothing does)."""
        self.flush()


def _inserted(conn: Connection, sql: str, rows: list[tuple[Any, ...]],
              arrays: str) -> Counter[str]:
    """Insert ``rows`` in their order with ``sql`` (rows ``{}``, returning each inserted row's
    code; on PostgreSQL from ``arrays``, one a column); how many were inserted of each code."""
    inserted: Counter[str] = Counter()
    if not rows:
        return inserted
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql(sql.format(f"SELECT * FROM unnest({arrays})"),
                                     tuple(list(column) for column in zip(*rows, strict=True)))
        return Counter(code for code, in found)
    for at in range(0, len(rows), _CHUNK):
        chunk = rows[at:at + _CHUNK]
        row = f"({', '.join('?' * len(chunk[0]))})"
        found = conn.exec_driver_sql(sql.format("VALUES " + ", ".join([row] * len(chunk))),
                                     tuple(value for each in chunk for value in each))
        inserted.update(code for code, in found)
    return inserted


_QUEUES: dict[Engine, ScanQueue] = {}
_QUEUES_LOCK = threading.Lock()


def queue(engine: Engine) -> ScanQueue:
    """The scan queue of ``engine``, one per process and engine."""
    with _QUEUES_LOCK:
        found = _QUEUES.get(engine)
        if found is None:
            found = _QUEUES[engine] = ScanQueue(engine)
        return found


def flush_queues() -> None:
    """Write every waiting scan of this process (on shutdown)."""
    with _QUEUES_LOCK:
        queues = list(_QUEUES.values())
    for waiting in queues:
        try:
            waiting.close()
        except Exception:
            _log.warning("scans not written on shutdown", exc_info=True)


atexit.register(flush_queues)

# A reader that found a batch committing reads again, a few times, then takes what it read.
_READS = 3


@dataclass(frozen=True)
class Reading:
    """What :func:`read_scans` read of a code for one visit: the history before this visit's
    scan, whether the scan may be logged, and the value of the caller's ``along``."""

    history: History
    room: bool
    along: Any


async def read_scans(raw: AsyncRaw, waiting: ScanQueue, code: str, scan: Scan, visit: Visit,
                     policy: Policy, *, locating: bool = False, along: str = "NULL") -> Reading:
    """The history of ``code`` (its count, devices and places, the first scan and the newest
    ``policy.window`` scans) from the database and the queue, and whether ``scan`` may be logged
    (see :class:`Policy`), in one statement; :func:`log_scan` then logs it.

    ``along``: a scalar SQL expression read in the same statement (a page's cache generation),
    so that it and the history are one snapshot and one round trip. ``locating``: the visitor
    shares the location of a scan just made, which gets it instead of a new row.
    """
    since = scan.scanned_us - LOCATE_WITHIN_US
    located = locating and scan.lat is not None and (
        waiting.locate(code, visit.device, since, scan.lat, scan.lon)  # type: ignore[arg-type]
        or await _locate(raw, (scan.lat, scan.lon, code, visit.device, since)))
    day, hour = scan.scanned_us - DAY_US, scan.scanned_us - _HOUR_US
    sql = _read(along)
    for attempt in range(_READS):
        seen = waiting.seen(code, visit.device, visit.client, day, hour, policy.window)
        rows = await raw.rows(sql, read_params(code, visit, day, hour, policy))
        if waiting.epoch == seen.epoch and seen.epoch % 2 == 0:
            break
        await asyncio.sleep(0.001 * (attempt + 1))
    *_, device, client_code, client_hour, count, devices, places, value = next(
        r for r in rows if r[0] == "r")
    history = _history([Scan(*r[1:5]) for r in rows if r[0] == "n"],
                       next((Scan(*r[1:5]) for r in rows if r[0] == "f"), None),
                       int(count or 0), int(devices or 0), int(places or 0), seen, policy)
    room = (not located and not (device or seen.device)
            and int(client_code) + seen.client_code < policy.devices_per_client
            and int(client_hour) + seen.client_hour < policy.per_client_hour)
    return Reading(history, room, value)


async def _locate(raw: AsyncRaw, params: tuple[Any, ...]) -> bool:
    """Put the location on this device's scan of the code just written (:data:`_LOCATE`) and
    count its place; False if there is none, or SQLite's write lock stayed taken."""
    if raw.postgres:
        return bool((await raw.rows(_LOCATE_PG, params))[0][0])

    def locate(writing: Raw) -> bool:
        located = writing.rows(_LOCATE, params)
        if located and writing.rows(_NEW_PLACES.format("VALUES (?, ?, ?)"), located[0]):
            writing.run(_COUNT_PLACES, located[0][:1])
        return bool(located)

    return bool(await raw.writing_unless_locked(locate, _LOCATE_WAIT_MS))


@lru_cache(maxsize=8)
def _read(along: str) -> str:
    return _READ.format(along=along)


def read_params(code: str, visit: Visit, day_us: int, hour_us: int,
                policy: Policy) -> tuple[Any, ...]:
    """The parameters of :data:`_READ` for ``visit``'s scan of ``code`` (scans since ``day_us``
    and ``hour_us`` count as within a day and an hour)."""
    return (code, visit.device, day_us, code, visit.client, day_us, policy.devices_per_client,
            visit.client, hour_us, policy.per_client_hour, code, code, policy.window, code)


def log_scan(waiting: ScanQueue, code: str, scan: Scan, visit: Visit, policy: Policy,
             reading: Reading) -> History:
    """Log ``scan`` if :func:`read_scans` found room for it, by queueing it
    (:class:`ScanQueue`); the history with it."""
    if reading.room and waiting.add(_row(code, scan, visit)):
        return reading.history.plus(scan, policy.window)
    return reading.history


def _row(code: str, scan: Scan, visit: Visit) -> tuple[Any, ...]:
    return (code, scan.scanned_us, scan.lat, scan.lon, visit.user_agent[:200], visit.device,
            visit.client)


def _history(newest_read: list[Scan], first: Scan | None, count: int, devices: int,
             places: int, queued: _Seen, policy: Policy) -> History:
    """The history from what the database holds and what waits in the queue. While both hold
    fewer scans than the window, every scan was read and counted from; past it, the counts are
    the database's (scan_totals) plus the queue's: a queued scan's device or place counted as
    new is what matters past the thresholds."""
    newest = sorted(newest_read + queued.newest, key=_BY_TIME)
    if len(newest) < policy.window:
        return History.of(newest)
    if queued.first is not None and (first is None
                                     or queued.first.scanned_us < first.scanned_us):
        first = queued.first
    return History(count + queued.count, first, tuple(newest[-policy.window:]),
                   devices + queued.devices, places + queued.places)


_BY_TIME = attrgetter("scanned_us")


@dataclass(frozen=True)
class TicketPolicy:
    per_window: int = 5
    window_s: int = 3600


class RateLimited(ValidationException):
    status = 429
    title = "Too many reports"


def client_key(address: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{address}".encode()).hexdigest()


@dataclass(frozen=True)
class Opened:
    """A stored report: its number (for the desks) and the ticket code told to the reporter,
    once (:mod:`agritrace.scans.receipt`; only its digest is kept)."""

    number: int
    ticket_code: str


def open_ticket(engine: Engine, code: str, kind: str, message: str, contact: str,
                key: str, policy: TicketPolicy = TicketPolicy(), province: str = "",
                photo: Photo | None = None) -> Opened:
    """Store a report (about ``code``, or sent to ``province``'s desk when it names no code)
    with its photo; raises ValidationException for bad fields, RateLimited when ``key`` (the
    client) sent more than the policy allows, counted across every worker and server."""
    message, contact, code = message.strip(), contact.strip(), code.strip()[:300]
    _check_ticket(kind, message, contact, code, province)
    # One commit: the hit and, if it is allowed, the report and its photo (a refused hit is
    # kept too; a refused report leaves nothing else).
    with engine.begin() as conn:
        verdict = limits.hit_in(conn, Limit("report", policy.per_window, policy.window_s), key)
        if verdict.allowed:
            created, ticket_code = now_us(), receipt.new_code()
            result = conn.execute(insert(tickets).values(
                code=code, kind=kind, message=message, contact=contact, created_us=created,
                client_key=key, province=province, code_digest=receipt.digest(ticket_code)))
            number = int(result.inserted_primary_key[0])  # type: ignore[index]
            if photo is not None:
                conn.execute(insert(ticket_photos).values(
                    ticket_id=number, media_type=photo.media_type, content=photo.content))
            # the code's owner is told through its subscriptions, in the report's transaction
            ticket_notice(conn, number, code, kind, message, created)
            return Opened(number, ticket_code)
    limited = RateLimited(f"More than {policy.per_window} reports within "
                          f"{policy.window_s} s from one client",
                          [Problem("report", f"at most {policy.per_window}",
                                   f"{verdict.used:.0f}")])
    limited.retry_after_s = verdict.retry_after_s
    raise limited


def _check_ticket(kind: str, message: str, contact: str, code: str, province: str) -> None:
    problems = []
    if kind not in TICKET_KINDS:
        problems.append(expect("kind", "expect_report_kind", kind[:40],
                               kinds=" | ".join(TICKET_KINDS)))
    if not message:
        problems.append(expect("message", "expect_report_message", None, most=MAX_MESSAGE))
    if len(message) > MAX_MESSAGE:
        problems.append(expect("message", "expect_report_message", message,
                               shown=f"{len(message)}", most=MAX_MESSAGE))
    if len(contact) > MAX_CONTACT:
        problems.append(expect("contact", "expect_report_contact", contact,
                               shown=f"{len(contact)}", most=MAX_CONTACT))
    if province and province not in PROVINCES:
        problems.append(expect("province", "expect_report_province", province[:40]))
    if not code and not province:
        problems.append(expect("code", "expect_report_code_or_province", None))
    if problems:
        raise ValidationException("The report is not valid", problems)
