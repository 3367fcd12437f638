"""A generated chain loaded straight into an empty store: the rows capture writes, faster.

``agritrace generate --bulk`` (and ``benchmarks.bench_trace``) fill a new store with millions of
events. :func:`load_chain` writes exactly the rows :func:`agritrace.generator.run.capture_chain`
writes for the same seed, size and day (the same event ids, hash IDs, dedupe keys, columns and
terms, the same documents as capture jobs; so the verifiable log's outbox makes the same leaves),
and only into a store that holds no event yet: it refuses any other.

What it does not do per event, and why that is safe for generated events in an empty store:

- **validation** (:func:`agritrace.epcis.validation.validate_event`): the events come from our own
  generator, and the same chain captured the ordinary way is checked valid
  (tests/trace/test_bulk_load.py). Normalising, hashing and the length limits of the index
  columns still run for every event.
- **the dedupe look-up** of each event's key: the store was empty, and the unique key on
  ``dedupe_key`` still refuses a repeat (kept during the load on SQLite, put back and checked
  over every row at the end on PostgreSQL), so a generator that repeated an event would fail
  the load rather than double an event.
- **the ownership claims** (:mod:`agritrace.trust`): each organization of the chain is granted the
  codes it commissions (:func:`agritrace.generator.run._organizations`) before the load, which
  the ordinary capture of the same chain checks.

The speed comes from elsewhere too: batches are generated and hashed by worker processes (one
per core) while this process writes; ids are counted here instead of being read back; the
events' and terms' secondary indexes are dropped for the load and built again at the end in one
sort each (and on PostgreSQL the foreign keys and the unique key put back, which checks every
row at once); SQLite writes with ``synchronous=OFF`` and a large page cache; PostgreSQL uses
COPY. Each document commits with its capture job, as capture does. A load stopped part way (the
process killed, an error, Ctrl-C) leaves a partial store without those indexes: it was a new
store, so delete it and load again.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import random
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any

import orjson
from rich.console import Console
from sqlalchemy import Connection, Engine, insert, select, text

from agritrace.capture import (
    _BODY,
    _SENSORS,
    EVENT_COLUMNS,
    MAX_LISTED_IDS,
    TERM_COLUMNS,
    _runner,
)
from agritrace.capture_rows import normalise
from agritrace.epcis.times import now_micros
from agritrace.errors import ValidationException
from agritrace.farm.diary_events import NAMESPACES
from agritrace.generator.chains import BIG_FROM, Batch, BatchBuilder, organizations
from agritrace.generator.run import (
    Generated,
    _organizations,
    _progress,
    count_batch,
    documents,
)
from agritrace.store.bulk import bulk_insert, references_trusted
from agritrace.store.orgs import Organization
from agritrace.store.sensors import SENSOR_COLUMNS, sensor_rows
from agritrace.store.tables import capture_jobs, events, sensor_reports
from agritrace.vietnam_time import vietnam_now

PER_TASK = 4
"""Batches a worker generates per task: about 3,000 events, one answer of about 4 MB."""
LOADED = ("events", "event_terms")
# During the load only: no fsync per document (a crash loses a store that is deleted anyway),
# and a page cache that holds the dedupe key's unique index (SQLite keeps it, see the module's
# docstring). Index builds sort in temporary files, not in memory: a 10M-event load's term
# index is gigabytes.
SQLITE_LOAD = {"synchronous": "OFF", "cache_size": "-1048576", "temp_store": "FILE",
               "threads": "2"}
PG_LOAD = {"synchronous_commit": "off", "maintenance_work_mem": "'1GB'"}


def load_chain(engine: Engine, seed: int, size: int, *, per_document: int = 20_000,
               progress: bool = True, today: date | None = None) -> Generated:
    """Load the chain of ``seed`` and ``size`` into ``engine``'s store, which must hold no event:
    the rows :func:`~agritrace.generator.run.capture_chain` would write, without its per-event
    checks (see the module's docstring)."""
    _require_empty(engine)
    orgs = _organizations(engine)
    day = today or vietnam_now().date()
    result = Generated()
    console = Console(stderr=True, quiet=not progress)
    with engine.connect() as conn, references_trusted(conn), _loading(conn), \
            _without_indexes(conn, console):
        writer = _Writer(conn)
        scopes = {name: org.id for name, org in orgs.items()}
        made = _prepared(seed, size, day, result, scopes, writer.postgres)
        with _progress(progress, size, "bulk loading") as advance:
            for name, rows in documents(made, per_document):
                writer.write(orgs[name], rows)
                advance(len(rows))
    return result


def _require_empty(engine: Engine) -> None:
    """Refuse a store that holds events: the checks the load skips are what keeps one right."""
    with engine.connect() as conn:
        if conn.execute(select(events.c.id).limit(1)).first() is None:
            return
    from agritrace.web.i18n import expect, refusal  # only on the error path

    raise refusal(ValidationException, "refuse_bulk_not_empty", [
        expect("store", "expect_bulk_new_store", None,
               shown="a store that already holds events")])


# -- generating and hashing, in worker processes -----------------------------------------------

Made = tuple[str, str, bytes, bytes, list[tuple[Any, ...]]]
"""An event made ready by a worker: (organization name, the ID its capture job lists, its row
without its id and its capture's columns, its terms' rows with the event's id left as a NUL
byte, its sensor rows without the event's id). Rows are in the engine's load format: COPY text
on PostgreSQL, JSON on SQLite (read by ``json_each``), so this process only joins bytes and
puts in the ids; building millions of tuples here cost more than the database's inserts."""


def _prepared(seed: int, size: int, day: date, result: Generated, scopes: dict[str, int],
              postgres: bool) -> Iterator[tuple[str, Made]]:
    """(organization name, made event) of each event of the chain, in chain order, ``result``
    counted as :func:`~agritrace.generator.run.chain` counts it."""
    picker = random.Random(seed)
    for batch, rows in _batches(seed, size >= BIG_FROM, day, scopes, postgres):
        for row in rows:
            result.events += 1
            yield row[0], row
        count_batch(result, batch, picker)
        if result.events >= size:
            return


def _batches(seed: int, big: bool, day: date, scopes: dict[str, int], postgres: bool
             ) -> Iterator[tuple[Batch, list[Made]]]:
    """Each batch and its made events, in order, made PER_TASK batches at a time by one worker
    per core, a few tasks ahead of the writer (memory stays bounded)."""
    workers = os.cpu_count() or 2
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[bytes]] = deque()
        first = 0
        try:
            while True:
                while len(pending) < 2 * workers:
                    pending.append(pool.submit(_prepare, seed, first, big, day, scopes,
                                               postgres))
                    first += PER_TASK
                for fields, rows in marshal.loads(pending.popleft().result()):
                    yield Batch(*fields), rows
        finally:
            for future in pending:
                future.cancel()


def _prepare(seed: int, first: int, big: bool, day: date, scopes: dict[str, int],
             postgres: bool) -> bytes:
    """PER_TASK batches from ``first`` on, each as (its fields, its made events), marshalled
    (about half the cost of pickle to read back)."""
    namespaces = dict(NAMESPACES)
    row_of, terms_of = (_copy_row, _copy_terms) if postgres else (_json_row, _json_terms)
    made = []
    for number in range(first, first + PER_TASK):
        builder = BatchBuilder(seed, number, day, big=big)
        names = organizations(builder.recipe)
        rows = []
        for role, event in builder.events():
            name = names[role]
            prepared = normalise(event, namespaces)
            columns = prepared.row
            body = columns[_BODY]
            sensors = [reading[1:] for reading in sensor_rows(0, orjson.loads(body))
                       ] if _SENSORS in body else []
            # the row as capture makes it (EVENT_COLUMNS), up to its organization
            own = (columns[0], f"{scopes[name]}/{prepared.key}", *columns[2:], scopes[name])
            rows.append((name, columns[2] or columns[0], row_of(own), terms_of(prepared.terms),
                         sensors))
        made.append((tuple(vars(builder.batch).values()), rows))  # not astuple: no deep copy
    return marshal.dumps(made)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> str:
    """A value in COPY's text format (what psycopg's ``write_row`` sends)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return repr(value) if isinstance(value, float) else str(value)


def _copy_row(values: tuple[Any, ...]) -> bytes:
    return "\t".join(map(_copy_field, values)).encode()


def _copy_terms(terms: list[Any]) -> bytes:
    return "".join("\x00\t" + "\t".join(map(_copy_field, term)) + "\n" for term in terms
                   ).encode()


def _json_row(values: tuple[Any, ...]) -> bytes:
    return orjson.dumps(values)[1:-1]


def _json_terms(terms: list[Any]) -> bytes:
    # orjson writes a NUL in a string as \u0000, so the only raw NUL is the id's place
    return b",".join(b"[\x00," + orjson.dumps(term)[1:-1] + b"]" for term in terms)


# -- writing -----------------------------------------------------------------------------------

class _Writer:
    """Writes each document as capture stores it: its events with the next ids, their terms
    and sensor readings, and its capture job, in one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.sequence = conn.scalar(text("SELECT pg_get_serial_sequence('events', 'id')")) \
            if self.postgres else None
        self.next_id = self._first_id()
        self.namespaces = orjson.dumps(dict(NAMESPACES)).decode()

    def _first_id(self) -> int:
        """The id capture's next event would take: the sequence's next value on PostgreSQL
        (a rolled-back capture may have drawn some), 1 in SQLite's empty table."""
        if not self.postgres:
            return 1
        last, called = self.conn.execute(text(f"SELECT last_value, is_called FROM "
                                              f"{self.sequence}")).one()
        self.conn.commit()
        return int(last) + 1 if called else int(last)

    def write(self, org: Organization, rows: list[Made]) -> None:
        conn, job = self.conn, str(uuid.uuid4())
        started = now_micros()
        ids = range(self.next_id, self.next_id + len(rows))
        with conn.begin():
            conn.execute(insert(capture_jobs).values(
                id=job, org_id=org.id, document=f"generated by {org.name}"[:300],
                mode="rollback", status="running", created_us=started, runner=_runner()))
            capture = (job, started, self.namespaces)
            if self.postgres:
                self._copy(ids, rows, capture)
            else:
                self._json(ids, rows, capture)
            bulk_insert(conn, sensor_reports, SENSOR_COLUMNS, [
                (pk, *reading) for pk, row in zip(ids, rows, strict=True) for reading in row[4]])
            if self.postgres:
                conn.execute(text("SELECT setval(CAST(:s AS regclass), :v)"),
                             {"s": self.sequence, "v": ids[-1]})
            listed = [row[1] for row in rows[:MAX_LISTED_IDS]]
            conn.execute(capture_jobs.update().where(capture_jobs.c.id == job).values(
                status="success", finished_us=now_micros(), captured=len(rows),
                event_ids=orjson.dumps(listed).decode()))
        self.next_id += len(rows)

    def _copy(self, ids: range, rows: list[Made], capture: tuple[str, int, str]) -> None:
        tail = ("\t" + "\t".join(map(_copy_field, capture)) + "\n").encode()
        data = {"events": b"".join(b"%d\t%b%b" % (pk, row[2], tail)
                                   for pk, row in zip(ids, rows, strict=True)),
                "event_terms": b"".join(row[3].replace(b"\x00", b"%d" % pk)
                                        for pk, row in zip(ids, rows, strict=True))}
        driver: Any = self.conn.connection.driver_connection
        for table, columns in (("events", ("id", *EVENT_COLUMNS)), ("event_terms", TERM_COLUMNS)):
            with driver.cursor() as cursor, cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(data[table])

    def _json(self, ids: range, rows: list[Made], capture: tuple[str, int, str]) -> None:
        tail = orjson.dumps(capture)[1:-1]
        data = {"events": b"[" + b",".join(b"[%d,%b,%b]" % (pk, row[2], tail)
                                           for pk, row in zip(ids, rows, strict=True)) + b"]",
                "event_terms": b"[" + b",".join(row[3].replace(b"\x00", b"%d" % pk)
                                                for pk, row in zip(ids, rows, strict=True)
                                                if row[3]) + b"]"}
        driver: Any = self.conn.connection.driver_connection
        for table, columns in (("events", ("id", *EVENT_COLUMNS)), ("event_terms", TERM_COLUMNS)):
            values = ", ".join(f"value ->> {n}" for n in range(len(columns)))
            # OR FAIL, as capture's inserts: no statement journal (see store.bulk)
            driver.execute(f"INSERT OR FAIL INTO {table} ({', '.join(columns)}) SELECT {values} "
                           "FROM json_each(?)", (data[table].decode(),))


@contextmanager
def _loading(conn: Connection) -> Iterator[None]:
    """The connection's settings for a bulk load, restored after it."""
    if conn.dialect.name == "postgresql":
        for name, value in PG_LOAD.items():
            conn.execute(text(f"SET {name} = {value}"))
        conn.commit()
        try:
            yield
        finally:
            conn.rollback()
            for name in PG_LOAD:
                conn.execute(text(f"RESET {name}"))
            conn.commit()
        return
    driver: Any = conn.connection.driver_connection
    before = {name: driver.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_LOAD}
    for name, value in SQLITE_LOAD.items():
        driver.execute(f"PRAGMA {name}={value}")
    try:
        yield
    finally:
        for name, value in before.items():
            driver.execute(f"PRAGMA {name}={value}")


@contextmanager
def _without_indexes(conn: Connection, console: Console) -> Iterator[None]:
    """The events' and terms' secondary indexes (and on PostgreSQL their unique and foreign
    keys) dropped for the block and made again after it, each in one sort over every row. A
    block that fails leaves them dropped: its store is partial, to be deleted (and a load
    stopped with Ctrl-C stops, rather than spend minutes building indexes for it)."""
    postgres = conn.dialect.name == "postgresql"
    dropped = _pg_drop(conn) if postgres else _sqlite_drop(conn)
    conn.commit()
    yield
    for name, statement in dropped:
        with console.status(f"building {name}"):
            conn.execute(text(statement))
            conn.commit()
    if postgres:
        with console.status("ANALYZE"):
            conn.execute(text("ANALYZE " + ", ".join(LOADED)))
            conn.commit()


def _sqlite_drop(conn: Connection) -> list[tuple[str, str]]:
    """Drops the named indexes of the loaded tables; (name, its CREATE statement) of each. The
    unique key on ``dedupe_key`` is part of the table in SQLite and stays."""
    found = [(name, sql) for name, sql in conn.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
        "tbl_name IN ('events', 'event_terms') ORDER BY name"))]
    for name, _ in found:
        conn.execute(text(f"DROP INDEX {name}"))
    return found


def _pg_drop(conn: Connection) -> list[tuple[str, str]]:
    """Drops the loaded tables' indexes, unique keys and foreign keys (not their primary keys);
    (name, the statement that makes it again) of each, in the order to make them."""
    constraints = [(table, name, definition, kind) for table, name, definition, kind in
                   conn.execute(text(
                       "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
                       "contype FROM pg_constraint WHERE conrelid IN "
                       "('events'::regclass, 'event_terms'::regclass) AND contype IN ('u', 'f') "
                       "ORDER BY contype, conname"))]
    indexes = [(name, definition) for name, definition in conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND "
        "tablename IN ('events', 'event_terms') AND indexname NOT IN (SELECT conname FROM "
        "pg_constraint WHERE contype IN ('p', 'u')) ORDER BY indexname"))]
    for table, name, _, _ in constraints:  # the foreign keys ('f') first
        conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    # made again: the indexes, then the unique keys, then the foreign keys that check against
    # the primary keys (kept throughout)
    return [*indexes, *((name, f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
                        for table, name, definition, _ in reversed(constraints))]
