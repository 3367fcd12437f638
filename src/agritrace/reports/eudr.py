"""EU Deforestation Regulation 2023/1115: plot readiness, the EU GeoJSON, the statement data,
and per-plot deforestation-risk results from an outside tool (FAO's Whisp).

The GeoJSON follows the EU information system's file description (v1.3): a FeatureCollection
of Point / Polygon / MultiPolygon features in WGS84, ``[longitude, latitude]``, each with the
properties ``ProducerName``, ``ProducerCountry`` (ISO 3166-1 alpha-2), ``ProductionPlace`` and,
for a point, ``Area`` in hectares. Geometry rules are checked by :mod:`agritrace.farm.geometry`.

>>> plot = PlotRecord("T-01", "Lò Văn Minh", "VN", "Mường Phăng, Điện Biên",
...                   {"type": "Point", "coordinates": [103.016071, 21.386101]}, area_ha=1.2)
>>> check_plot(plot).ready
True
>>> feature_collection([plot])["features"][0]["properties"]["Area"]
1.2
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from agritrace.errors import Problem, ValidationException
from agritrace.farm.geometry import (
    MIN_DECIMALS,
    VIETNAM_BOX,
    GeometryIssue,
    PlotGeometry,
    check_geometry,
)
from agritrace.web.i18n import expect, format_amount, refusal

CUTOFF_DATE = date(2020, 12, 31)
ACTIVITIES = ("DOMESTIC", "IMPORT", "EXPORT", "TRADE")


@dataclass(frozen=True)
class Commodity:
    """A relevant commodity of Annex I with the HS heading used by default in a statement."""

    key: str
    hs_heading: str
    name_vi: str
    name_en: str
    whisp_risk: str


# Annex I lists more codes per commodity (e.g. 1803-1806 for cocoa products, 4001 22 for TSNR
# rubber); a statement line may override the heading with a finer code.
COMMODITIES: dict[str, Commodity] = {c.key: c for c in (
    Commodity("coffee", "0901", "Cà phê", "Coffee", "risk_pcrop"),
    Commodity("cocoa", "1801", "Ca cao", "Cocoa", "risk_pcrop"),
    Commodity("rubber", "4001", "Cao su", "Rubber", "risk_pcrop"),
    Commodity("oil_palm", "1511", "Dầu cọ", "Oil palm", "risk_pcrop"),
    Commodity("soya", "1201", "Đậu tương", "Soya", "risk_acrop"),
    Commodity("cattle", "0102", "Gia súc", "Cattle", "risk_cattle"),
    Commodity("wood", "4403", "Gỗ", "Wood", "risk_timber"),
)}


@dataclass(frozen=True)
class PlotRecord:
    """What the registry knows about one plot; ``area_ha`` is the declared area."""

    plot_id: str
    producer_name: str | None
    producer_country: str | None
    production_place: str | None
    geometry: Mapping[str, Any] | None
    area_ha: float | None = None


@dataclass(frozen=True)
class PlotReadiness:
    """Whether one plot can go into an EU submission, and what to fix if not."""

    plot: str
    producer: str | None
    issues: tuple[GeometryIssue, ...]
    geometry: PlotGeometry | None

    @property
    def ready(self) -> bool:
        return self.geometry is not None and not any(i.severity == "error" for i in self.issues)


@dataclass(frozen=True)
class ShipmentReadiness:
    plots: tuple[PlotReadiness, ...]

    @property
    def ready(self) -> bool:
        return all(p.ready for p in self.plots)

    @property
    def not_ready(self) -> tuple[PlotReadiness, ...]:
        return tuple(p for p in self.plots if not p.ready)

    def issues(self) -> list[GeometryIssue]:
        return [issue for plot in self.plots for issue in plot.issues]


_RECORD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing_geometry": (
        "Thửa {plot}: chưa có toạ độ. Sửa: đo điểm hoặc ranh giới thửa bằng GPS.",
        "Plot {plot}: no geolocation. Fix: record the plot's point or boundary with GPS."),
    "missing_producer": (
        "Thửa {plot}: thiếu tên người sản xuất. Sửa: nhập tên hộ hoặc HTX.",
        "Plot {plot}: the producer's name is missing. Fix: enter the household or cooperative."),
    "missing_country": (
        "Thửa {plot}: thiếu quốc gia sản xuất. Sửa: nhập mã 2 chữ cái, ví dụ VN.",
        "Plot {plot}: the country of production is missing. Fix: enter the 2-letter code, "
        "e.g. VN."),
    "bad_country": (
        "Thửa {plot}: mã quốc gia '{found}' không phải mã ISO 2 chữ cái. Sửa: dùng VN.",
        "Plot {plot}: country '{found}' is not an ISO 3166 two-letter code. Fix: use e.g. VN."),
    "missing_area": (
        "Thửa {plot}: thửa khai báo bằng một điểm phải có diện tích (ha). Sửa: nhập diện tích.",
        "Plot {plot}: a plot given as a point needs its area in ha. Fix: enter the area."),
    "missing_place": (
        "Thửa {plot}: thiếu nơi sản xuất (xã, huyện, tỉnh). Sửa: nhập địa chỉ thửa.",
        "Plot {plot}: the production place (commune, district, province) is missing. Fix: "
        "enter it."),
    "area_mismatch": (
        "Thửa {plot}: diện tích khai báo {declared} ha khác diện tích đo được {measured} ha. "
        "Sửa: kiểm tra lại ranh giới hoặc diện tích.",
        "Plot {plot}: the declared area {declared} ha differs from the measured {measured} ha. "
        "Fix: check the boundary or the area."),
}


def _record_issue(code: str, plot: str, severity: str = "error",
                  **fields: float | str) -> GeometryIssue:
    vi, en = _RECORD_MESSAGES[code]
    text_vi, text_en = ({k: format_amount(v, lang) if isinstance(v, float) else v
                         for k, v in fields.items()} for lang in ("vi", "en"))
    return GeometryIssue(code, plot, None, None, vi.format(plot=plot, **text_vi),
                         en.format(plot=plot, **text_en), severity=severity)


def check_plot(plot: PlotRecord, *, area_tolerance: float = 0.1) -> PlotReadiness:
    """Every EU requirement on one plot: producer, country, place and geometry."""
    issues: list[GeometryIssue] = []
    if not (plot.producer_name or "").strip():
        issues.append(_record_issue("missing_producer", plot.plot_id))
    country = (plot.producer_country or "").strip()
    if not country:
        issues.append(_record_issue("missing_country", plot.plot_id))
    elif not re.fullmatch(r"[A-Z]{2}", country):
        issues.append(_record_issue("bad_country", plot.plot_id, found=country))
    if not (plot.production_place or "").strip():
        issues.append(_record_issue("missing_place", plot.plot_id, severity="warning"))
    if plot.geometry is None:
        issues.append(_record_issue("missing_geometry", plot.plot_id))
        return PlotReadiness(plot.plot_id, plot.producer_name, tuple(issues), None)
    box = VIETNAM_BOX if country == "VN" else None
    check = check_geometry(plot.plot_id, plot.geometry, declared_area_ha=plot.area_ha,
                           country_box=box)
    issues.extend(check.issues)
    geometry = check.geometry
    if geometry is not None and geometry.point is not None and plot.area_ha is None:
        issues.append(_record_issue("missing_area", plot.plot_id))
    if geometry is not None and check.ok and geometry.point is None and plot.area_ha:
        measured = geometry.area_ha
        if abs(measured - plot.area_ha) > area_tolerance * measured:
            issues.append(_record_issue("area_mismatch", plot.plot_id, severity="warning",
                                        declared=plot.area_ha, measured=round(measured, 2)))
    return PlotReadiness(plot.plot_id, plot.producer_name, tuple(issues), geometry)


def readiness(plots: Iterable[PlotRecord]) -> ShipmentReadiness:
    """The readiness list of a shipment: one entry per plot it came from."""
    return ShipmentReadiness(tuple(check_plot(plot) for plot in plots))


def feature_collection(plots: Sequence[PlotRecord], *, strict: bool = True) -> dict[str, Any]:
    """The EU GeoJSON for ``plots``; raises ValidationException if one is not ready.

    With ``strict=False`` plots that are not ready are left out instead.
    """
    checked = [(plot, check_plot(plot)) for plot in plots]
    failing = [state for _, state in checked if not state.ready]
    if failing and strict:
        problems = [i.as_problem() for state in failing for i in state.issues
                    if i.severity == "error"]
        raise ValidationException(
            f"{len(failing)} of {len(plots)} plots are not ready for the EU information system",
            problems)
    features = [_feature(plot, state) for plot, state in checked if state.ready]
    return {"type": "FeatureCollection", "features": features}


def _feature(plot: PlotRecord, state: PlotReadiness) -> dict[str, Any]:
    assert state.geometry is not None
    properties: dict[str, Any] = {
        "ProducerName": (plot.producer_name or "").strip(),
        "ProducerCountry": (plot.producer_country or "").strip(),
        "ProductionPlace": (plot.production_place or "").strip(),
    }
    if state.geometry.point is not None:
        properties["Area"] = plot.area_ha
    return {"type": "Feature", "geometry": state.geometry.to_geojson(), "properties": properties}


def to_geojson_text(collection: Mapping[str, Any]) -> str:
    """JSON text in which every coordinate shows at least 6 decimals (103.5 → 103.500000).

    >>> to_geojson_text({"type": "Point", "coordinates": [103.5, 21.386101]})
    '{"type": "Point", "coordinates": [103.500000, 21.386101]}'
    """
    return _dump(collection, in_coordinates=False)


def _dump(value: Any, *, in_coordinates: bool) -> str:
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}: {_dump(v, in_coordinates=k == 'coordinates')}"
                 for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_dump(v, in_coordinates=in_coordinates) for v in value) + "]"
    if isinstance(value, Decimal):  # read from a supplier's file: written back as it came
        return format(value, "f")
    if in_coordinates and isinstance(value, float | int) and not isinstance(value, bool):
        text = repr(float(value))
        places = len(text.partition(".")[2]) if "e" not in text else 0
        return text if places >= MIN_DECIMALS else f"{float(value):.{MIN_DECIMALS}f}"
    return json.dumps(value, ensure_ascii=False)


# --- due diligence statement ----------------------------------------------------------------


@dataclass(frozen=True)
class CommodityLine:
    """One line of a statement: what, how much (net mass in kg), from which plots."""

    commodity: str
    description: str
    net_mass_kg: float
    plot_ids: tuple[str, ...]
    hs_code: str | None = None


def statement(
    activity: str, lines: Sequence[CommodityLine], plots: Sequence[PlotRecord], *,
    operator: Mapping[str, Any] | None = None, reference: str | None = None,
) -> dict[str, Any]:
    """The data of an EU due diligence statement as JSON-ready dict.

    Producers are grouped by name and country, each with the FeatureCollection of its plots.
    The EU API wants each producer's GeoJSON base64-encoded; that is the submitting client's
    job. Raises ValidationException naming every problem (unknown plots, plots not ready,
    unknown commodity or activity, a non-positive net mass).
    """
    by_id = {plot.plot_id: plot for plot in plots}
    problems = _statement_problems(activity, lines, by_id)
    if problems:
        raise refusal(ValidationException, "refuse_statement_incomplete", problems)
    return {
        "internalReferenceNumber": reference,
        "activityType": activity,
        "operator": dict(operator or {}),
        "commodities": [_commodity(line, [by_id[p] for p in line.plot_ids]) for line in lines],
    }


def _statement_problems(
    activity: str, lines: Sequence[CommodityLine], by_id: Mapping[str, PlotRecord],
) -> list[Problem]:
    problems = []
    if activity not in ACTIVITIES:
        problems.append(expect("activityType", "expect_one_of", None, shown=repr(activity),
                               choices=", ".join(ACTIVITIES)))
    if not lines:
        problems.append(expect("commodities", "expect_commodity_line", None, shown="none"))
    for n, line in enumerate(lines):
        path = f"commodities[{n}]"
        if line.commodity not in COMMODITIES:
            problems.append(expect(f"{path}.commodity", "expect_one_of", None,
                                   shown=repr(line.commodity), choices=", ".join(COMMODITIES)))
        if not line.net_mass_kg > 0:
            problems.append(expect(f"{path}.netWeight", "expect_net_mass", None,
                                   shown=f"{line.net_mass_kg:g}"))
        if not line.plot_ids:
            problems.append(expect(f"{path}.producers", "expect_source_plots", None,
                                   shown="none"))
        for plot_id in line.plot_ids:
            if plot_id not in by_id:
                problems.append(expect(f"{path}.plots", "expect_known_plot", None,
                                       shown=repr(plot_id)))
            else:
                problems.extend(_unready(issue) for issue in check_plot(by_id[plot_id]).issues
                                if issue.severity == "error")
    return problems


def _unready(issue: GeometryIssue) -> Problem:
    """A plot's geometry error as a statement problem, its message in each language."""
    said = issue.as_problem()
    keyed = expect(said.path, "expect_plot_rule", None, shown=said.found, rule=issue.code,
                   found_vi=issue.message_vi, found_en=issue.message_en)
    return replace(keyed, document=said.document)


def _commodity(line: CommodityLine, plots: list[PlotRecord]) -> dict[str, Any]:
    producers: dict[tuple[str, str], list[PlotRecord]] = {}
    for plot in plots:
        key = ((plot.producer_name or "").strip(), (plot.producer_country or "").strip())
        producers.setdefault(key, []).append(plot)
    return {
        "hsHeading": line.hs_code or COMMODITIES[line.commodity].hs_heading,
        "commodity": line.commodity,
        "descriptors": {"descriptionOfGoods": line.description,
                        "goodsMeasure": {"netWeight": line.net_mass_kg, "unit": "KGM"}},
        "producers": [{"name": name, "country": country,
                       "geometryGeojson": feature_collection(group)}
                      for (name, country), group in producers.items()],
    }


# --- deforestation risk from Whisp ----------------------------------------------------------

RISK_LEVELS = ("low", "more_info_needed", "high")
_ID_COLUMNS = ("externalid", "geoid", "plotid")
_RISK_FALLBACK = ("eudrrisk", "risk")


@dataclass(frozen=True)
class PlotRisk:
    """One plot's result: ``risk`` is "low", "more_info_needed", "high" or None (unreadable)."""

    plot_id: str
    risk: str | None
    risk_column: str | None
    area_ha: float | None
    country: str | None
    disturbance_after_cutoff: bool | None
    indicators: Mapping[str, str]
    line: int


@dataclass(frozen=True)
class WhispImport:
    risks: dict[str, PlotRisk]
    problems: tuple[Problem, ...]


def at(problem: Problem, document: str | None, line: int | None = None) -> Problem:
    """The problem located in a file (and a line of it)."""
    return replace(problem, document=document, line=line)


def read_whisp_csv(text: str, *, commodity: str = "coffee", document: str = "whisp.csv",
                   ) -> WhispImport:
    """Read the CSV Whisp produces; tolerant of its column spellings across versions.

    The plot id column is ``external_id`` (our id sent to Whisp) when the file has one, else
    ``Geo_id``, else ``plotId`` (Whisp's own row number).
    The risk is the commodity's column (``risk_pcrop`` for coffee, cocoa, rubber, oil palm;
    ``risk_acrop`` for soya; ``risk_timber``; ``risk_cattle``), else the older
    ``EUDR_risk``. Headers match case- and punctuation-insensitively; ``;`` and tab
    separators are accepted.
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), _dialect(text)))
    if not rows:
        return WhispImport({}, (at(expect("header", "expect_csv_header", None), document),))
    columns = {_norm(name): index for index, name in reversed(list(enumerate(rows[0])))}
    risk_key = next((k for k in (_norm(COMMODITIES[commodity].whisp_risk), *_RISK_FALLBACK)
                     if k in columns), None)
    risks: dict[str, PlotRisk] = {}
    problems: list[Problem] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = _risk_row(row, rows[0], columns, risk_key, line, document, problems)
        if record is not None:
            risks[record.plot_id] = record
    if risk_key is None:
        problems.insert(0, at(expect("header", "expect_risk_column", None,
                                      column=COMMODITIES[commodity].whisp_risk), document, 1))
    return WhispImport(risks, tuple(problems))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text.lstrip("\ufeff").partition("\n")[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return csv.excel_tab if delimiter == "\t" else (csv.excel if delimiter == "," else _Semicolon)


class _Semicolon(csv.excel):
    delimiter = ";"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _risk_row(
    row: list[str], header: list[str], columns: Mapping[str, int], risk_key: str | None,
    line: int, document: str, problems: list[Problem],
) -> PlotRisk | None:
    def cell(*keys: str) -> str:
        for key in keys:
            if key in columns and columns[key] < len(row) and row[columns[key]].strip():
                return row[columns[key]].strip()
        return ""

    id_key = next((key for key in _ID_COLUMNS if key in columns), "")
    plot_id = cell(id_key)
    if not plot_id:
        name = header[columns[id_key]] if id_key else "external_id, Geo_id or plotId"
        problems.append(at(expect(name, "expect_plot_id", None), document, line))
        return None
    raw_risk = cell(risk_key) if risk_key else ""
    risk = re.sub(r"[\s-]+", "_", raw_risk.lower()) or None
    if risk is not None and risk not in RISK_LEVELS:
        problems.append(at(expect(header[columns[risk_key or ""]], "expect_risk_level",
                                   raw_risk), document, line))
        risk = None
    indicators = {header[i]: row[i].strip() for key, i in columns.items()
                  if re.match(r"ind(icator)?\d", key) and i < len(row)}
    after = cell("ind04disturbanceafter2020", "indicator4disturbanceafter2020").lower()
    return PlotRisk(
        plot_id=plot_id, risk=risk, risk_column=header[columns[risk_key]] if risk_key else None,
        area_ha=_number(cell("area", "plotareaha")), country=cell("country") or None,
        disturbance_after_cutoff={"yes": True, "no": False}.get(after), indicators=indicators,
        line=line)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ShipmentRisk:
    """The worst risk over a shipment's plots; plots without a result make it incomplete."""

    level: str
    plots: tuple[PlotRisk, ...]
    missing: tuple[str, ...]

    @property
    def message_en(self) -> str:
        cutoff = f"{CUTOFF_DATE:%d/%m/%Y}"
        text = {"low": f"low risk: no deforestation signal after the cut-off date {cutoff}",
                "more_info_needed": "more information needed for some plots",
                "high": f"high risk: deforestation or disturbance after the cut-off date "
                        f"{cutoff} on some plots",
                "incomplete": "incomplete: no risk result for some plots"}[self.level]
        extra = f" (no result: {', '.join(self.missing)})" if self.missing else ""
        return f"Shipment: {text}{extra}"

    @property
    def message_vi(self) -> str:
        cutoff = f"{CUTOFF_DATE:%d/%m/%Y}"
        text = {"low": f"rủi ro thấp: không có dấu hiệu mất rừng sau ngày {cutoff}",
                "more_info_needed": "cần thêm thông tin cho một số thửa",
                "high": f"rủi ro cao: có thửa bị mất rừng hoặc suy thoái rừng sau ngày {cutoff}",
                "incomplete": "chưa đủ: một số thửa chưa có kết quả đánh giá rủi ro"}[self.level]
        extra = f" (chưa có kết quả: {', '.join(self.missing)})" if self.missing else ""
        return f"Lô hàng: {text}{extra}"


def shipment_risk(result: WhispImport, plot_ids: Iterable[str]) -> ShipmentRisk:
    """Combine plot results: high > more_info_needed > incomplete > low."""
    ids = list(dict.fromkeys(plot_ids))
    found = tuple(result.risks[p] for p in ids if p in result.risks)
    missing = tuple(p for p in ids if p not in result.risks or result.risks[p].risk is None)
    levels = {r.risk for r in found}
    if "high" in levels:
        level = "high"
    elif "more_info_needed" in levels:
        level = "more_info_needed"
    elif missing or not ids:
        level = "incomplete"
    else:
        level = "low"
    return ShipmentRisk(level, found, missing)
