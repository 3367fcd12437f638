"""A report as a PDF table (A4 landscape), in a font with Vietnamese glyphs (agritrace.fonts)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agritrace.fonts import unicode_font
from agritrace.labels.qr import ascii_fold


def _text(value: str) -> str:
    plain = value if unicode_font() else ascii_fold(value)
    return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table_pdf(title: str, lines: Sequence[str], headers: Sequence[str],
              rows: Sequence[Sequence[str]]) -> bytes:
    """``title``, a few lines of context, then one table; long cells wrap."""
    font = unicode_font() or "Helvetica"
    heading = ParagraphStyle("h", fontName=font, fontSize=14, leading=18)
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("c", fontName=font, fontSize=7, leading=9)
    story: list[object] = [Paragraph(_text(title), heading), Spacer(1, 3 * mm)]
    story += [Paragraph(_text(line), body) for line in lines]
    story.append(Spacer(1, 4 * mm))
    data = [[Paragraph(_text(h), cell) for h in headers]]
    data += [[Paragraph(_text(str(v)), cell) for v in row] for row in rows]
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
