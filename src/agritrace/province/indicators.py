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

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.farm.catalog import list_certificates, list_products
from agritrace.farm.compliance import PlotRecord, check_entry, plot_readiness
from agritrace.farm.places import Place, list_places
from agritrace.farm.readiness import plot_records
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


def hectares(engine: Engine, desk: Desk, period: Period, records: Records | None = None
             ) -> list[Hectares]:
    """Per commune and crop, the plots registered by the period's last day: hectares coded
    (a growing-area code), ready for one, not ready (and why), and EUDR-ready (geolocated,
    producer and country known: :func:`agritrace.reports.eudr.check_plot`)."""
    created = _created(engine, [p.id for p in desk.plots])
    cutoff = period.until_us
    mine = {p.uri: p for p in desk.plots if created.get(p.id, 0) < cutoff}
    rows: dict[tuple[str, str], Hectares] = {}
    records = records_of(engine, desk, period) if records is None else records
    for org in desk.orgs:
        for record in records[org.id]:
            place = mine.get(record.plot_id)
            if place is None:
                continue
            key = (place.commune.strip(), place.crop or "")
            row = rows.setdefault(key, Hectares(*key))
            judged = plot_readiness(record)
            area = record.area_ha
            row.plots += 1
            _history(row, place)
            row.registered_ha += area
            row.coded_ha += area if judged.coded else 0.0
            row.ready_ha += area if judged.status == "ready" else 0.0
            row.not_ready_ha += area if judged.status == "not_ready" else 0.0
            row.reasons.update(check.name for check in judged.failed())
            row.eudr_ready_ha += area if _eudr_ready(place, org) else 0.0
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


def flags(records: Records, period: Period) -> list[Flag]:
    """The compliance rules' findings (:func:`agritrace.farm.compliance.check_entry`) on the
    diary entries recorded in the period, by rule and product, most frequent first. Refused
    entries are not here: the diary does not record them."""
    found: dict[tuple[str, str], Flag] = {}
    for org_records in records.values():
        for record in org_records:
            ordered = sorted(record.entries, key=lambda e: e.on)
            for index, entry in enumerate(ordered):
                if not period.start <= entry.on <= period.end:
                    continue
                product = getattr(entry, "product", "") or getattr(entry, "lot", "")
                for finding in check_entry(entry, crop=record.crop, history=ordered[:index]):
                    flag = found.setdefault((finding.rule, product), Flag(
                        finding.rule, finding.severity.value, product))
                    flag.entries += 1
                    flag.plots.add(record.plot_id)
    return sorted(found.values(), key=lambda f: (-f.entries, f.rule, f.product))


# --- OCOP products per commune ------------------------------------------------------------


@dataclass(frozen=True)
class Ocop:
    """The products of the producers with plots in one commune: how many, how many hold a
    valid OCOP certificate on the period's last day, and of those how many were ever stamped."""

    commune: str
    products: int
    ocop: int
    ocop_stamped: int

    @property
    def share(self) -> float | None:
        return self.ocop / self.products if self.products else None

    def as_dict(self) -> dict[str, Any]:
        return {"commune": self.commune, "products": self.products, "ocop": self.ocop,
                "ocop_share": self.share, "ocop_stamped": self.ocop_stamped}


def ocop(engine: Engine, desk: Desk, period: Period) -> list[Ocop]:
    """Per commune, the products of the organizations with a plot there (a producer with plots
    in two communes counts in both: products have no commune of their own)."""
    communes: dict[str, set[int]] = defaultdict(set)
    for plot in desk.plots:
        communes[plot.commune.strip()].add(plot.org_id)
    catalogue = {org.id: list_products(engine, org) for org in desk.orgs}
    with engine.connect() as conn:
        stamped = {p.gtin for found in catalogue.values() for p in found
                   if p.ocop_stars and _stamped(conn, p.gtin, period)}
    rows = []
    for commune in sorted(communes):
        made = [p for org in sorted(communes[commune]) for p in catalogue.get(org, [])]
        valid = [p for p in made if p.ocop_stars and (p.ocop_expires is None
                                                     or p.ocop_expires >= period.end)]
        rows.append(Ocop(commune, len(made), len(valid),
                         sum(1 for p in valid if p.gtin in stamped)))
    return rows


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


def stamps(engine: Engine, desk: Desk, period: Period) -> Stamps:
    """Serialized codes the area's organizations issued (commissioned) and voided
    (decommissioned) in the period; scans in the period of the codes they own, and of those the
    scans of a voided code (what the consumer page calls suspicious)."""
    orgs = [o.id for o in desk.orgs]
    with engine.connect() as conn:
        issued = _items(conn, orgs, "commissioning", period)
        voided = _items(conn, orgs, "decommissioning", period)
        ever_voided = set(_item_values(conn, orgs, "decommissioning", None))
        codes = [code for (code,) in conn.execute(select(scans.c.code).where(
            scans.c.scanned_us >= period.since_us, scans.c.scanned_us < period.until_us))]
        # scans keep the link's path as scanned (with its lot); events the canonical code
        canonical = [lenient_id(GS1 + code.lstrip("/")) for code in codes]
        owners = Owners.load(conn, set(canonical))
    ours = [code for code in canonical if owners.owner(code) in orgs]
    suspicious = sum(1 for code in ours if code in ever_voided)
    return Stamps(issued, voided, len(ours), suspicious)


def _item_query(orgs: Sequence[int], step: str, period: Period | None) -> Any:
    query = select(event_terms.c.value).join(events, events.c.id == event_terms.c.event_pk).where(
        events.c.org_id.in_(list(orgs)), events.c.biz_step == step, event_terms.c.role == "epc")
    if period is not None:
        query = query.where(events.c.event_time_us >= period.since_us,
                            events.c.event_time_us < period.until_us)
    return query


def _items(conn: Connection, orgs: Sequence[int], step: str, period: Period) -> int:
    if not orgs:
        return 0
    query = _item_query(orgs, step, period).with_only_columns(func.count())
    return int(conn.execute(query).scalar_one())


def _item_values(conn: Connection, orgs: Sequence[int], step: str, period: Period | None
                 ) -> list[str]:
    if not orgs:
        return []
    return list(conn.execute(_item_query(orgs, step, period)).scalars())


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


def recalls(engine: Engine, desk: Desk, period: Period) -> dict[str, int]:
    """Recalls recorded in the period by the area's organizations and by the regulator itself
    (one recall's events share its time and its recording organization), and the codes they
    mark."""
    orgs = [o.id for o in desk.orgs] + [desk.regulator]
    where = and_(events.c.org_id.in_(orgs), events.c.disposition == "recalled",
                 events.c.event_time_us >= period.since_us,
                 events.c.event_time_us < period.until_us)
    with engine.connect() as conn:
        orders = conn.execute(select(events.c.org_id, events.c.event_time_us).where(
            where).distinct()).all()
        codes = conn.execute(select(func.count(func.distinct(event_terms.c.value))).join(
            events, events.c.id == event_terms.c.event_pk).where(where)).scalar_one()
    by_regulator = sum(1 for org, _ in orders if org == desk.regulator)
    return {"recalls": len(orders), "by_regulator": by_regulator, "codes": int(codes)}


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
               now_us: int | None = None) -> dict[str, Any]:
    """Every indicator for ``period`` and for the previous period of the same length."""
    def one(chosen: Period) -> dict[str, Any]:
        records = records_of(engine, desk, chosen)
        rows = hectares(engine, desk, chosen, records)
        return {"from": chosen.start.isoformat(), "to": chosen.end.isoformat(),
                "hectares": [r.as_dict() for r in rows], "by_crop": by_crop(rows),
                "stamps": stamps(engine, desk, chosen).as_dict(),
                "tickets": tickets(engine, desk, chosen, deadline_days, now_us).as_dict(),
                "recalls": recalls(engine, desk, chosen),
                "methane": methane(engine, desk, chosen),
                "codes_at_risk": [c.as_dict()
                                  for c in codes_at_risk(engine, desk, chosen, records)],
                "flags": [f.as_dict() for f in flags(records, chosen)],
                "ocop": [o.as_dict() for o in ocop(engine, desk, chosen)]}
    return {"current": one(period), "previous": one(period.previous()),
            "generated": datetime.now(UTC).isoformat(timespec="seconds")}
