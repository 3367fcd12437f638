"""Recall: everything downstream of some lots, where it is now, and who has it.

For each lot (or a plot and a harvest date range, which name the lots harvested there), a
forward trace lists every lot, unit and logistic unit made from it or packed with it; a backward
trace lists its sources (plots, seasons, harvest lots). For each affected thing the report gives
its last known place (its own latest sighting, or its container's while it was inside), its
owner (the last party it was shipped to), its quantity and every party it was shipped to.

Marking a recall records it as EPCIS events (ObjectEvent, disposition ``recalled``) through the
ordinary capture path, so every later scan of an affected code can say so.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from agritrace.capture import CaptureReport, capture_document
from agritrace.collector import collection_paused
from agritrace.epcis.document import Document, Event
from agritrace.epcis.times import format_time, now_micros
from agritrace.errors import (
    ForbiddenException,
    NoSuchResourceException,
    Problem,
    QueryParameterException,
)
from agritrace.store.orgs import Organization
from agritrace.store.tables import organizations
from agritrace.subscriptions.notices import recall_notices
from agritrace.trace.access import Access
from agritrace.trace.graph import Edge, Graph, Inconsistency
from agritrace.trace.lineage import TraceRequest, parse_identifier, trace
from agritrace.trace.reader import EventReader
from agritrace.trust import Owners, Reach, in_reach, reach_of

AFFECTED_KINDS = ("lot", "item", "logistic_unit", "product")
SOURCE_KINDS = ("lot", "location", "season", "party")
UPSTREAM = ("commissioned", "transformed", "shipped_from")
MARK_CHUNK = 1000
AGT = "https://agritrace.org/voc/"


@dataclass
class Affected:
    """One recalled thing and what is known of its whereabouts."""

    id: str
    kind: str
    lot: str
    """The requested lot it descends from."""
    quantity: float | None = None
    uom: str | None = None
    last_seen: str | None = None
    last_place: str | None = None
    last_step: str | None = None
    owner: str | None = None
    recipients: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "lot": self.lot, "quantity": self.quantity,
            "uom": self.uom, "lastSeen": self.last_seen, "lastPlace": self.last_place,
            "lastBizStep": self.last_step, "owner": self.owner, "recipients": self.recipients,
        }


@dataclass
class Recall:
    lots: list[str]
    affected: list[Affected] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)
    """Upstream, by kind: lots, locations (plots), seasons, parties."""
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    created: str = ""

    def count(self, kind: str) -> int:
        return sum(1 for a in self.affected if a.kind == kind)

    @property
    def recipients(self) -> list[str]:
        return sorted({r for a in self.affected for r in a.recipients})

    def as_dict(self) -> dict[str, Any]:
        return {
            "lots": self.lots, "created": self.created,
            "counts": {kind: self.count(kind) for kind in AFFECTED_KINDS},
            "recipients": self.recipients,
            "affected": [a.as_dict() for a in self.affected],
            "sources": self.sources,
            "inconsistencies": [
                {"kind": i.kind, "identifier": i.identifier, "detail": i.detail}
                for i in self.inconsistencies],
        }


def lots_of_plot(engine: Engine, plot: str, since_us: int | None, until_us: int | None, *,
                 viewer: int | None = None) -> list[str]:
    """The lots harvested (commissioned) at ``plot`` between the two times; with a ``viewer``,
    only by harvest events it may read (:mod:`agritrace.trace.access`)."""
    place = parse_identifier(plot)
    with engine.connect() as conn:
        reader = EventReader(conn, since_us, until_us)
        events = [e for _, e in reader.at_places([place])
                  if e.event_type == "ObjectEvent" and e.action == "ADD"]
        reader.need([(e, "objects") for e in events] + [(e, "parties") for e in events])
        if viewer is not None:
            access = Access(reader, viewer)
            access.load(events)
            events = [e for e in events if access.sees(e)]
    lots = sorted({t.value for e in events for t in e.group("objects")})
    if not lots:
        raise NoSuchResourceException(f"No harvest at {plot!r} in that period", [Problem(
            "plot", "a plot where a harvest opened a lot in the date range", repr(plot))])
    return lots


def recall(engine: Engine, lots: Iterable[str], *, viewer: int | None = None) -> Recall:
    """The recall list for ``lots`` (each a lot, item or logistic unit identifier)."""
    requested = [parse_identifier(lot) for lot in lots]
    if not requested:
        raise QueryParameterException("Nothing to recall", [
            Problem("lots", "one or more lot identifiers", "none")])
    result = Recall(lots=requested, created=format_time(now_micros(), "+07:00"))
    sources: dict[str, set[str]] = defaultdict(set)
    seen: set[str] = set()
    with collection_paused():
        for lot in requested:
            forward = trace(engine, TraceRequest(lot, "forward"), viewer=viewer)
            backward = trace(engine, TraceRequest(lot, "back"), viewer=viewer)
            for made, quantity in backward.quantities.items():
                forward.quantities.setdefault(made, quantity)
            # Upstream only: where things came from, not where the lot was seen or went.
            for edge in backward.edges.values():
                kind = backward.nodes[edge.source].kind
                if edge.relation in UPSTREAM and kind in SOURCE_KINDS and edge.source != lot:
                    sources[kind].add(edge.source)
            result.inconsistencies.extend(
                i for i in forward.inconsistencies + backward.inconsistencies
                if i not in result.inconsistencies)
            for thing in _whereabouts(forward, lot):
                if thing.id not in seen:
                    seen.add(thing.id)
                    result.affected.append(thing)
    result.sources = {kind: sorted(values) for kind, values in sources.items() if values}
    return result


def _whereabouts(graph: Graph, lot: str) -> list[Affected]:
    by_source: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    for edge in graph.edges.values():
        by_source[edge.source][edge.relation].append(edge)
    finder = _Sightings(by_source)
    out = []
    for node in graph.nodes.values():
        if node.kind not in AFFECTED_KINDS:
            continue
        quantity, uom = graph.quantities.get(node.id, (None, None))
        if node.kind == "item":
            quantity, uom = 1.0, "EA"
        thing = Affected(node.id, node.kind, lot, quantity, uom)
        finder.locate(thing)
        out.append(thing)
    out.sort(key=lambda a: (AFFECTED_KINDS.index(a.kind), a.id))
    return out


_Window = tuple[str, int | None, int | None, int]


class _Sightings:
    """Sightings and shipments of things and of their containers while they were inside.

    The units of one case share its window, so a container's answer is computed once per
    window (memoised), not once per unit: 12,000 units in 500 cases cost 500 look-ups.
    """

    def __init__(self, by_source: dict[str, dict[str, list[Edge]]]) -> None:
        self.by_source = by_source
        self.memo: dict[_Window, tuple[Edge, ...]] = {}
        self.times: dict[int, str] = {}

    def of(self, node: str, lo: int | None = None, hi: int | None = None,
           depth: int = 0) -> tuple[Edge, ...]:
        key = (node, lo, hi, depth)
        known = self.memo.get(key)
        if known is not None:
            return known
        relations = self.by_source.get(node, {})
        found = [e for rel in ("observed_at", "shipped_to") for e in relations.get(rel, ())
                 if (lo is None or e.time_us >= lo) and (hi is None or e.time_us < hi)]
        if depth < 4:
            for inside in relations.get("contained", ()):
                start = inside.time_us if lo is None else max(lo, inside.time_us)
                end = inside.until_us if hi is None or inside.until_us is None else min(
                    hi, inside.until_us)
                found.extend(self.of(inside.target, start, end, depth + 1))
        self.memo[key] = tuple(found)
        return self.memo[key]

    def locate(self, thing: Affected) -> None:
        sightings = self.of(thing.id)
        places = [e for e in sightings if e.relation == "observed_at"]
        shipments = sorted((e for e in sightings if e.relation == "shipped_to"),
                           key=lambda e: e.time_us)
        if places:
            last = max(places, key=lambda e: (e.time_us, e.event_pk))
            if last.time_us not in self.times:
                self.times[last.time_us] = format_time(last.time_us, "+07:00")
            thing.last_seen = self.times[last.time_us]
            thing.last_place = last.target
            thing.last_step = last.biz_step
        thing.recipients = sorted({e.target for e in shipments})
        if shipments:
            thing.owner = shipments[-1].target


def recall_events(result: Recall, reason: str, recall_id: str | None = None,
                  ordered_by: str = "") -> list[Event]:
    """The events that record the recall: ObjectEvents with disposition ``recalled`` (naming
    the person who ordered it, e.g. a province's officer, when one is given)."""
    recall_id = recall_id or f"urn:uuid:{uuid.uuid4()}"
    now = format_time(now_micros(), "+07:00")
    common: Event = {"type": "ObjectEvent", "eventTime": now, "eventTimeZoneOffset": "+07:00",
                     "action": "OBSERVE", "disposition": "recalled",
                     "agt:recallID": recall_id, "agt:recallReason": reason}
    if ordered_by:
        common["agt:recallOrderedBy"] = ordered_by
    serial = [a.id for a in result.affected if a.kind in ("item", "logistic_unit")]
    classes = [a.id for a in result.affected if a.kind in ("lot", "product")]
    events: list[Event] = []
    for chunk in _chunked(serial):
        events.append({**common, "epcList": chunk})
    for chunk in _chunked(classes):
        events.append({**common, "epcList": [],
                       "quantityList": [{"epcClass": c} for c in chunk]})
    return events


def check_may_recall(engine: Engine, org: Organization, lots: Iterable[str]) -> int:
    """ForbiddenException unless ``org`` may record the recall of every lot: the lot's owner or
    a delegate (:func:`agritrace.trust.may_claim`). A lot no grant covers may be recalled only
    by an organization that captured an event naming it. Having captured one event naming an
    owned lot is not enough (issue 11, item 2).

    Returns the organization whose view the recall is read in: the lots' owner when ``org``
    recalls as its delegate (a contract packer recalling the owner's lot must learn who received
    it, or the recall reaches no one), else ``org`` itself.

    The one exemption: a regulator (a province's or a commune's officers) orders the recall of
    lots in its area (:func:`agritrace.trust.in_reach`), recorded as its own and read in its
    own view, which reaches the whole area.
    """
    lots = list(lots)
    wanted = [parse_identifier(lot) for lot in lots]
    with engine.connect() as conn:
        owners = Owners.load(conn, wanted)
        reader = EventReader(conn)
        reach = reach_of(conn, org.id)
        if reach is not None:
            _check_in_area(reach, org, lots, wanted, owners, reader)
            return org.id
        owned_by = {owners.owner(code) for code in wanted}
        for index, (lot, code) in enumerate(zip(lots, wanted, strict=True)):
            owner = owners.owner(code)
            if owner is not None and not owners.may_claim(org.id, code):
                name = conn.execute(select(organizations.c.name).where(
                    organizations.c.id == owner)).scalar_one()
                raise ForbiddenException(
                    f"Chỉ {name} (chủ của mã {lot!r}) hoặc bên được ủy quyền mới được thu "
                    f"hồi mã này / Only {name} (the owner of {lot!r}) or its delegate may "
                    "recall it",
                    [Problem(f"lots[{index}]", f"a lot your organization owns ({lot!r} is "
                             f"owned by {name})", f"{org.name}, not its owner or a delegate")])
            if owner is None and not any(e.org_id == org.id for _, e in reader.hits([code])):
                raise ForbiddenException(
                    f"{org.name} chưa có sự kiện nào về {lot!r} / {org.name} has no event "
                    f"naming {lot!r}", [Problem(
                    f"lots[{index}]", "lots your organization owns or, when no one holds the code, "
                    "captured events for", repr(lot))])
    only = owned_by.pop() if len(owned_by) == 1 else None
    return only if only is not None else org.id


def _check_in_area(reach: Reach, org: Organization, lots: list[str], wanted: list[str],
                   owners: Owners, reader: EventReader) -> None:
    for index, (lot, code) in enumerate(zip(lots, wanted, strict=True)):
        capturers = {e.org_id for _, e in reader.hits([code])}
        if not in_reach(reach, owners.owner(code), capturers):
            raise ForbiddenException(
                f"{lot!r} không thuộc địa bàn của {org.name} / {lot!r} lies outside the area "
                f"{org.name} oversees", [Problem(
                    f"lots[{index}]", "a lot whose owner is registered in your area (or, when "
                    "no one holds the code, that an organization of your area recorded)",
                    repr(lot))])


def mark_recalled(engine: Engine, result: Recall, org: Organization, reason: str,
                  ordered_by: str = "", recall_id: str | None = None) -> CaptureReport:
    """Record the recall in the event log, captured by ``org``, on its own codes only.

    The requested lots (checked by :func:`check_may_recall`) and the affected codes ``org``
    speaks for are marked; codes other owners hold are not (capture would refuse such claims):
    their pages show the recall through the input lot they were made from.
    """
    with engine.connect() as conn:
        owners = Owners.load(conn, [a.id for a in result.affected])
    requested = set(result.lots)
    own = [a for a in result.affected
           if a.id in requested or org.id in owners.speakers(a.id)]
    marked = Recall(lots=result.lots, created=result.created, affected=own)
    events = recall_events(marked, reason, recall_id, ordered_by=ordered_by)
    doc = Document(kind="EPCISDocument", namespaces={"agt": AGT},
                   header={"schemaVersion": "2.0", "creationDate": events[0]["eventTime"]},
                   events=iter(events), name="recall")
    # every party that received affected codes is told, through its subscriptions: the notices
    # are written in the recall's own transaction, so a recall is never stored without them
    return capture_document(engine, doc, org,
                            then=lambda conn: recall_notices(conn, result, org, reason))


def _chunked(values: list[str]) -> list[list[str]]:
    iterator = iter(values)
    return [list(c) for c in iter(lambda: tuple(itertools.islice(iterator, MARK_CHUNK)), ())]


__all__ = ["Affected", "Recall", "check_may_recall", "lots_of_plot", "mark_recalled", "recall",
           "recall_events"]
