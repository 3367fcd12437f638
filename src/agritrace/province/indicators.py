"""The province desk's indicators, each computed by one function over what an officer may read.

What lies in an officer's area is decided once, by :func:`agritrace.trust.reach_of` (the
organizations registered there and the places registered there); nothing here writes that rule
again. Plot indicators (hectares registered, coded, ready, EUDR-ready) are per commune and crop;
stamps, scans, tickets, recalls and methane belong to organizations, not communes, so they are
per area (a cooperative's stamps cannot be split by commune honestly).

A period is a range of days (inclusive, Vietnam time); every figure is compared with the
previous period of the same length. Hectares are "as of the period's last day" (registered by
then); counts are of what happened within the period.

Computing them judges every plot of the area (seconds to minutes for a big province): the
dashboard reads them kept, computed ahead (:mod:`agritrace.province.kept`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.errors import AgritraceError
from agritrace.farm.catalog import Product, list_certificates, list_products
from agritrace.farm.compliance import (
    Finding,
    PlotReadiness,
    PlotRecord,
    check_entry,
    plot_readiness,
)
from agritrace.farm.diary import DiaryEntry
from agritrace.farm.places import Place, list_places
from agritrace.farm.readiness import plot_records
from agritrace.farm.refusals import refusals
from agritrace.farm.tables import places as place_rows
from agritrace.ids.epc import lenient_id
from agritrace.province import feedback
from agritrace.province.areas import commune_of, fold
from agritrace.province.tables import targets
from agritrace.reports import eudr
from agritrace.reports.methane import totals
from agritrace.reports.methane_store import season_report
from agritrace.scans.tables import scans
from agritrace.store.orgs import Organization
from agritrace.store.tables import event_terms, events, organizations
from agritrace.trace.closing import RecallRecord, harvest_places, recalls_of
from agritrace.trace.lineage import TraceRequest, trace
from agritrace.trust import GS1, Owners, Reach, reach_of
from agritrace.vietnam_time import VIETNAM

#: The indicators an officer may set a target for (per crop, or for every crop with "").
TARGETS = ("registered_ha", "coded_ha", "ready_ha", "eudr_ready_ha", "answered_on_time_share")
_HECTARE_FIGURES = ("registered_ha", "coded_ha", "ready_ha", "not_ready_ha", "eudr_ready_ha")


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    @property
    def since_us(self) -> int:
        return _micros(self.start)

    @property
    def until_us(self) -> int:
        """Exclusive: the first microsecond after the last day."""
        return _micros(self.end + timedelta(days=1))


def _micros(day: date) -> int:
    return int(datetime.combine(day, time(), VIETNAM).timestamp() * 1_000_000)


@dataclass(frozen=True)
class Desk:
    """What one officer's indicators are computed over: the area's organizations and plots."""

    regulator: int
    reach: Reach
    orgs: tuple[Organization, ...]
    plots: tuple[Place, ...]


def desk_of(engine: Engine, regulator: int) -> Desk | None:
    """The organizations and plots an officer of ``regulator`` reads (None: no regulator)."""
    with engine.connect() as conn:
        reach = reach_of(conn, regulator)
        if reach is None:
            return None
        rows = conn.execute(select(organizations).where(
            organizations.c.id.in_(sorted(reach.orgs)))).all()
    orgs = tuple(Organization(r.id, r.name, r.gln, r.kind) for r in rows)
    plots = tuple(p for org in orgs for p in list_places(engine, org, kind="plot")
                  if p.uri in reach.places)
    return Desk(regulator, reach, orgs, plots)


# --- hectares per commune and crop ----------------------------------------------------------


@dataclass
class Hectares:
    """One commune and crop: hectares registered, coded, ready for a code, not ready (with the
    failed checks' reasons, by hectares), and ready for an EU due-diligence statement."""

    commune: str
    crop: str
    registered_ha: float = 0.0
    coded_ha: float = 0.0
    ready_ha: float = 0.0
    not_ready_ha: float = 0.0
    eudr_ready_ha: float = 0.0
    plots: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    #: The pre-2025 districts of the commune (abolished on 1 July 2025): from the cited data
    #: file (:func:`agritrace.province.areas.commune_of`) when it covers the commune, else as
    #: the plots were registered (the place's ``district``).
    former_districts: set[str] = field(default_factory=set)
    #: The 2025 commune the registered name lies in, when the data file covers it ("" if not).
    commune_2025: str = ""

    def top_reasons(self, count: int = 3) -> list[tuple[str, int]]:
        return self.reasons.most_common(count)

    def as_dict(self) -> dict[str, Any]:
        return {"commune": self.commune, "crop": self.crop, "plots": self.plots,
                "registered_ha": round(self.registered_ha, 4),
                "coded_ha": round(self.coded_ha, 4), "ready_ha": round(self.ready_ha, 4),
                "not_ready_ha": round(self.not_ready_ha, 4),
                "eudr_ready_ha": round(self.eudr_ready_ha, 4),
                "not_ready_reasons": [{"check": k, "plots": n} for k, n in self.top_reasons()],
                "former_districts": sorted(self.former_districts),
                "commune_2025": self.commune_2025}


Records = dict[int, list[PlotRecord]]


def records_of(engine: Engine, desk: Desk, period: Period) -> Records:
    """What the readiness rules need about each plot of each organization of the area, as of
    the period's last day (shared by :func:`hectares` and :func:`codes_at_risk`)."""
    return {org.id: plot_records(engine, org, as_of=period.end) for org in desk.orgs}


@dataclass(frozen=True)
class JudgedPlot:
    """One plot of the area registered by the period's last day, as the hectare figures judge
    it (the rows behind them: :mod:`agritrace.province.rows`)."""

    place: Place
    org: Organization
    area_ha: float
    judged: PlotReadiness
    eudr_ready: bool

    @property
    def stages(self) -> tuple[str, ...]:
        """The hectare figures this plot counts in (:data:`STAGES`)."""
        status = self.judged.status
        return tuple(name for name, counted in (
            ("registered_ha", True), ("coded_ha", self.judged.coded),
            ("ready_ha", status == "ready"), ("not_ready_ha", status == "not_ready"),
            ("eudr_ready_ha", self.eudr_ready)) if counted)


def judged_plots(engine: Engine, desk: Desk, period: Period, records: Records | None = None
                 ) -> Iterator[JudgedPlot]:
    """The area's plots registered by the period's last day, judged as of that day."""
    created = _created(engine, [p.id for p in desk.plots])
    cutoff = period.until_us
    mine = {p.uri: p for p in desk.plots if created.get(p.id, 0) < cutoff}
    records = records_of(engine, desk, period) if records is None else records
    for org in desk.orgs:
        for record in records[org.id]:
            place = mine.get(record.plot_id)
            if place is not None:
                yield JudgedPlot(place, org, record.area_ha, plot_readiness(record),
                                 _eudr_ready(place, org))


def hectares(engine: Engine, desk: Desk, period: Period, records: Records | None = None
             ) -> list[Hectares]:
    """Per commune and crop, the plots registered by the period's last day: hectares coded
    (a growing-area code), ready for one, not ready (and why), and EUDR-ready (geolocated,
    producer and country known: :func:`agritrace.reports.eudr.check_plot`)."""
    rows: dict[tuple[str, str], Hectares] = {}
    for plot in judged_plots(engine, desk, period, records):
        key = (plot.place.commune.strip(), plot.place.crop or "")
        row = rows.setdefault(key, Hectares(*key))
        row.plots += 1
        _history(row, plot.place)
        for name in plot.stages:
            setattr(row, name, getattr(row, name) + plot.area_ha)
        row.reasons.update(check.name for check in plot.judged.failed())
    return [rows[key] for key in sorted(rows)]


def _history(row: Hectares, place: Place) -> None:
    """The commune's 2025 name and former districts, from the data file when it covers it."""
    current = commune_of(place.province or "", place.commune)
    if current is not None:
        row.commune_2025 = current.name
        row.former_districts.update(current.former_districts)
    elif place.district.strip():
        row.former_districts.add(place.district.strip())


def _created(engine: Engine, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(place_rows.c.id, place_rows.c.created_us).where(
            place_rows.c.id.in_(list(ids)))).all()
    return {row.id: row.created_us for row in rows}


def _eudr_ready(place: Place, org: Organization) -> bool:
    where = ", ".join(p for p in (place.commune, place.province) if p)
    record = eudr.PlotRecord(place.uri, org.name, "VN", where or place.name, place.geometry,
                             place.area_ha)
    return eudr.check_plot(record).ready


# --- codes at risk ---------------------------------------------------------------------------

#: Why a growing-area code is at risk: a plot's diary shows inputs not permitted for its crop
#: (the compliance rules' findings), a certificate of the plot or its producer expired and no
#: other of its kind is valid, or no diary entry at all in the plot's season.
RISKS = ("findings", "certificate_expired", "no_diary")


@dataclass
class CodeAtRisk:
    """A growing-area code some of whose plots give a reason to look at it again."""

    code: str
    commune: str
    crop: str
    owner: str
    plots: int = 0
    area_ha: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "commune": self.commune, "crop": self.crop,
                "owner": self.owner, "plots": self.plots, "area_ha": round(self.area_ha, 4),
                "reasons": [{"reason": k, "plots": n} for k, n in sorted(self.reasons.items())]}


def _expired_subjects(engine: Engine, org: Organization, day: date) -> set[str]:
    """Subjects (a plot's URI, or "org" for the producer itself) whose certificate of some kind
    expired by ``day`` with no certificate of that kind valid on it."""
    found = list_certificates(engine, org)
    valid = {(c.kind, c.subject_kind, c.subject) for c in found if c.valid_on(day)}
    return {c.subject if c.subject_kind == "plot" else "org" for c in found
            if c.valid_to < day and (c.kind, c.subject_kind, c.subject) not in valid
            and c.subject_kind in ("plot", "org")}


def codes_at_risk(engine: Engine, desk: Desk, period: Period, records: Records | None = None
                  ) -> list[CodeAtRisk]:
    """The area's growing-area codes, as of the period's last day, with a plot at risk
    (:data:`RISKS`); the readiness rules of :mod:`agritrace.farm.compliance` judge the diary."""
    inside = {p.uri: p for p in desk.plots if p.area_code}
    found: dict[str, CodeAtRisk] = {}
    records = records_of(engine, desk, period) if records is None else records
    for org in desk.orgs:
        expired = _expired_subjects(engine, org, period.end)
        for record in records[org.id]:
            place = inside.get(record.plot_id)
            if place is None:
                continue
            reasons = _risks(record, expired)
            if not reasons:
                continue
            code = place.area_code or ""
            item = found.setdefault(code, CodeAtRisk(code, place.commune.strip(),
                                                     place.crop or "", org.name))
            item.plots += 1
            item.area_ha += record.area_ha
            item.reasons.update(reasons)
    return [found[code] for code in sorted(found)]


def _risks(record: PlotRecord, expired: set[str]) -> list[str]:
    judged = {check.name: check.passed for check in plot_readiness(record).checks}
    reasons = []
    if not judged.get("permitted_inputs", True):
        reasons.append("findings")
    if record.plot_id in expired or "org" in expired:
        reasons.append("certificate_expired")
    if not record.entries:
        reasons.append("no_diary")
    return reasons


# --- diary findings by product ----------------------------------------------------------------


@dataclass
class Flag:
    """One rule's findings on one product (an input's name; for a harvest within a
    pre-harvest or withdrawal interval, the lot held) in the area's diaries in the period."""

    rule: str
    severity: str
    product: str
    entries: int = 0
    plots: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "product": self.product,
                "entries": self.entries, "plots": len(self.plots)}


@dataclass(frozen=True)
class Found:
    """One finding on one saved diary entry: the plot's record, the entry, the finding, and
    the product (an input's name; for a harvest, its lot)."""

    record: PlotRecord
    entry: DiaryEntry
    finding: Finding
    product: str


def findings_in(records: Records, period: Period) -> Iterator[Found]:
    """The compliance rules' findings (:func:`agritrace.farm.compliance.check_entry`) on the
    diary entries recorded in the period, each judged with its season's earlier entries."""
    for org_records in records.values():
        for record in org_records:
            ordered = sorted(record.entries, key=lambda e: e.on)
            for index, entry in enumerate(ordered):
                if not period.start <= entry.on <= period.end:
                    continue
                product = getattr(entry, "product", "") or getattr(entry, "lot", "")
                for finding in check_entry(entry, crop=record.crop, history=ordered[:index]):
                    yield Found(record, entry, finding, product)


def flags(records: Records, period: Period) -> list[Flag]:
    """:func:`findings_in` by rule and product, most frequent first. Refused entries are not
    here: the diary does not record them (:func:`by_ingredient` counts them)."""
    found: dict[tuple[str, str], Flag] = {}
    for one in findings_in(records, period):
        flag = found.setdefault((one.finding.rule, one.product), Flag(
            one.finding.rule, one.finding.severity.value, one.product))
        flag.entries += 1
        flag.plots.add(one.record.plot_id)
    return sorted(found.values(), key=lambda f: (-f.entries, f.rule, f.product))


# --- refusals and flags by ingredient, per commune -----------------------------------------


@dataclass
class IngredientCount:
    """One commune, ingredient (or product, when no ingredient is named) and rule: the entries
    refused, or saved and flagged, in the period, and on how many plots."""

    commune: str
    ingredient: str
    rule: str
    severity: str
    entries: int = 0
    plots: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {"commune": self.commune, "ingredient": self.ingredient, "rule": self.rule,
                "severity": self.severity, "entries": self.entries, "plots": len(self.plots)}


def by_ingredient(engine: Engine, desk: Desk, records: Records, period: Period
                  ) -> list[IngredientCount]:
    """Refused entries (:mod:`agritrace.farm.refusals`, kept though the diary does not hold
    them) and the saved entries' findings (:func:`flags`), by commune, ingredient and rule."""
    plots = {p.uri: p for p in desk.plots}
    found: dict[tuple[str, str, str], IngredientCount] = {}

    def count(plot: str, ingredient: str, rule: str, severity: str) -> None:
        key = (plots[plot].commune.strip(), ingredient, rule)
        item = found.setdefault(key, IngredientCount(*key, severity))
        item.entries += 1
        item.plots.add(plot)

    for refused in refusals(engine, [o.id for o in desk.orgs], period.since_us,
                            period.until_us):
        if refused.plot in plots:
            count(refused.plot, refused.ingredient, refused.rule, "refused")
    for one in findings_in(records, period):
        if one.record.plot_id in plots:
            count(one.record.plot_id, one.finding.ingredient or one.product, one.finding.rule,
                  one.finding.severity.value)
    return sorted(found.values(), key=lambda c: (c.commune, -c.entries, c.ingredient, c.rule))


# --- OCOP products per commune ------------------------------------------------------------


@dataclass(frozen=True)
class Ocop:
    """The products of the producers with plots in one commune: how many, how many hold a
    valid OCOP certificate on the period's last day, of those how many were ever stamped, and
    how many were stamped and traced to a plot (a stamped lot leads back through the log to a
    registered plot of the area)."""

    commune: str
    products: int
    ocop: int
    ocop_stamped: int
    ocop_traced: int = 0

    @property
    def share(self) -> float | None:
        return self.ocop / self.products if self.products else None

    def as_dict(self) -> dict[str, Any]:
        return {"commune": self.commune, "products": self.products, "ocop": self.ocop,
                "ocop_share": self.share, "ocop_stamped": self.ocop_stamped,
                "ocop_traced": self.ocop_traced,
                "ocop_traced_share": self.ocop_traced / self.ocop if self.ocop else None}


@dataclass(frozen=True)
class OcopProduct:
    """One product of a producer with a plot in the commune, as the OCOP figures judge it on
    the period's last day (the rows behind them: :mod:`agritrace.province.rows`)."""

    commune: str
    product: Product
    owner: str
    ocop: bool
    stamped: bool
    traced: bool


def ocop_products(engine: Engine, desk: Desk, period: Period) -> list[OcopProduct]:
    """Per commune, the products of the organizations with a plot there (a producer with plots
    in two communes counts in both: products have no commune of their own): valid OCOP on the
    period's last day, ever stamped by then, stamped and traced to a plot of the area."""
    communes: dict[str, set[int]] = defaultdict(set)
    for plot in desk.plots:
        communes[plot.commune.strip()].add(plot.org_id)
    names = {org.id: org.name for org in desk.orgs}
    catalogue = {org.id: list_products(engine, org) for org in desk.orgs}
    with engine.connect() as conn:
        stamped = {p.gtin for found in catalogue.values() for p in found
                   if p.ocop_stars and _stamped(conn, p.gtin, period)}
    traced = traced_products(engine, desk, stamped, period)
    found = []
    for commune in sorted(communes):
        for org in sorted(communes[commune]):
            for p in catalogue.get(org, []):
                valid = bool(p.ocop_stars) and (p.ocop_expires is None
                                                or p.ocop_expires >= period.end)
                found.append(OcopProduct(commune, p, names[org], valid,
                                         valid and p.gtin in stamped,
                                         valid and p.gtin in traced))
    return found


def ocop(engine: Engine, desk: Desk, period: Period) -> list[Ocop]:
    """:func:`ocop_products` counted per commune."""
    communes: dict[str, list[OcopProduct]] = {plot.commune.strip(): [] for plot in desk.plots}
    for item in ocop_products(engine, desk, period):
        communes[item.commune].append(item)
    return [Ocop(commune, len(items), sum(i.ocop for i in items),
                 sum(i.stamped for i in items), sum(i.traced for i in items))
            for commune, items in sorted(communes.items())]


#: How many of a product's stamped lots are traced back before it is called untraced (a
#: product stamped for years has many; one traced lot is enough).
TRACED_LOTS = 20


def stamped_lots(conn: Connection, gtin: str, period: Period) -> list[str]:
    """The lots (GS1 Digital Links) named by the print batches of ``gtin`` issued by the
    period's end (a stamp's batch carries its lot in ILMD, :mod:`agritrace.labels.stamps`)."""
    unit = f"{GS1}01/{gtin}/21/"
    bodies = conn.execute(select(events.c.body).where(events.c.id.in_(
        select(event_terms.c.event_pk).join(events, events.c.id == event_terms.c.event_pk)
        .where(event_terms.c.role == "epc", event_terms.c.value.startswith(unit),
               events.c.biz_step == "commissioning",
               events.c.event_time_us < period.until_us)))).scalars()
    lots = dict.fromkeys(lot for body in bodies
                         if (lot := (json.loads(body).get("ilmd") or {}).get(
                             "cbvmda:lotNumber")))
    return [f"{GS1}01/{gtin}/10/{quote(str(lot), safe='')}" for lot in lots][:TRACED_LOTS]


def traced_to_plot(engine: Engine, desk: Desk, lot: str) -> bool:
    """True when the lot's backward trace, read as the regulator reads, reaches a registered
    plot of the area."""
    plots = {p.uri for p in desk.plots}
    try:
        graph = trace(engine, TraceRequest(lot, "back"), viewer=desk.regulator)
    except AgritraceError:  # no event names the lot: it leads nowhere
        return False
    return any(node in plots for node in graph.nodes)


def traced_products(engine: Engine, desk: Desk, gtins: Iterable[str], period: Period
                    ) -> set[str]:
    """The GTINs among ``gtins`` with a stamped lot traced to a plot of the area."""
    found = set()
    for gtin in sorted(gtins):
        with engine.connect() as conn:
            lots = stamped_lots(conn, gtin, period)
        if any(traced_to_plot(engine, desk, lot) for lot in lots):
            found.add(gtin)
    return found


def _stamped(conn: Connection, gtin: str, period: Period) -> bool:
    """True when a serialized unit of ``gtin`` was commissioned by the period's end."""
    unit = f"{GS1}01/{gtin}/21/"
    return conn.execute(select(event_terms.c.value).join(
        events, events.c.id == event_terms.c.event_pk).where(
        event_terms.c.role == "epc", event_terms.c.value.startswith(unit),
        events.c.biz_step == "commissioning",
        events.c.event_time_us < period.until_us).limit(1)).first() is not None


# --- stamps and scans -----------------------------------------------------------------------


@dataclass(frozen=True)
class Stamps:
    issued: int
    voided: int
    scanned: int
    suspicious: int

    def as_dict(self) -> dict[str, int]:
        return {"issued": self.issued, "voided": self.voided, "scanned": self.scanned,
                "suspicious": self.suspicious}


def stamps(engine: Engine, desk: Desk, period: Period, before_us: int | None = None) -> Stamps:
    """Serialized codes the area's organizations issued (commissioned) and voided
    (decommissioned) in the period; scans in the period of the codes they own, and of those the
    scans of a voided code (what the consumer page calls suspicious). With ``before_us``: as
    the tables were then (events recorded and scans made before it), as the kept figures and
    the rows behind them (:mod:`agritrace.province.rows`) both read them."""
    orgs = [o.id for o in desk.orgs]
    with engine.connect() as conn:
        issued = _items(conn, orgs, "commissioning", period, before_us)
        voided = _items(conn, orgs, "decommissioning", period, before_us)
        counted = scan_counts(conn, orgs, period, before_us)
    return Stamps(issued, voided, sum(n for n, _ in counted.values()),
                  sum(n for n, gone in counted.values() if gone))


def scans_in(period: Period, before_us: int | None) -> Any:
    """The condition on a scan made in the period (and before ``before_us``)."""
    until = period.until_us if before_us is None else min(period.until_us, before_us)
    return and_(scans.c.scanned_us >= period.since_us, scans.c.scanned_us < until)


def scan_counts(conn: Connection, orgs: Sequence[int], period: Period, before_us: int | None
                ) -> dict[str, tuple[int, bool]]:
    """Each code as scanned in the period (the link's path, with its lot) whose code one of
    ``orgs`` owns: its scans, and whether the code was ever voided (before ``before_us``).
    Counted per distinct code in SQL: a million scans are a few thousand codes to resolve."""
    found = conn.execute(select(scans.c.code, func.count()).where(
        scans_in(period, before_us)).group_by(scans.c.code)).all()
    # scans keep the link's path as scanned; events the canonical code
    canonical = {code: lenient_id(GS1 + code.lstrip("/")) for code, _ in found}
    owners = Owners.load(conn, set(canonical.values()))
    ever_voided = set(item_values(conn, orgs, "decommissioning", None, before_us))
    return {code: (count, canonical[code] in ever_voided) for code, count in found
            if owners.owner(canonical[code]) in orgs}


def item_query(orgs: Sequence[int], step: str, period: Period | None,
               before_us: int | None = None) -> Any:
    """The codes (``epc`` terms) of the organizations' events of ``step`` in the period (any
    time when None), recorded before ``before_us``."""
    query = select(event_terms.c.value).join(events, events.c.id == event_terms.c.event_pk).where(
        events.c.org_id.in_(list(orgs)), events.c.biz_step == step, event_terms.c.role == "epc")
    if period is not None:
        query = query.where(events.c.event_time_us >= period.since_us,
                            events.c.event_time_us < period.until_us)
    if before_us is not None:
        query = query.where(events.c.record_time_us < before_us)
    return query


def _items(conn: Connection, orgs: Sequence[int], step: str, period: Period,
           before_us: int | None) -> int:
    if not orgs:
        return 0
    query = item_query(orgs, step, period, before_us).with_only_columns(func.count())
    return int(conn.execute(query).scalar_one())


def item_values(conn: Connection, orgs: Sequence[int], step: str, period: Period | None,
                before_us: int | None = None) -> list[str]:
    if not orgs:
        return []
    return list(conn.execute(item_query(orgs, step, period, before_us)).scalars())


# --- tickets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tickets:
    received: int
    answered_on_time: int
    answered_late: int
    overdue: int
    open_in_time: int
    deadline_days: int

    @property
    def on_time_share(self) -> float | None:
        """Answered on time among the reports whose deadline has come (answered or overdue)."""
        return feedback.on_time_share(Counter(on_time=self.answered_on_time,
                                              late=self.answered_late, overdue=self.overdue))

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "answered_on_time": self.answered_on_time,
                "answered_late": self.answered_late, "overdue": self.overdue,
                "open_in_time": self.open_in_time, "deadline_days": self.deadline_days,
                "on_time_share": self.on_time_share}


def tickets(engine: Engine, desk: Desk, period: Period, deadline_days: int,
            now_us: int | None = None) -> Tickets:
    """Consumers' reports about the area's codes received in the period: answered within
    ``deadline_days``, answered later, still open past the deadline (overdue), open in time
    (:mod:`agritrace.province.feedback`, which the feedback desk lists them with)."""
    found = [t for t in feedback.area_tickets(engine, desk.regulator, desk.reach, deadline_days,
                                              now_us)
             if period.since_us <= t.ticket.created_us < period.until_us]
    counts = feedback.count(found)
    return Tickets(len(found), counts["on_time"], counts["late"], counts["overdue"],
                   counts["open"], deadline_days)


# --- recalls --------------------------------------------------------------------------------


def area_recalls(engine: Engine, desk: Desk) -> list[RecallRecord]:
    """Every recall recorded by the area's organizations and by the regulator itself, with its
    close (:mod:`agritrace.trace.closing`)."""
    with engine.connect() as conn:
        return recalls_of(conn, [o.id for o in desk.orgs] + [desk.regulator])


def recall_counts(found: Sequence[RecallRecord], period: Period, regulator: int
                  ) -> dict[str, Any]:
    """Recalls recorded in the period (by the regulator among them) and the codes they mark;
    recalls closed in the period, with the days they took (median, longest); recalls still
    open at the period's end, whenever recorded."""
    opened = [r for r in found if period.since_us <= r.opened_us < period.until_us]
    closed = [r for r in found if r.closed_us is not None
              and period.since_us <= r.closed_us < period.until_us]
    days = sorted(r.days_to_close or 0.0 for r in closed)
    return {"recalls": len(opened),
            "by_regulator": sum(1 for r in opened if r.org_id == regulator),
            "codes": len({code for r in opened for code in r.codes}),
            "closed": len(closed),
            "open_at_end": sum(1 for r in found if r.open_at(period.until_us)),
            "median_days_to_close": round(median(days), 1) if days else None,
            "max_days_to_close": round(days[-1], 1) if days else None}


def in_period(record: RecallRecord, period: Period) -> bool:
    """A recall the period's figures count: recorded or closed in it, or open at its end."""
    return (period.since_us <= record.opened_us < period.until_us
            or record.open_at(period.until_us)
            or (record.closed_us is not None
                and period.since_us <= record.closed_us < period.until_us))


def recall_places(engine: Engine, desk: Desk, found: Sequence[RecallRecord]
                  ) -> dict[str, list[tuple[str, str]]]:
    """Each recall's (commune, crop) pairs: of the area's plots where a code it marks was
    harvested; ("", "") for a recall traced to no plot of the area."""
    plots = {p.uri: p for p in desk.plots}
    placed: dict[str, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for record in found:
            where = harvest_places(conn, record.codes, plots)
            placed[record.recall_id] = sorted(
                {(plots[uri].commune.strip(), plots[uri].crop or "") for uri in where}) or [
                ("", "")]
    return placed


def recalls_by_place(found: Sequence[RecallRecord], placed: dict[str, list[tuple[str, str]]],
                     period: Period, regulator: int) -> list[dict[str, Any]]:
    """:func:`recall_counts` per commune and crop of the recalled codes' plots (a recall of
    lots from two communes counts in both)."""
    groups: dict[tuple[str, str], list[RecallRecord]] = defaultdict(list)
    for record in found:
        for key in placed.get(record.recall_id, [("", "")]):
            groups[key].append(record)
    return [{"commune": commune, "crop": crop,
             **recall_counts(groups[commune, crop], period, regulator)}
            for commune, crop in sorted(groups)]


def recalls(engine: Engine, desk: Desk, period: Period) -> dict[str, Any]:
    """:func:`recall_counts` of the area's recalls."""
    return recall_counts(area_recalls(engine, desk), period, desk.regulator)


# --- methane --------------------------------------------------------------------------------


def methane(engine: Engine, desk: Desk, period: Period) -> dict[str, Any]:
    """Rice CH4 of the seasons sown in the period on the area's plots (IPCC 2019 Tier 1,
    :func:`agritrace.reports.methane_store.season_report`), with the share under AWD."""
    report = season_report(engine, list(desk.orgs), since=period.start, until=period.end)
    inside = [r for r in report.results if r.plot in desk.reach.places]
    total = totals(inside, lambda _: "area")
    if not total:
        return {"seasons": 0, "area_ha": 0.0, "ch4_t": None, "co2e_t": None, "awd_share": None,
                "not_enough_data": 0}
    one = total[0]
    return {"seasons": one.seasons, "area_ha": round(one.area_ha, 4),
            "ch4_t": round(one.ch4_kg.value / 1000, 3), "co2e_t": round(one.co2e_t.value, 3),
            "awd_share": one.awd_share, "not_enough_data": len(one.not_enough_data)}


# --- targets --------------------------------------------------------------------------------


def set_target(engine: Engine, province: str, indicator: str, crop: str, value: float,
               set_by: str, commune: str = "") -> None:
    """Set (or change) the province's target for an indicator and crop ("" for every crop),
    for one commune or for the whole province (commune "")."""
    values = {"value": value, "set_by": set_by, "set_us": now_micros()}
    key = and_(targets.c.province == province, targets.c.commune == commune,
               targets.c.indicator == indicator, targets.c.crop == crop)
    with engine.begin() as conn:
        if conn.execute(update(targets).where(key).values(**values)).rowcount == 0:
            conn.execute(insert(targets).values(province=province, commune=commune,
                                                indicator=indicator, crop=crop, **values))


def targets_of(engine: Engine, province: str) -> dict[tuple[str, str, str], float]:
    """(indicator, crop, commune) -> target of the province ("" commune: the whole of it)."""
    with engine.connect() as conn:
        rows = conn.execute(select(targets.c.indicator, targets.c.crop, targets.c.commune,
                                   targets.c.value).where(
            targets.c.province == province)).all()
    return {(indicator, crop, commune): value for indicator, crop, commune, value in rows}


def commune_progress(rows: Iterable[dict[str, Any]], goals: dict[tuple[str, str, str], float]
                     ) -> list[dict[str, Any]]:
    """Each commune's target beside the commune's figure (summed over crops for crop ""), from
    the rows of :meth:`Hectares.as_dict`."""
    shown = []
    for (indicator, crop, commune), goal in sorted(goals.items(), key=lambda kv: kv[0][::-1]):
        if not commune or indicator not in _HECTARE_FIGURES:
            continue
        now = sum(r[indicator] for r in rows
                  if fold(r["commune"]) == fold(commune) and crop in ("", r["crop"]))
        shown.append({"commune": commune, "indicator": indicator, "crop": crop, "target": goal,
                      "now": round(now, 4), "share": now / goal if goal else None})
    return shown


# --- all of them ----------------------------------------------------------------------------


def by_crop(rows: Iterable[Hectares]) -> dict[str, dict[str, float]]:
    """Hectare figures summed per crop, and for every crop under ""."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        for crop in (row.crop, ""):
            for name in ("registered_ha", "coded_ha", "ready_ha", "not_ready_ha",
                         "eudr_ready_ha"):
                sums[crop][name] += getattr(row, name)
    return {crop: dict(values) for crop, values in sums.items()}


def indicators(engine: Engine, desk: Desk, period: Period, deadline_days: int,
               now_us: int | None = None, records: Records | None = None) -> dict[str, Any]:
    """Every indicator for ``period`` (of ``records`` when given: :func:`records_of` it) and
    for the previous period of the same length; stamps and scans as of ``now_us``."""
    def one(chosen: Period, records: Records | None) -> dict[str, Any]:
        records = records_of(engine, desk, chosen) if records is None else records
        rows = hectares(engine, desk, chosen, records)
        return {"from": chosen.start.isoformat(), "to": chosen.end.isoformat(),
                "hectares": [r.as_dict() for r in rows], "by_crop": by_crop(rows),
                "stamps": stamps(engine, desk, chosen, now_us).as_dict(),
                "tickets": tickets(engine, desk, chosen, deadline_days, now_us).as_dict(),
                "recalls": recall_counts(found, chosen, desk.regulator),
                "methane": methane(engine, desk, chosen),
                "codes_at_risk": [c.as_dict()
                                  for c in codes_at_risk(engine, desk, chosen, records)],
                "flags": [f.as_dict() for f in flags(records, chosen)],
                "by_ingredient": [c.as_dict()
                                  for c in by_ingredient(engine, desk, records, chosen)],
                "recalls_by_place": recalls_by_place(
                    [r for r in found if in_period(r, chosen)], placed, chosen,
                    desk.regulator),
                "ocop": [o.as_dict() for o in ocop(engine, desk, chosen)]}
    found = area_recalls(engine, desk)
    placed = recall_places(engine, desk, found)
    return {"current": one(period, records), "previous": one(period.previous(), None),
            "generated": datetime.now(UTC).isoformat(timespec="seconds")}
