"""A trace as a person reads it in a terminal: what was reached, how far, and what was not shown.

``agritrace trace`` prints this by default; ``--format json|csv|dot`` gives the whole graph.
Identifiers are never cut: a long one wraps inside its column.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agritrace.trace.graph import Graph

#: How the summary names each kind of identifier (singular, plural).
KIND_NAMES = {"item": ("unit", "units"), "lot": ("lot", "lots"),
              "product": ("product", "products"),
              "logistic_unit": ("logistic unit", "logistic units"),
              "location": ("place", "places"), "party": ("party", "parties"),
              "season": ("season", "seasons"), "other": ("other code", "other codes")}
SHOWN = 40


def counted(kinds: Counter[str]) -> str:
    """'3 lots, 12 units, 1 season' in the order of KIND_NAMES."""
    return ", ".join(f"{kinds[k]:,} {KIND_NAMES[k][kinds[k] != 1]}" for k in KIND_NAMES
                     if kinds[k])


def summary(graph: Graph) -> RenderableType:
    """The trace's headline, its codes nearest first (up to :data:`SHOWN`), and what was left
    out: events hidden from the caller, erroneous events, inconsistencies, truncation."""
    nodes = sorted(graph.nodes.values(), key=lambda n: (n.depth, n.kind, n.id))
    head = Text.assemble(("Trace ", "bold"), (graph.root, "bold"),
                         f" ({graph.direction}): {counted(Counter(n.kind for n in nodes))} "
                         f"through {len(graph.edges):,} links")
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("steps", justify="right")
    table.add_column("kind")
    table.add_column("identifier", no_wrap=True, overflow="fold")
    for node in nodes[:SHOWN]:
        table.add_row(str(node.depth), KIND_NAMES.get(node.kind, (node.kind,))[0], node.id)
    notes = []
    if len(nodes) > SHOWN:
        notes.append(f"… and {len(nodes) - SHOWN:,} more: --format csv or json lists them all")
    if graph.hidden_events:
        notes.append(f"{graph.hidden_events:,} events of other organizations not shared with "
                     "you were not followed")
    if graph.ignored_events:
        notes.append(f"{len(graph.ignored_events):,} events declared erroneous were left out")
    if graph.truncated:
        notes.append("the trace stopped at its depth or size limit")
    return Group(head, table, *(Text(note, style="dim") for note in notes))
