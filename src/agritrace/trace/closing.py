"""Recalls followed to a close: the recalls an organization (or an area) recorded, and closing one.

A recall is its events (:func:`agritrace.trace.recall.mark_recalled`: disposition ``recalled``,
one ``agt:recallID`` shared by the recall's events). A recall recorded without an id (events
sent to ``/capture`` by hand) is one recall per recording organization and event time, as the
province desk always counted them, with the id ``{org}@{time}``.

Closing a recall says its goods are recovered or disposed of: it is recorded with who closed it
(the organization and the person) and when (``recall_closures``), by those the trust rules let
(:func:`agritrace.trust.may_close_recall`: the recording organization, the owner of the
recalled codes, or the area's regulator). The recalled codes stay recalled: a closed recall is
not a lifted one. The desk counts recalls open and closed and the days each took to close.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from agritrace.epcis.times import now_micros
from agritrace.errors import ConflictException, NoSuchResourceException, Problem
from agritrace.ids.epc import lenient_id
from agritrace.store.orgs import Organization
from agritrace.store.tables import event_terms, events, organizations, recall_closures
from agritrace.trust import Owners, may_close_recall, reach_of

AGT = "https://agritrace.org/voc/"
DAY_US = 86_400 * 1_000_000


@dataclass
class RecallRecord:
    """One recall: who recorded it, when, why, the codes it marks, and its close if any."""

    recall_id: str
    org_id: int
    opened_us: int
    reason: str = ""
    ordered_by: str = ""
    codes: list[str] = field(default_factory=list)
    closed_us: int | None = None
    closed_by: str = ""
    closed_org: int | None = None

    @property
    def days_to_close(self) -> float | None:
        if self.closed_us is None:
            return None
        return (self.closed_us - self.opened_us) / DAY_US

    def open_at(self, moment_us: int) -> bool:
        """Recorded before ``moment_us`` and not closed by then."""
        return self.opened_us < moment_us and (self.closed_us is None
                                                or self.closed_us >= moment_us)


def _agt(body: dict[str, Any], namespaces: dict[str, str], name: str) -> str:
    for key, value in body.items():
        prefix, _, local = key.partition(":")
        if local == name and namespaces.get(prefix) == AGT:
            return str(value)
    return ""


def _codes(body: dict[str, Any]) -> list[str]:
    return [*body.get("epcList", []),
            *(q["epcClass"] for q in body.get("quantityList", []) if "epcClass" in q)]


def _records(conn: Connection, rows: Iterable[Any]) -> list[RecallRecord]:
    found: dict[str, RecallRecord] = {}
    for row in rows:
        body, namespaces = json.loads(row.body), json.loads(row.namespaces or "{}")
        recall_id = _agt(body, namespaces, "recallID") or f"{row.org_id}@{row.event_time_us}"
        record = found.setdefault(recall_id, RecallRecord(
            recall_id, row.org_id, row.event_time_us, _agt(body, namespaces, "recallReason"),
            _agt(body, namespaces, "recallOrderedBy")))
        record.opened_us = min(record.opened_us, row.event_time_us)
        record.codes.extend(c for c in _codes(body) if c not in record.codes)
    if found:
        closures = conn.execute(select(recall_closures).where(
            recall_closures.c.recall_id.in_(list(found)))).all()
        for close in closures:
            record = found[close.recall_id]
            record.closed_us, record.closed_by = close.closed_us, close.closed_by
            record.closed_org = close.org_id
    return sorted(found.values(), key=lambda r: (r.opened_us, r.recall_id))


_COLUMNS = (events.c.org_id, events.c.event_time_us, events.c.body, events.c.namespaces)


def recalls_of(conn: Connection, org_ids: Sequence[int]) -> list[RecallRecord]:
    """Every recall these organizations recorded, oldest first, with its close."""
    if not org_ids:
        return []
    return _records(conn, conn.execute(select(*_COLUMNS).where(
        events.c.org_id.in_(list(org_ids)), events.c.disposition == "recalled")))


def find_recall(conn: Connection, recall_id: str) -> RecallRecord | None:
    """The recall with this id (as :func:`recalls_of` names it), or None."""
    org, at, when = recall_id.partition("@")
    if at and org.isdigit() and when.isdigit():  # a recall recorded without an id
        query = select(*_COLUMNS).where(events.c.org_id == int(org),
                                        events.c.event_time_us == int(when))
    else:
        query = select(*_COLUMNS).where(events.c.body.contains(json.dumps(recall_id),
                                                               autoescape=True))
    found = [r for r in _records(conn, conn.execute(
        query.where(events.c.disposition == "recalled"))) if r.recall_id == recall_id]
    return found[0] if found else None


def close_recall(engine: Engine, org: Organization, closed_by: str, recall_id: str
                 ) -> RecallRecord:
    """Record that ``org`` (its person ``closed_by``) closes the recall: 404 for a recall the
    caller may not close (it may not know of it), 409 when it is closed already."""
    with engine.begin() as conn:
        record = find_recall(conn, recall_id)
        if record is None or not may_close_recall(
                org.id, record.org_id, _owners(conn, record.codes), reach_of(conn, org.id)):
            raise NoSuchResourceException(f"No recall {recall_id!r} to close", [Problem(
                "recall_id", "a recall your organization recorded, of codes it owns, or in "
                "the area it oversees", repr(recall_id[:100]))])
        if record.closed_us is not None:
            raise _closed(record, conn)
        now = now_micros()
        try:
            with conn.begin_nested():
                conn.execute(insert(recall_closures).values(
                    recall_id=record.recall_id, org_id=org.id,
                    closed_by=(closed_by or org.name)[:200], closed_us=now))
        except IntegrityError:  # closed at the same moment by another request
            raise _closed(find_recall(conn, recall_id) or record, conn) from None
    record.closed_us, record.closed_by, record.closed_org = now, closed_by or org.name, org.id
    return record


def _owners(conn: Connection, codes: Sequence[str]) -> list[int | None]:
    owners = Owners.load(conn, codes)
    return [owners.owner(code) for code in codes]


def _closed(record: RecallRecord, conn: Connection) -> ConflictException:
    who = conn.execute(select(organizations.c.name).where(
        organizations.c.id == record.closed_org)).scalar() or record.closed_by
    return ConflictException(f"Đợt thu hồi {record.recall_id} đã đóng / The recall is closed "
                             "already", [Problem("recall_id", "an open recall",
                                                 f"closed by {record.closed_by or who}")])


def harvest_places(conn: Connection, codes: Sequence[str], places: Iterable[str]
                   ) -> set[str]:
    """The places among ``places`` where one of ``codes`` was harvested (opened, action ADD,
    as a diary's harvest records it). Compared as canonical ids: a plot registered as an SGLN
    URN is stored in its events as a Digital Link."""
    wanted = {lenient_id(place): place for place in places}
    if not codes or not wanted:
        return set()
    rows = conn.execute(select(events.c.biz_location).join(
        event_terms, event_terms.c.event_pk == events.c.id).where(
        event_terms.c.value.in_(list(codes)), event_terms.c.role.in_(("epc", "epc_class")),
        events.c.action == "ADD").distinct()).scalars()
    return {wanted[found] for place in rows if place
            and (found := lenient_id(place)) in wanted}


__all__ = ["RecallRecord", "close_recall", "find_recall", "harvest_places", "recalls_of"]
