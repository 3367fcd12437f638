"""QR codes for Digital Links, as SVG and PNG, with the human-readable text under the code.

Error correction: level **M** (15 % of codewords recoverable), raised for free to Q or H
whenever that does not make the symbol bigger (segno's ``boost_error``; BWIPP's GS1 Digital
Link QR encoder behaves the same way). L is too fragile for stamps on sacks and pouches that get
rubbed, wet and creased; Q or H by default would add a version (four modules a side) to our
~70-character URLs, which on a 20 mm stamp shrinks every module below what a cheap phone
camera resolves. A stamp's URL (a 20-character host, GTIN, 8-character lot, 12-character
serial) is version 5 (37 × 37 modules) at level M.

Text in the PNG uses a system font with Vietnamese glyphs (DejaVu Sans, Noto Sans or Liberation
Sans) and falls back to Pillow's own font with the diacritics removed. The text is the element
string the GS1 standards print under a barcode (``(01) …``), one AI a
line, then dates in the Vietnamese style: ``NSX`` (ngày sản xuất, production) and ``HSD``
(hạn sử dụng, expiry), dd/mm/yyyy, with English abbreviations so both readers understand.

>>> lines = label_lines(DigitalLink.for_gtin("8931234567897", "LOT2026A"),
...                     produced=date(2026, 3, 1), expires=date(2027, 2, 28))
>>> lines
('(01) 08931234567897', '(10) LOT2026A', 'NSX/MFG 01/03/2026', 'HSD/EXP 28/02/2027')
>>> encode("https://truyxuat.example.vn/01/08931234567897/10/LOT2026A/21/X7K9Q2ABCD12").version
5
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

import segno
from PIL import Image, ImageDraw, ImageFont

from agritrace.fonts import UNICODE_FONTS
from agritrace.ids.digital_link import DigitalLink

ERROR_LEVEL = "M"
#: ISO/IEC 18004 asks for four light modules around the symbol.
QUIET_ZONE = 4
#: Text size and line pitch, in modules: legible at 0.4 mm modules (about 6.5 pt).
_FONT_MODULES = 3.2
_LINE_MODULES = 4.2


def encode(url: str) -> segno.QRCode:
    """The QR code (never Micro QR, which phone cameras do not read) for one URL."""
    return segno.make_qr(url, error=ERROR_LEVEL.lower(), boost_error=True)


def label_lines(
    link: DigitalLink,
    *,
    produced: date | None = None,
    expires: date | None = None,
    extra: Sequence[str] = (),
) -> tuple[str, ...]:
    """The human-readable lines printed under (or beside) a stamp's QR code."""
    lines = [f"({ai}) {value}" for ai, value in link.pairs()]
    if produced is not None:
        lines.append(f"NSX/MFG {produced:%d/%m/%Y}")
    if expires is not None:
        lines.append(f"HSD/EXP {expires:%d/%m/%Y}")
    return (*lines, *extra)


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics, for fonts that lack them (the usual "không dấu" form).

    >>> ascii_fold("Cà phê Điện Biên")
    'Ca phe Dien Bien'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.encode("ascii", "replace").decode("ascii")


@lru_cache(maxsize=8)
def _font(size: float) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    for name in UNICODE_FONTS:  # looked up in the system font folders by Pillow
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    # Pillow's bundled font covers Latin-1 only: callers fold the text to ASCII.
    return ImageFont.load_default(size=size), False


def dark_runs(qr: segno.QRCode) -> Iterator[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (x, y, length), in modules, without quiet zone.

    Drawing runs instead of single modules makes SVG and PDF output several times smaller.
    """
    for y, row in enumerate(qr.matrix):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                yield start, y, x - start
            else:
                x += 1


def qr_svg(url: str, lines: Sequence[str] = (), *, scale: int = 4) -> str:
    """A standalone SVG: the QR code with its quiet zone, and ``lines`` centred under it.

    ``scale`` is pixels per module for the width and height attributes; the drawing itself is
    in module units, so it prints sharp at any size.
    """
    qr = encode(url)
    side = int(qr.symbol_size(border=QUIET_ZONE)[0])
    # A monospace advance is at most 0.6 em: widen the drawing rather than clip a long line.
    width = max([side, *(len(line) * 0.6 * _FONT_MODULES + 2 for line in lines)])
    left = (width - side) / 2 + QUIET_ZONE
    height = side + len(lines) * _LINE_MODULES + (1 if lines else 0)
    path = "".join(f"M{x + left:g} {y + QUIET_ZONE}h{n}v1h-{n}z" for x, y, n in dark_runs(qr))
    texts = "".join(
        f'<text x="{width / 2:g}" y="{side + (i + 0.8) * _LINE_MODULES:g}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    label = quoteattr(" · ".join((url, *lines)))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label={label} '
        f'width="{width * scale:g}" height="{height * scale:g}" '
        f'viewBox="0 0 {width:g} {height:g}">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/>'
        f'<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
        f'font-size="{_FONT_MODULES:g}" text-anchor="middle" fill="#000">{texts}</g>'
        "</svg>"
    )


def qr_png(url: str, lines: Sequence[str] = (), *, scale: int = 8) -> bytes:
    """A greyscale PNG: the QR code with its quiet zone, and ``lines`` centred under it."""
    qr = encode(url)
    side = int(qr.symbol_size(border=QUIET_ZONE)[0]) * scale
    line_px = round(_LINE_MODULES * scale)
    font, unicode_ok = _font(_FONT_MODULES * scale)
    lines = lines if unicode_ok else [ascii_fold(line) for line in lines]
    width = max([side, *(round(font.getlength(line)) + 2 * scale for line in lines)])
    height = side + len(lines) * line_px + (scale if lines else 0)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    offset = (width - side) // 2 + QUIET_ZONE * scale
    for x, y, n in dark_runs(qr):
        left, top = offset + x * scale, (y + QUIET_ZONE) * scale
        draw.rectangle((left, top, left + n * scale - 1, top + scale - 1), fill=0)
    for i, line in enumerate(lines):
        draw.text((width / 2, side + (i + 0.5) * line_px), line, fill=0, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
