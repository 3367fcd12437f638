"""Capture: documents in, validated, normalised, hashed events stored atomically.

A document is stored whole or not at all (the standard's default ``rollback`` behaviour); with
``proceed`` the valid events are stored and the others reported. The same event captured twice
(same CBV 2.0 hash ID) is stored once and counted as a duplicate. Events stream through in
batches inside one transaction, so a million-event document needs bounded memory.
"""

from __future__ import annotations

import uuid
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
from agritrace.store.orgs import Organization
from agritrace.store.tables import capture_jobs, event_terms, events
from agritrace.store.terms import event_terms as terms_of
from agritrace.store.terms import vocabulary_value

BATCH = 2000
MAX_PROBLEMS = 1000


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
    header_problems = validate_document(doc.header, doc.kind)
    if header_problems:
        report.problems.extend(p.located(document=doc.name) for p in header_problems)
        raise _Rollback
    with engine.begin() as conn:
        batch: list[_Prepared] = []
        for index, event in enumerate(doc.events):
            report.total += 1
            prepared = _prepare(event, index, doc, report)
            if prepared is None:
                if not proceed:
                    batch.clear()
                continue
            if report.rejected and not proceed:
                continue  # keep reading to report every problem, but store nothing
            prepared.row.update(org_id=org.id, job_id=report.job_id)
            batch.append(prepared)
            if len(batch) >= BATCH:
                _store(conn, batch, report, doc)
                batch = []
        if report.rejected and not proceed:
            raise _Rollback
        _store(conn, batch, report, doc)


def _prepare(event: Any, index: int, doc: Document, report: CaptureReport) -> _Prepared | None:
    event_id = event.get("eventID") if isinstance(event, dict) else None
    if not isinstance(event, dict):
        problems = [Problem("", "an event object", type(event).__name__)]
    else:
        problems = validate_event(event, doc.namespaces, binding=doc.binding)
    prepared = None
    if not problems:
        try:
            prepared = _normalise(event, index, doc.namespaces)
        except AgritraceError as exc:
            problems = exc.problems or [Problem("", "a valid event", exc.detail)]
    if problems:
        report.rejected += 1
        room = MAX_PROBLEMS - len(report.problems)
        report.problems.extend(
            p.located(document=doc.name, event_index=index,
                      event_id=event_id if isinstance(event_id, str) else None)
            for p in problems[: max(room, 0)]
        )
        return None
    return prepared


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
    rows = [{**p.row, "record_time_us": record_time, "namespaces": namespaces} for p in fresh]
    # A plain executemany and one look-up beat INSERT … RETURNING, which SQLAlchemy runs a row at
    # a time on SQLite when the order of the returned ids must match.
    conn.execute(insert(events), rows)
    ids_by_key = dict(conn.execute(
        select(events.c.dedupe_key, events.c.id).where(
            events.c.dedupe_key.in_([p.key for p in fresh]))).all())
    ids = [ids_by_key[p.key] for p in fresh]
    term_rows = [
        {"event_pk": pk, "role": role, "value": value, "type": kind, "quantity": qty, "uom": uom}
        for pk, prepared in zip(ids, fresh, strict=True)
        for role, value, kind, qty, uom in prepared.terms
    ]
    if term_rows:
        conn.execute(insert(event_terms), term_rows)
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
