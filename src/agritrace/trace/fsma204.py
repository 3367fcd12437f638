"""The FDA FSMA 204 electronic sortable spreadsheet (21 CFR 1.1455(c)(3)(ii)), as CSV and XLSX.

One row per critical tracking event (CTE) and traceability lot code (TLC), with the key data
elements of that CTE in the columns of the FDA's template: event, date, TLC, TLC source,
product, quantity and unit, place, previous source, ship-from and ship-to, input lots of a
transformation, harvest field, reference document. Columns a CTE has no element for stay empty,
so the sheet sorts and filters as one table.

Events map to CTEs by their bizStep: a commissioning ObjectEvent with harvest ILMD is
*harvesting*, ``cooling`` (any vocabulary) *cooling*, ``packing`` of a lot *initial packing*,
``shipping`` *shipping*, ``receiving`` *receiving* (*first land-based receiving* when the
source is a vessel), a TransformationEvent *transformation*. The TLC of a serialized item is the
lot its transformation assigned (GTIN + ILMD lotNumber), or else the lot it was made from; that
of a logistic unit the TLCs of what it held, counted in units. A place or a party is written by
its name beside its GLN: the registry's name of a place, else its owner's name.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, select

from agritrace.epcis.times import format_time, parse_time
from agritrace.farm.tables import places, products
from agritrace.ids.epc import lenient_id
from agritrace.store.tables import organizations
from agritrace.trace.graph import Graph, node_kind
from agritrace.trace.lineage import TraceRequest, trace
from agritrace.trace.reader import EventReader
from agritrace.trust import GS1, Owners, key_of

COLUMNS = (
    "Critical Tracking Event", "Event Date", "Event Time", "Traceability Lot Code",
    "Traceability Lot Code Source", "Product Description", "Quantity", "Unit of Measure",
    "Location of Event", "Immediate Previous Source", "Ship From Location", "Ship To Location",
    "Input Traceability Lot Codes", "Harvest Field", "Reference Document Type",
    "Reference Document Number", "EPCIS Event ID",
)
CTES = ("Harvesting", "Cooling", "Initial Packing", "First Land-Based Receiving", "Shipping",
        "Receiving", "Transformation")


@dataclass(frozen=True)
class Row:
    values: tuple[str, ...]

    def sort_key(self) -> tuple[str, str, str]:
        return self.values[1] + self.values[2], self.values[3], self.values[0]


def fsma_rows(engine: Engine, lots: Iterable[str], *, since_us: int | None = None,
              until_us: int | None = None, viewer: int | None = None) -> list[Row]:
    """The spreadsheet rows for every CTE in the lineage of ``lots`` within the dates."""
    graph: Graph | None = None
    for lot in lots:
        found = trace(engine, TraceRequest(lot, "both", None, since_us, until_us),
                      viewer=viewer)
        graph = found if graph is None else _merge(graph, found)
    if graph is None:
        return []
    pks = {e.event_pk for e in graph.edges.values()}
    with engine.connect() as conn:
        bodies = EventReader(conn).bodies(pks)
        tlcs = _tlc_index(graph, _assigned(bodies.values()))
        rows = [row for pk in sorted(pks) for row in _rows(bodies[pk], tlcs)]
        rows = _described(conn, list(dict.fromkeys(rows)))
        rows = _located(conn, rows, _place_forms(bodies.values()))
    return sorted(rows, key=Row.sort_key)


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(r.values for r in rows)
    return out.getvalue()


def write_xlsx(rows: list[Row], path: Path) -> None:
    """An XLSX workbook with one sheet, a frozen header row and an autofilter."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "FSMA 204"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values: list[Any] = list(row.values)
        values[6] = float(values[6]) if values[6] else None
        sheet.append(values)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, width in enumerate((22, 11, 9, 48, 40, 30, 10, 8, 40, 40, 40, 40, 48, 40, 16, 20,
                                   30), start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    book.save(path)


def _merge(graph: Graph, other: Graph) -> Graph:
    for node in other.nodes.values():
        graph.add_node(node.id, node.depth)
    for key, edge in other.edges.items():
        graph.edges.setdefault(key, edge)
    return graph


def _assigned(events: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Items given a new TLC by the transformation that made them (ILMD lotNumber).

    >>> _assigned([{"type": "TransformationEvent", "ilmd": {"cbvmda:lotNumber": "R1"},
    ...   "outputEPCList": ["https://id.gs1.org/01/08931234000103/21/7"]}])
    {'https://id.gs1.org/01/08931234000103/21/7': 'https://id.gs1.org/01/08931234000103/10/R1'}
    """
    out: dict[str, str] = {}
    for event in events:
        ilmd = event.get("ilmd")
        lot = ilmd.get("cbvmda:lotNumber") if isinstance(ilmd, dict) else None
        if event.get("type") != "TransformationEvent" or not isinstance(lot, str):
            continue
        for epc in event.get("outputEPCList") or ():
            item = lenient_id(epc)
            if "/21/" in item:
                out[item] = f"{item.split('/21/', 1)[0]}/10/{quote(lot, safe='')}"
    return out


def _tlc_index(graph: Graph, assigned: dict[str, str]) -> dict[str, dict[str, int]]:
    """Each node's traceability lot codes, with how many items of each it is or holds."""
    made_from: dict[str, set[str]] = defaultdict(set)
    holds: dict[str, set[str]] = defaultdict(set)
    for edge in graph.edges.values():
        if edge.relation == "transformed" and node_kind(edge.source) == "lot":
            made_from[edge.target].add(edge.source)
        elif edge.relation == "contained":
            holds[edge.target].add(edge.source)
    index: dict[str, dict[str, int]] = {}

    def tlcs(node: str, depth: int = 0) -> dict[str, int]:
        if node in index:
            return index[node]
        if node_kind(node) == "lot":
            return {node: 0}
        found: dict[str, int] = defaultdict(int)
        for lot in [assigned[node]] if node in assigned else made_from.get(node, ()):
            found[lot] += 1
        if depth < 4:
            for child in holds.get(node, ()):
                for lot, count in tlcs(child, depth + 1).items():
                    found[lot] += count
        index[node] = dict(found)
        return index[node]

    for node in graph.nodes:
        tlcs(node)
    return index


def _cte(event: dict[str, Any]) -> str | None:
    step = str(event.get("bizStep", "")).rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    kind = event.get("type")
    if kind == "TransformationEvent":
        return "Transformation"
    if kind != "ObjectEvent":
        return None
    ilmd = event.get("ilmd") or {}
    if step == "commissioning" and isinstance(ilmd, dict) and "cbvmda:harvestStartDate" in ilmd:
        return "Harvesting"
    if step == "receiving":
        sources = " ".join(s.get("source", "") for s in event.get("sourceList") or ())
        return "First Land-Based Receiving" if "vessel" in sources else "Receiving"
    return {"cooling": "Cooling", "packing": "Initial Packing", "shipping": "Shipping"}.get(step)


def _rows(event: dict[str, Any], tlcs: dict[str, dict[str, int]]) -> Iterator[Row]:
    cte = _cte(event)
    if cte is None:
        return
    when = parse_time(event["eventTime"])
    local = format_time(when, event.get("eventTimeZoneOffset", "+00:00"))
    day, _, clock = local.partition("T")
    place = lenient_id((event.get("bizLocation") or event.get("readPoint") or {}).get("id", ""))
    sources = [lenient_id(s["source"]) for s in event.get("sourceList") or ()]
    targets = [lenient_id(d["destination"]) for d in event.get("destinationList") or ()]
    documents = event.get("bizTransactionList") or []
    ilmd = event.get("ilmd") if isinstance(event.get("ilmd"), dict) else {}
    inputs = sorted(lenient_id(q["epcClass"]) for q in event.get("inputQuantityList") or ())
    inputs += sorted({t for e in event.get("inputEPCList") or () for t in
                      tlcs.get(lenient_id(e), ())})
    source_place = place if cte in ("Harvesting", "Transformation", "Initial Packing") else ""
    for tlc, quantity, uom in _quantities(event, cte, tlcs):
        yield Row((
            cte, day, clock[:8], tlc, source_place, _product(tlc), quantity, uom, place,
            _SEPARATOR.join(sources) if cte.endswith("Receiving") else "",
            _SEPARATOR.join(sources) if cte == "Shipping" else "",
            _SEPARATOR.join(targets) if cte == "Shipping" else "",
            " ".join(inputs) if cte == "Transformation" else "",
            lenient_id(str((ilmd or {}).get("agt:plot", place))) if cte == "Harvesting" else "",
            " ".join(str(d.get("type", "")) for d in documents),
            " ".join(str(d.get("bizTransaction", "")) for d in documents),
            str(event.get("eventID", "")),
        ))


def _quantities(event: dict[str, Any], cte: str, tlcs: dict[str, dict[str, int]]
                ) -> Iterator[tuple[str, str, str]]:
    """(TLC, quantity, unit) for the lots the event makes or moves."""
    key = "output" if cte == "Transformation" else ""
    classes = event.get(f"{key}QuantityList" if key else "quantityList") or []
    for element in classes:
        quantity = element.get("quantity")
        yield (lenient_id(element["epcClass"]), "" if quantity is None else f"{quantity:g}",
               element.get("uom", "") if quantity is not None else "")
    counted: dict[str, int] = defaultdict(int)
    for epc in event.get(f"{key}EPCList" if key else "epcList") or ():
        for tlc, count in tlcs.get(lenient_id(epc), {}).items():
            counted[tlc] += count
    for tlc, count in sorted(counted.items()):
        yield tlc, str(count) if count else "", "EA" if count else ""


_DESCRIPTION = COLUMNS.index("Product Description")


def _described(conn: Connection, rows: list[Row]) -> list[Row]:
    """Each product described by its registered name (issue 15: the rows said "GTIN 0893…"),
    the GTIN beside it; a product nobody registered keeps "GTIN …"."""
    gtins = {row.values[_DESCRIPTION].removeprefix("GTIN ") for row in rows
             if row.values[_DESCRIPTION].startswith("GTIN ")}
    found = conn.execute(select(products.c.gtin, products.c.name_vi).where(
        products.c.gtin.in_(gtins))).all() if gtins else []
    names = {str(gtin): str(name) for gtin, name in found}

    def described(row: Row) -> Row:
        gtin = row.values[_DESCRIPTION].removeprefix("GTIN ")
        if gtin not in names:
            return row
        values = list(row.values)
        values[_DESCRIPTION] = f"{names[gtin]} (GTIN {gtin})"
        return Row(tuple(values))
    return [described(row) for row in rows]


# Columns naming places or parties, and how a column lists several (a name has spaces).
_LOCATIONS = tuple(COLUMNS.index(c) for c in (
    "Traceability Lot Code Source", "Location of Event", "Immediate Previous Source",
    "Ship From Location", "Ship To Location", "Harvest Field"))
_SEPARATOR = "; "


def _place_forms(events: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """Each place or party the events name, canonical, with the forms they wrote it in (the
    registry keeps a place's URI as its owner registered it)."""
    forms: dict[str, set[str]] = defaultdict(set)
    for event in events:
        ilmd = event.get("ilmd") if isinstance(event.get("ilmd"), dict) else {}
        written = [(event.get("readPoint") or {}).get("id"),
                   (event.get("bizLocation") or {}).get("id"), (ilmd or {}).get("agt:plot"),
                   *(s.get("source") for s in event.get("sourceList") or ()),
                   *(d.get("destination") for d in event.get("destinationList") or ())]
        for raw in written:
            if isinstance(raw, str) and raw:
                forms[lenient_id(raw)].update((raw, lenient_id(raw)))
    return forms


def _located(conn: Connection, rows: list[Row], forms: dict[str, set[str]]) -> list[Row]:
    """Each place and party by its name beside its GLN (issue 15: the rows gave bare
    identifiers): the registry's name of a place, else the name of the organization that owns
    the GLN; a code neither knows stays as it is."""
    names = _location_names(conn, forms)

    def located(row: Row) -> Row:
        values = list(row.values)
        for index in _LOCATIONS:
            if values[index]:
                values[index] = _SEPARATOR.join(
                    _location(code, names.get(code)) for code in values[index].split(_SEPARATOR))
        return Row(tuple(values))
    return [located(row) for row in rows]


def _location_names(conn: Connection, forms: dict[str, set[str]]) -> dict[str, str]:
    canonical = {form: code for code, written in forms.items() for form in written}
    names: dict[str, str] = {}
    if canonical:
        for uri, name in conn.execute(select(places.c.uri, places.c.name).where(
                places.c.uri.in_(list(canonical)))):
            names.setdefault(canonical[uri], str(name))
    owners = Owners.load(conn, [code for code in forms if code not in names])
    owned = {code: owners.owner(code) for code in forms if code not in names}
    ids = {org for org in owned.values() if org is not None}
    org_names = {int(org): str(name) for org, name in conn.execute(select(
        organizations.c.id, organizations.c.name).where(organizations.c.id.in_(ids)))}
    names.update({code: org_names[org] for code, org in owned.items()
                  if org in org_names})
    return names


def _location(code: str, name: str | None) -> str:
    """'Siêu thị Hà Nội (GLN 8934807000013)'; a GLN with an extension keeps its whole URI.

    >>> _location("https://id.gs1.org/414/8934807000013", "Siêu thị Hà Nội")
    'Siêu thị Hà Nội (GLN 8934807000013)'
    >>> _location("https://id.gs1.org/414/8934807000013", None)
    'https://id.gs1.org/414/8934807000013'
    """
    if name is None:
        return code
    key = key_of(code)
    plain = key is not None and key[0] in ("414", "417") and code == f"{GS1}{key[0]}/{key[1]}"
    return f"{name} (GLN {key[1]})" if plain and key is not None else f"{name} ({code})"


def _product(tlc: str) -> str:
    if "/01/" in tlc:
        gtin = tlc.split("/01/", 1)[1].split("/", 1)[0]
        return f"GTIN {gtin}"
    return ""
