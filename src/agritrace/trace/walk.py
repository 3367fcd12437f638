"""One direction of a lineage walk: the rules that turn events into edges and next identifiers.

See :mod:`agritrace.trace.lineage` for the rules in prose. A :class:`Visit` is an identifier to
expand, with the window during which it was inside the container the walk came from (events
outside that window are not the container's journey with this thing) and whether it was reached
upward from one of its own children (then its other children are not followed).

Each identifier is expanded once per walk (once more if first reached only upward and later
from above). Visits of one identifier in the same level merge (the union of their windows); a
container reached again at a later level with another window is not expanded again, so its
events in that second window are missed: rare in practice (a container refilled with goods of
the same lineage), and the price of a walk that always ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agritrace.ids.epc import lenient_id
from agritrace.trace.access import Access
from agritrace.trace.graph import SEASON_PREFIX, Edge, Graph, Inconsistency, node_kind
from agritrace.trace.reader import EventReader, StoredEvent, Term

_CONTAINERS = ("AggregationEvent", "AssociationEvent")
_CHILD_ROLES = ("child", "child_class")
_IN_ROLES = ("input", "input_class")
_OUT_ROLES = ("output", "output_class")
_OBJECT_ROLES = ("epc", "epc_class")
_ILMD_SEASON = "agt:season"
_ILMD_PLOT = "agt:plot"


@dataclass
class Visit:
    node: str
    lo: int | None = None
    hi: int | None = None
    up_only: bool = False
    season: str | None = None

    def admits(self, event: StoredEvent) -> bool:
        if self.lo is not None and event.time_us < self.lo:
            return False
        return self.hi is None or event.time_us < self.hi

    def widen(self, other: Visit) -> None:
        """Cover ``other`` too: the union of the windows, the wider reach."""
        self.lo = None if self.lo is None or other.lo is None else min(self.lo, other.lo)
        self.hi = None if self.hi is None or other.hi is None else max(self.hi, other.hi)
        self.up_only = self.up_only and other.up_only
        if self.season != other.season:
            self.season = None


_Hit = tuple[Visit, Term, StoredEvent]


class Walker:
    """Walks one direction (``back`` or ``forward``) from a root into a shared graph."""

    def __init__(self, reader: EventReader, graph: Graph, direction: str,
                 visible: Access | None, depth: int | None,
                 max_nodes: int) -> None:
        self.reader, self.graph, self.direction = reader, graph, direction
        self.visible, self.depth, self.max_nodes = visible, depth, max_nodes
        self.back = direction == "back"
        self.seen: dict[str, bool] = {}
        self.level = 0
        self.next: dict[str, Visit] = {}
        self.hidden: set[int] = set()

    def run(self, root: str) -> bool:
        frontier = {root: Visit(root)}
        found = False
        while frontier:
            hits, places = self._read(frontier)
            if self.level == 0:
                found = bool(hits or places)
            if self.depth is not None and self.level >= self.depth:
                break
            for visit in frontier.values():
                self.seen[visit.node] = visit.up_only
            self.next = {}
            self._follow(hits, places)
            frontier = self.next
            self.level += 1
            if len(self.graph.nodes) > self.max_nodes:
                self.graph.truncated = True
                break
        self.graph.hidden_events += len(self.hidden)
        return found

    # reading -----------------------------------------------------------------------------

    def _read(self, frontier: dict[str, Visit]
              ) -> tuple[list[_Hit], list[tuple[Visit, StoredEvent]]]:
        reader = self.reader
        hits = [(visit, t, e) for t, e in reader.hits(frontier)
                if (visit := frontier[t.value]).admits(e)]
        place_visits = {n: v for n, v in frontier.items()
                        if self.level == 0 or node_kind(n) == "location" or v.season}
        places = [(place_visits[p], e) for p, e in reader.at_places(place_visits)]
        # One read for the parties (visibility, shipments) and the roles each event is followed
        # by; the roles of an event the asker may not see are read in vain, but in the same trip.
        reader.need([(e, "parties") for _, _, e in hits] + [(e, "parties") for _, e in places]
                    + self._groups(hits) + [(e, "objects") for _, e in places])
        own = None
        if self.visible is not None:
            self.visible.load([e for _, _, e in hits] + [e for _, e in places])
            hits = [h for h in hits if self._shown(h[2])]
            places = [p for p in places if self._shown(p[1])]
            own = self.visible.viewer.org_id
        kept = _one_copy([e for _, _, e in hits] + [e for _, e in places], own)
        if kept is None:
            return hits, places
        return [h for h in hits if h[2].pk in kept], [p for p in places if p[1].pk in kept]

    def _shown(self, event: StoredEvent) -> bool:
        if self.visible is None or self.visible.sees(event):
            return True
        self.hidden.add(event.pk)
        return False

    def _groups(self, hits: list[_Hit]) -> list[tuple[StoredEvent, str]]:
        wanted: list[tuple[StoredEvent, str]] = []
        for visit, term, event in hits:
            role = term.role
            if event.event_type == "TransformationEvent":
                if role in (_OUT_ROLES if self.back else _IN_ROLES):
                    wanted.append((event, "inputs" if self.back else "outputs"))
                    wanted.append((event, "transformation"))
            elif event.event_type in _CONTAINERS:
                if role in _CHILD_ROLES:
                    wanted.append((event, "parent"))
                elif role == "parent" and not visit.up_only:
                    wanted.append((event, "children"))
        return wanted

    # following ---------------------------------------------------------------------------

    def _follow(self, hits: list[_Hit], places: list[tuple[Visit, StoredEvent]]) -> None:
        self._transformations(hits)
        self._commissionings(hits)
        self._containment(hits)
        for visit, _term, event in hits:
            self._whereabouts(visit.node, event)
        self._places(places)
        self._seasons_forward(hits)

    def _edge(self, source: str, target: str, relation: str, event: StoredEvent,
              quantity: float | None = None, uom: str | None = None,
              until_us: int | None = None) -> None:
        # tuple.__new__: a third of the cost of Edge(...) for the thousands of edges of a walk.
        self.graph.add_edge(tuple.__new__(Edge, (source, target, relation, event.pk, event.event_id,
                                        event.event_type, event.biz_step, event.time_us,
                                        quantity, uom, until_us)), self.level + 1)

    def _visit(self, visit: Visit) -> None:
        if visit.node == self.graph.root and not visit.up_only:
            self._report(Inconsistency(
                "cycle", visit.node, f"the {self.direction} walk came back to where it started"))
        done = self.seen.get(visit.node)
        if done is False or (done is True and visit.up_only):
            return
        # Widened in place: every Visit in ``next`` was made for this level alone.
        known = self.next.get(visit.node)
        if known is None:
            self.next[visit.node] = visit
        else:
            known.widen(visit)

    def _whereabouts(self, node: str, event: StoredEvent) -> None:
        place = event.place
        if place and place != node:
            self._edge(node, place, "observed_at", event)
        for term in event.group("parties"):
            other = lenient_id(term.value)
            if term.role == "source":
                self._edge(other, node, "shipped_from", event)
            else:
                self._edge(node, other, "shipped_to", event)

    def _report(self, inconsistency: Inconsistency) -> None:
        if inconsistency not in self.graph.inconsistencies:
            self.graph.inconsistencies.append(inconsistency)

    def _transformations(self, hits: list[_Hit]) -> None:
        roles = _OUT_ROLES if self.back else _IN_ROLES
        mine = [(v, t, e) for v, t, e in hits
                if e.event_type == "TransformationEvent" and t.role in roles]
        siblings = self._siblings([e for _, _, e in mine])
        group = "inputs" if self.back else "outputs"
        for visit, node_term, event in mine:
            for other_event in siblings.get(event.pk, [event]):
                for term in other_event.group(group):
                    self._transformed(visit.node, node_term, term, other_event)

    def _transformed(self, node: str, node_term: Term, term: Term, event: StoredEvent) -> None:
        # The edge carries what went in: "500 kg of green beans" became these bags.
        source_term = term if self.back else node_term
        quantity, uom = source_term.quantity, source_term.uom
        self._made(node_term if self.back else term)
        if self.back:
            self._edge(term.value, node, "transformed", event, quantity, uom)
        else:
            self._edge(node, term.value, "transformed", event, quantity, uom)
        self._visit(Visit(term.value))

    def _made(self, term: Term) -> None:
        if term.quantity is not None:
            self.graph.quantities.setdefault(term.value, (term.quantity, term.uom))

    def _siblings(self, mine: list[StoredEvent]) -> dict[int, list[StoredEvent]]:
        """Events that share a transformationID are one transformation (EPCIS 2.0 7.3.6)."""
        ids = {e.pk: t.value for e in mine for t in e.group("transformation")}
        if not ids:
            return {}
        by_id: dict[str, list[StoredEvent]] = defaultdict(list)
        for term, event in self.reader.hits(set(ids.values()), roles=("transformation",)):
            if self._shown(event):
                by_id[term.value].append(event)
        group = "inputs" if self.back else "outputs"
        self.reader.need([(e, group) for events in by_id.values() for e in events])
        return {pk: by_id[value] for pk, value in ids.items()}

    def _commissionings(self, hits: list[_Hit]) -> None:
        if not self.back:
            return
        chosen = [(v, t, e) for v, t, e in hits if e.event_type == "ObjectEvent"
                  and e.action == "ADD" and t.role in _OBJECT_ROLES]
        if not chosen:
            return
        bodies = self.reader.bodies(e.pk for _, _, e in chosen)
        for visit, term, event in chosen:
            self._made(term)
            ilmd = bodies.get(event.pk, {}).get("ilmd") or {}
            origins = {event.place, ilmd.get(_ILMD_PLOT)} if isinstance(ilmd, dict) else {
                event.place}
            for origin in origins:
                if isinstance(origin, str) and origin:
                    self._edge(lenient_id(origin), visit.node, "commissioned", event)
            season = ilmd.get(_ILMD_SEASON) if isinstance(ilmd, dict) else None
            if isinstance(season, str) and season:
                self._edge(season, visit.node, "commissioned", event)
                self._visit(Visit(season))

    def _containment(self, hits: list[_Hit]) -> None:
        adds = [(v, t, e) for v, t, e in hits if e.event_type in _CONTAINERS
                and t.role in _CHILD_ROLES and e.action in ("ADD", "OBSERVE")]
        deletes = self._deletes(adds)
        stays: dict[str, list[tuple[str, int, int | None, int]]] = defaultdict(list)
        for visit, node_term, event in adds:
            for parent in event.group("parent"):
                end = _released_at(deletes.get(parent.value, ()), visit.node, event.time_us)
                stays[visit.node].append((parent.value, event.time_us, end, event.pk))
                self._edge(visit.node, parent.value, "contained", event,
                           node_term.quantity, node_term.uom, end)
                self._visit(Visit(parent.value, _later(visit.lo, event.time_us),
                                  _sooner(visit.hi, end), True))
        for visit, term, event in hits:
            if (event.event_type in _CONTAINERS and term.role == "parent" and not visit.up_only
                    and event.action in ("ADD", "OBSERVE")):
                for inside in event.group("children"):
                    self._edge(inside.value, visit.node, "contained", event, inside.quantity,
                               inside.uom)
                    self._visit(Visit(inside.value))
        for child, spans in stays.items():
            if len(spans) > 1:
                self._two_parents(child, spans)

    def _deletes(self, adds: list[_Hit]) -> dict[str, list[tuple[int, set[str]]]]:
        """The DELETEs of the parents ``adds`` name: (time, children released), in time order.

        An empty set: a DELETE naming no children releases them all (EPCIS 2.0 7.3.5.4).
        """
        parents = {t.value for _, _, e in adds for t in e.group("parent")}
        if not parents:
            return {}
        found: dict[str, list[StoredEvent]] = defaultdict(list)
        for term, event in self.reader.hits(parents, roles=("parent",)):
            if event.event_type in _CONTAINERS and event.action == "DELETE":
                found[term.value].append(event)
        self.reader.need([(e, "children") for events in found.values() for e in events])
        return {parent: sorted(((d.time_us, {t.value for t in d.group("children")})
                                for d in events), key=lambda delete: delete[0])
                for parent, events in found.items()}

    def _two_parents(self, child: str, spans: list[tuple[str, int, int | None, int]]) -> None:
        spans.sort(key=lambda s: s[1])
        for index, (parent, _start, end, pk) in enumerate(spans):
            for other, other_start, _other_end, other_pk in spans[index + 1:]:
                if other != parent and (end is None or other_start < end):
                    self._report(Inconsistency(
                        "two_parents", child,
                        f"{child} was aggregated into {other} while still inside {parent} "
                        f"(no DELETE released it first); both parents are followed",
                        (pk, other_pk)))

    def _places(self, places: list[tuple[Visit, StoredEvent]]) -> None:
        bodies = {}
        seasonal = [e.pk for v, e in places if v.season and e.action == "ADD"]
        if seasonal:
            bodies = self.reader.bodies(seasonal)
        for visit, event in places:
            things = [t.value for t in event.group("objects")]
            if event.event_type == "ObjectEvent" and event.action == "ADD":
                if visit.season:
                    ilmd = bodies.get(event.pk, {}).get("ilmd") or {}
                    if not isinstance(ilmd, dict) or ilmd.get(_ILMD_SEASON) != visit.season:
                        continue
                for made in event.group("objects"):
                    self._made(made)
                    self._edge(visit.node, made.value, "commissioned", event)
                    if not self.back:
                        self._visit(Visit(made.value))
            elif event.event_type == "ObjectEvent" and (
                    not visit.season or visit.season in things):
                for thing in things:
                    self._edge(thing, visit.node, "observed_at", event)

    def _seasons_forward(self, hits: list[_Hit]) -> None:
        """Forward from a season: its plots, where its harvests commissioned the lots."""
        if self.back:
            return
        for visit, term, event in hits:
            if (visit.node.startswith(SEASON_PREFIX) and term.role in _OBJECT_ROLES
                    and event.action != "ADD" and event.place):
                self._visit(Visit(event.place, season=visit.node))


def _released_at(deletes: Sequence[tuple[int, set[str]]], child: str, start: int) -> int | None:
    """When the first DELETE after ``start`` released ``child`` (None: never)."""
    for time_us, children in deletes:
        if time_us > start and (not children or child in children):
            return time_us
    return None


def _later(a: int | None, b: int) -> int:
    return b if a is None else max(a, b)


def _sooner(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _one_copy(events: list[StoredEvent], own: int | None) -> set[int] | None:
    """The pks to keep when a reader may read two organizations' copies of one event (the same
    hash ID, stored once per organization): its own copy, else the first stored. Both copies
    name the same codes, so a level always meets them together. None when there is no copy.
    """
    chosen: dict[str, StoredEvent] = {}
    copies = False
    for event in events:
        other = chosen.setdefault(event.hash_id, event)
        if other.pk != event.pk:
            copies = True
            if (event.org_id == own, -event.pk) > (other.org_id == own, -other.pk):
                chosen[event.hash_id] = event
    return {e.pk for e in chosen.values()} if copies else None
