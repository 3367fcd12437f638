"""The EUDR and methane exports as HTTP responses (CSV, GeoJSON, PDF), shared by the API and
the manager's pages so that both hand out the same files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import Response

from agritrace.reports import eudr, exports
from agritrace.reports.methane import ipcc2019
from agritrace.reports.methane_store import SeasonReport
from agritrace.reports.pdf import table_pdf
from agritrace.web.i18n import Translator

GEOJSON = "application/geo+json"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"


def attachment(content: str | bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-cache"})


def geojson(collection: Mapping[str, Any], name: str = "eudr.geojson") -> Response:
    return attachment(eudr.to_geojson_text(collection), GEOJSON, name)


def readiness_csv(rows: list[exports.ReadinessRow]) -> Response:
    return attachment(exports.to_csv(exports.READINESS_COLUMNS, [r.as_dict() for r in rows]), CSV,
                 "eudr-readiness.csv")


def risk_label(t: Translator, risk: eudr.PlotRisk | None) -> str:
    if risk is None:
        return t("reports_risk_none")
    return t(f"reports_risk_{risk.risk or 'unreadable'}")


def readiness_pdf(t: Translator, rows: list[exports.ReadinessRow], verdict: str,
                  risk: eudr.ShipmentRisk, identifiers: tuple[str, ...]) -> Response:
    headers = [t(k) for k in ("reports_plot", "reports_producer", "reports_country",
                              "reports_place", "reports_area", "reports_ready", "reports_risk",
                              "reports_to_fix")]
    body = []
    for row in rows:
        data = row.as_dict()
        body.append([f"{data['name']}\n{data['plot']}", data["producer"], data["country"],
                     data["production_place"], data["area_ha"],
                     t("reports_ready") if row.state.ready else t("reports_not_ready"),
                     risk_label(t, row.risk), "\n".join(m for _, m in row.issues)])
    lines = [", ".join(identifiers), verdict,
             risk.message_vi if t.lang == "vi" else risk.message_en, t("reports_cutoff")]
    return attachment(table_pdf(t("reports_eudr_title"), lines, headers, body), PDF,
                 "eudr-readiness.pdf")


def methane_csv(report: SeasonReport, lang: str) -> Response:
    return attachment(exports.to_csv(exports.METHANE_COLUMNS, exports.methane_rows(report, lang)),
                 CSV, "rice-methane.csv")


def regime_label(t: Translator, regime: str) -> str:
    return t(f"reports_regime_{regime}") if regime else ""


def methane_pdf(t: Translator, report: SeasonReport, gwp: str) -> Response:
    headers = [t(k) for k in ("reports_plot", "reports_area", "reports_days", "reports_water",
                              "reports_ch4", "reports_co2e", "reports_reduction")]
    body = []
    for row in exports.methane_rows(report, t.lang):
        if row["status"] == "estimated":
            body.append([row["name"] or row["plot"], row["area_ha"], row["days"],
                         regime_label(t, row["water_regime"]),
                         f"{row['ch4_kg']} ({row['ch4_kg_low']}–{row['ch4_kg_high']})",
                         f"{row['co2e_t']} ({row['co2e_t_low']}–{row['co2e_t_high']})",
                         row["reduction_co2e_t"]])
        else:
            body.append([row["name"] or row["plot"], row["area_ha"], "", "", row["status"],
                         "", ""])
    tables = ipcc2019()
    lines = [f"{t('reports_totals')}: " + "; ".join(
        f"{total.key}: {t.number(total.co2e_t.value, 2)} t CO2e, {t('reports_awd_share')} "
        + ("—" if total.awd_share is None else f"{t.number(100 * total.awd_share)} %")
        for total in report.totals("cooperative")),
        t("reports_gwp", gwp=t.number(tables.gwp[gwp], 1), source=tables.gwp_source),
        tables.source]
    return attachment(table_pdf(t("reports_methane_title"), lines, headers, body), PDF,
                 "rice-methane.pdf")
