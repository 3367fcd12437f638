"""The dashboard as a printable PDF (the monthly report of issue 13): the page's charts and
every table of the page, from the same figures, in the reader's language. Drawn with the PDF
tables the EUDR and methane reports use (:mod:`agritrace.reports.pdf`, reportlab)."""

from __future__ import annotations

from typing import Any

from agritrace.province import charts, downloads
from agritrace.province.indicators import Period
from agritrace.reports.pdf import Section, font_name, plain, sections_pdf
from agritrace.vietnam_time import vietnam_datetime
from agritrace.web.i18n import Translator


def _cell(t: Translator, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return t.number(value, 0 if isinstance(value, int) else 2)


def _header(t: Translator, key: str) -> str:
    label = t(f"province_{key}")
    return key if label == f"province_{key}" else label


def dashboard_pdf(t: Translator, figures: dict[str, Any], period: Period) -> bytes:
    """The charts, then each table of the desk (:data:`downloads.TABLES`)."""
    computed = vietnam_datetime(figures["computed_us"])
    lines = [f"{t.date(period.start)} – {t.date(period.end)}",
             t("province_computed_at", time=f"{computed:%H:%M}", day=t.date(computed.date()))]
    sections = [Section(chart.title, [], [], charts.drawing(chart, font_name(), plain))
                for chart in charts.charts(t, figures)]
    for name in downloads.TABLES:
        columns, rows = downloads.table(figures, name)
        sections.append(Section(t(f"province_table_{name}"), [_header(t, c) for c in columns],
                                [[_cell(t, v) for v in row] for row in rows]))
    title = f"{t('province_report_title')} · {figures['area']['name']}"
    return sections_pdf(title, lines, sections)
