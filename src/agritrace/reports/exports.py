"""Rows of the EUDR readiness list and of the season methane report, for CSV, PDF and pages.

One list of rows per report; the command line, the API and the manager's pages render the same
rows, so the three never disagree. Messages come in the language asked for ("vi" or "en").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from agritrace.reports import eudr
from agritrace.reports.eudr_store import (
    Shipment,
    ShipmentPlot,
    find_shipment,
    shipment_readiness,
    shipment_risks,
)
from agritrace.reports.methane import GroupTotal, Interval, NotEnoughData
from agritrace.reports.methane_store import SeasonReport
from agritrace.store.orgs import Organization

READINESS_COLUMNS = ("plot", "name", "producer", "country", "production_place", "area_ha",
                     "geometry", "ready", "risk", "lots", "issues")
METHANE_COLUMNS = ("plot", "name", "season", "cooperative", "province", "area_ha", "days",
                   "water_regime", "pre_season", "sfo", "ch4_kg", "ch4_kg_low", "ch4_kg_high",
                   "co2e_t", "co2e_t_low", "co2e_t_high", "baseline_co2e_t",
                   "reduction_co2e_t", "status")
TOTAL_COLUMNS = ("key", "seasons", "area_ha", "estimated_area_ha", "co2e_t", "co2e_t_low",
                 "co2e_t_high", "baseline_co2e_t", "reduction_co2e_t", "awd_share",
                 "drained_share", "not_enough_data")


@dataclass(frozen=True)
class ReadinessRow:
    """One plot of a shipment's readiness list; ``issues`` in the chosen language."""

    shipped: ShipmentPlot
    state: eudr.PlotReadiness
    risk: eudr.PlotRisk | None
    issues: tuple[tuple[str, str], ...]
    """(severity, message) pairs."""

    def as_dict(self) -> dict[str, Any]:
        record = self.shipped.record
        return {
            "plot": record.plot_id, "name": self.shipped.place.name,
            "producer": record.producer_name or "", "country": record.producer_country or "",
            "production_place": record.production_place or "",
            "area_ha": "" if record.area_ha is None else f"{record.area_ha:.4f}",
            "geometry": (self.state.geometry.kind if self.state.geometry else ""),
            "ready": "yes" if self.state.ready else "no",
            "risk": (self.risk.risk or "unreadable") if self.risk else "",
            "lots": " ".join(self.shipped.lots),
            "issues": " | ".join(message for _, message in self.issues),
        }


def readiness_rows(shipment: Shipment, readiness: eudr.ShipmentReadiness,
                   risks: eudr.ShipmentRisk, lang: str) -> list[ReadinessRow]:
    by_plot = {r.plot_id: r for r in risks.plots}
    rows = []
    for shipped, state in zip(shipment.plots, readiness.plots, strict=True):
        issues = tuple((i.severity, i.message_vi if lang == "vi" else i.message_en)
                       for i in state.issues)
        rows.append(ReadinessRow(shipped, state, by_plot.get(shipped.record.plot_id), issues))
    return rows


@dataclass(frozen=True)
class ReadinessReport:
    """A shipment's readiness list with the risk results of the organization asking."""

    shipment: Shipment
    state: eudr.ShipmentReadiness
    risk: eudr.ShipmentRisk
    rows: tuple[ReadinessRow, ...]

    @property
    def not_ready(self) -> int:
        return sum(not row.state.ready for row in self.rows)

    @property
    def ready(self) -> bool:
        """The one verdict every view of the shipment says (page, PDF, API, command): it leads
        to registered plots, every one ready, and to no harvest place missing from the
        registry (a plot without geolocation would be missing from the EU file)."""
        return bool(self.rows) and not self.not_ready and not self.shipment.unregistered


def readiness_report(engine: Engine, org: Organization, identifiers: Sequence[str],
                     lang: str) -> ReadinessReport:
    shipment = find_shipment(engine, org, identifiers)
    state = shipment_readiness(shipment)
    risk = shipment_risks(engine, org, shipment)
    return ReadinessReport(shipment, state, risk,
                           tuple(readiness_rows(shipment, state, risk, lang)))


def _interval(prefix: str, value: Interval) -> dict[str, str]:
    return {prefix: f"{value.value:.3f}", f"{prefix}_low": f"{value.low:.3f}",
            f"{prefix}_high": f"{value.high:.3f}"}


def methane_rows(report: SeasonReport, lang: str) -> list[dict[str, str]]:
    rows = []
    for result in report.results:
        row = {"plot": result.plot, "name": report.names.get(result.plot, ""),
               "season": result.season, "cooperative": result.cooperative,
               "province": result.province,
               "area_ha": "" if result.area_ha is None else f"{result.area_ha:.4f}"}
        if isinstance(result, NotEnoughData):
            row["status"] = result.message_vi if lang == "vi" else result.message_en
        else:
            row |= {"days": str(result.days), "water_regime": result.water_regime,
                    "pre_season": result.pre_season, "sfo": f"{result.sfo.value:.3f}",
                    **_interval("ch4_kg", result.ch4_kg), **_interval("co2e_t", result.co2e_t),
                    "baseline_co2e_t": f"{result.baseline_ch4_kg.value * result.gwp / 1000:.3f}",
                    "reduction_co2e_t": f"{result.reduction_co2e_t.value:.3f}",
                    "status": "estimated"}
        rows.append(row)
    return rows


def total_rows(totals: Sequence[GroupTotal]) -> list[dict[str, str]]:
    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.3f}"

    return [{"key": t.key, "seasons": str(t.seasons), "area_ha": f"{t.area_ha:.4f}",
             "estimated_area_ha": f"{t.estimated_area_ha:.4f}",
             **_interval("co2e_t", t.co2e_t), "baseline_co2e_t": f"{t.baseline_co2e_t.value:.3f}",
             "reduction_co2e_t": f"{t.reduction_co2e_t.value:.3f}",
             "awd_share": share(t.awd_share), "drained_share": share(t.drained_share),
             "not_enough_data": " ".join(t.not_enough_data)} for t in totals]


def to_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
