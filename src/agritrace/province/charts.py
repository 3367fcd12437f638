"""The dashboard's charts: horizontal bars drawn on the server, as SVG for the page (no script,
no external request, the numbers written on the bars in the reader's language) and as a
reportlab drawing for the printable PDF, both from one :class:`Chart`.

Each chart is built from the figures the page's tables show (:func:`charts`), so a bar never
disagrees with the table beside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from agritrace.web.i18n import Translator

_WIDTH, _LABEL, _BAR, _GAP = 640, 230, 22, 8
_COLOURS = ("#2e7d32", "#558b2f", "#1565c0", "#c62828", "#6a1b9a", "#ef6c00")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the reader's language writes it


@dataclass(frozen=True)
class Chart:
    """One chart: its id (the table it draws, for the CSV/XLSX links), title and bars."""

    id: str
    title: str
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (_BAR + _GAP) + _GAP


def _bars(t: Translator, pairs: list[tuple[str, float]], decimals: int) -> tuple[Bar, ...]:
    return tuple(Bar(label, value, t.number(value, decimals)) for label, value in pairs)


def charts(t: Translator, figures: dict[str, Any]) -> list[Chart]:
    """The page's charts in the reader's language: hectares of every crop by stage, hectares
    registered per commune, consumers' reports by outcome, stamps and scans."""
    now = figures["current"]
    every = now["by_crop"].get("", {})
    stages = ("registered_ha", "coded_ha", "ready_ha", "not_ready_ha", "eudr_ready_ha")
    communes: dict[str, float] = defaultdict(float)
    for row in now["hectares"]:
        communes[row["commune"] or t("province_unnamed_commune")] += row["registered_ha"]
    tickets, stamps = now["tickets"], now["stamps"]
    return [
        Chart("hectares", t("province_chart_stages"), _bars(t, [
            (t(f"province_{k}"), every.get(k, 0.0)) for k in stages], 2)),
        Chart("hectares", t("province_chart_communes"), _bars(t, sorted(
            communes.items(), key=lambda kv: -kv[1]), 2)),
        Chart("tickets", t("province_tickets"), _bars(t, [
            (t(label), tickets[k]) for k, label in (
                ("answered_on_time", "province_on_time"), ("answered_late", "province_late"),
                ("overdue", "province_overdue"), ("open_in_time", "province_open"))], 0)),
        Chart("stamps", t("province_stamps"), _bars(t, [
            (t(f"province_{k}"), stamps[k]) for k in (
                "issued", "voided", "scanned", "suspicious")], 0)),
    ]


def _length(value: float, top: float, room: float) -> float:
    return 0.0 if top <= 0 else max(0.0, value) / top * room


def svg(chart: Chart) -> str:
    """The chart as inline SVG: a labelled image (its title), each bar with its number."""
    top = max((b.value for b in chart.bars), default=0.0)
    room = _WIDTH - _LABEL - 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {chart.height}" '
             f'width="100%" role="img" aria-label="{escape(chart.title)}" class="chart">']
    for index, bar in enumerate(chart.bars):
        y = _GAP + index * (_BAR + _GAP)
        width = _length(bar.value, top, room)
        colour = _COLOURS[index % len(_COLOURS)]
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + _BAR * 0.7:.1f}" text-anchor="end" '
            f'font-size="13">{escape(bar.label)}</text>'
            f'<rect x="{_LABEL}" y="{y}" width="{width:.1f}" height="{_BAR}" fill="{colour}">'
            f'<title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>'
            f'<text x="{_LABEL + width + 6:.1f}" y="{y + _BAR * 0.7:.1f}" '
            f'font-size="13">{escape(bar.shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def drawing(chart: Chart, font: str, text: Callable[[str], str]) -> Any:
    """The chart as a reportlab Drawing for the PDF (``text`` folds what the font lacks)."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    scale = 0.7
    height = chart.height * scale
    out = Drawing(_WIDTH * scale, height)
    top = max((b.value for b in chart.bars), default=0.0)
    room = (_WIDTH - _LABEL - 90) * scale
    for index, bar in enumerate(chart.bars):
        y = height - (_GAP + index * (_BAR + _GAP) + _BAR) * scale
        width = _length(bar.value, top, room)
        out.add(String(_LABEL * scale - 4, y + 4, text(bar.label), fontName=font, fontSize=8,
                       textAnchor="end"))
        out.add(Rect(_LABEL * scale, y, width, _BAR * scale, strokeWidth=0,
                     fillColor=colors.HexColor(_COLOURS[index % len(_COLOURS)])))
        out.add(String(_LABEL * scale + width + 4, y + 4, text(bar.shown), fontName=font,
                       fontSize=8))
    return out
