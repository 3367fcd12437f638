"""Rice methane from the store: each rice season of the registry, read from its diary.

How a season's diary becomes a :class:`~agritrace.reports.methane.PlotSeason`:

- **cultivation period**: from the first sowing/transplanting entry (else the season's
  ``sown_on``) to the first harvest entry (else the season's end date);
- **water**: ``flood`` and ``irrigate`` entries wet the field, ``drain`` entries dry it; an entry
  with an ``until`` date also says when that span ended (a drained span until the 10th is
  re-flooded on the 11th). A field that enters the season flooded (its last entry before sowing
  is a flood) counts as flooded from sowing. The regime then follows
  :func:`~agritrace.reports.methane.derive_water_regime`;
- **pre-season water status** (IPCC Table 5.13) from the entries before sowing: flooded for more
  than 30 days before sowing, else the dry days from the last drainage to the next flooding (or
  to sowing); no entry before sowing: unknown;
- **organic amendments**: straw 30 days or fewer before sowing is "straw_lt30", more is
  "straw_gt30"; compost, farmyard and green manure as recorded. A season whose diary has neither
  an amendment nor a land preparation entry does not say what went into the soil: unknown.

Anything unknown gives :class:`~agritrace.reports.methane.NotEnoughData` naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from agritrace.errors import NoSuchResourceException, Problem
from agritrace.farm.diary import (
    AmendmentMaterial,
    DiaryEntry,
    Harvest,
    LandPreparation,
    OrganicAmendment,
    Sowing,
    WaterAction,
    WaterEvent,
)
from agritrace.farm.journal import season_entries
from agritrace.farm.places import Place, list_places
from agritrace.farm.seasons import Season, list_seasons
from agritrace.reports import methane
from agritrace.reports.methane import Amendment, NotEnoughData, SeasonEstimate, WaterEntry
from agritrace.store.orgs import Organization
from agritrace.store.tables import organizations

RICE_CROPS = ("rice",)
SHORT_STRAW_DAYS = 30
GROUPINGS = ("cooperative", "province")
Result = SeasonEstimate | NotEnoughData


def plot_season(place: Place, season: Season, entries: Sequence[DiaryEntry],
                cooperative: str) -> methane.PlotSeason:
    """The IPCC inputs of one season, read from its diary (the rules are the module's)."""
    sowings = [e.on for e in entries if isinstance(e, Sowing)]
    harvests = [e.on for e in entries if isinstance(e, Harvest)]
    start = min(sowings) if sowings else season.sown_on
    end = min(harvests) if harvests else season.end
    water = _water(entries)
    pre_season = _pre_season(start, water) if start else None
    if start is not None:
        water = _in_season(start, water)
    return methane.PlotSeason(
        plot=place.uri, area_ha=place.area_ha, start=start, end=end, season=season.uri,
        cooperative=cooperative, province=place.province, water=tuple(water),
        pre_season=pre_season, amendments=_amendments(entries, start))


def _water(entries: Iterable[DiaryEntry]) -> list[WaterEntry]:
    out = []
    for entry in entries:
        if not isinstance(entry, WaterEvent):
            continue
        action = "drain" if entry.action is WaterAction.DRAIN else "flood"
        out.append(WaterEntry(entry.on, action))
        if entry.until is not None:
            after = "flood" if action == "drain" else "drain"
            out.append(WaterEntry(entry.until + timedelta(days=1), after))
    return sorted(out, key=lambda w: (w.day, w.action))


def _in_season(start: date, water: list[WaterEntry]) -> list[WaterEntry]:
    before = [w for w in water if w.day < start]
    if before and before[-1].action == "flood":
        return [WaterEntry(start, "flood"), *(w for w in water if w.day >= start)]
    return [w for w in water if w.day >= start]


def _pre_season(start: date, water: list[WaterEntry]) -> str | None:
    before = [w for w in water if w.day < start]
    if not before:
        return None
    drains = [i for i, w in enumerate(before) if w.action == "drain"]
    if before[-1].action == "drain":
        return methane.pre_season_status((start - before[-1].day).days)
    wet_from = before[drains[-1] + 1] if drains else before[0]
    dry = (wet_from.day - before[drains[-1]].day).days if drains else None
    return methane.pre_season_status(dry, flooded_days=(start - wet_from.day).days)


def _amendments(entries: Sequence[DiaryEntry], start: date | None
                ) -> tuple[Amendment, ...] | None:
    found = [e for e in entries if isinstance(e, OrganicAmendment)]
    if not found and not any(isinstance(e, LandPreparation) for e in entries):
        return None
    out = []
    for entry in found:
        kind = entry.material.value
        if entry.material is AmendmentMaterial.STRAW:
            days = entry.days_before
            if days is None and start is not None:
                days = max((start - entry.on).days, 0)
            kind = "straw_lt30" if days is None or days <= SHORT_STRAW_DAYS else "straw_gt30"
        out.append(Amendment(kind, entry.amount, entry.unit))
    return tuple(out)


@dataclass(frozen=True)
class SeasonReport:
    """The estimates of every rice season sown from ``since`` to ``until`` (inclusive)."""

    since: date | None
    until: date | None
    results: tuple[Result, ...]
    names: Mapping[str, str] = field(default_factory=dict)
    """Plot URI -> the plot's name in the registry."""

    def totals(self, by: str = "cooperative") -> list[methane.GroupTotal]:
        return methane.totals(self.results, by)

    @property
    def estimates(self) -> list[SeasonEstimate]:
        return [r for r in self.results if isinstance(r, SeasonEstimate)]

    @property
    def not_enough_data(self) -> list[NotEnoughData]:
        return [r for r in self.results if isinstance(r, NotEnoughData)]


def season_report(engine: Engine, orgs: Sequence[Organization], *, since: date | None = None,
                  until: date | None = None, plot: str | None = None,
                  gwp: str = "AR6") -> SeasonReport:
    """Estimate every rice season of ``orgs`` whose sowing (else start) falls in the period."""
    plots = {org.id: {p.id: p for p in list_places(engine, org, kind="plot")} for org in orgs}
    names = {p.uri: p.name for of_org in plots.values() for p in of_org.values()}
    if plot is not None and plot not in names:
        raise NoSuchResourceException(f"No plot {plot}", [Problem(
            "plot", "the URI of a plot of " + ", ".join(o.name for o in orgs), repr(plot))])
    results: list[Result] = []
    for org in orgs:
        for season in list_seasons(engine, org, plot_uri=plot):
            day = season.sown_on or season.start
            if season.crop not in RICE_CROPS or (since and day < since) or (
                    until and day > until):
                continue
            entries = season_entries(engine, org, season.uri)
            inputs = plot_season(plots[org.id][season.place_id], season, entries, org.name)
            results.append(methane.estimate(inputs, gwp=gwp))
    return SeasonReport(since, until, tuple(results), names)


def every_organization(engine: Engine) -> list[Organization]:
    """All organizations (the command line's province-wide view; the API never uses it)."""
    with engine.connect() as conn:
        rows = conn.execute(select(organizations).order_by(organizations.c.id)).all()
    return [Organization(r.id, r.name, r.gln, r.kind) for r in rows]


def result_as_dict(result: Result) -> dict[str, Any]:
    """One plot-season as JSON: the estimate with its intervals, or what is missing."""
    if isinstance(result, NotEnoughData):
        return {"plot": result.plot, "season": result.season,
                "cooperative": result.cooperative, "province": result.province,
                "area_ha": result.area_ha, "status": "not_enough_data",
                "missing": list(result.missing), "message_vi": result.message_vi,
                "message_en": result.message_en}
    out = asdict(result)
    for name in ("ef", "sfo", "ch4_kg", "co2e_t", "baseline_ch4_kg", "reduction_ch4_kg",
                 "reduction_co2e_t"):
        out[name] = getattr(result, name).as_dict()
    return {**out, "status": "estimated"}


def total_as_dict(total: methane.GroupTotal) -> dict[str, Any]:
    return {"key": total.key, "seasons": total.seasons, "area_ha": round(total.area_ha, 4),
            "estimated_area_ha": round(total.estimated_area_ha, 4),
            "ch4_kg": total.ch4_kg.as_dict(), "co2e_t": total.co2e_t.as_dict(),
            "baseline_co2e_t": total.baseline_co2e_t.as_dict(),
            "reduction_co2e_t": total.reduction_co2e_t.as_dict(),
            "awd_area_ha": round(total.awd_area_ha, 4), "awd_share": total.awd_share,
            "drained_share": total.drained_share,
            "not_enough_data": list(total.not_enough_data)}


def report_as_dict(report: SeasonReport, gwp: str = "AR6") -> dict[str, Any]:
    tables = methane.ipcc2019()
    return {
        "since": report.since.isoformat() if report.since else None,
        "until": report.until.isoformat() if report.until else None,
        "method": "IPCC 2019 Refinement, Vol. 4 ch. 5.5, Tier 1", "source": tables.source,
        "gwp100_ch4": tables.gwp[gwp], "gwp_source": tables.gwp_source,
        "seasons": [result_as_dict(r) for r in report.results],
        "totals": {by: [total_as_dict(t) for t in report.totals(by)] for by in GROUPINGS},
    }
