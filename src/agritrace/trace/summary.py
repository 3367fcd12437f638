"""A trace as a person reads it in a terminal: what was reached, how far, and what was not shown.

``agritrace trace`` prints this by default, in Vietnamese (``--lang en`` in English);
``--format json|csv|dot`` gives the whole graph. Identifiers are never cut
(:func:`agritrace.console.print_fitted`).
"""

from __future__ import annotations

from collections import Counter

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agritrace.trace.graph import Graph
from agritrace.web.i18n import Translator

#: The kinds of code, in the order the headline counts them.
KINDS = ("item", "lot", "product", "logistic_unit", "location", "party", "season", "other")
SHOWN = 40


def counted(kinds: Counter[str], t: Translator) -> str:
    """'3 lots, 12 units, 1 season' (in English) in the order of :data:`KINDS`.

    >>> from agritrace.web.i18n import Translator
    >>> counted(Counter({"lot": 3, "season": 1}), Translator("en"))
    '3 lots, 1 season'
    >>> counted(Counter({"item": 1200}), Translator("vi"))
    '1.200 đơn vị hàng'
    """
    def named(kind: str) -> str:
        return t(f"trace_kind_{kind}" if kinds[kind] == 1 else f"trace_kinds_{kind}")
    return ", ".join(f"{t.number(kinds[k])} {named(k)}" for k in KINDS if kinds[k])


def summary(graph: Graph, t: Translator) -> RenderableType:
    """The trace's headline, its codes nearest first (up to :data:`SHOWN`), and what was left
    out: events hidden from the caller, erroneous events, inconsistencies, truncation; in the
    language of ``t``."""
    nodes = sorted(graph.nodes.values(), key=lambda n: (n.depth, n.kind, n.id))
    head = Text(t("trace_head", root=graph.root, direction=t(f"trace_{graph.direction}"),
                  counts=counted(Counter(n.kind for n in nodes), t),
                  links=t.number(len(graph.edges))), style="bold")
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column(t("trace_col_steps"), justify="right")
    table.add_column(t("trace_col_kind"))
    table.add_column(t("trace_col_id"), no_wrap=True, overflow="fold")
    for node in nodes[:SHOWN]:
        kind = node.kind if node.kind in KINDS else "other"
        table.add_row(str(node.depth), t(f"trace_kind_{kind}"), node.id)
    notes = []
    if len(nodes) > SHOWN:
        notes.append(t("trace_more", n=t.number(len(nodes) - SHOWN)))
    if graph.hidden_events:
        notes.append(t("trace_hidden", n=t.number(graph.hidden_events)))
    if graph.ignored_events:
        notes.append(t("trace_ignored", n=t.number(len(graph.ignored_events))))
    if graph.truncated:
        notes.append(t("trace_truncated"))
    return Group(head, table, *(Text(note, style="dim") for note in notes))
