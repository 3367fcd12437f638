"""The lineage graph: things, places and parties linked by the events that connect them.

Edges always point the way goods flow (input -> output, child -> parent it was packed into,
place -> lot harvested there, thing -> place it was seen at), whichever way the walk went, so
a backward and a forward trace of one chain draw the same arrows. One graph, three renderings:
JSON (for the API), CSV (one row per edge, for a spreadsheet) and Graphviz DOT.

>>> g = Graph(root="https://id.gs1.org/01/08931234000112/10/L1", direction="back")
>>> g.add_node("https://id.gs1.org/01/08931234000112/10/L1", 0)
>>> g.nodes["https://id.gs1.org/01/08931234000112/10/L1"].kind
'lot'
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from agritrace.epcis.times import format_time

GS1 = "https://id.gs1.org/"
SEASON_PREFIX = "https://agritrace.org/id/season/"
_KINDS = (("00/", "logistic_unit"), ("414/", "location"), ("417/", "party"))


def node_kind(identifier: str) -> str:
    """What an identifier names: item, lot, product, logistic_unit, location, party, season, other.

    >>> node_kind("https://id.gs1.org/01/08931234000112/21/X9"), node_kind("urn:x:1")
    ('item', 'other')
    """
    if identifier.startswith(SEASON_PREFIX):
        return "season"
    if not identifier.startswith(GS1):
        return "lot" if identifier.startswith("https://agritrace.org/id/lot/") else "other"
    path = identifier[len(GS1):]
    if path.startswith(("01/", "8006/")):
        if "/21/" in path:
            return "item"
        return "lot" if "/10/" in path else "product"
    for prefix, kind in _KINDS:
        if path.startswith(prefix):
            return kind
    return "other"


@dataclass
class Node:
    id: str
    kind: str
    depth: int


class Edge(NamedTuple):
    """One link, made by one event. ``relation`` is one of RELATIONS."""

    source: str
    target: str
    relation: str
    event_pk: int
    event_id: str | None
    event_type: str
    biz_step: str | None
    time_us: int
    quantity: float | None = None
    uom: str | None = None
    until_us: int | None = None
    """For ``contained``: when the child left the parent (None: still inside)."""


RELATIONS = {
    "transformed": "input -> output of a transformation",
    "commissioned": "place or season -> the lot or item created there",
    "contained": "child -> the parent it was aggregated into, from time until until_us",
    "observed_at": "thing -> the place an event saw it at (readPoint / bizLocation)",
    "shipped_from": "source party or place -> thing",
    "shipped_to": "thing -> destination party or place",
}


@dataclass(frozen=True)
class Inconsistency:
    """Data the walk could not reconcile; reported, never silently resolved."""

    kind: str
    identifier: str
    detail: str
    event_pks: tuple[int, ...] = ()


@dataclass
class Graph:
    root: str
    direction: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str, str, int], Edge] = field(default_factory=dict)
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    ignored_events: set[str] = field(default_factory=set)
    """eventIDs of events declared erroneous: not followed."""
    quantities: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    """The quantity an event gave a lot when it made it (output or commissioning)."""
    hidden_events: int = 0
    """Events the asking organization may not see: not followed."""
    truncated: bool = False

    def add_node(self, identifier: str, depth: int) -> None:
        known = self.nodes.get(identifier)
        if known is None:
            self.nodes[identifier] = Node(identifier, node_kind(identifier), depth)
        elif depth < known.depth:
            known.depth = depth

    def add_edge(self, edge: Edge, depth: int) -> None:
        nodes = self.nodes
        if edge.source not in nodes:
            nodes[edge.source] = Node(edge.source, node_kind(edge.source), depth)
        if edge.target not in nodes:
            nodes[edge.target] = Node(edge.target, node_kind(edge.target), depth)
        self.edges.setdefault(edge[:4], edge)

    def of_kind(self, *kinds: str) -> list[str]:
        return sorted(n.id for n in self.nodes.values() if n.kind in kinds)

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "direction": self.direction,
            "nodes": [asdict(n) for n in sorted(self.nodes.values(), key=_node_order)],
            "edges": [_edge_json(e) for e in self.sorted_edges()],
            "inconsistencies": [
                {**asdict(i), "event_pks": list(i.event_pks)} for i in self.inconsistencies],
            "ignoredErroneousEvents": sorted(self.ignored_events),
            "hiddenEvents": self.hidden_events,
            "truncated": self.truncated,
        }

    def sorted_edges(self) -> list[Edge]:
        return sorted(self.edges.values(),
                      key=lambda e: (e.time_us, e.event_pk, e.source, e.target, e.relation))

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for edge in self.sorted_edges():
            writer.writerow(_edge_row(edge, self.nodes))
        return out.getvalue()

    def to_dot(self) -> str:
        lines = ["digraph lineage {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
        for node in sorted(self.nodes.values(), key=_node_order):
            shape = _SHAPES.get(node.kind, "ellipse")
            extra = ", penwidth=2" if node.id == self.root else ""
            lines.append(f"  {_dot(node.id)} [label={_dot(_short(node.id))}, shape={shape}"
                         f"{extra}];")
        for edge in self.sorted_edges():
            label = f"{edge.relation}\\n{edge.biz_step or edge.event_type}"
            if edge.quantity is not None:
                label += f"\\n{edge.quantity:g} {edge.uom or ''}".rstrip()
            lines.append(f"  {_dot(edge.source)} -> {_dot(edge.target)} "
                         f"[label=\"{_escape(label)}\"];")
        lines.append("}")
        return "\n".join(lines) + "\n"


CSV_COLUMNS = ("time", "relation", "source", "source_kind", "target", "target_kind",
               "biz_step", "event_type", "quantity", "uom", "until", "event_id", "event_pk")
_SHAPES = {"item": "box", "lot": "box3d", "logistic_unit": "folder", "location": "house",
           "party": "octagon", "season": "note"}


def _node_order(node: Node) -> tuple[int, str]:
    return node.depth, node.id


def _when(micros: int | None) -> str | None:
    return None if micros is None else format_time(micros)


def _edge_json(edge: Edge) -> dict[str, Any]:
    out = edge._asdict()
    out["time"] = _when(edge.time_us)
    out["until"] = _when(edge.until_us)
    return out


def _edge_row(edge: Edge, nodes: dict[str, Node]) -> list[Any]:
    return [_when(edge.time_us), edge.relation, edge.source, nodes[edge.source].kind,
            edge.target, nodes[edge.target].kind, edge.biz_step or "", edge.event_type,
            "" if edge.quantity is None else f"{edge.quantity:g}", edge.uom or "",
            _when(edge.until_us) or "", edge.event_id or "", edge.event_pk]


def _short(identifier: str) -> str:
    return identifier[len(GS1):] if identifier.startswith(GS1) else identifier


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n")


def _dot(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
