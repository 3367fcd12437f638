"""The columns an import understands, as cooperatives head them, and how their cells are read.

One table per kind of import lists each field with its Vietnamese and English header and the
other headers people use; a header is matched folded (no case, diacritics or punctuation), so
"Họ tên", "ho ten", "HỌ  TÊN" and "Name" are one column. Cells are read the same way: roles and
diary kinds by their names in the pages' catalogue (texts_farm), dates as dd/mm/yyyy or ISO,
numbers with a decimal comma or point.

>>> fold("  Diện tích (ha) ")
'dien tich ha'
>>> read_number("1.234,5"), read_number("1,5"), read_number("0.8")
(1234.5, 1.5, 0.8)
>>> read_date("1/11/2026"), read_date("2026-11-01")
('2026-11-01', '2026-11-01')
>>> read_kind("Tưới nước"), read_kind("BON PHAN")
(('water', {'action': 'irrigate'}), ('fertilizing', {}))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from agritrace.farm.diary import AmendmentMaterial, EntryKind, TreatmentPurpose, WaterAction
from agritrace.farm.pesticides import CROPS
from agritrace.farm.registry import Role
from agritrace.web.texts_farm import TEXTS


class ImportKind(StrEnum):
    MEMBERS = "members"
    PLOTS = "plots"
    DIARY = "diary"


def fold(text: object) -> str:
    """A header or word as people type it: no case, diacritics, punctuation or extra spaces.

    (agritrace.province.areas.fold also drops "xã"/"tỉnh" prefixes, which here are whole
    headers, so it cannot serve.)
    """
    name = str(text or "").replace("Đ", "D").replace("đ", "d")
    name = "".join(c for c in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name).split())


@dataclass(frozen=True)
class Column:
    """A field of an import: its headers (vi, en, others) and what its cells hold."""

    field: str
    vi: str
    en: str
    accepts: str = "text"  # text number integer date role kind member plot crop choice geojson
    aliases: tuple[str, ...] = ()
    example: str = ""

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi

    def names(self) -> set[str]:
        return {fold(n) for n in (self.field, self.vi, self.en, *self.aliases)}


def _diary_field(name: str, accepts: str = "text", aliases: tuple[str, ...] = (),
                 example: str = "", vi: str = "", en: str = "") -> Column:
    """A diary entry's field, headed as the farmer's form heads it (texts_farm)."""
    text = TEXTS[f"farm_f_{name}"]
    return Column(name, vi or text["vi"], en or text["en"], accepts, aliases, example)


COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.MEMBERS: (
        Column("name", "Họ tên", "Name", "text",
               ("Họ và tên", "Tên", "Tên thành viên", "Full name"), "Nguyễn Văn An"),
        Column("role", "Vai trò", "Role", "role", ("Chức vụ",), "Nông dân"),
        Column("phone", "Số điện thoại", "Phone", "phone",
               ("SĐT", "Số ĐT", "Điện thoại", "Phone number"), "0912345678"),
    ),
    ImportKind.PLOTS: (
        Column("name", "Tên thửa", "Plot name", "text",
               ("Tên", "Thửa", "Thửa đất", "Tên thửa đất", "Tên nương", "Name", "Plot"),
               "Nương C"),
        Column("farmer", "Hộ canh tác", "Farmer", "member",
               ("Hộ", "Nông dân", "Chủ hộ", "Người canh tác", "Hộ nông dân")),
        Column("technical_manager", "Cán bộ kỹ thuật", "Technical manager", "member",
               ("Cán bộ kỹ thuật phụ trách", "Kỹ thuật")),
        Column("crop", "Cây trồng", "Crop", "crop", ("Cây",), "Cà phê"),
        Column("variety", "Giống", "Variety", "text", (), "Catimor"),
        Column("area_ha", "Diện tích (ha)", "Area (ha)", "number",
               ("Diện tích", "DT (ha)", "Area", "Hecta"), "1,5"),
        Column("lat", "Vĩ độ", "Latitude", "number", ("Lat",), "21,4938"),
        Column("lon", "Kinh độ", "Longitude", "number", ("Lon", "Lng", "Long"), "103,2041"),
        Column("geometry", "Ranh giới (GeoJSON)", "Boundary (GeoJSON)", "geojson",
               ("Ranh giới", "GeoJSON")),
        Column("commune", "Xã", "Commune", "text", ("Xã/phường", "Phường"), "Ẳng Nưa"),
        Column("district", "Huyện", "District", "text", (), "Mường Ảng"),
        Column("province", "Tỉnh", "Province", "text", ("Tỉnh/thành phố",), "Điện Biên"),
        Column("area_code", "Mã số vùng trồng", "Growing-area code", "text",
               ("Mã vùng trồng", "MSVT")),
        Column("market", "Thị trường", "Market", "text", (), "EU"),
        Column("gln", "GLN", "GLN", "text", ("Mã địa điểm GLN",)),
        Column("uri", "URI", "URI", "text", ("Mã định danh",)),
        Column("kind", "Loại địa điểm", "Kind of place", "text", ("Loại",), "plot"),
    ),
    ImportKind.DIARY: (
        Column("kind", "Loại công việc", "Kind of work", "kind",
               ("Loại", "Công việc", "Việc", "Work"), "Bón phân"),
        Column("plot", "Thửa", "Plot", "plot",
               ("Tên thửa", "Thửa đất", "Mã thửa", "plot_id", "Nương")),
        Column("on", "Ngày", "Date", "date", ("Ngày làm", "Ngày thực hiện")),
        _diary_field("product", aliases=("Sản phẩm", "Tên thuốc", "Tên phân", "Phân bón"),
                     example="NPK 16-16-8"),
        _diary_field("amount", "number", ("Số lượng",), "300"),
        _diary_field("unit", example="kg/ha"),
        _diary_field("n_percent", "number"),
        _diary_field("active_ingredients", aliases=("Hoạt chất",)),
        _diary_field("dose", "number"),
        _diary_field("dose_unit"),
        _diary_field("target_pest"),
        _diary_field("phi_days", "integer", ("Thời gian cách ly",)),
        _diary_field("action", "choice", en="Water action"),
        _diary_field("until", "date"),
        _diary_field("water_level_cm", "number"),
        _diary_field("material", "choice", vi="Loại phân hữu cơ", en="Organic material"),
        _diary_field("days_before_cultivation", "integer"),
        _diary_field("method", "choice"),
        _diary_field("variety"),
        _diary_field("seed_kg_per_ha", "number"),
        _diary_field("plants_per_ha", "integer"),
        _diary_field("pest"),
        _diary_field("incidence_percent", "number"),
        _diary_field("density_per_m2", "number"),
        _diary_field("activity"),
        _diary_field("quantity", "number"),
        _diary_field("lot"),
        _diary_field("gtin", vi="Mã sản phẩm (GTIN)", en="Product GTIN", aliases=("GTIN",)),
        _diary_field("area_ha", "number", ("Diện tích (ha)",)),
        _diary_field("note", aliases=("Ghi chú thêm",)),
        # Barns and ponds (issue 17).
        _diary_field("species", aliases=("Loài vật nuôi", "Đối tượng nuôi")),
        _diary_field("origin", aliases=("Nguồn gốc giống", "Trại giống")),
        _diary_field("count", "integer", ("Số lượng con",)),
        _diary_field("breed"),
        _diary_field("average_weight_g", "number"),
        _diary_field("batch", vi="Số lô (thức ăn, vắc xin)", en="Batch number"),
        _diary_field("withdrawal_days", "integer", ("Thời gian ngừng thuốc",)),
        _diary_field("purpose", "choice"),
        _diary_field("disease"),
        _diary_field("affected", "integer"),
        _diary_field("cause"),
        _diary_field("destination"),
        _diary_field("temperature_c", "number", ("Nhiệt độ",)),
        _diary_field("ph", "number"),
        _diary_field("dissolved_oxygen_mg_l", "number", ("DO", "Oxy hòa tan")),
        _diary_field("salinity_ppt", "number", ("Độ mặn",)),
        _diary_field("ammonia_mg_l", "number", ("Amoni", "NH3")),
        _diary_field("head_count", "integer"),
        _diary_field("animals", aliases=("Số tai", "Mã con vật")),
        _diary_field("slaughter", aliases=("Giết mổ (có/không)",)),
        Column("at", "Giờ", "Time", "text", ("Giờ làm",)),
        Column("country_of_origin", "Nước xuất xứ", "Country of origin", "text", ()),
        Column("season", "Vụ", "Season", "text", ("Mùa vụ", "season_id")),
        Column("key", "Mã dòng", "Row key", "text", ()),
    ),
}

# What a column accepts, for the template's guide sheet.
ACCEPTS: dict[str, tuple[str, str]] = {
    "text": ("Chữ", "Text"),
    "phone": ("Số điện thoại, 9 đến 15 chữ số", "A phone number, 9 to 15 digits"),
    "number": ("Số; dấu phẩy hoặc dấu chấm thập phân (1,5 hoặc 1.5)",
               "A number; decimal comma or point (1,5 or 1.5)"),
    "integer": ("Số nguyên", "A whole number"),
    "date": ("Ngày dd/mm/yyyy (01/11/2026) hoặc yyyy-mm-dd",
             "A date as dd/mm/yyyy (01/11/2026) or yyyy-mm-dd"),
    "role": ("Nông dân, Cán bộ kỹ thuật hoặc Quản lý", "Farmer, Technical manager or Manager"),
    "kind": ("Tên công việc như trên điện thoại: " + ", ".join(
        TEXTS[f"farm_kind_{k.value}"]["vi"] for k in EntryKind),
        "The work as the phone names it: " + ", ".join(
        TEXTS[f"farm_kind_{k.value}"]["en"] for k in EntryKind)),
    "member": ("Họ tên hoặc số điện thoại của một thành viên",
               "A member's name or phone number"),
    "plot": ("Tên một thửa của hợp tác xã", "The name of one of the cooperative's plots"),
    "crop": ("Tên cây trồng: " + ", ".join(CROPS.values()), "The crop: " + ", ".join(CROPS)),
    "choice": ("Một lựa chọn như trên điện thoại", "One of the choices of the phone form"),
    "geojson": ("Ranh giới thửa dạng GeoJSON (không bắt buộc nếu có diện tích)",
                "The plot's boundary as GeoJSON (optional when the area is given)"),
}


def lookup(kind: ImportKind) -> dict[str, Column]:
    """Each folded header of one kind -> its column."""
    return {name: column for column in COLUMNS[kind] for name in column.names()}


def column(kind: ImportKind, field: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.field == field)


def _words(*keys: str) -> set[str]:
    """The folded names of catalogue texts in both languages, and each part around a "/"."""
    out = set()
    for key in keys:
        for text in TEXTS[key].values():
            out.add(fold(text))
            out.update(fold(part) for part in text.split("/"))
    return out - {""}


ROLES: dict[str, str] = {
    **{w: r.value for r in Role for w in _words(f"farm_role_{r.value}") | {fold(r.value)}},
    **{fold(w): Role.FARMER.value for w in ("Hộ nông dân", "Xã viên", "Thành viên")},
    **{fold(w): Role.MANAGER.value for w in ("Cán bộ quản lý", "Ban quản lý", "Giám đốc")},
}

# A diary kind by its name, or by a choice that belongs to one kind ("Tưới nước" is water).
CHOICES: dict[str, tuple[str, str, str]] = {  # folded word -> (kind, field, value)
    **{w: (EntryKind.WATER.value, "action", a.value)
       for a in WaterAction for w in _words(f"farm_choice_{a.value}") | {fold(a.value)}},
    **{w: (EntryKind.ORGANIC_AMENDMENT.value, "material", m.value)
       for m in AmendmentMaterial for w in _words(f"farm_choice_{m.value}") | {fold(m.value)}},
    **{w: (EntryKind.SOWING.value, "method", m)
       for m in ("sowing", "planting") for w in _words(f"farm_choice_{m}")},
    **{w: (EntryKind.TREATMENT.value, "purpose", p.value)
       for p in TreatmentPurpose for w in _words(f"farm_choice_{p.value}")},
}
KINDS: dict[str, str] = {w: k.value for k in EntryKind
                         for w in _words(f"farm_kind_{k.value}") | {fold(k.value)}}
CROP_NAMES: dict[str, str] = {fold(w): code for code, vi in CROPS.items() for w in (code, vi)}


def read_role(value: str) -> str | None:
    return ROLES.get(fold(value))


def read_kind(value: str) -> tuple[str, dict[str, str]] | None:
    """The diary kind a cell names, and the choice it implies ("Tưới nước": irrigate)."""
    word = fold(value)
    if word in KINDS:
        return KINDS[word], {}
    if word in CHOICES:
        kind, field, choice = CHOICES[word]
        return kind, {field: choice}
    return None


def read_choice(field: str, value: str) -> str:
    """A choice cell as the form's value ("Tháo cạn nước": drain); else as written."""
    found = CHOICES.get(fold(value))
    return found[2] if found is not None and found[1] == field else value


_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def read_date(value: object) -> str | None:
    """A date cell as ISO text: dd/mm/yyyy (how Vietnam writes dates), d/m/yyyy or ISO."""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    dmy, iso = _DMY.fullmatch(text), _ISO.fullmatch(text.split("T")[0].split(" ")[0])
    try:
        if dmy:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1])).isoformat()
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
    except ValueError:
        return None
    return None


def read_number(value: object) -> float | None:
    """A number cell: 1,5 and 1.5; 1.234,5 (vi) and 1,234.5 (en) when both marks appear.

    "1.500" and "1,500" are 1,5 to one reader and 1500 to another: refused (None), not guessed.

    >>> read_number("1.500"), read_number("1,500"), read_number("1500"), read_number("0,500")
    (None, None, 1500.0, 0.5)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    elif _GROUPED.fullmatch(text):
        return None
    text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}([.,]\d{3})+")


def read_crop(value: str) -> str:
    return CROP_NAMES.get(fold(value), value)


def _no_clashes() -> None:
    """Two columns of one kind may not share a header: the second would never be read."""
    for kind, columns in COLUMNS.items():
        seen: dict[str, str] = {}
        for c in columns:
            for name in c.names():
                assert seen.setdefault(name, c.field) == c.field, (kind, name, c.field)


_no_clashes()
