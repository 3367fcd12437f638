"""The font of a label sheet: a Unicode TrueType font embedded, or Helvetica when there is none.

Labels carry Vietnamese (product, producer, place) as well as codes and dates. Unembedded
Helvetica speaks only WinAnsi, so Vietnamese would lose its diacritics; an embedded TrueType
font (see :mod:`agritrace.fonts`) keeps them. Each character has one fixed single-byte code
(:data:`CHARACTERS`: ASCII where ASCII is, the 134 Vietnamese letters and a few typographic
signs in the other slots), so text is encoded the same way wherever it is drawn, and the file
embeds the same small subset of the font (about 240 glyphs) whatever it prints. A character
outside that set prints folded (:func:`agritrace.labels.qr.ascii_fold`), as with Helvetica.
"""

from __future__ import annotations

import unicodedata
import zlib
from functools import cache
from typing import Protocol

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import makeToUnicodeCMap

from agritrace.fonts import unicode_font
from agritrace.labels.qr import ascii_fold

_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền sắc ngã hỏi nặng
_VOWELS = ("a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u",
           "u\u031b", "y")
_SIGNS = "…–—‘’“”°·×•€"


def _vietnamese() -> list[str]:
    letters = [unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES]
    lower = [c for c in letters if not c.isascii()] + ["đ"]
    return lower + [c.upper() for c in lower]


def _characters() -> tuple[str, ...]:
    """Code -> character: printable ASCII at its own code, the rest in the free slots."""
    table = [" "] * 256
    for code in range(32, 127):
        table[code] = chr(code)
    free = [*range(1, 32), *range(127, 256)]
    others = [*_vietnamese(), *_SIGNS]
    for code, char in zip(free, others, strict=False):
        table[code] = char
    return tuple(table[:free[len(others) - 1] + 1])


CHARACTERS = _characters()


class LabelFont(Protocol):
    """What the sheet writer needs of its font."""

    metrics: str
    """The reportlab font name whose widths fit the text."""

    def printable(self, text: str) -> str:
        """``text`` as this font will print it (folded where it lacks a character)."""

    def operand(self, text: str) -> bytes:
        """A PDF string operand showing ``text``, which ``printable`` has already passed."""

    def objects(self, first: int) -> list[bytes]:
        """The font dictionary, then the objects it refers to, numbered from ``first`` on."""


class Helvetica:
    """PDF's built-in Helvetica: nothing embedded, WinAnsi characters only."""

    metrics = "Helvetica"

    def printable(self, text: str) -> str:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return ascii_fold(text)
        return text

    def operand(self, text: str) -> bytes:
        raw = text.encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    def objects(self, first: int) -> list[bytes]:
        return [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                b"/Encoding /WinAnsiEncoding >>"]


class EmbeddedFont:
    """A TrueType font registered with reportlab, embedded as the subset :data:`CHARACTERS`."""

    def __init__(self, registered: str) -> None:
        self.metrics = registered
        self._face = pdfmetrics.getFont(registered).face
        self._known = frozenset(CHARACTERS)
        self._codes = str.maketrans({char: chr(code) for code, char in enumerate(CHARACTERS)
                                     if code < 32 or code > 126})
        # A subset's tag: six capitals, as PDF 1.4 section 5.5.3 asks.
        self._name = b"AGTVNA+" + self._face.name

    def printable(self, text: str) -> str:
        if self._known.issuperset(text):
            return text
        return "".join(c if c in self._known else ascii_fold(c) for c in text)

    def operand(self, text: str) -> bytes:
        return b"<" + text.translate(self._codes).encode("latin-1").hex().encode() + b">"

    def objects(self, first: int) -> list[bytes]:
        face, name = self._face, self._name
        codes = [ord(c) for c in CHARACTERS]
        widths = " ".join(f"{face.getCharWidth(code):.0f}" for code in codes)
        descriptor, program, to_unicode = first, first + 1, first + 2
        font = (f"<< /Type /Font /Subtype /TrueType /BaseFont /{name.decode()} /FirstChar 0 "
                f"/LastChar {len(codes) - 1} /Widths [{widths}] /FontDescriptor {descriptor} 0 R "
                f"/ToUnicode {to_unicode} 0 R >>").encode()
        bbox = " ".join(f"{v:.0f}" for v in face.bbox)
        # Symbolic: the codes are the font's own (its cmap), not a standard encoding.
        flags = (face.flags & ~(1 << 5)) | (1 << 2)
        described = (f"<< /Type /FontDescriptor /FontName /{name.decode()} /Flags {flags} "
                     f"/FontBBox [{bbox}] /ItalicAngle {face.italicAngle:.0f} "
                     f"/Ascent {face.ascent:.0f} /Descent {face.descent:.0f} "
                     f"/CapHeight {face.capHeight:.0f} /StemV {face.stemV:.0f} "
                     f"/MissingWidth {face.defaultWidth:.0f} /FontFile2 {program} 0 R >>").encode()
        subset = face.makeSubset(codes)
        cmap = makeToUnicodeCMap(name.decode(), codes).encode()
        return [font, described,
                _stream(subset, b"/Length1 %d" % len(subset)), _stream(cmap)]


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return (b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(packed), extra)
            + packed + b"\nendstream")


@cache
def label_font() -> LabelFont:
    """The embedded Unicode font when the system has one, else Helvetica."""
    registered = unicode_font()
    return EmbeddedFont(registered) if registered else Helvetica()
