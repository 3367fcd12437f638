"""EUDR data from the store: the plots a shipment came from, their producers, their risks.

A shipment is one or more identifiers (lots, items, an SSCC). Each is traced back with the
asking organization's reading rule (:mod:`agritrace.trace.access`: its own events and those
naming it, one step back). An exporter's due diligence also needs the plots its suppliers' goods
came from, so the codes a supplier *shipped to it* (another organization's event naming it as
source or destination, and the code) are traced further back, and from that walk only the
harvests are kept: which plot commissioned which lot, with the country the harvest declared.
No quantity, transaction or party of a supplier's other events reaches the report, and a code
the asker only observed itself (its own OBSERVE naming someone else's lot) opens nothing.
The plots are the places whose harvest events commissioned a lot on the way
(``commissioned`` edges of the lineage graph) and that a farm registry knows as plots. For each:

- producer: the farmer the registry names for the plot, else the organization that registered it;
- country: ``cbvmda:countryOfOrigin`` of the harvest event (what the producer declared);
- production place: commune, district, province of the plot (else its name);
- geometry and area: the registry's.

The plot data comes from whichever organization registered the plot, because the operator's due
diligence needs its suppliers' plots; what an organization can reach is bounded by the shipments
that name it.
Risk results (:func:`import_risks`) are the importing organization's own and seen only by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from agritrace.epcis.times import now_micros
from agritrace.errors import Problem, ValidationException
from agritrace.farm.places import Place
from agritrace.farm.tables import members, places
from agritrace.ids.epc import lenient_id
from agritrace.reports import eudr
from agritrace.reports.tables import plot_risks
from agritrace.store.orgs import Organization
from agritrace.store.tables import events, organizations
from agritrace.trace.graph import Graph
from agritrace.trace.lineage import TraceRequest, parse_identifier, trace
from agritrace.web.i18n import expect, refusal


class IncompleteData(ValidationException):
    """The stored data cannot make the report yet; the problems say what to fix."""

    title = "The data is not complete for this report"


_COUNTRY = "cbvmda:countryOfOrigin"
_ILMD_PLOT = "agt:plot"
MAX_IDENTIFIERS = 200


@dataclass(frozen=True)
class ShipmentPlot:
    """One plot a shipment came from, as the registry holds it, with the lots harvested there."""

    place: Place
    record: eudr.PlotRecord
    registered_by: str
    lots: tuple[str, ...]


@dataclass(frozen=True)
class Shipment:
    """What a shipment traced back to: its plots, and harvest plots no registry knows."""

    identifiers: tuple[str, ...]
    plots: tuple[ShipmentPlot, ...]
    unregistered: tuple[str, ...] = ()
    net_mass_kg: float | None = None
    hidden_events: int = 0

    @property
    def records(self) -> list[eudr.PlotRecord]:
        return [p.record for p in self.plots]


@dataclass
class _Origins:
    lots: dict[str, set[str]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    raw: dict[str, set[str]] = field(default_factory=dict)
    named: set[str] = field(default_factory=set)
    """Places a harvest's ILMD names as its plot (``agt:plot``): plots, registered or not."""


def parse_shipment(identifiers: Iterable[str]) -> tuple[str, ...]:
    """The canonical identifiers of a shipment, or QueryParameterException naming the bad one."""
    ids = tuple(dict.fromkeys(parse_identifier(i) for i in identifiers if i.strip()))
    if not ids or len(ids) > MAX_IDENTIFIERS:
        raise ValidationException("A shipment needs its identifiers", [Problem(
            "id", f"1 to {MAX_IDENTIFIERS} lot, item or SSCC identifiers", str(len(ids)))])
    return ids


def find_shipment(engine: Engine, org: Organization, identifiers: Iterable[str]) -> Shipment:
    """Trace each identifier back and collect the registered plots it came from."""
    ids = parse_shipment(identifiers)
    origins = _Origins()
    hidden = 0
    mass: float | None = 0.0
    for identifier in ids:
        graph = trace(engine, TraceRequest(identifier, "back"), viewer=org.id)
        hidden += graph.hidden_events
        quantity = graph.quantities.get(identifier)
        mass = mass + quantity[0] if mass is not None and quantity and quantity[1] == "KGM" \
            else None
        _harvests(engine, graph, origins)
        for received in sorted(_received(engine, graph, org.id)):
            _harvests(engine, trace(engine, TraceRequest(received, "back")), origins)
    return _shipment(engine, ids, origins, mass or None, hidden)


def _harvests(engine: Engine, graph: Graph, origins: _Origins) -> None:
    """The harvests (``commissioned`` edges from a plot) of ``graph`` into ``origins``."""
    pks: dict[int, set[str]] = {}
    for edge in graph.edges.values():
        if edge.relation == "commissioned" and graph.nodes[edge.source].kind != "season":
            origins.lots.setdefault(edge.source, set()).add(edge.target)
            pks.setdefault(edge.event_pk, set()).add(edge.source)
    _read_origins(engine, pks, origins)


_THINGS = frozenset({"lot", "item", "logistic_unit", "product"})


def _received(engine: Engine, graph: Graph, org_id: int) -> set[str]:
    """The codes another organization's readable event (so one naming ``org_id``) is about."""
    others = {e.event_pk for e in graph.edges.values()}
    if not others:
        return set()
    with engine.connect() as conn:
        foreign = set(conn.execute(select(events.c.id).where(
            events.c.id.in_(list(others)), events.c.org_id != org_id)).scalars())
    return {node for e in graph.edges.values() if e.event_pk in foreign
            for node in (e.source, e.target) if graph.nodes[node].kind in _THINGS}


def _read_origins(engine: Engine, pks: Mapping[int, set[str]], origins: _Origins) -> None:
    """The place URIs as the events wrote them, and the country each harvest declared."""
    if not pks:
        return
    with engine.connect() as conn:
        rows = conn.execute(select(events.c.id, events.c.body).where(
            events.c.id.in_(list(pks)))).all()
    for row in rows:
        body = orjson.loads(row.body)
        ilmd = body.get("ilmd") if isinstance(body.get("ilmd"), dict) else {}
        written = [ilmd.get(_ILMD_PLOT), *(body.get(k, {}).get("id") for k in
                                           ("bizLocation", "readPoint")
                                           if isinstance(body.get(k), dict))]
        for source in pks[row.id]:
            raw = {w for w in written if isinstance(w, str) and lenient_id(w) == source}
            origins.raw.setdefault(source, {source}).update(raw)
            plot = ilmd.get(_ILMD_PLOT)
            if isinstance(plot, str) and lenient_id(plot) == source:
                origins.named.add(source)
            country = ilmd.get(_COUNTRY)
            if isinstance(country, str) and country.strip():
                origins.countries.setdefault(source, country.strip())


def _shipment(engine: Engine, ids: tuple[str, ...], origins: _Origins, mass: float | None,
              hidden: int) -> Shipment:
    by_raw = {raw: source for source, forms in origins.raw.items() for raw in forms}
    with engine.connect() as conn:
        rows = conn.execute(
            select(places, organizations.c.name.label("org_name"),
                   members.c.name.label("farmer_name"))
            .join(organizations, organizations.c.id == places.c.org_id)
            .outerjoin(members, members.c.id == places.c.farmer_id)
            .where(places.c.uri.in_(list(by_raw)), places.c.kind == "plot")
            .order_by(places.c.org_id, places.c.id)).all()
    found: list[ShipmentPlot] = []
    for row in rows:
        source = by_raw[row.uri]
        place = Place(row.id, row.org_id, row.uri, row.name, row.kind, row.area_ha,
                      orjson.loads(row.geometry) if row.geometry else None, row.farmer_id,
                      row.technical_manager_id, row.commune, row.district, row.province,
                      row.crop, row.variety, row.market, row.area_code)
        found.append(ShipmentPlot(place, _record(place, row.farmer_name or row.org_name,
                                                 origins.countries.get(source)),
                                  row.org_name, tuple(sorted(origins.lots.get(source, ())))))
    known = {by_raw[p.place.uri] for p in found}
    unregistered = tuple(sorted(origins.named - known))
    return Shipment(ids, tuple(found), unregistered, mass, hidden)


def _record(place: Place, producer: str | None, country: str | None) -> eudr.PlotRecord:
    where = ", ".join(p for p in (place.commune, place.district, place.province) if p)
    return eudr.PlotRecord(place.uri, producer, country, where or place.name, place.geometry,
                           place.area_ha)


def shipment_readiness(shipment: Shipment) -> eudr.ShipmentReadiness:
    return eudr.readiness(shipment.records)


def shipment_geojson(shipment: Shipment, *, strict: bool = True,
                     with_ids: bool = False) -> dict[str, Any]:
    """The EU GeoJSON of the shipment's plots (ValidationException if one is not ready).

    ``with_ids`` adds each plot's URI as the property ``external_id``: the file to send to
    Whisp, whose results then come back keyed by it (the EU system wants no such property).
    """
    if not shipment.plots:
        raise IncompleteData("The shipment leads to no registered plot", [Problem(
            "id", "a lot or shipment that traces back to harvests on registered plots",
            ", ".join(shipment.identifiers))])
    records = shipment.records
    if not strict:
        records = [r for r in records if eudr.check_plot(r).ready]
    try:
        collection = eudr.feature_collection(records)
    except ValidationException as exc:
        raise IncompleteData(exc.detail, exc.problems, key=exc.key, params=exc.params) from exc
    if with_ids:
        for feature, record in zip(collection["features"], records, strict=True):
            feature["properties"]["external_id"] = record.plot_id
    return collection


def shipment_statement(
    shipment: Shipment, *, activity: str, commodity: str, description: str | None = None,
    net_mass_kg: float | None = None, hs_code: str | None = None,
    operator: Mapping[str, Any] | None = None, reference: str | None = None,
) -> dict[str, Any]:
    """The statement data; the net mass defaults to the traced lots' quantity in kg."""
    mass = net_mass_kg if net_mass_kg is not None else shipment.net_mass_kg
    if mass is None:
        raise refusal(IncompleteData, "refuse_statement_mass", [expect(
            "netWeight", "expect_shipment_mass", None, shown="none")])
    known = eudr.COMMODITIES.get(commodity)
    line = eudr.CommodityLine(
        commodity, description or (known.name_en if known else commodity), mass,
        tuple(p.record.plot_id for p in shipment.plots), hs_code)
    try:
        return eudr.statement(activity, [line], shipment.records, operator=operator,
                              reference=reference)
    except ValidationException as exc:
        raise IncompleteData(exc.detail, exc.problems, key=exc.key, params=exc.params) from exc


# --- deforestation risk ---------------------------------------------------------------------


@dataclass(frozen=True)
class RiskImport:
    """What an import stored: the plots and their results."""

    document: str
    stored: tuple[eudr.PlotRisk, ...]


def import_risks(engine: Engine, org: Organization, text: str, *, document: str,
                 commodity: str = "coffee", imported_by: str = "") -> RiskImport:
    """Store a Whisp CSV's results; all or nothing: any problem stores no row.

    The plot id column (``external_id``) must hold a registered plot's URI.
    """
    if commodity not in eudr.COMMODITIES:
        raise ValidationException(f"Unknown commodity {commodity!r}", [expect(
            "commodity", "expect_one_of", commodity, choices=", ".join(eudr.COMMODITIES))])
    result = eudr.read_whisp_csv(text, commodity=commodity, document=document)
    problems = list(result.problems)
    if not result.risks and not problems:
        problems.append(eudr.at(expect("rows", "expect_risk_rows", None), document))
    with engine.begin() as conn:
        registered = set(conn.execute(select(places.c.uri).where(
            places.c.uri.in_(list(result.risks)), places.c.kind == "plot")).scalars())
        for risk in result.risks.values():
            if risk.plot_id not in registered:
                problems.append(eudr.at(expect("external_id", "expect_registered_plot",
                                               risk.plot_id), document, risk.line))
        if problems:
            raise refusal(ValidationException, "refuse_nothing_imported", problems,
                          file=document)
        now = now_micros()
        conn.execute(insert(plot_risks), [{
            "org_id": org.id, "plot_uri": r.plot_id, "commodity": commodity, "risk": r.risk,
            "risk_column": r.risk_column, "area_ha": r.area_ha, "country": r.country,
            "disturbance_after_cutoff": None if r.disturbance_after_cutoff is None
            else int(r.disturbance_after_cutoff),
            "indicators": orjson.dumps(dict(r.indicators)).decode(), "document": document,
            "line": r.line, "imported_by": imported_by or org.name, "imported_us": now,
        } for r in result.risks.values()])
    return RiskImport(document, tuple(result.risks.values()))


def stored_risks(engine: Engine, org: Organization, plot_uris: Sequence[str]
                 ) -> eudr.WhispImport:
    """The organization's newest result per plot, as :func:`eudr.read_whisp_csv` gives them."""
    with engine.connect() as conn:
        rows = conn.execute(select(plot_risks).where(
            plot_risks.c.org_id == org.id, plot_risks.c.plot_uri.in_(list(plot_uris)))
            .order_by(plot_risks.c.id)).all()
    risks = {row.plot_uri: eudr.PlotRisk(
        row.plot_uri, row.risk, row.risk_column, row.area_ha, row.country,
        None if row.disturbance_after_cutoff is None else bool(row.disturbance_after_cutoff),
        orjson.loads(row.indicators), row.line) for row in rows}
    return eudr.WhispImport(risks, ())


def shipment_risks(engine: Engine, org: Organization, shipment: Shipment) -> eudr.ShipmentRisk:
    ids = [p.record.plot_id for p in shipment.plots]
    return eudr.shipment_risk(stored_risks(engine, org, ids), ids)
