"""Vietnam's provinces as they are since 1 July 2025, with the provinces merged into them, and
the officers' areas.

Source: ``data/vn_provinces_2025.csv`` lists the 34 provincial-level units (28 provinces and 6
centrally governed cities) of Resolution 202/2025/QH15 of the National Assembly (12 June 2025,
in force 1 July 2025), each with the pre-2025 provinces it absorbed (``formerly``), so a plot
registered under an old province name still counts for the province it now belongs to. Codes are
agritrace's own readable slugs. Since 2025 a province is divided into communes and wards directly
(districts were abolished): communes are read from the places themselves, as registered.

>>> province_code("tỉnh Hà Giang"), province_code("Thành phố Hồ Chí Minh"), province_code("Mars")
('tuyen-quang', 'ho-chi-minh', None)
>>> PROVINCES["dong-thap"].formerly
('Tiền Giang',)
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy import Connection, Engine, insert, select, update

from agritrace.epcis.times import now_micros
from agritrace.errors import NoSuchResourceException, Problem, ValidationException
from agritrace.province.tables import regulators
from agritrace.store.orgs import Organization
from agritrace.store.tables import organizations

COMMUNES_FILE = "data/vn_communes_2025.csv"
SOURCE = ("Nghị quyết 202/2025/QH15 của Quốc hội về sắp xếp đơn vị hành chính cấp tỉnh "
          "(12/6/2025, hiệu lực 1/7/2025)")


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    kind: str
    formerly: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    """What an officer oversees: a province, or one commune of it."""

    province: str
    commune: str = ""

    def holds(self, province: str | None, commune: str | None = None) -> bool:
        """True when a place registered with these names lies in the area."""
        if province_code(province or "") != self.province:
            return False
        return not self.commune or fold(commune or "") == fold(self.commune)


def _load() -> dict[str, Province]:
    text = resources.files("agritrace.province").joinpath(
        "data/vn_provinces_2025.csv").read_text(encoding="utf-8")
    return {row["code"]: Province(row["code"], row["name"], row["kind"],
                                  tuple(n for n in row["formerly"].split(";") if n))
            for row in csv.DictReader(text.splitlines())}


PROVINCES = _load()


@dataclass(frozen=True)
class Commune:
    """A commune of 1 July 2025 as ``data/vn_communes_2025.csv`` gives it: the pre-2025 units
    merged into it and the districts (abolished that day) they belonged to. The file's header
    cites its sources and says which communes it covers (a few of Điện Biên's so far)."""

    province: str
    name: str
    former_units: tuple[str, ...]
    former_districts: tuple[str, ...]


@cache
def _communes() -> dict[tuple[str, str], Commune]:
    """(province code, folded name) -> commune, for the commune's own name and for each pre-2025
    unit merged into it (a plot registered under an old commune's name finds its commune)."""
    text = resources.files("agritrace.province").joinpath(COMMUNES_FILE).read_text(
        encoding="utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    merged: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        merged.setdefault((row["province"], row["commune"]), []).append(row)
    found: dict[tuple[str, str], Commune] = {}
    for (province, name), parts in merged.items():
        commune = Commune(province, name, tuple(p["former_unit"] for p in parts),
                          tuple(sorted({p["former_district"] for p in parts})))
        for alias in (name, *commune.former_units):
            found[(province, fold(alias))] = commune
    return found


def commune_of(province: str, registered: str) -> Commune | None:
    """The 2025 commune a place registered as ``registered`` (a current commune's name, or a
    merged pre-2025 unit's) lies in, or None when the data file does not cover it.

    >>> found = commune_of("Điện Biên", "xã Ẳng Nưa")
    >>> found.name, found.former_districts
    ('Mường Ảng', ('Mường Ảng',))
    """
    code = province_code(province)
    return None if code is None else _communes().get((code, fold(registered)))
_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?|xa|phuong|thi tran|dac khu)\s+")


def fold(name: str) -> str:
    """A name as people type it, without case, diacritics, ``tỉnh``/``xã`` or extra spaces.

    >>> fold("  Tỉnh  Điện Biên ")
    'dien bien'
    """
    text = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[\s\-–]+", " ", text).strip()
    return _PREFIX.sub("", text)


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for province in PROVINCES.values():
        for name in (province.name, *province.formerly):
            names[fold(name)] = province.code
    return names


def province_code(name: str) -> str | None:
    """The code of the province a (current or pre-2025) province name belongs to, or None."""
    return PROVINCES[name].code if name in PROVINCES else _names().get(fold(name))


def check_area(province: str, commune: str = "") -> Area:
    code = province_code(province)
    if code is None:
        raise ValidationException(f"Unknown province {province!r}", [Problem(
            "province", "one of the 34 provinces since 1 July 2025 (or a merged one's old name)",
            repr(province[:60]))])
    return Area(code, commune.strip())


def make_regulator(engine: Engine, org: Organization, area: Area, created_by: str) -> None:
    """Bind ``org`` (made a regulator) to ``area``; again for the same org moves it."""
    with engine.begin() as conn:
        conn.execute(update(organizations).where(organizations.c.id == org.id).values(
            kind="regulator"))
        values = {"province": area.province, "commune": area.commune,
                  "created_by": created_by, "created_us": now_micros()}
        if conn.execute(update(regulators).where(regulators.c.org_id == org.id).values(
                **values)).rowcount == 0:
            conn.execute(insert(regulators).values(org_id=org.id, **values))


def area_of(conn: Connection, org_id: int) -> Area | None:
    """The area ``org_id`` oversees, or None for an organization that is no regulator."""
    row = conn.execute(select(regulators.c.province, regulators.c.commune).where(
        regulators.c.org_id == org_id)).first()
    return None if row is None else Area(row.province, row.commune)


def require_area(conn: Connection, org: Organization) -> Area:
    area = area_of(conn, org.id)
    if area is None:
        raise NoSuchResourceException(f"{org.name} oversees no area", [Problem(
            "org", "a regulator (agritrace province regulator …)", org.name)])
    return area
