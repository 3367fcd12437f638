"""Batched, cached reads of the event log for graph walks.

A walk asks, level by level, "which events name these identifiers?" and then "what else does each
of those events name, in the roles I am about to follow?". Both questions go to the indexed
``event_terms`` table in batches (one query per few hundred identifiers), and each answer is
cached for the walk, so a trace costs a handful of queries per level whatever the store's size.
Only the roles a walk needs are read: backward from one of 10,000 bags packed by one event reads
that event's inputs, never its 10,000 outputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection

CHUNK = 500

ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "inputs": ("input", "input_class"),
    "outputs": ("output", "output_class"),
    "parent": ("parent",),
    "children": ("child", "child_class"),
    "objects": ("epc", "epc_class"),
    "parties": ("source", "destination"),
    "transformation": ("transformation",),
}


class Term(NamedTuple):
    role: str
    value: str
    type: str | None
    quantity: float | None
    uom: str | None


@dataclass
class StoredEvent:
    """The columns of one event a walk needs, and the terms read so far, by role group."""

    pk: int
    event_id: str | None
    event_type: str
    action: str | None
    time_us: int
    tz: str
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    org_id: int
    terms: dict[str, list[Term]] = field(default_factory=dict)

    @property
    def place(self) -> str | None:
        return self.biz_location or self.read_point

    def group(self, name: str) -> list[Term]:
        return self.terms.get(name, [])


_EVENT_COLUMNS = ("id, event_id, event_type, action, event_time_us, event_tz, biz_step, "
                  "disposition, read_point, biz_location, org_id, declared_error")
_TERM_COLUMNS = "event_pk, role, value, type, quantity, uom"


class EventReader:
    """Reads events for one walk on one connection; erroneous events are recognised here.

    An event is *declared erroneous* when an error declaration with the same eventID exists
    (EPCIS 2.0 section 7.4.1.2); such events and the declarations themselves are not returned,
    and their eventIDs are collected in ``erroneous``.

    Queries go to the driver directly: a walk runs few query shapes many times, and
    SQLAlchemy's per-statement and per-row work would cost more than the database.
    """

    def __init__(self, conn: Connection, since_us: int | None = None,
                 until_us: int | None = None) -> None:
        self.conn = conn
        self.since_us = since_us
        self.until_us = until_us
        self.events: dict[int, StoredEvent | None] = {}
        self.erroneous: set[str] = set()
        self.queries = 0
        self._mark = "?" if conn.dialect.name == "sqlite" else "%s"

    def hits(self, values: Iterable[str], roles: Sequence[str] | None = None
             ) -> list[tuple[Term, StoredEvent]]:
        """(term, event) for every live event naming one of ``values``."""
        found: list[tuple[Term, int]] = []
        for chunk in _chunks(sorted(set(values))):
            sql = f"SELECT {_TERM_COLUMNS} FROM event_terms WHERE value IN ({self._marks(chunk)})"
            params: list[Any] = list(chunk)
            if roles is not None:
                sql += f" AND role IN ({self._marks(roles)})"
                params.extend(roles)
            found.extend((Term(*row[1:]), row[0]) for row in self._run(sql, params))
        loaded = self.load(pk for _, pk in found)
        return [(term, loaded[pk]) for term, pk in found if pk in loaded]

    def at_places(self, places: Iterable[str]) -> list[tuple[str, StoredEvent]]:
        """(place, event) for every live event whose bizLocation or readPoint is one of them."""
        found: list[tuple[str, int]] = []
        for chunk in _chunks(sorted(set(places))):
            marks = self._marks(chunk)
            sql = (f"SELECT biz_location, read_point, id FROM events WHERE biz_location IN "
                   f"({marks}) OR read_point IN ({marks})")
            wanted = set(chunk)
            for location, point, pk in self._run(sql, [*chunk, *chunk]):
                found.append((location if location in wanted else point, pk))
        loaded = self.load(pk for _, pk in found)
        return [(place, loaded[pk]) for place, pk in found if pk in loaded]

    def load(self, pks: Iterable[int]) -> dict[int, StoredEvent]:
        """The live events among ``pks`` (inside the time bounds, not declared erroneous)."""
        wanted = set(pks)
        missing = sorted(pk for pk in wanted if pk not in self.events)
        for chunk in _chunks(missing):
            self._load_chunk(chunk)
        out: dict[int, StoredEvent] = {}
        for pk in wanted:
            event = self.events.get(pk)
            if event is not None:
                out[pk] = event
        return out

    def need(self, wanted: Iterable[tuple[StoredEvent, str]]) -> None:
        """Read the terms of each (event, role group) not read yet, in one query per group."""
        by_group: dict[str, dict[int, StoredEvent]] = {}
        for event, group in wanted:
            if group not in event.terms:
                by_group.setdefault(group, {})[event.pk] = event
        for group, chosen in by_group.items():
            for event in chosen.values():
                event.terms[group] = []
            roles = ROLE_GROUPS[group]
            for chunk in _chunks(sorted(chosen)):
                sql = (f"SELECT {_TERM_COLUMNS} FROM event_terms WHERE event_pk IN "
                       f"({self._marks(chunk)}) AND role IN ({self._marks(roles)})")
                for row in self._run(sql, [*chunk, *roles]):
                    chosen[row[0]].terms[group].append(Term(*row[1:]))

    def bodies(self, pks: Iterable[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(pks))):
            sql = f"SELECT id, body FROM events WHERE id IN ({self._marks(chunk)})"
            out.update((pk, orjson.loads(body)) for pk, body in self._run(sql, chunk))
        return out

    def _load_chunk(self, chunk: list[int]) -> None:
        sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE id IN ({self._marks(chunk)})"
        rows = self._run(sql, chunk)
        ids = sorted({row[1] for row in rows if row[1]})
        declared = self._declared(ids)
        for row in rows:
            pk, event_id = row[0], row[1]
            if row[11] or (event_id and event_id in declared):
                if event_id:
                    self.erroneous.add(event_id)
                self.events[pk] = None
                continue
            if not self._in_bounds(row[4]):
                self.events[pk] = None
                continue
            self.events[pk] = StoredEvent(*row[:11])
        for pk in chunk:
            self.events.setdefault(pk, None)

    def _declared(self, event_ids: list[str]) -> set[str]:
        declared: set[str] = set()
        for chunk in _chunks(event_ids):
            sql = (f"SELECT event_id FROM events WHERE declared_error = 1 AND event_id IN "
                   f"({self._marks(chunk)})")
            declared.update(row[0] for row in self._run(sql, chunk))
        return declared

    def _in_bounds(self, time_us: int) -> bool:
        if self.since_us is not None and time_us < self.since_us:
            return False
        return self.until_us is None or time_us <= self.until_us

    def _marks(self, items: Sequence[Any]) -> str:
        return ", ".join([self._mark] * len(items))

    def _run(self, sql: str, params: Sequence[Any]) -> list[Any]:
        self.queries += 1
        driver: Any = self.conn.connection.driver_connection
        cursor = driver.cursor()
        try:
            cursor.execute(sql, list(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()


def _chunks(items: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start:start + CHUNK])
