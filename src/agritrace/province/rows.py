"""The rows behind each figure of the province desk, for the officer who follows a link down.

Every figure of the dashboard links to a list (``/province/rows/{name}``): the plots behind a
hectare figure, the stamps or scans behind a stamp count, the recalls behind a recall count,
the rice seasons behind the methane total, the refused and flagged diary entries behind a count
by ingredient, the products behind the OCOP figures. Each list is computed by the very function
the figure is (:mod:`agritrace.province.indicators`), over the same area
(:func:`agritrace.trust.reach_of`), so its rows add up to the figure. Lists are computed when
asked (a drill-down, not the dashboard's hot path); the dashboard's figures are kept up to
:data:`agritrace.province.kept.STALE_AFTER_S` old, so a list may be newer than the figure it
came from (the page says when the figures were computed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from agritrace.errors import NoSuchResourceException, Problem, QueryParameterException
from agritrace.farm.refusals import refusals
from agritrace.ids.epc import lenient_id
from agritrace.province import indicators as ind
from agritrace.reports.methane import SeasonEstimate
from agritrace.reports.methane_store import season_report
from agritrace.scans.tables import scans
from agritrace.store.tables import event_terms, events, organizations
from agritrace.trace.closing import RecallRecord
from agritrace.trust import GS1, Owners
from agritrace.vietnam_time import vietnam_datetime

#: The filters each list takes (query parameters), besides the period.
FILTERS: dict[str, tuple[str, ...]] = {
    "plots": ("commune", "crop", "stage"),
    "stamps": ("what",),
    "recalls": ("status", "commune", "crop"),
    "seasons": (),
    "compliance": ("commune", "ingredient", "rule", "severity"),
    "products": ("commune", "which"),
}
#: The OCOP figures a products list is filtered to (left out: every product).
PRODUCT_FIGURES = ("ocop", "stamped", "traced")
STAGES = ("registered_ha", "coded_ha", "ready_ha", "not_ready_ha", "eudr_ready_ha")
STAMP_KINDS = ("issued", "voided", "scanned", "suspicious")
RECALL_STATES = ("opened", "closed", "open_at_end")


@dataclass(frozen=True)
class Rows:
    """A list's columns (stable keys, the CSV's header) and rows; ``total`` sums the figure's
    quantity over the rows (hectares, tonnes of CH4; the row count for the others)."""

    name: str
    columns: list[str]
    rows: list[list[Any]]
    total: float


def _when(micros: int | None) -> str:
    return "" if micros is None else vietnam_datetime(micros).strftime("%Y-%m-%d %H:%M")


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise QueryParameterException(f"Unknown {name}", [Problem(
            name, " | ".join(choices), repr(value[:40]))])
    return value


def plots(engine: Engine, desk: ind.Desk, period: ind.Period, given: Mapping[str, str]
          ) -> Rows:
    """The plots behind a hectare figure: of a commune and crop (as the hectares table names
    them; left out: every one), counted in ``stage`` (:data:`STAGES`)."""
    stage = _choice("stage", given.get("stage") or "registered_ha", STAGES)
    found = [p for p in ind.judged_plots(engine, desk, period)
             if stage in p.stages
             and ("commune" not in given or p.place.commune.strip() == given["commune"])
             and ("crop" not in given or (p.place.crop or "") == given["crop"])]
    found.sort(key=lambda p: (p.place.commune, p.place.crop or "", p.org.name, p.place.name))
    columns = ["plot", "name", "owner", "commune", "crop", "area_ha", "area_code", "status",
               "eudr_ready", "failed_checks"]
    return Rows("plots", columns, [
        [p.place.uri, p.place.name, p.org.name, p.place.commune.strip(), p.place.crop or "",
         round(p.area_ha, 4), p.place.area_code or "", p.judged.status, p.eudr_ready,
         "; ".join(c.name for c in p.judged.failed())] for p in found],
        sum(p.area_ha for p in found))


def stamps(engine: Engine, desk: ind.Desk, period: ind.Period, given: Mapping[str, str]
           ) -> Rows:
    """The stamps issued or voided in the period (each code with who and when), or the scans
    of the area's codes (``scanned``) and of those the scans of a voided stamp
    (``suspicious``), as :func:`agritrace.province.indicators.stamps` counts them."""
    what = _choice("what", given.get("what") or "issued", STAMP_KINDS)
    names = {o.id: o.name for o in desk.orgs}
    with engine.connect() as conn:
        if what in ("issued", "voided"):
            step = "commissioning" if what == "issued" else "decommissioning"
            found = _stamp_events(conn, list(names), step, period)
            return Rows("stamps", ["code", "owner", "when"], [
                [code, names[org], _when(at)] for code, org, at in found], len(found))
        shown = _scans(conn, list(names), period, suspicious=what == "suspicious")
    return Rows("stamps", ["code", "scanned", "voided"], [
        [code, _when(at), voided] for code, at, voided in shown], len(shown))


def _stamp_events(conn: Connection, orgs: list[int], step: str, period: ind.Period
                  ) -> list[tuple[str, int, int]]:
    if not orgs:
        return []
    query = select(event_terms.c.value, events.c.org_id, events.c.event_time_us).join(
        events, events.c.id == event_terms.c.event_pk).where(
        events.c.org_id.in_(orgs), events.c.biz_step == step, event_terms.c.role == "epc",
        events.c.event_time_us >= period.since_us, events.c.event_time_us < period.until_us
    ).order_by(events.c.event_time_us, event_terms.c.value)
    return [(code, org, at) for code, org, at in conn.execute(query)]


def _scans(conn: Connection, orgs: list[int], period: ind.Period, *, suspicious: bool
           ) -> list[tuple[str, int, bool]]:
    found = conn.execute(select(scans.c.code, scans.c.scanned_us).where(
        scans.c.scanned_us >= period.since_us, scans.c.scanned_us < period.until_us
    ).order_by(scans.c.scanned_us)).all()
    canonical = [(lenient_id(GS1 + code.lstrip("/")), at) for code, at in found]
    owners = Owners.load(conn, {code for code, _ in canonical})
    ours = [(code, at) for code, at in canonical if owners.owner(code) in orgs]
    voided = set(ind.item_values(conn, orgs, "decommissioning", None))
    return [(code, at, code in voided) for code, at in ours
            if not suspicious or code in voided]


def recalls(engine: Engine, desk: ind.Desk, period: ind.Period, given: Mapping[str, str]
            ) -> Rows:
    """The recalls behind a recall figure: recorded in the period (``opened``), closed in it
    (``closed``), still open at its end (``open_at_end``); of a commune and crop of the
    recalled codes' plots when given."""
    status = given.get("status") or ""
    if status:
        _choice("status", status, RECALL_STATES)
    found = [r for r in ind.area_recalls(engine, desk) if ind.in_period(r, period)]
    placed = ind.recall_places(engine, desk, found)
    chosen = [r for r in found if _recall_state(r, period, status)
              and ("commune" not in given or any(c == given["commune"] and (
                  "crop" not in given or k == given["crop"]) for c, k in placed[r.recall_id]))]
    recorders = {o.id: o.name for o in desk.orgs}
    with engine.connect() as conn:
        recorders[desk.regulator] = conn.execute(select(organizations.c.name).where(
            organizations.c.id == desk.regulator)).scalar_one()
    columns = ["recall_id", "recorded_by", "ordered_by", "reason", "opened", "closed",
               "closed_by", "days_to_close", "codes", "places"]
    return Rows("recalls", columns, [
        [r.recall_id, recorders.get(r.org_id, ""),
         r.ordered_by, r.reason, _when(r.opened_us), _when(r.closed_us), r.closed_by,
         None if r.days_to_close is None else round(r.days_to_close, 1), len(r.codes),
         "; ".join(f"{c} {k}".strip() for c, k in placed[r.recall_id])]
        for r in chosen], len(chosen))


def _recall_state(record: RecallRecord, period: ind.Period, status: str) -> bool:
    if status == "opened":
        return period.since_us <= record.opened_us < period.until_us
    if status == "closed":
        return record.closed_us is not None and (
            period.since_us <= record.closed_us < period.until_us)
    if status == "open_at_end":
        return record.open_at(period.until_us)
    return True


def seasons(engine: Engine, desk: ind.Desk, period: ind.Period, given: Mapping[str, str]
            ) -> Rows:
    """The rice seasons behind the methane total (sown in the period on the area's plots)."""
    report = season_report(engine, list(desk.orgs), since=period.start, until=period.end)
    inside = [r for r in report.results if r.plot in desk.reach.places]
    columns = ["plot", "name", "season", "cooperative", "area_ha", "water_regime", "ch4_kg",
               "co2e_t", "estimated"]
    rows: list[list[Any]] = []
    ch4_kg = 0.0
    for result in inside:
        first = [result.plot, report.names.get(result.plot, ""), result.season,
                 result.cooperative, result.area_ha]
        if isinstance(result, SeasonEstimate):
            ch4_kg += result.ch4_kg.value
            rows.append([*first, result.water_regime, round(result.ch4_kg.value, 1),
                         round(result.co2e_t.value, 3), True])
        else:
            rows.append([*first, "", None, None, False])
    return Rows("seasons", columns, rows, ch4_kg / 1000)


def compliance(engine: Engine, desk: ind.Desk, period: ind.Period, given: Mapping[str, str]
               ) -> Rows:
    """The diary entries behind a count by ingredient: refused (kept by
    :mod:`agritrace.farm.refusals`) and saved with a finding, of a commune, ingredient, rule
    and severity when given."""
    places = {p.uri: p for p in desk.plots}
    found: list[list[Any]] = []
    for refused in refusals(engine, [o.id for o in desk.orgs], period.since_us,
                            period.until_us):
        if refused.plot in places:
            found.append([refused.entry_on.isoformat(), refused.plot,
                          places[refused.plot].commune.strip(), refused.recorded_by,
                          refused.kind, refused.rule, "refused", refused.ingredient,
                          refused.product])
    for one in ind.findings_in(ind.records_of(engine, desk, period), period):
        plot, entry = one.record.plot_id, one.entry
        if plot in places:
            found.append([entry.on.isoformat(), plot, places[plot].commune.strip(),
                          entry.recorded_by, entry.kind.value, one.finding.rule,
                          one.finding.severity.value, one.finding.ingredient or one.product,
                          one.product])
    columns = ["on", "plot", "commune", "recorded_by", "kind", "rule", "severity",
               "ingredient", "product"]
    keep = [(columns.index(k), given[k]) for k in FILTERS["compliance"] if k in given]
    chosen = sorted((row for row in found if all(row[i] == v for i, v in keep)),
                    key=lambda r: (r[0], r[1], r[5]))
    return Rows("compliance", columns, chosen, len(chosen))


def products(engine: Engine, desk: ind.Desk, period: ind.Period, given: Mapping[str, str]
             ) -> Rows:
    """The products behind the OCOP figures of a commune: every product, or those counted as
    valid OCOP, stamped, or stamped and traced to a plot (``which``)."""
    which = given.get("which") or ""
    if which:
        _choice("which", which, PRODUCT_FIGURES)
    found = [item for item in ind.ocop_products(engine, desk, period)
             if ("commune" not in given or item.commune == given["commune"])
             and (not which or getattr(item, which))]
    columns = ["commune", "gtin", "name", "owner", "ocop_stars", "ocop_expires", "ocop",
               "stamped", "traced"]
    return Rows("products", columns, [
        [i.commune, i.product.gtin, i.product.name_vi, i.owner, i.product.ocop_stars,
         i.product.ocop_expires.isoformat() if i.product.ocop_expires else None, i.ocop,
         i.stamped, i.traced] for i in found], len(found))


LISTS: dict[str, Callable[[Engine, ind.Desk, ind.Period, Mapping[str, str]], Rows]] = {
    "plots": plots, "stamps": stamps, "recalls": recalls, "seasons": seasons,
    "compliance": compliance, "products": products}


def rows_of(engine: Engine, desk: ind.Desk, period: ind.Period, name: str,
            given: Mapping[str, str]) -> Rows:
    """The list ``name`` (:data:`LISTS`) filtered by ``given`` (only its :data:`FILTERS`)."""
    if name not in LISTS:
        raise NoSuchResourceException(f"No list {name!r} on the desk", [Problem(
            "path", "/province/rows/{" + " | ".join(LISTS) + "}", repr(name[:40]))])
    wanted = {k: v for k, v in given.items() if k in FILTERS[name]}
    return LISTS[name](engine, desk, period, wanted)


def as_dicts(found: Rows) -> list[dict[str, Any]]:
    return [dict(zip(found.columns, row, strict=True)) for row in found.rows]
