"""PDF label sheets: parsed back with pypdf, rendered with PDFium, every QR decoded to its URL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import zxingcpp
from reportlab.pdfbase.ttfonts import TTFontFile

from agritrace.errors import ValidationException
from agritrace.fonts import unicode_font
from agritrace.ids.gs1 import Gtin, Lot
from agritrace.labels.pdf_font import CHARACTERS, Helvetica
from agritrace.labels.qr import label_lines
from agritrace.labels.serials import issue_serials, stamps
from agritrace.labels.sheets import LAYOUTS, MIN_MODULE_MM, Label, Layout, write_sheets

BASE = "https://truyxuat.example.vn"
DPI = 300


def _labels(count: int, lot: str = "LOT2026A") -> list[Label]:
    return [
        Label(s.link.uri(BASE), label_lines(s.link, produced=date(2026, 3, 1),
                                            expires=date(2027, 2, 28)))
        for s in stamps(Gtin.parse("8931234567897"), Lot(lot), issue_serials(count))
    ]


def _cell_px(layout: Layout, index: int) -> tuple[float, float, float, float]:
    px = DPI / 25.4
    column, row = index % layout.columns, index // layout.columns
    left, top = layout.left + column * layout.pitch_x, layout.top + row * layout.pitch_y
    return (left * px, top * px, (left + layout.label_width) * px,
            (top + layout.label_height) * px)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_prints_every_label_where_it_belongs(name: str) -> None:
    layout = LAYOUTS[name]
    labels = _labels(layout.per_page * 2 + 3)
    out = io.BytesIO()
    report = write_sheets(labels, out, name)
    assert (report.pages, report.labels, report.layout) == (3, len(labels), name)

    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == 3
    assert all(abs(float(p.mediabox.width) - 595.276) < 0.01 for p in reader.pages)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for label in labels:
        assert label.lines[2] in text  # the "(21) serial" line of each label
    assert text.count("HSD/EXP 28/02/2027") == len(labels)

    document = pypdfium2.PdfDocument(out.getvalue())
    for page_number in range(3):
        image = document[page_number].render(scale=DPI / 72).to_pil()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        on_page = labels[page_number * layout.per_page:(page_number + 1) * layout.per_page]
        assert sorted(b.text for b in found) == sorted(label.url for label in on_page)
        where = {label.url: i for i, label in enumerate(on_page)}
        for barcode in found:
            corners = barcode.position
            x = (corners.top_left.x + corners.bottom_right.x) / 2
            y = (corners.top_left.y + corners.bottom_right.y) / 2
            left, top, right, bottom = _cell_px(layout, where[barcode.text])
            assert left < x < right and top < y < bottom


def test_layout_table() -> None:
    assert {n: layout.per_page for n, layout in LAYOUTS.items()} == {
        "2x7": 14, "3x7": 21, "4x10": 40, "5x13": 65}
    for layout in LAYOUTS.values():
        assert layout.left + (layout.columns - 1) * layout.pitch_x + layout.label_width <= 210.01
        assert layout.top + (layout.rows - 1) * layout.pitch_y + layout.label_height <= 297.01


def test_output_streams_while_labels_are_still_coming() -> None:
    class Sink(io.RawIOBase):
        written = 0

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.written += len(data)
            return len(data)

    sink = Sink()
    seen: list[int] = []

    def feed() -> Iterator[Label]:
        for i, label in enumerate(_labels(21 * 6)):
            seen.append(sink.written)
            yield label
            assert i < 21 * 6

    write_sheets(feed(), sink, "3x7")  # type: ignore[arg-type]
    # by the time the 5th sheet's labels are asked for, four sheets are already out
    assert seen[21 * 4] > seen[21 * 3] > seen[21 * 2] > seen[21] > seen[0]


def test_parallel_drawing_gives_the_same_bytes() -> None:
    labels = _labels(30)
    one, two = io.BytesIO(), io.BytesIO()
    write_sheets(labels, one, "3x7")
    write_sheets(iter(labels), two, "3x7", workers=2)
    assert one.getvalue() == two.getvalue()


def test_skip_leaves_used_cells_empty() -> None:
    layout = LAYOUTS["3x7"]
    labels = _labels(20)
    out = io.BytesIO()
    assert write_sheets(labels, out, "3x7", skip=5).pages == 2
    document = pypdfium2.PdfDocument(out.getvalue())
    image = document[0].render(scale=DPI / 72).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 16
    first = next(b for b in found if b.text == labels[0].url)
    left, top, right, _ = _cell_px(layout, 5)  # sixth cell: row 1, column 2
    assert left < first.position.top_left.x < right and top < first.position.top_left.y


def test_vietnamese_prints_with_its_diacritics_in_an_embedded_font(tmp_path: Path) -> None:
    assert unicode_font() is not None, "scripts/setup installs fonts-dejavu-core"
    lines = [("(10) (A)\\B",), ("Cà phê Điện Biên",), ("Ấp Ưng Hoà – 5°C",), ("Giá Ω",)]
    labels = [Label(f"{BASE}/01/08931234567897/21/A{i}", text) for i, text in enumerate(lines)]
    out = io.BytesIO()
    write_sheets(labels, out, "2x7", title="Tem Điện Biên")
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()))
    text = reader.pages[0].extract_text()
    pdfium = pypdfium2.PdfDocument(out.getvalue())[0].get_textpage().get_text_range()
    for shown in ("(10) (A)\\B", "Cà phê Điện Biên", "Ấp Ưng Hoà – 5°C", "Giá ?"):
        assert shown in text and shown in pdfium
    assert reader.metadata is not None and reader.metadata.title == "Tem Điện Biên"
    # The embedded subset has a real glyph (not the "missing" glyph 0) for every code.
    font = reader.pages[0]["/Resources"]["/Font"]["/F1"]
    program = tmp_path / "subset.ttf"
    program.write_bytes(font["/FontDescriptor"]["/FontFile2"].get_data())
    glyphs = TTFontFile(str(program)).charToGlyph
    assert all(glyphs.get(code, 0) != 0 for code in range(1, len(CHARACTERS)))
    assert CHARACTERS.index("ệ") > 0 and len(CHARACTERS) <= 256


def test_without_a_unicode_font_helvetica_folds_vietnamese() -> None:
    helvetica = Helvetica()
    assert helvetica.printable("Cà phê Điện Biên") == "Ca phe Dien Bien"
    assert helvetica.printable("Café 5°C") == "Café 5°C"  # WinAnsi has these
    assert helvetica.operand("(A)\\B") == b"(\\(A\\)\\\\B)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layout": "6x20"}, "Không có khổ nhãn '6x20' / Unknown label layout '6x20'"),
        ({"skip": 21}, "Không thể bỏ qua 21 nhãn trên tờ 3x7 / "
                       "Cannot skip 21 labels on a 3x7 sheet"),
        ({"labels": []}, "Không có nhãn nào để in / No labels to print"),
    ],
)
def test_bad_requests(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"labels": _labels(1), "out": io.BytesIO(), **kwargs}
    with pytest.raises(ValidationException) as caught:
        write_sheets(**arguments)  # type: ignore[arg-type]
    assert caught.value.detail == message


def test_labels_too_small_for_a_scannable_code_are_refused() -> None:
    tiny = Layout("tiny", 8, 20, 20.0, 12.0, 5.0, 5.0, 25.0, 14.0)
    label = _labels(1)[0]
    with pytest.raises(ValidationException) as caught:
        write_sheets([label], io.BytesIO(), tiny)
    # A version 4 symbol (33 modules, level M holds this URL) in a 10 mm square with its
    # 4-module quiet zones: 10 / (33 + 8) = 0.244 mm a module.
    assert caught.value.detail == (
        f"Label 1 ({label.url!r}) needs a QR code of 33 modules: on tiny labels a module would "
        "be 0.244 mm. Use larger labels or a shorter base URL.")
    assert caught.value.problems[0].expected == f"modules of {MIN_MODULE_MM} mm or more"


def test_a_layout_must_fit_its_page() -> None:
    with pytest.raises(ValidationException, match=r"Label layout 'wide' does not fit its page\."):
        Layout("wide", 3, 7, 70.0, 38.1, 7.25, 15.15, 70.0, 38.1)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_the_widest_serial_and_a_long_lot_are_printed_whole(name: str) -> None:
    lines = ("(01) 08931234567897", "(10) 2026-03-DB-ARABICA", "(21) WWWWWWWWWWWW",
             "NSX/MFG 01/03/2026", "HSD/EXP 28/02/2027")
    out = io.BytesIO()
    write_sheets([Label(f"{BASE}/01/08931234567897/21/M", lines)], out, name)
    text = pypdf.PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
    assert text.split("\n") == list(lines)


def test_a_line_too_wide_even_at_the_smallest_size_ends_in_an_ellipsis() -> None:
    lines = ("(01) 08931234567897", "(10) WWWWWWWWWWWWWWWWWWWW")
    out = io.BytesIO()
    write_sheets([Label(f"{BASE}/01/08931234567897/21/M", lines)], out, "5x13")
    text = pypdf.PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
    first, second = text.split("\n")
    assert first == lines[0]
    assert second.endswith("…") and lines[1].startswith(second[:-1])
