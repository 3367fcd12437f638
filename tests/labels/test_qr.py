"""QR codes: decoded back with zxing-cpp to the exact URL, from PNG and from the SVG drawing."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from agritrace.ids.digital_link import DigitalLink
from agritrace.ids.gs1 import CSET82, Gtin, Lot, Serial
from agritrace.labels.qr import (
    ERROR_LEVEL,
    QUIET_ZONE,
    ascii_fold,
    dark_runs,
    encode,
    label_lines,
    qr_png,
    qr_svg,
)
from agritrace.labels.serials import issue_serials

SVG = "{http://www.w3.org/2000/svg}"
STAMP = DigitalLink.for_gtin("8931234567897", "LOT2026A", "X7K9Q2ABCD12")
URL = STAMP.uri("https://truyxuat.example.vn")
LINES = label_lines(STAMP, produced=date(2026, 3, 1), expires=date(2027, 2, 28))


def _decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def _svg_to_image(svg: str) -> Image.Image:
    """Paint the SVG's QR path (our own M/h/v/z runs) on a bitmap, 4 px per module."""
    root = etree.fromstring(svg.encode())
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    image = Image.new("L", (round(width * 4), round(height * 4)), 255)
    d = root.find(f"{SVG}path").get("d")
    for x, y, n in re.findall(r"M([\d.]+) ([\d.]+)h(\d+)v1h-\d+z", d):
        left, top = float(x) * 4, float(y) * 4
        image.paste(0, (round(left), round(top), round(left + int(n) * 4), round(top + 4)))
    return image


def test_png_decodes_to_the_exact_url_with_error_correction_m_or_better() -> None:
    image = Image.open(io.BytesIO(qr_png(URL, LINES)))
    (barcode,) = _decode(image)
    assert barcode.text == URL
    assert barcode.ec_level in ("M", "Q", "H")
    assert image.mode == "L"


def test_typical_stamp_is_version_5_at_level_m() -> None:
    qr = encode(URL)
    assert (qr.version, qr.error, ERROR_LEVEL) == (5, "M", "M")
    assert not qr.is_micro


def test_error_level_is_raised_when_it_costs_nothing() -> None:
    assert encode("https://x.vn/01/08931234567897").error in ("Q", "H")


def test_svg_draws_the_same_code_and_the_text() -> None:
    svg = qr_svg(URL, LINES)
    (barcode,) = _decode(_svg_to_image(svg))
    assert barcode.text == URL
    root = etree.fromstring(svg.encode())
    assert [t.text for t in root.iter(f"{SVG}text")] == list(LINES)
    assert URL in root.get("aria-label")
    assert root.get("role") == "img"


def test_svg_escapes_markup_in_text() -> None:
    link = DigitalLink.for_gtin("8931234567897", "<A&B>")
    svg = qr_svg(link.uri("https://x.vn"), label_lines(link))
    root = etree.fromstring(svg.encode())  # parses: nothing leaked into the markup
    assert [t.text for t in root.iter(f"{SVG}text")] == ["(01) 08931234567897", "(10) <A&B>"]


@settings(max_examples=30, deadline=None)
@given(
    st.text(alphabet=sorted(CSET82), min_size=1, max_size=20),
    st.sampled_from(["http://127.0.0.1:8000", "https://truyxuat.dienbien.gov.vn",
                     "https://a.vn/dl"]),
)
def test_any_lot_and_host_scan_back_exactly(lot: str, base: str) -> None:
    serial = issue_serials(1, length=20)[0]
    url = DigitalLink(Gtin.parse("8931234567897"), Lot(lot), Serial(serial)).uri(base)
    (barcode,) = _decode(Image.open(io.BytesIO(qr_png(url, scale=4))))
    assert barcode.text == url
    assert DigitalLink.parse(barcode.text).lot == Lot(lot)


def test_label_lines() -> None:
    assert LINES == ("(01) 08931234567897", "(10) LOT2026A", "(21) X7K9Q2ABCD12",
                     "NSX/MFG 01/03/2026", "HSD/EXP 28/02/2027")
    assert label_lines(DigitalLink.for_gtin("8931234567897"), extra=("Cà phê",)) == (
        "(01) 08931234567897", "Cà phê")


def test_long_lines_widen_the_png_instead_of_being_cut() -> None:
    narrow = Image.open(io.BytesIO(qr_png(URL, ["(01) 08931234567897"])))
    wide = Image.open(io.BytesIO(qr_png(URL, ["Cà phê Arabica Điện Biên, gói 500 g, rang xay"])))
    side = encode(URL).symbol_size(border=QUIET_ZONE)[0] * 8
    assert narrow.width == side < wide.width
    (barcode,) = _decode(wide)
    assert barcode.text == URL


def test_png_has_text_under_the_code() -> None:
    image = Image.open(io.BytesIO(qr_png(URL, LINES)))
    side = encode(URL).symbol_size(border=QUIET_ZONE)[0] * 8
    under = image.crop((0, side, image.width, image.height))
    assert image.height > side
    assert under.getextrema() == (0, 255)  # ink under the code: the lines were drawn


def test_dark_runs_cover_exactly_the_dark_modules() -> None:
    qr = encode(URL)
    painted = {(x + i, y) for x, y, n in dark_runs(qr) for i in range(n)}
    dark = {(x, y) for y, row in enumerate(qr.matrix) for x, v in enumerate(row) if v}
    assert painted == dark


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Cà phê Điện Biên", "Ca phe Dien Bien"), ("Chè Shan Tuyết", "Che Shan Tuyet"),
     ("Gạo ST25 Sóc Trăng", "Gao ST25 Soc Trang"), ("đường", "duong"), ("a→b", "a?b")],
)
def test_ascii_fold(text: str, folded: str) -> None:
    assert ascii_fold(text) == folded
