"""A printable A6 shelf card: the product's name, producer, OCOP stars, price and its QR code."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from agritrace.fonts import unicode_font
from agritrace.labels.qr import ascii_fold, qr_png
from agritrace.market.catalogue import Listing
from agritrace.market.feeds import Links
from agritrace.web.i18n import Translator


def shelf_card_pdf(item: Listing, links: Links, t: Translator, today: date) -> bytes:
    """One A6 page; Vietnamese with its diacritics where the font is installed."""
    font = unicode_font() or "Helvetica"

    def text(value: str) -> str:
        return value if unicode_font() else ascii_fold(value)

    buffer = io.BytesIO()
    width, height = A6
    pdf = Canvas(buffer, pagesize=A6)
    pdf.setTitle(item.name(t.lang))
    y = height - 14 * mm
    pdf.setFont(font, 15)
    for line in simpleSplit(text(item.name(t.lang)), font, 15, width - 16 * mm)[:3]:
        pdf.drawString(8 * mm, y, line)
        y -= 6.5 * mm
    pdf.setFont(font, 9.5)
    lines = [f"{t('producer')}: {item.org_name}"]
    if item.province:
        lines.append(item.province)
    if item.ocop_valid(today) and item.ocop_stars:
        lines.append(f"OCOP {'★' * item.ocop_stars} · {t('ocop_stars', stars=item.ocop_stars)}")
    if item.price is not None:
        lines.append(f"{t('market_price')}: {t.number(float(item.price))} {item.currency}")
    for line in lines:
        for part in simpleSplit(text(line), font, 9.5, width - 16 * mm):
            pdf.drawString(8 * mm, y, part)
            y -= 4.6 * mm
    size = min(62 * mm, y - 22 * mm)
    qr = ImageReader(io.BytesIO(qr_png(links.digital_link(item))))
    pdf.drawImage(qr, (width - size) / 2, 16 * mm, size, size)
    pdf.setFont(font, 8)
    pdf.drawCentredString(width / 2, 11 * mm, text(t("market_scan")))
    pdf.drawCentredString(width / 2, 7 * mm, f"GTIN {item.gtin}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
