"""Capture: documents in, validated, normalised, hashed events stored atomically.

A document is stored whole or not at all (the standard's default ``rollback`` behaviour); with
``proceed`` the valid events are stored and the others reported. The same event captured twice
(same CBV 2.0 hash ID) is stored once and counted as a duplicate. Events stream through in
batches inside one transaction, so a million-event document needs bounded memory.
"""

from __future__ import annotations

import itertools
import marshal
import multiprocessing
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
from agritrace.store.bulk import bulk_insert, inserted_ids, rows_by_key
from agritrace.store.orgs import Organization
from agritrace.store.tables import capture_jobs, event_terms, events
from agritrace.store.terms import EPC_LISTS, QUANTITY_LISTS, Term, vocabulary_value
from agritrace.store.terms import event_terms as terms_of

BATCH = 2000
CHUNK = 1000
MAX_PROBLEMS = 1000
# The longest identifier, word or type URI the index columns keep (String(500) on both engines).
MAX_STORED = 500
# What an event says of itself, then what its capture adds.
EVENT_COLUMNS = ("hash_id", "dedupe_key", "event_id", "event_type", "action", "event_time_us",
                 "event_tz", "biz_step", "disposition", "read_point", "biz_location",
                 "declared_error", "body", "org_id", "job_id", "record_time_us", "namespaces")
TERM_COLUMNS = ("event_pk", "role", "value", "type", "quantity", "uom")


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
    """An event ready to store: its dedupe key, its own columns (the first of EVENT_COLUMNS),
    and its terms."""

    key: str
    row: tuple[Any, ...]
    terms: list[Term]


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
    owner = (org.id, report.job_id)
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
            batch.append(result)
            if len(batch) >= BATCH:
                _store(conn, batch, report, doc, owner)
                batch = []
        if report.rejected and not proceed:
            raise _Rollback
        _store(conn, batch, report, doc, owner)


_Examined = tuple[int, str | None, "_Prepared | list[Problem]"]


def _examined(doc: Document) -> Iterator[_Examined]:
    """Each event validated and normalised, in document order.

    Checking and hashing cost far more than reading and writing, so a large document is checked
    in chunks by worker processes (one per core) while this process parses and stores. Chunks
    travel marshalled both ways: marshal reads back events and rows at about half orjson's cost
    and a third of pickle's, and this process is the one that reads the answers.
    """
    chunks = _chunks(enumerate(doc.events))
    first = next(chunks, [])
    if len(first) < CHUNK:
        yield from _examine_chunk(first, dict(doc.namespaces), doc.binding)
        return
    workers = os.cpu_count() or 2
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[bytes | list[_Examined]]] = deque()
        for chunk in itertools.chain([first], chunks):
            # Namespaces are read per chunk: a streaming XML reader learns them as it goes.
            pending.append(pool.submit(*_job(chunk, dict(doc.namespaces), doc.binding)))
            if len(pending) > 2 * workers:
                yield from _results(pending.popleft().result())
        while pending:
            yield from _results(pending.popleft().result())


def _job(chunk: list[tuple[int, Any]], namespaces: dict[str, str], binding: str) -> tuple[Any, ...]:
    try:
        data = marshal.dumps([event for _, event in chunk])
    except ValueError:  # a value marshal cannot carry (a reader's own type): pickle it
        return _examine_chunk, chunk, namespaces, binding
    return _examine_marshalled, data, chunk[0][0], namespaces, binding


def _examine_marshalled(data: bytes, start: int, namespaces: dict[str, str],
                        binding: str) -> bytes | list[_Examined]:
    """A chunk checked in a worker; all-valid answers go back marshalled, others as objects."""
    examined = _examine_chunk(list(enumerate(marshal.loads(data), start)), namespaces, binding)
    if not all(isinstance(result, _Prepared) for _, _, result in examined):
        return examined
    return marshal.dumps([(index, event_id, result.key, result.row, result.terms)
                          for index, event_id, result in examined
                          if isinstance(result, _Prepared)])


def _results(answer: bytes | list[_Examined]) -> Iterator[_Examined]:
    if not isinstance(answer, bytes):
        yield from answer
        return
    for index, event_id, key, row, terms in marshal.loads(answer):
        yield index, event_id, _Prepared(key, row, terms)


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
        return index, event_id, _normalise(event, namespaces)
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


def _normalise(event: Event, namespaces: dict[str, str]) -> _Prepared:
    body = {k: v for k, v in event.items() if k != "recordTime"}
    hash_id = event_hash_id(body, namespaces)
    key = hash_id + "#declared" if "errorDeclaration" in event else hash_id
    read_point = (event.get("readPoint") or {}).get("id")
    biz_location = (event.get("bizLocation") or {}).get("id")
    indexed: tuple[str | None, ...] = (
        event.get("eventID"),
        vocabulary_value("bizStep", event["bizStep"]) if "bizStep" in event else None,
        vocabulary_value("disposition", event["disposition"]) if "disposition" in event else None,
        canonical_id(read_point) if read_point else None,
        canonical_id(biz_location) if biz_location else None,
    )
    terms = terms_of(event, canonical_id)
    if any(len(value or "") > MAX_STORED for value in indexed) or any(
            len(term[1]) > MAX_STORED or len(term[2] or "") > MAX_STORED for term in terms):
        raise ValidationException("An identifier is too long", [_too_long(event)])
    event_id, biz_step, disposition, read_point_id, biz_location_id = indexed
    row = (hash_id, key, event_id, event["type"], event.get("action"),
           parse_time(event["eventTime"]), event["eventTimeZoneOffset"], biz_step, disposition,
           read_point_id, biz_location_id, 1 if "errorDeclaration" in event else 0,
           _body_text(body))
    return _Prepared(key, row, terms)


def _too_long(event: Event) -> Problem:
    """Which identifier of ``event`` is past MAX_STORED characters once canonical."""
    fields: list[tuple[str, Any]] = [
        (name, event.get(name)) for name in ("eventID", "bizStep", "disposition", "parentID",
                                             "transformationID")]
    fields += [(f"{name}.id", (event.get(name) or {}).get("id"))
               for name in ("readPoint", "bizLocation")]
    for name in (*EPC_LISTS, *QUANTITY_LISTS, "bizTransactionList", "sourceList",
                 "destinationList"):
        for n, item in enumerate(event.get(name) or ()):
            values = item.values() if isinstance(item, dict) else [item]
            fields += [(f"{name}[{n}]", value) for value in values]
    declaration = event.get("errorDeclaration")
    correctives = declaration.get("correctiveEventIDs") if isinstance(declaration, dict) else None
    fields += [(f"errorDeclaration.correctiveEventIDs[{n}]", value)
               for n, value in enumerate(correctives or ())]
    for path, value in fields:
        if isinstance(value, str) and max(len(value), len(canonical_id(value))) > MAX_STORED:
            return Problem(path, f"an identifier of at most {MAX_STORED} characters",
                           f"{len(value)} characters")
    return Problem("", f"identifiers of at most {MAX_STORED} characters", "a longer one")


_INT64 = range(-(2**63), 2**64)


def _body_text(body: Event) -> str:
    try:
        return orjson.dumps(body).decode()
    except TypeError:
        path, value = _out_of_range(body, "")
        # Past 64 bits a number would come back from the store rounded (I-JSON, RFC 7493).
        raise ValidationException("A number is too large to keep exactly", [Problem(
            path, "an integer within 64 bits (at most 18446744073709551615), or the number "
            "as a string", str(value))]) from None


def _out_of_range(value: Any, path: str) -> tuple[str, Any]:
    """The first integer in ``value`` that orjson cannot write, with its field path."""
    items: Any = (value.items() if isinstance(value, dict)
                  else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
        if isinstance(item, int) and not isinstance(item, bool) and item not in _INT64:
            return where, item
        found = _out_of_range(item, where)
        if found[0]:
            return found
    return "", None


def _store(conn: Connection, batch: list[_Prepared], report: CaptureReport, doc: Document,
           owner: tuple[int, str]) -> None:
    if not batch:
        return
    unique: dict[str, _Prepared] = {}
    for prepared in batch:
        if prepared.key in unique:
            report.duplicates += 1
        else:
            unique[prepared.key] = prepared
    existing = {row[0] for row in rows_by_key(conn, events, "dedupe_key", (), list(unique))}
    report.duplicates += len(existing)
    fresh = [p for h, p in unique.items() if h not in existing]
    if not fresh:
        return
    record_time = now_micros()
    # Read now, not at the start: a streaming XML reader learns namespaces as it meets them.
    namespaces = orjson.dumps(doc.namespaces).decode()
    added = (*owner, record_time, namespaces)
    rows = [(*prepared.row, *added) for prepared in fresh]
    # Not INSERT … RETURNING: SQLAlchemy runs that a row at a time on SQLite when the order of
    # the ids must match, and COPY returns nothing.
    bulk_insert(conn, events, EVENT_COLUMNS, rows)
    ids = inserted_ids(conn, events, "dedupe_key", [p.key for p in fresh])
    term_rows = [
        (event_pk, *term)
        for event_pk, prepared in zip(ids, fresh, strict=True)
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
