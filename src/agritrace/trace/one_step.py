""""One step back, one step forward" for a lot (MARD Circular 17/2021, Circular 02/2024/TT-BKHCN).

One step back: what the lot was made from (inputs with quantities, or the plot and season of a
harvest) and who supplied it or its inputs. One step forward: what it became and the first
parties it (or goods made from it, or containers holding them) was shipped to — shipments by
those recipients onwards are the next steps, not this one. Each row has the date, codes and
quantity, as the circulars ask.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine

from agritrace.epcis.times import format_time
from agritrace.trace.graph import Edge, Graph
from agritrace.trace.lineage import TraceRequest, parse_identifier, trace

COLUMNS = ("direction", "relation", "code", "party_or_place", "date", "quantity", "uom",
           "biz_step", "event_id")


@dataclass(frozen=True)
class StepRow:
    direction: str
    relation: str
    """input, origin or supplier (back); output or recipient (forward)."""
    code: str
    party_or_place: str
    date: str
    quantity: float | None
    uom: str | None
    biz_step: str | None
    event_id: str | None


@dataclass
class OneStep:
    lot: str
    rows: list[StepRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"lot": self.lot, "back": [asdict(r) for r in self.rows if r.direction == "back"],
                "forward": [asdict(r) for r in self.rows if r.direction == "forward"]}

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in self.rows:
            writer.writerow([r.direction, r.relation, r.code, r.party_or_place, r.date,
                             "" if r.quantity is None else f"{r.quantity:g}", r.uom or "",
                             r.biz_step or "", r.event_id or ""])
        return out.getvalue()


def one_step(engine: Engine, lot: str, *, viewer: int | None = None) -> OneStep:
    """The one-step-back, one-step-forward report of ``lot``."""
    root = parse_identifier(lot)
    back = trace(engine, TraceRequest(root, "back", depth=2), viewer=viewer)
    forward = trace(engine, TraceRequest(root, "forward"), viewer=viewer)
    for made, quantity in back.quantities.items():
        forward.quantities.setdefault(made, quantity)
    report = OneStep(root)
    report.rows.extend(_first(_back_rows(back, root)))
    report.rows.extend(_first(_forward_rows(forward, root)))
    return report


def _first(rows: list[StepRow]) -> list[StepRow]:
    """One row per (relation, code, party): the earliest (a receiving repeats its shipping)."""
    seen: dict[tuple[str, str, str], StepRow] = {}
    out = []
    for row in rows:
        if row.relation in ("input", "output", "origin"):
            out.append(row)
        elif (row.relation, row.code, row.party_or_place) not in seen:
            seen[(row.relation, row.code, row.party_or_place)] = row
            out.append(row)
    return out


def _row(direction: str, relation: str, code: str, other: str, edge: Edge,
         quantity: tuple[float | None, str | None] = (None, None)) -> StepRow:
    amount, uom = (edge.quantity, edge.uom) if edge.quantity is not None else quantity
    return StepRow(direction, relation, code, other, format_time(edge.time_us, "+07:00"),
                   amount, uom, edge.biz_step, edge.event_id)


def _back_rows(graph: Graph, root: str) -> list[StepRow]:
    rows = []
    inputs = set()
    for edge in graph.sorted_edges():
        if edge.target == root and edge.relation == "transformed":
            inputs.add(edge.source)
            rows.append(_row("back", "input", edge.source, "", edge))
        elif edge.target == root and edge.relation == "commissioned":
            rows.append(_row("back", "origin", root, edge.source, edge,
                             graph.quantities.get(root, (None, None))))
    for edge in graph.sorted_edges():
        if edge.relation == "shipped_from" and (edge.target == root or edge.target in inputs):
            rows.append(_row("back", "supplier", edge.target, edge.source, edge,
                             graph.quantities.get(edge.target, (None, None))))
    return rows


def _forward_rows(graph: Graph, root: str) -> list[StepRow]:
    rows: list[StepRow] = []
    items: dict[tuple[int, str], list[Edge]] = {}
    for edge in graph.sorted_edges():
        if edge.source != root or edge.relation != "transformed":
            continue
        if "/21/" in edge.target:
            # Thousands of serialized units: one row per event and product, with the count.
            product = edge.target.split("/21/", 1)[0]
            items.setdefault((edge.event_pk, product), []).append(edge)
        else:
            rows.append(_row("forward", "output", edge.target, "", edge,
                             graph.quantities.get(edge.target, (None, None))))
    for (_pk, product), edges in items.items():
        rows.append(_row("forward", "output", product, "", edges[0]._replace(quantity=None),
                         (float(len(edges)), "EA")))
    shipments = [e for e in graph.sorted_edges() if e.relation == "shipped_to"]
    recipients = {e.target for e in shipments}
    senders: dict[int, set[str]] = {}
    for edge in graph.edges.values():
        if edge.relation == "shipped_from":
            senders.setdefault(edge.event_pk, set()).add(edge.source)
    # A shipment sent by someone who had received goods of this lot is a later step.
    for edge in shipments:
        if not senders.get(edge.event_pk, set()) & recipients:
            rows.append(_row("forward", "recipient", edge.source, edge.target, edge,
                             graph.quantities.get(edge.source, (None, None))))
    return rows
