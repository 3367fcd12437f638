"""A report as a PDF table (A4 landscape), in a font with Vietnamese glyphs (agritrace.fonts)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agritrace.fonts import unicode_font
from agritrace.labels.qr import ascii_fold


def _text(value: str) -> str:
    return plain(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Section:
    """One part of a report: a heading, an optional drawing (a chart), then a table."""

    heading: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    drawing: Any = None


def table_pdf(title: str, lines: Sequence[str], headers: Sequence[str],
              rows: Sequence[Sequence[str]]) -> bytes:
    """``title``, a few lines of context, then one table; long cells wrap."""
    return sections_pdf(title, lines, [Section("", headers, rows)])


def font_name() -> str:
    return unicode_font() or "Helvetica"


def plain(value: str) -> str:
    """``value`` as the PDF's font can draw it (folded to ASCII without a Unicode font)."""
    return value if unicode_font() else ascii_fold(value)


def sections_pdf(title: str, lines: Sequence[str], sections: Sequence[Section]) -> bytes:
    """``title``, a few lines of context, then each section (heading, drawing, table)."""
    font = font_name()
    heading = ParagraphStyle("h", fontName=font, fontSize=14, leading=18)
    subheading = ParagraphStyle("s", fontName=font, fontSize=11, leading=14)
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("c", fontName=font, fontSize=7, leading=9)
    story: list[object] = [Paragraph(_text(title), heading), Spacer(1, 3 * mm)]
    story += [Paragraph(_text(line), body) for line in lines]
    for section in sections:
        story.append(Spacer(1, 4 * mm))
        if section.heading:
            story += [Paragraph(_text(section.heading), subheading), Spacer(1, 2 * mm)]
        if section.drawing is not None:
            story += [section.drawing, Spacer(1, 2 * mm)]
        if not section.headers:
            continue
        data = [[Paragraph(_text(h), cell) for h in section.headers]]
        data += [[Paragraph(_text(str(v)), cell) for v in row] for row in section.rows]
        table = Table(data, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8efe6")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4), title=title,
                                 leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm)
    document.build(story)
    return out.getvalue()
