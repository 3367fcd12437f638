"""Growing-area code readiness from the store: registry plots plus their diary, judged by
:func:`agritrace.farm.compliance.plot_readiness` and summed per cooperative.

The period checked runs from the start of the plot's latest season that has begun (or
``since``) to ``as_of``; the technical manager is the member named on the plot. Barns, ponds and
cages are judged the same way against VietGAHP / VietGAP for aquaculture (``SECTOR_PLACES``),
with thresholds from the settings (:func:`rules_from`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Engine

from agritrace.farm.compliance import (
    CooperativeReadiness,
    PlotRecord,
    ReadinessRules,
    cooperative_readiness,
)
from agritrace.farm.diary import vietnam_today
from agritrace.farm.journal import plots_entries
from agritrace.farm.places import list_places
from agritrace.farm.registry import list_members
from agritrace.farm.seasons import list_seasons
from agritrace.settings import Settings
from agritrace.store.orgs import Organization

# The kinds of place each readiness report covers.
SECTOR_PLACES: dict[str, tuple[str, ...]] = {
    "crop": ("plot",), "livestock": ("barn",), "aquaculture": ("pond", "cage"),
}


def rules_from(settings: Settings) -> ReadinessRules:
    """The readiness thresholds an operator set (AGRITRACE_READINESS_*)."""
    return ReadinessRules(
        animal_max_gap_days=settings.readiness_animal_max_gap_days,
        min_disease_observations=settings.readiness_min_disease_checks,
        max_days_between_water_readings=settings.readiness_max_days_between_water_readings)


def plot_records(engine: Engine, org: Organization, *, as_of: date | None = None,
                 since: date | None = None,
                 kinds: Sequence[str] = ("plot",)) -> list[PlotRecord]:
    """What the readiness rules need about each plot (or barn, pond: ``kinds``) of ``org``."""
    as_of = as_of or vietnam_today()
    names = {m.id: m.name for m in list_members(engine, org)}
    chosen = [p for kind in kinds for p in list_places(engine, org, kind=kind)]
    # the org's seasons and diaries in a few queries, not two per plot (issue 13's province
    # of 50,000 plots)
    begun = _season_starts(engine, org, as_of)
    diaries = plots_entries(engine, org, [p.uri for p in chosen])
    records = []
    for place in chosen:
        start = since or begun.get(place.uri, as_of)
        records.append(PlotRecord(
            plot_id=place.uri, cooperative_id=org.name, crop=place.crop or "*",
            market=place.market or "*", area_ha=place.area_ha or 0.0, period_start=start,
            as_of=as_of,
            entries=tuple(e for e in diaries[place.uri] if start <= e.on <= as_of),
            technical_manager=names.get(place.technical_manager_id or -1),
            area_code=place.area_code))
    return records


def _season_starts(engine: Engine, org: Organization, as_of: date) -> dict[str, date]:
    """Plot URI -> the start of its latest season begun by ``as_of``."""
    begun: dict[str, date] = {}
    for season in list_seasons(engine, org):
        if season.start <= as_of:
            begun[season.plot_uri] = max(season.start, begun.get(season.plot_uri, season.start))
    return begun


def readiness_report(engine: Engine, org: Organization, *, as_of: date | None = None,
                     since: date | None = None,
                     rules: ReadinessRules | None = None,
                     kinds: Sequence[str] = ("plot",)) -> CooperativeReadiness:
    """Hectares coded, ready and not ready in ``org``, with each plot's checks."""
    records = plot_records(engine, org, as_of=as_of, since=since, kinds=kinds)
    report = cooperative_readiness(records, rules).get(org.name)
    return report or CooperativeReadiness(org.name, 0.0, 0.0, 0.0, ())
