"""Capture: documents in, validated, normalised, hashed events stored atomically.

A document is stored whole or not at all (the standard's default ``rollback`` behaviour); with
``proceed`` the valid events are stored and the others reported. The same event captured twice
(same CBV 2.0 hash ID) is stored once and counted as a duplicate. Events stream through in
batches inside one transaction, so a million-event document needs bounded memory.
"""

from __future__ import annotations

import itertools
import multiprocessing
import operator
import os
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, insert, select, update

from agritrace.epcis.document import Document, Event
from agritrace.epcis.hashing import event_hash_id
from agritrace.epcis.times import now_micros, parse_time
from agritrace.epcis.validation import validate_document, validate_event
from agritrace.errors import (
    AgritraceError,
    NoSuchResourceException,
    Problem,
    ValidationException,
)
from agritrace.ids.epc import canonical_id
from agritrace.store.bulk import bulk_insert
from agritrace.store.orgs import Organization
from agritrace.store.tables import capture_jobs, event_terms, events
from agritrace.store.terms import event_terms as terms_of
from agritrace.store.terms import vocabulary_value

BATCH = 2000
CHUNK = 1000
MAX_PROBLEMS = 1000
EVENT_COLUMNS = ("hash_id", "dedupe_key", "event_id", "event_type", "action", "event_time_us",
                 "event_tz", "record_time_us", "biz_step", "disposition", "read_point",
                 "biz_location", "declared_error", "org_id", "job_id", "body", "namespaces")
TERM_COLUMNS = ("event_pk", "role", "value", "type", "quantity", "uom")
_EVENT_ROW = operator.itemgetter(*EVENT_COLUMNS)


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
        }


@dataclass
class _Prepared:
    index: int
    key: str
    row: dict[str, Any]
    terms: list[tuple[str, str, str | None, float | None, str | None]]


class _Rollback(Exception):
    """Raised inside the transaction to undo a rejected document."""


def capture_document(
    engine: Engine, doc: Document, org: Organization, *, proceed: bool = False
) -> CaptureReport:
    """Capture ``doc`` for ``org`` and record the capture job; never raises for bad events."""
    report = CaptureReport(job_id=str(uuid.uuid4()), document=doc.name,
                           mode="proceed" if proceed else "rollback")
    _start_job(engine, report, org)
    try:
        _capture(engine, doc, org, report, proceed)
    except _Rollback:
        report.stored = False
    except ValidationException as exc:
        # The document itself broke (syntax, structure): nothing of it is kept, in either mode.
        report.stored = False
        report.problems.extend(exc.problems or [Problem("", "a readable document", exc.detail,
                                                        document=doc.name)])
    if not report.stored:
        report.rejected = report.total
        report.captured = 0
        report.duplicates = 0
    _finish_job(engine, report)
    return report


def _capture(
    engine: Engine, doc: Document, org: Organization, report: CaptureReport, proceed: bool
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
    with engine.begin() as conn:
        batch: list[_Prepared] = []
        for index, event_id, result in _examined(doc):
            report.total += 1
            if not isinstance(result, _Prepared):
                _reject(report, result, doc.name, index, event_id)
                if not proceed:
                    batch.clear()
                continue
            if report.rejected and not proceed:
                continue  # keep reading to report every problem, but store nothing
            result.row.update(org_id=org.id, job_id=report.job_id)
            batch.append(result)
            if len(batch) >= BATCH:
                _store(conn, batch, report, doc)
                batch = []
        if report.rejected and not proceed:
            raise _Rollback
        _store(conn, batch, report, doc)


_Examined = tuple[int, str | None, "_Prepared | list[Problem]"]


def _examined(doc: Document) -> Iterator[_Examined]:
    """Each event validated and normalised, in document order.

    Checking and hashing cost far more than reading and writing, so a large document is checked
    in chunks by worker processes (one per core) while this process parses and stores.
    """
    chunks = _chunks(enumerate(doc.events))
    first = next(chunks, [])
    if len(first) < CHUNK:
        yield from _examine_chunk(first, dict(doc.namespaces), doc.binding)
        return
    workers = os.cpu_count() or 2
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[list[_Examined]]] = deque()
        for chunk in itertools.chain([first], chunks):
            # Namespaces are read per chunk: a streaming XML reader learns them as it goes.
            pending.append(pool.submit(_examine_chunk, chunk, dict(doc.namespaces), doc.binding))
            if len(pending) > 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _chunks(items: Iterator[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    while chunk := list(itertools.islice(items, CHUNK)):
        yield chunk


def _examine_chunk(
    chunk: list[tuple[int, Any]], namespaces: dict[str, str], binding: str
) -> list[_Examined]:
    return [_examine(event, index, namespaces, binding) for index, event in chunk]


def _examine(event: Any, index: int, namespaces: dict[str, str], binding: str) -> _Examined:
    if not isinstance(event, dict):
        return index, None, [Problem("", "an event object", type(event).__name__)]
    event_id = event.get("eventID")
    event_id = event_id if isinstance(event_id, str) else None
    problems = validate_event(event, namespaces, binding=binding)
    if problems:
        return index, event_id, problems
    try:
        return index, event_id, _normalise(event, index, namespaces)
    except AgritraceError as exc:
        return index, event_id, exc.problems or [Problem("", "a valid event", exc.detail)]


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


def _normalise(event: Event, index: int, namespaces: dict[str, str]) -> _Prepared:
    body = {k: v for k, v in event.items() if k != "recordTime"}
    hash_id = event_hash_id(body, namespaces)
    key = hash_id + "#declared" if "errorDeclaration" in event else hash_id
    read_point = (event.get("readPoint") or {}).get("id")
    biz_location = (event.get("bizLocation") or {}).get("id")
    row = {
        "hash_id": hash_id,
        "dedupe_key": key,
        "event_id": event.get("eventID"),
        "event_type": event["type"],
        "action": event.get("action"),
        "event_time_us": parse_time(event["eventTime"]),
        "event_tz": event["eventTimeZoneOffset"],
        "biz_step": vocabulary_value("bizStep", event["bizStep"]) if "bizStep" in event else None,
        "disposition": (vocabulary_value("disposition", event["disposition"])
                        if "disposition" in event else None),
        "read_point": canonical_id(read_point) if read_point else None,
        "biz_location": canonical_id(biz_location) if biz_location else None,
        "declared_error": 1 if "errorDeclaration" in event else 0,
        "body": orjson.dumps(body).decode(),
    }
    return _Prepared(index, key, row, terms_of(event, canonical_id))


def _store(conn: Connection, batch: list[_Prepared], report: CaptureReport, doc: Document) -> None:
    if not batch:
        return
    unique: dict[str, _Prepared] = {}
    for prepared in batch:
        if prepared.key in unique:
            report.duplicates += 1
        else:
            unique[prepared.key] = prepared
    existing = set(conn.scalars(
        select(events.c.dedupe_key).where(events.c.dedupe_key.in_(list(unique)))
    ))
    report.duplicates += len(existing)
    fresh = [p for h, p in unique.items() if h not in existing]
    if not fresh:
        return
    record_time = now_micros()
    # Read now, not at the start: a streaming XML reader learns namespaces as it meets them.
    namespaces = orjson.dumps(doc.namespaces).decode()
    rows = []
    for prepared in fresh:
        prepared.row["record_time_us"] = record_time
        prepared.row["namespaces"] = namespaces
        rows.append(_EVENT_ROW(prepared.row))
    # Ids come back through one look-up by dedupe key: cheaper than INSERT … RETURNING, which
    # SQLAlchemy runs a row at a time on SQLite when the order of the ids must match.
    bulk_insert(conn, events, EVENT_COLUMNS, rows)
    ids_by_key = dict(conn.execute(
        select(events.c.dedupe_key, events.c.id).where(
            events.c.dedupe_key.in_([p.key for p in fresh]))).all())
    term_rows = [
        (ids_by_key[prepared.key], *term)
        for prepared in fresh
        for term in prepared.terms
    ]
    bulk_insert(conn, event_terms, TERM_COLUMNS, term_rows)
    report.captured += len(fresh)


def _start_job(engine: Engine, report: CaptureReport, org: Organization) -> None:
    with engine.begin() as conn:
        conn.execute(insert(capture_jobs).values(
            id=report.job_id, org_id=org.id, document=report.document[:300], mode=report.mode,
            status="running", created_us=now_micros(),
        ))


def _finish_job(engine: Engine, report: CaptureReport) -> None:
    with engine.begin() as conn:
        conn.execute(update(capture_jobs).where(capture_jobs.c.id == report.job_id).values(
            status=report.status, finished_us=now_micros(), captured=report.captured,
            duplicates=report.duplicates, rejected=report.rejected,
            errors=orjson.dumps([p.as_dict() for p in report.problems]).decode(),
        ))



def capture_job(engine: Engine, job_id: str, org: Organization) -> dict[str, Any]:
    """The status of one of ``org``'s capture jobs, as the REST binding describes it."""
    with engine.connect() as conn:
        row = conn.execute(select(capture_jobs).where(
            capture_jobs.c.id == job_id, capture_jobs.c.org_id == org.id)).first()
    if row is None:
        raise NoSuchResourceException(f"No capture job {job_id!r} for {org.name}")
    return {
        "captureID": row.id, "document": row.document, "mode": row.mode,
        "running": row.status == "running", "success": row.status == "success",
        "status": row.status, "captured": row.captured, "duplicates": row.duplicates,
        "rejected": row.rejected, "errors": orjson.loads(row.errors),
    }
