"""Lineage: from any identifier back to its sources and forward to everything made from it.

The walk goes level by level (breadth first) over the event log. Each level asks the store, in
batches, which events name the identifiers of the level, and follows each event by its kind:

- a **transformation** leads from its inputs to its outputs (EPCs or quantities of a lot, and
  every event sharing its transformationID);
- a **commissioning** ObjectEvent (action ADD) leads from the place (a plot) and the season named
  in its ILMD to the lots or items it creates;
- an **aggregation** puts a child inside a parent from the ADD until the first DELETE that
  releases it; a thing travels with its parent in that window only, so the parent's events
  outside it are not the child's. Going down from a parent to its children happens only from a
  parent that was not itself reached from one of its children (no sideways jump to siblings);
- every event also says where the thing was (readPoint / bizLocation) and between which parties
  or places it moved (source / destination); those are leaves of the graph.

Error declarations are honoured in :mod:`agritrace.trace.reader`: an event declared erroneous is
not followed, while its corrective events, being ordinary events, are. Identifiers are visited
once per walk, so cycles in bad data end; a child inside two parents at the same time is
reported as an inconsistency and both parents are followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from agritrace.collector import collection_paused
from agritrace.errors import NoSuchResourceException, Problem, QueryParameterException
from agritrace.ids.epc import InvalidIdentifier, canonical_id
from agritrace.trace.access import Access
from agritrace.trace.graph import Edge, Graph, Inconsistency, node_kind
from agritrace.trace.reader import EventReader, StoredEvent, Term
from agritrace.trace.walk import Visit, Walker

DIRECTIONS = ("back", "forward", "both")
EXPECTED_FORMS = (
    "a GS1 identifier as an EPC URN (urn:epc:id:sgtin:…, urn:epc:class:lgtin:…, "
    "urn:epc:id:sscc:…, urn:epc:id:sgln:…) or a GS1 Digital Link "
    "(https://id.gs1.org/01/<GTIN>/21/<serial>, …/01/<GTIN>/10/<lot>, …/00/<SSCC>, "
    "…/414/<GLN>/254/<extension>), or another absolute URI such as a season or plot URI"
)
MAX_NODES = 500_000


@dataclass(frozen=True)
class TraceRequest:
    identifier: str
    direction: str = "both"
    depth: int | None = None
    since_us: int | None = None
    until_us: int | None = None


def parse_identifier(text: str) -> str:
    """The canonical form of an identifier to trace, or QueryParameterException naming the forms.

    >>> parse_identifier("urn:epc:id:sscc:0614141.1234567890")
    'https://id.gs1.org/00/106141412345678908'
    >>> parse_identifier("LOT-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    agritrace.errors.QueryParameterException: 'LOT-1' is not an identifier agritrace can trace
      - id: expected a GS1 identifier as an EPC URN ...
    """
    value = text.strip()
    try:
        canonical = canonical_id(value, path="id")
    except InvalidIdentifier as exc:
        problems = [Problem("id", f"{p.expected} ({EXPECTED_FORMS})", p.found)
                    for p in exc.problems]
        raise QueryParameterException(f"{value!r} is not a valid GS1 identifier",
                                      problems) from exc
    scheme, colon, rest = canonical.partition(":")
    if not colon or not scheme.isalpha() or not rest or " " in canonical:
        raise QueryParameterException(
            f"{value!r} is not an identifier agritrace can trace",
            [Problem("id", EXPECTED_FORMS, repr(value))])
    return canonical


def check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise QueryParameterException(f"Unknown direction {direction!r}", [
            Problem("direction", "one of " + ", ".join(DIRECTIONS), repr(direction))])
    return direction


def check_depth(depth: int | None) -> int | None:
    if depth is not None and depth < 0:
        raise QueryParameterException(f"Depth {depth} is negative", [
            Problem("depth", "a whole number of links, 0 or more", str(depth))])
    return depth


def trace(engine: Engine, request: TraceRequest, *, viewer: int | None = None) -> Graph:
    """The lineage graph of ``request.identifier``; NoSuchResourceException if no event names it.

    With a ``viewer`` (the id of the organization reading), only the events
    :mod:`agritrace.trace.access` lets it read are followed; the others are counted in
    ``graph.hidden_events``. Without one (the operator's command line), every event is.
    """
    root = parse_identifier(request.identifier)
    check_direction(request.direction)
    check_depth(request.depth)
    graph = Graph(root=root, direction=request.direction)
    graph.add_node(root, 0)
    with collection_paused(), engine.connect() as conn:
        reader = EventReader(conn, request.since_us, request.until_us)
        access = None if viewer is None else Access(reader, viewer)
        directions = ("back", "forward") if request.direction == "both" else (
            request.direction,)
        found = False
        for direction in directions:
            walker = Walker(reader, graph, direction, access, request.depth, MAX_NODES)
            found = walker.run(root) or found
        graph.ignored_events |= reader.erroneous
    if not found:
        raise NoSuchResourceException(
            f"No event names {root!r}" + (f" (given as {request.identifier!r})"
                                          if root != request.identifier.strip() else ""),
            [Problem("id", "an identifier that a captured event names (check the code, or "
                     "capture the events first)", repr(request.identifier))])
    return graph


__all__ = [
    "DIRECTIONS", "EXPECTED_FORMS", "Edge", "Graph", "Inconsistency", "StoredEvent",
    "Term", "TraceRequest", "Visit", "check_depth", "check_direction", "node_kind",
    "parse_identifier", "trace",
]
