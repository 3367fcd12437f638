"""Printable A4 label sheets as PDF, streamed: 100,000 stamps never sit in memory at once.

Each label carries its QR code on the left (with its four-module quiet zone inside the label)
and its lines of text on the right, sized to fit. Layouts are data (:data:`LAYOUTS`); a
cooperative with other stock passes its own :class:`Layout`.

Why not reportlab's canvas: it keeps every page of a document in memory until ``save()`` and
then builds the whole file in memory again, so 100,000 stamps would need gigabytes. This
module writes PDF 1.4 objects straight to the output as each page fills (one Flate-compressed
content stream and one page object per sheet; the page tree, fonts and cross-reference table
at the end), so memory stays flat however many labels stream in. reportlab still supplies the
font metrics used to fit the text, the font subset (:mod:`agritrace.labels.pdf_font`), and the
page and unit constants.

A QR code is drawn as a 1-bit image mask (PDF "stencil"), one device-independent pixel per
module: printers render it at full resolution with square edges, and it takes a tenth of the
bytes of the same code drawn as rectangles.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO, TypeVar

import zxingcpp
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from agritrace.errors import Problem, ValidationException
from agritrace.labels.pdf_font import label_font
from agritrace.labels.qr import ERROR_LEVEL, QUIET_ZONE
from agritrace.web.i18n import expect, refusal

#: GS1 General Specifications: the smallest X-dimension (module) for a 2D symbol on a
#: consumer unit. Below it a phone camera at arm's length cannot separate the modules.
MIN_MODULE_MM = 0.375
_PADDING_MM = 0.5
_MAX_FONT_PT = 9.0
_MIN_FONT_PT = 2.5  # about 0.9 mm capitals: last resort before "…"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Layout:
    """A sheet of die-cut labels; every length in millimetres from the page's top left."""

    name: str
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    page_width: float = A4[0] / mm
    page_height: float = A4[1] / mm

    def __post_init__(self) -> None:
        right = self.left + (self.columns - 1) * self.pitch_x + self.label_width
        bottom = self.top + (self.rows - 1) * self.pitch_y + self.label_height
        if right > self.page_width + 0.01 or bottom > self.page_height + 0.01:
            raise ValidationException(
                f"Label layout {self.name!r} does not fit its page.",
                [Problem(path="layout", expected=f"within {self.page_width:.1f} × "
                         f"{self.page_height:.1f} mm", found=f"{right:.1f} × {bottom:.1f} mm")],
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


#: Common A4 stock (Avery numbers; Tomy and other local A4 stock is sold in the same sizes
#: under its own numbers: check the sheet's own dimensions before a large run).
LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout("2x7", 2, 7, 99.1, 38.1, 4.65, 15.15, 101.6, 38.1),  # Avery L7163, 14/sheet
        Layout("3x7", 3, 7, 63.5, 38.1, 7.25, 15.15, 66.0, 38.1),  # Avery L7160, 21/sheet
        Layout("4x10", 4, 10, 45.7, 25.4, 9.7, 21.5, 48.3, 25.4),  # Avery L7654, 40/sheet
        Layout("5x13", 5, 13, 38.1, 21.2, 4.75, 10.7, 40.6, 21.2),  # Avery L7651, 65/sheet
    )
}


@dataclass(frozen=True, slots=True)
class Label:
    """What one label shows: the URL in its QR code and the lines of text beside it."""

    url: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SheetReport:
    pages: int
    labels: int
    layout: str


def write_sheets(
    labels: Iterable[Label],
    out: BinaryIO,
    layout: Layout | str = "3x7",
    *,
    title: str = "agritrace labels",
    skip: int = 0,
    workers: int = 1,
) -> SheetReport:
    """Stream ``labels`` onto A4 sheets as one PDF written to ``out``.

    ``skip`` leaves the first cells of the first sheet empty (a sheet already partly used).
    ``workers`` > 1 draws the QR codes in that many processes (encoding is most of the time
    spent).
    """
    chosen = layout_named(layout)
    if not 0 <= skip < chosen.per_page:
        raise refusal(ValidationException, "refuse_skip_labels",
                      [expect("skip", "expect_range", skip, low=0, high=chosen.per_page - 1)],
                      skip=skip, layout=chosen.name)
    writer = _PdfWriter(out)
    cells = itertools.chain([None] * skip, _drawn(labels, workers, chosen.per_page * 8))
    count = 0
    for page in _batched(cells, chosen.per_page):
        content = []
        for index, cell in enumerate(page):
            if cell is not None:
                content.append(_label_ops(chosen, index, cell, count))
                count += 1
        writer.page(b"".join(content), (chosen.page_width * mm, chosen.page_height * mm))
    if count == 0:
        raise refusal(ValidationException, "refuse_no_labels",
                      [expect("labels", "expect_one_or_more", None, shown="0")])
    writer.finish(title)
    return SheetReport(pages=writer.pages, labels=count, layout=chosen.name)


def layout_named(layout: Layout | str) -> Layout:
    if isinstance(layout, Layout):
        return layout
    if layout not in LAYOUTS:
        raise refusal(ValidationException, "refuse_unknown_layout",
                      [expect("layout", "expect_one_of", None, shown=repr(layout[:20]),
                              choices=", ".join(LAYOUTS))], layout=repr(layout[:20]))
    return LAYOUTS[layout]


@dataclass(frozen=True, slots=True)
class _Drawn:
    label: Label
    modules: int  # symbol side, without quiet zone
    bitmap: bytes  # rows of the image mask, 1 = dark, padded to whole bytes


_DARK_AS_BITS = bytes.maketrans(b"\x00\xff", b"10")


def _draw(label: Label) -> _Drawn:
    # zxing-cpp's encoder is C++ and about ten times faster than segno's pure Python, which
    # matters at a printing house's 100,000 stamps; one pixel per module, dark pixels 0.
    symbol = zxingcpp.create_barcode(label.url, zxingcpp.BarcodeFormat.QRCode,
                                     ec_level=ERROR_LEVEL)
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))  # type: ignore[arg-type]
    side = image.shape[0] if image.shape else 0
    pixels = image.tobytes().translate(_DARK_AS_BITS)
    padding = b"0" * (-side % 8)
    rows = bytearray()
    for start in range(0, side * side, side):
        bits = pixels[start:start + side] + padding
        rows += int(bits, 2).to_bytes(len(bits) // 8, "big")
    return _Drawn(label, side, bytes(rows))


def _drawn(labels: Iterable[Label], workers: int, chunk: int) -> Iterator[_Drawn]:
    if workers <= 1:
        yield from map(_draw, labels)
        return
    # One bounded chunk at a time: Executor.map would read the whole input up front.
    with ProcessPoolExecutor(workers) as pool:
        for batch in _batched(labels, chunk):
            yield from pool.map(_draw, batch, chunksize=max(1, len(batch) // (4 * workers)))


def _batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _label_ops(layout: Layout, index: int, drawn: _Drawn, number: int) -> bytes:
    column, row = index % layout.columns, index // layout.columns
    x0 = (layout.left + column * layout.pitch_x) * mm
    top = (layout.page_height - layout.top - row * layout.pitch_y) * mm
    pad = _PADDING_MM * mm
    side = min(layout.label_height * mm - 2 * pad, layout.label_width * mm * 0.5)
    module = side / (drawn.modules + 2 * QUIET_ZONE)
    if module < MIN_MODULE_MM * mm:
        raise ValidationException(
            f"Label {number + 1} ({drawn.label.url!r}) needs a QR code of {drawn.modules} "
            f"modules: on {layout.name} labels a module would be {module / mm:.3f} mm. Use "
            "larger labels or a shorter base URL.",
            [Problem(path=f"labels[{number}]", expected=f"modules of {MIN_MODULE_MM} mm or more",
                     found=f"{module / mm:.3f} mm")],
        )
    symbol = module * drawn.modules
    qx, qy = x0 + pad + module * QUIET_ZONE, top - pad - module * QUIET_ZONE - symbol
    ops = [
        f"q {symbol:.3f} 0 0 {symbol:.3f} {qx:.3f} {qy:.3f} cm BI /W {drawn.modules} "
        f"/H {drawn.modules} /IM true /D [1 0] /F /AHx ID\n".encode(),
        drawn.bitmap.hex().encode(),
        b">\nEI Q\n",
    ]
    text_x = x0 + pad + side + pad
    ops.append(_text_ops(drawn.label.lines, text_x, top - pad,
                         x0 + layout.label_width * mm - pad - text_x, side))
    return b"".join(ops)


def _text_ops(lines: Sequence[str], x: float, top: float, width: float, height: float) -> bytes:
    if not lines or width <= 0:
        return b""
    font = label_font()
    printable = [font.printable(line) for line in lines]
    widest = max(_width(line, font.metrics) for line in printable) or 1
    # 0.99: room for rounding, or the widest line would lose its last character to "…"
    size = min(_MAX_FONT_PT, height / (len(printable) * 1.2), 0.99 * width / widest)
    size = max(size, _MIN_FONT_PT)
    leading = size * 1.2
    # Each line is shown with ' (next line, then show): start one leading above the first.
    out = [f"BT /F1 {size:.2f} Tf {leading:.2f} TL {x:.3f} {top - size + leading:.3f} Td\n"
           .encode()]
    for line in printable:
        out.append(font.operand(_fit(line, font.metrics, size, width)) + b" '\n")
    out.append(b"ET\n")
    return b"".join(out)


def _fit(line: str, metrics: str, size: float, width: float) -> str:
    while line and _width(line, metrics) * size > width:
        line = line[:-2] + "…" if len(line) > 1 else ""
    return line


@lru_cache(maxsize=4096)
def _width(line: str, metrics: str) -> float:
    """The width of ``line`` at 1 pt. Cached: the lines of one lot's stamps repeat on every
    label, and reportlab measures an embedded font in Python, a character at a time."""
    return float(stringWidth(line, metrics, 1))


def _text_string(text: str) -> bytes:
    """A PDF text string (outside content streams: the document title) in UTF-16."""
    return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"


class _PdfWriter:
    """The smallest PDF 1.4 writer that streams: objects go out as soon as they are made."""

    _CATALOG, _PAGES, _FONT_OBJ, _INFO = 1, 2, 3, 4

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._position = 0
        self._offsets: dict[int, int] = {}
        self.pages = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._position += len(data)

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._position
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def page(self, content: bytes, size: tuple[float, float]) -> None:
        contents, page = 5 + 2 * self.pages, 6 + 2 * self.pages
        data = zlib.compress(content, 6)
        self._object(contents, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data)
                     + data + b"\nendstream")
        self._object(page, (
            f"<< /Type /Page /Parent {self._PAGES} 0 R /MediaBox [0 0 {size[0]:.3f} "
            f"{size[1]:.3f}] /Resources << /Font << /F1 {self._FONT_OBJ} 0 R >> >> "
            f"/Contents {contents} 0 R >>"
        ).encode())
        self.pages += 1

    def finish(self, title: str) -> None:
        kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(self.pages))
        self._object(self._PAGES,
                     f"<< /Type /Pages /Count {self.pages} /Kids [{kids}] >>".encode())
        self._object(self._CATALOG, f"<< /Type /Catalog /Pages {self._PAGES} 0 R >>".encode())
        extra = 5 + 2 * self.pages
        font, *parts = label_font().objects(extra)
        self._object(self._FONT_OBJ, font)
        for number, part in enumerate(parts, extra):
            self._object(number, part)
        self._object(self._INFO, b"<< /Producer (agritrace) /Title " + _text_string(title)
                     + b" >>")
        size = extra + len(parts)
        xref = self._position
        entries = b"".join(b"%010d 00000 n \n" % self._offsets[n] for n in range(1, size))
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size + entries)
        self._write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                    % (size, self._CATALOG, self._INFO, xref))
