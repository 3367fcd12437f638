"""A system font with Vietnamese glyphs, for the PDFs and images agritrace draws.

DejaVu Sans (Debian's fonts-dejavu-core, which ``scripts/setup`` installs), else Noto Sans or
Liberation Sans, looked up in the system font folders. Without any of them a PDF falls back to
Helvetica and the text loses its diacritics (the usual "không dấu" form) rather than show empty
boxes.
"""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

UNICODE_FONTS = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf")
_REGISTERED = "agt-unicode"


@cache
def unicode_font() -> str | None:
    """The reportlab name of a registered Unicode font, or None when the system has none."""
    for name in UNICODE_FONTS:
        try:
            pdfmetrics.registerFont(TTFont(_REGISTERED, name))
            return _REGISTERED
        except TTFError:
            continue
    return None
