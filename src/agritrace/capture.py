"""Capture: documents in, validated, normalised, hashed events stored atomically.

A document is stored whole or not at all (the standard's default ``rollback`` behaviour); with
``proceed`` the valid events are stored and the others reported. The same event captured twice
by one organization (same CBV 2.0 hash ID) is stored once and counted as a duplicate; captured
by two, it is each one's (the dedupe key is ``{org id}/{hash ID}``). Events stream through in
batches inside one transaction, so a million-event document needs bounded memory.
"""

from __future__ import annotations

import gc
import itertools
import logging
import marshal
import multiprocessing
import os
import socket
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import OperationalError

from agritrace.capture_rows import (
    Examined,
    Prepared,
    Ready,
    examine_chunk,
    examine_marshalled,
    ready_to_store,
)
from agritrace.collector import collection_paused
from agritrace.epcis.document import Document
from agritrace.epcis.times import now_micros
from agritrace.epcis.validation import validate_document
from agritrace.errors import (
    NoSuchResourceException,
    Problem,
    StoreBusyException,
    ValidationException,
)
from agritrace.store.bulk import bulk_insert, inserted_ids, references_trusted, rows_by_key
from agritrace.store.orgs import Organization
from agritrace.store.sensors import SENSOR_COLUMNS, sensor_rows
from agritrace.store.tables import (
    capture_jobs,
    event_aliases,
    event_terms,
    events,
    organizations,
    sensor_reports,
)
from agritrace.store.terms import EPC_LISTS, QUANTITY_LISTS
from agritrace.trust import Owners, claims, orders_recall, refused_claims

log = logging.getLogger(__name__)

BATCH = 2000
CHUNK = 1000
MAX_PROBLEMS = 1000
#: A job's answer lists at most this many event IDs (a million-event capture would answer
#: 90 MB); past it ``eventIDsComplete`` is false and a query by record time finds the rest.
MAX_LISTED_IDS = 10_000
CHECKER_NICENESS = 10
# What an event says of itself, then what its capture adds.
EVENT_COLUMNS = ("hash_id", "dedupe_key", "event_id", "event_type", "action", "event_time_us",
                 "event_tz", "biz_step", "disposition", "read_point", "biz_location",
                 "declared_error", "body", "org_id", "job_id", "record_time_us", "namespaces")
TERM_COLUMNS = ("event_pk", "role", "value", "type", "quantity", "uom")
_BODY = EVENT_COLUMNS.index("body")  # in an event's own columns (Ready[3]) as in EVENT_COLUMNS
_SENSORS = '"sensorElementList"'

@dataclass
class CaptureReport:
    """What became of one document: the answer of the capture job."""

    job_id: str
    document: str
    mode: str
    captured: int = 0
    duplicates: int = 0
    rejected: int = 0
    total: int = 0
    problems: list[Problem] = field(default_factory=list)
    stored: bool = True
    #: each stored event by its own eventID or else its hash ID (either finds it at
    #: GET /events/{id}), in capture order, the first MAX_LISTED_IDS of them
    event_ids: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.stored or (self.rejected and not self.captured):
            return "failure"
        return "partial" if self.rejected else "success"

    def as_dict(self) -> dict[str, Any]:
        return {
            "captureID": self.job_id,
            "document": self.document,
            "mode": self.mode,
            "running": False,
            "success": self.status == "success",
            "status": self.status,
            "events": self.total,
            "captured": self.captured,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [p.as_dict() for p in self.problems],
            "eventIDs": self.event_ids if self.stored else [],
            "eventIDsComplete": self.stored and len(self.event_ids) == self.captured,
        }


class _Rollback(Exception):
    """Raised inside the transaction to undo a rejected document."""


class ServerStopping(StoreBusyException):
    """The server stopped while a capture ran: undone, its job failed, to be sent again."""

    title = "The server is stopping; send the document again"


# The engines whose server is stopping (stop_captures): their running captures stop at the
# next chunk of events, undo their transaction and fail their job with the reason, rather than
# being cut off by the process's exit and left "running"; new ones are refused (503).
_stopping: weakref.WeakSet[Engine] = weakref.WeakSet()
_running: dict[str, Engine] = {}  # this process's capture jobs
_running_changed = threading.Condition()


def stop_captures(engine: Engine, wait_s: float) -> list[str]:
    """Stop this process's captures into ``engine`` (the server stops) and wait up to
    ``wait_s`` seconds for them to end; the jobs still running after that (none unless a
    capture is stuck on the store)."""
    deadline = time.monotonic() + wait_s
    with _running_changed:
        _stopping.add(engine)
        while (left := [job for job, into in _running.items() if into is engine]) and \
                _running_changed.wait(max(0.0, deadline - time.monotonic())):
            pass
        return sorted(left)


def resume_captures(engine: Engine) -> None:
    """Take captures into ``engine`` again (a server starts on it)."""
    with _running_changed:
        _stopping.discard(engine)


def _check_stopping(engine: Engine, report: CaptureReport) -> None:
    if engine in _stopping:
        raise ServerStopping(
            "The server stopped before the capture finished; nothing of the document was "
            "stored: send it again", [Problem("", "the capture to finish", _STOPPED,
                                              document=report.document)])


_STOPPED = ("the server stopped (a restart or a deployment) before the capture finished; "
            "nothing of the document was stored: send it again")


def capture_document(
    engine: Engine, doc: Document, org: Organization, *, proceed: bool = False,
    then: Callable[[Connection], object] | None = None,
) -> CaptureReport:
    """Capture ``doc`` for ``org`` and record the capture job; never raises for bad events.

    ``then`` writes what must stand or fall with the stored events (a recall's notices) in the
    capture's own transaction, once the events are stored; if it raises, nothing is kept."""
    report = CaptureReport(job_id=str(uuid.uuid4()), document=doc.name,
                           mode="proceed" if proceed else "rollback")
    _check_stopping(engine, report)
    try:
        _start_job(engine, report, org)
    except OperationalError as exc:
        raise _busy(exc) from exc
    with _running_changed:
        _running[report.job_id] = engine
    try:
        return _run_job(engine, doc, org, report, proceed, then)
    finally:
        with _running_changed:
            del _running[report.job_id]
            _running_changed.notify_all()


def _run_job(engine: Engine, doc: Document, org: Organization, report: CaptureReport,
             proceed: bool, then: Callable[[Connection], object] | None) -> CaptureReport:
    try:
        # Every event makes a few dicts, tuples and lists that reference counting frees; none
        # is in a cycle, but the collector would scan them all the same (6 % of this process's
        # instructions, callgrind).
        with collection_paused():
            _capture(engine, doc, org, report, proceed, then)
    except _Rollback:
        report.stored = False
    except ValidationException as exc:
        # The document itself broke (syntax, structure): nothing of it is kept, in either mode.
        report.stored = False
        report.problems.extend(exc.problems or [Problem("", "a readable document", exc.detail,
                                                        document=doc.name)])
    except BaseException as exc:
        # A checking process killed (BrokenProcessPool), the store gone, the server stopping:
        # the transaction is undone, and the job must say so rather than stay "running".
        _fail_job(engine, report, _STOPPED if isinstance(exc, ServerStopping) else
                  f"the capture stopped on an error on the server ({type(exc).__name__}); "
                  "send the document again")
        if isinstance(exc, OperationalError):
            raise _busy(exc) from exc
        raise
    if not report.stored:  # a stored document's job was finished with its events
        report.rejected = report.total
        report.captured = 0
        report.duplicates = 0
        _finish_job(engine, report)
    return report


def _capture(
    engine: Engine, doc: Document, org: Organization, report: CaptureReport, proceed: bool,
    then: Callable[[Connection], object] | None,
) -> None:
    if doc.kind != "EPCISDocument":
        report.problems.append(Problem(
            "type", "an EPCISDocument (capture takes events to record; a query answer is not one)",
            repr(doc.kind), document=doc.name))
        raise _Rollback
    header_problems = validate_document(doc.header, doc.kind, namespaces=doc.namespaces)
    if header_problems:
        report.problems.extend(p.located(document=doc.name) for p in header_problems)
        raise _Rollback
    owner = (org.id, report.job_id)
    with engine.connect() as conn, references_trusted(conn), conn.begin():
        _hold_job(conn, report.job_id)
        locked = False

        def store(batch: list[Ready]) -> None:
            nonlocal locked
            if batch and not locked:
                _lock_writer(conn, org.id, report.job_id)
                locked = True
            _store(conn, batch, report, doc, owner)

        batch: list[Ready] = []
        for answer in _examined(doc):
            _check_stopping(engine, report)
            # A chunk whose events are all valid comes as the rows to store, read back in one
            # call and kept as they come: no object or step per event in this process.
            if isinstance(answer, bytes):
                ready: list[Ready] = marshal.loads(answer)
                report.total += len(ready)
            else:
                report.total += len(answer)
                ready = _sorted(answer, report, doc.name)
            ready = _allowed_claims(conn, ready, report, doc.name, org.id)
            if report.rejected and not proceed:
                continue  # keep reading to report every problem, but store nothing
            batch += ready
            if len(batch) >= BATCH:
                store(batch)
                batch = []
        if report.rejected and not proceed:
            raise _Rollback
        store(batch)
        if then is not None:
            then(conn)
        # The job's outcome commits with its events: no moment where they are stored and the
        # job, no longer held (_hold_job), looks abandoned.
        _finish(conn, report)


# The key of the PostgreSQL advisory locks capture takes, one per organization ("EPCI").
_WRITER_LOCK = 0x45504349


def _lock_writer(conn: Connection, org_id: int, job_id: str) -> None:
    """Be the organization's one writer of events until the transaction ends, before reading
    which events it already holds: two captures of the same document at once then store it
    once and count the other's as duplicates, where both would have read "not stored" and one
    failed on the unique key. Other organizations' captures go on (keys are per organization).
    SQLite has one writer anyway: a first write (to this job's own row) takes its lock now."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_WRITER_LOCK, org_id)))
    else:
        conn.execute(update(capture_jobs).where(capture_jobs.c.id == job_id).values(
            status="running"))


def _sorted(answer: list[Examined], report: CaptureReport, document: str) -> list[Ready]:
    """The valid events of a chunk ready to store; the others rejected."""
    valid: list[Ready] = []
    for index, event_id, result in answer:
        if isinstance(result, Prepared):
            valid.append(ready_to_store(index, event_id, result))
        else:
            _reject(report, result, document, index, event_id)
    return valid


def _allowed_claims(conn: Connection, ready: list[Ready], report: CaptureReport, document: str,
                    org_id: int) -> list[Ready]:
    """The events of ``ready`` that make no claim about another owner's code; the others are
    rejected naming the code and its owner (:mod:`agritrace.trust`: commissioning, renaming,
    decommissioning, destroying or recalling a code is its owner's or a delegate's word)."""
    claimed = [(item, claims(item[3][3], item[3][4], item[3][7], item[3][8],
                             '"ilmd"' in item[3][12], (term[:2] for term in item[4])))
               for item in ready]
    codes = {code for _, made in claimed for code in made}
    if not codes:
        return ready
    owners = Owners.load(conn, codes)
    kept: list[Ready] = []
    for item, made in claimed:
        refused = refused_claims(owners, org_id, made)
        if refused and item[3][8] == "recalled":  # a regulator's order in its area is no claim
            refused = [(code, owner) for code, owner in refused
                       if not orders_recall(conn, org_id, owner)]
        if refused:
            _reject(report, [_claim_problem(conn, item, code, owner) for code, owner in refused],
                    document, item[0], item[1])
        else:
            kept.append(item)
    return kept


def _claim_problem(conn: Connection, item: Ready, code: str, owner: int) -> Problem:
    role = next(term[0] for term in item[4] if term[1] == code)
    name = conn.execute(select(organizations.c.name).where(organizations.c.id == owner)).scalar()
    return Problem(
        _FIELDS.get(role, role),
        f"a code your organization owns or packs as its owner's delegate (only {name}, which "
        f"holds it, or a party {name} delegates to may commission, rename, decommission, "
        "destroy or recall it)", f"{code}, held by {name}")


# The event field a term's role comes from, for the problem's path.
_FIELDS = {role: key for key, role in (*EPC_LISTS.items(), *QUANTITY_LISTS.items())} | {
    "parent": "parentID"}


def _examined(doc: Document) -> Iterator[bytes | list[Examined]]:
    """Each chunk of events validated and normalised, in document order: marshalled rows to
    store when every event of the chunk is valid (see ``examine_marshalled``), else each
    event's outcome.

    Checking and hashing cost far more than reading and writing, so a large document is checked
    in chunks by worker processes (one per core) while this process parses and stores. Chunks
    travel marshalled both ways: marshal reads back events and rows at about half orjson's cost
    and a third of pickle's, and this process is the one that reads the answers.
    """
    chunks = _chunks(enumerate(doc.events))
    first = next(chunks, [])
    if len(first) < CHUNK:
        yield examine_chunk(first, dict(doc.namespaces), doc.binding)
        return
    workers = os.cpu_count() or 2
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_checker_setup) as pool:
        pending: deque[Future[bytes | list[Examined]]] = deque()
        for chunk in itertools.chain([first], chunks):
            # Namespaces are read per chunk: a streaming XML reader learns them as it goes.
            pending.append(pool.submit(*_job(chunk, dict(doc.namespaces), doc.binding)))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _checker_setup() -> None:
    # A checking process lives for one document and frees what it makes by reference counting,
    # so it runs without the cyclic collector (about 4 % of its instructions). It also yields
    # the CPU to this process: parsing and writing here are the pipeline's serial part, and
    # with one checker per core the three would otherwise share two cores evenly (alternated
    # runs: 20,300 -> 22,000 events/s). Web requests, too, come before a long import's checks.
    gc.disable()
    os.nice(CHECKER_NICENESS)


def _job(chunk: list[tuple[int, Any]], namespaces: dict[str, str], binding: str) -> tuple[Any, ...]:
    try:
        data = marshal.dumps([event for _, event in chunk])
    except ValueError:  # a value marshal cannot carry (a reader's own type): pickle it
        return examine_chunk, chunk, namespaces, binding
    return examine_marshalled, data, chunk[0][0], namespaces, binding


def _chunks(items: Iterator[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    while chunk := list(itertools.islice(items, CHUNK)):
        yield chunk


def _reject(
    report: CaptureReport, problems: list[Problem], document: str, index: int,
    event_id: str | None,
) -> None:
    report.rejected += 1
    room = max(MAX_PROBLEMS - len(report.problems), 0)
    report.problems.extend(
        p.located(document=document, event_index=index, event_id=event_id)
        for p in problems[:room]
    )


def _store(conn: Connection, batch: list[Ready], report: CaptureReport, doc: Document,
           owner: tuple[int, str]) -> None:
    if not batch:
        return
    # Deduplicated per organization (issue 11): the same event captured by two organizations
    # is each one's, and a capture never learns what another organization holds.
    scope = f"{owner[0]}/"
    unique: dict[str, Ready] = {}
    repeated: list[tuple[str, str]] = []  # (dedupe key, the eventID the repeat was sent with)
    for ready in batch:
        key = scope + ready[2]
        if key not in unique:
            unique[key] = ready
            continue
        report.duplicates += 1
        if ready[1]:
            repeated.append((key, ready[1]))
    existing = {key: (pk, event_id) for key, pk, event_id in rows_by_key(
        conn, events, "dedupe_key", ("id", "event_id"), list(unique))}
    report.duplicates += len(existing)
    repeated += [(key, ready[1]) for key, ready in unique.items()
                 if key in existing and ready[1]]
    fresh = [(key, ready) for key, ready in unique.items() if key not in existing]
    if fresh:
        ids = _insert(conn, fresh, doc, owner)
        report.captured += len(fresh)
        room = MAX_LISTED_IDS - len(report.event_ids)
        report.event_ids += [ready[1] or ready[3][0] for _, ready in fresh[:max(room, 0)]]
        if repeated:  # a repeat within the batch names an event stored just now
            existing.update((key, (pk, ready[1])) for pk, (key, ready) in zip(ids, fresh,
                                                                               strict=True))
    if repeated:
        _keep_aliases(conn, repeated, existing)


def _insert(conn: Connection, fresh: list[tuple[str, Ready]], doc: Document,
            owner: tuple[int, str]) -> list[int]:
    """Insert new events and their terms; their ids, in order."""
    record_time = now_micros()
    # Read now, not at the start: a streaming XML reader learns namespaces as it meets them.
    namespaces = orjson.dumps(doc.namespaces).decode()
    added = (*owner, record_time, namespaces)
    rows = [(row[0], key, *row[2:], *added) for key, (_, _, _, row, _) in fresh]
    # Not INSERT … RETURNING: SQLAlchemy runs that a row at a time on SQLite when the order of
    # the ids must match, and COPY returns nothing.
    bulk_insert(conn, events, EVENT_COLUMNS, rows)
    ids = inserted_ids(conn, events, "dedupe_key", [key for key, _ in fresh])
    term_rows = [
        (event_pk, *term)
        for event_pk, (_, (_, _, _, _, terms)) in zip(ids, fresh, strict=True)
        for term in terms
    ]
    bulk_insert(conn, event_terms, TERM_COLUMNS, term_rows)
    # Sensor reports get their index rows (store.sensors); only their bodies are read again.
    readings = [
        row for event_pk, (_, (_, _, _, columns, _)) in zip(ids, fresh, strict=True)
        if _SENSORS in columns[_BODY]
        for row in sensor_rows(event_pk, orjson.loads(columns[_BODY]))
    ]
    bulk_insert(conn, sensor_reports, SENSOR_COLUMNS, readings)
    return ids


def _keep_aliases(conn: Connection, repeated: list[tuple[str, str]],
                  stored: dict[str, tuple[int, str | None]]) -> None:
    """Keep the eventID each repeat of a stored event was sent with, where it differs from
    the stored event's own and is not kept yet, so that it finds the stored event."""
    wanted = {(stored[key][0], event_id) for key, event_id in repeated
              if event_id != stored[key][1]}
    if not wanted:
        return
    kept = {(pk, event_id) for pk, event_id in conn.execute(select(
        event_aliases.c.event_pk, event_aliases.c.event_id).where(
        event_aliases.c.event_pk.in_({pk for pk, _ in wanted})))}
    rows = sorted(wanted - kept)
    if rows:
        conn.execute(insert(event_aliases), [{"event_pk": pk, "event_id": event_id}
                                             for pk, event_id in rows])


def _busy(exc: OperationalError) -> Exception:
    """SQLite's one writer was busy past its timeout (a long capture holds it): 503 with
    Retry-After, not a 500; anything else the store answered is raised as it is."""
    if "database is locked" in str(exc.orig):
        return StoreBusyException(
            "The store is writing another large document; nothing of this one was stored. "
            "Send it again in a moment.")
    return exc


def _runner() -> str:
    return f"{socket.gethostname()} {os.getpid()}"


def _start_job(engine: Engine, report: CaptureReport, org: Organization) -> None:
    with engine.begin() as conn:
        conn.execute(insert(capture_jobs).values(
            id=report.job_id, org_id=org.id, document=report.document[:300], mode=report.mode,
            status="running", created_us=now_micros(), runner=_runner(),
        ))


def _fail_job(engine: Engine, report: CaptureReport, reason: str) -> None:
    """Record that the job failed and why; nothing of its document was stored."""
    problem = Problem("", "the capture to finish", reason, document=report.document)
    try:
        with engine.begin() as conn:
            conn.execute(update(capture_jobs).where(capture_jobs.c.id == report.job_id).values(
                status="failure", finished_us=now_micros(), captured=0, duplicates=0,
                errors=orjson.dumps([problem.as_dict()]).decode()))
    except OperationalError:
        log.exception("capture job %s could not be marked failed", report.job_id)


# A job's row is committed a moment before its capture's transaction holds it.
_HELD_WITHIN_US = 60_000_000


def _hold_job(conn: Connection, job_id: str) -> None:
    """On PostgreSQL, hold the job's row for as long as the capture's transaction lives: any
    server can then tell a running capture from one whose process died (its connection closed,
    the transaction undone, the row free), whatever host ran it (:func:`fail_abandoned_jobs`).
    SQLite's database is one host's file, whose processes are asked directly."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(capture_jobs.c.id).where(capture_jobs.c.id == job_id)
                     .with_for_update(key_share=True))


def fail_abandoned_jobs(engine: Engine, job_id: str | None = None) -> int:
    """Fail the capture jobs (or the one job ``job_id``) left "running" by a process that is
    gone (a crash, a killed worker or server): called when a server starts, and when a running
    job's status is asked for. On PostgreSQL, any job whose row no live capture holds
    (:func:`_hold_job`), from whichever host; on SQLite, those of this host's processes that
    are gone. A job a live process runs is left alone. Returns how many were failed."""
    host = socket.gethostname()
    running = select(capture_jobs.c.id, capture_jobs.c.runner).where(
        capture_jobs.c.status == "running",
        *([capture_jobs.c.id == job_id] if job_id is not None else []))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            gone = conn.execute(running.where(
                capture_jobs.c.created_us < now_micros() - _HELD_WITHIN_US).with_for_update(
                key_share=True, skip_locked=True)).all()
        else:
            gone = [row for row in conn.execute(running).all() if not _alive(row.runner, host)]
        for job, runner in gone:
            reason = ("the server process running the capture stopped before it finished "
                      f"({runner or 'a process from before the runner was recorded'}); "
                      "nothing of the document was stored: send it again")
            problem = Problem("", "the capture to finish", reason)
            conn.execute(update(capture_jobs).where(
                capture_jobs.c.id == job, capture_jobs.c.status == "running").values(
                status="failure", finished_us=now_micros(),
                errors=orjson.dumps([problem.as_dict()]).decode()))
    return len(gone)


def _alive(runner: str | None, host: str) -> bool:
    if runner is None:
        return False
    where, _, pid = runner.rpartition(" ")
    if where != host or not pid.isdigit():
        return True  # another host's process: it alone can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _finish_job(engine: Engine, report: CaptureReport) -> None:
    with engine.begin() as conn:
        _finish(conn, report)


def _finish(conn: Connection, report: CaptureReport) -> None:
    conn.execute(update(capture_jobs).where(capture_jobs.c.id == report.job_id).values(
        status=report.status, finished_us=now_micros(), captured=report.captured,
        duplicates=report.duplicates, rejected=report.rejected,
        errors=orjson.dumps([p.as_dict() for p in report.problems]).decode(),
        event_ids=orjson.dumps(report.event_ids if report.stored else []).decode(),
    ))



def _job_row(engine: Engine, job_id: str, org: Organization) -> Any:
    with engine.connect() as conn:
        row = conn.execute(select(capture_jobs).where(
            capture_jobs.c.id == job_id, capture_jobs.c.org_id == org.id)).first()
    if row is None:
        raise NoSuchResourceException(f"No capture job {job_id!r} for {org.name}")
    return row


def capture_job(engine: Engine, job_id: str, org: Organization) -> dict[str, Any]:
    """The status of one of ``org``'s capture jobs, as the REST binding describes it, with the
    IDs of the events it stored. A job said to be running whose process is gone is failed
    now, not at the next server start."""
    row = _job_row(engine, job_id, org)
    if row.status == "running" and fail_abandoned_jobs(engine, job_id):
        row = _job_row(engine, job_id, org)
    listed = orjson.loads(row.event_ids) if row.event_ids else []
    return {
        "captureID": row.id, "document": row.document, "mode": row.mode,
        "running": row.status == "running", "success": row.status == "success",
        "status": row.status, "captured": row.captured, "duplicates": row.duplicates,
        "rejected": row.rejected, "errors": orjson.loads(row.errors),
        "eventIDs": listed, "eventIDsComplete": len(listed) == row.captured,
    }
