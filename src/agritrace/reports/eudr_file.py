"""Checking a supplier's EUDR GeoJSON file as the EU information system will, and fixing what
can be fixed mechanically.

Exporters receive plot files from collectors and cooperatives. :func:`check_file` reads a whole
FeatureCollection and reports, per feature, every geometry rule the registry applies to one plot
(:func:`agritrace.farm.geometry.check_geometry`: WGS84 ranges, swapped pairs, at least 6 decimals,
closed rings of 4 or more positions, no crossing edges, no holes, points only up to 4 ha) and the
file's own rules: the 25 MB limit of one due diligence statement, a FeatureCollection of Features,
``ProducerCountry`` an ISO 3166-1 alpha-2 code, ``Area`` a number of hectares where a Point stands
for a plot, the other properties present, no plot twice, and no two plots of one producer
overlapping. Each finding names the feature (0-based index as in the array, and its own ``id`` or
name), the JSON path, what was expected and what was found, in Vietnamese and English.

:func:`fix_file` writes a corrected collection where a fix is mechanical — closing a ring,
rounding coordinates to 6 decimals, splitting a polygon with holes into hole-free polygons, an
upper-case country code — and lists every change; the rest is for the supplier to measure again.

>>> check = check_file(b'{"type": "FeatureCollection", "features": []}', "empty.geojson")
>>> [f.code for f in check.findings]
['no_features']
>>> index_ranges([0, 1, 8, 12, 13, 14])
'#0–1, #8, #12–14'
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pycountry
from shapely import STRtree

from agritrace.farm.geometry import (
    MIN_DECIMALS,
    VIETNAM_BOX,
    GeometryIssue,
    PlotGeometry,
    check_geometry,
    split_holes,
)
from agritrace.web.i18n import format_number

#: The EU information system takes at most 25 MB of geolocation per due diligence statement.
MAX_BYTES = 25 * 1024 * 1024
# Two polygons of one producer may touch along a boundary; sharing more than this is an overlap.
OVERLAP_MIN_SHARE = 0.001
_PROPERTIES = ("ProducerName", "ProducerCountry", "ProductionPlace")

_MESSAGES: dict[str, tuple[str, str]] = {
    "too_large": (
        "Tệp {size} MB vượt giới hạn {limit} MB của một bản khai trách nhiệm giải trình. Sửa: "
        "chia tệp theo lô hàng.",
        "The file is {size} MB, over the {limit} MB limit of one due diligence statement. Fix: "
        "split it by shipment."),
    "not_json": (
        "Tệp không phải JSON hợp lệ ({reason}, dòng {line}, cột {column}). Sửa: xuất lại tệp "
        "GeoJSON từ phần mềm bản đồ.",
        "The file is not valid JSON ({reason}, line {line}, column {column}). Fix: export the "
        "GeoJSON again from the mapping software."),
    "not_collection": (
        "Tệp phải là một FeatureCollection, nhận được {found}. Sửa: đặt các thửa trong "
        "\"features\" của một FeatureCollection.",
        "The file must be a FeatureCollection, found {found}. Fix: put the plots in the "
        "\"features\" of one FeatureCollection."),
    "no_features": (
        "Tệp không có thửa nào (\"features\" rỗng). Sửa: thêm các thửa.",
        "The file holds no plot (\"features\" is empty). Fix: add the plots."),
    "not_feature": (
        "{where}: phải là một Feature có \"geometry\" và \"properties\", nhận được {found}.",
        "{where}: must be a Feature with \"geometry\" and \"properties\", found {found}."),
    "missing_property": (
        "{where}: thiếu thuộc tính {name}. Sửa: nhập {name}.",
        "{where}: the property {name} is missing. Fix: fill in {name}."),
    "bad_country": (
        "{where}: ProducerCountry '{found}' không phải mã quốc gia ISO 3166-1 hai chữ cái. "
        "Sửa: dùng mã như VN.",
        "{where}: ProducerCountry '{found}' is not an ISO 3166-1 alpha-2 country code. Fix: "
        "use a code such as VN."),
    "missing_area": (
        "{where}: thửa khai báo bằng một điểm phải có Area (ha). Sửa: nhập diện tích.",
        "{where}: a plot given as a Point needs its Area in hectares. Fix: enter the area."),
    "bad_area": (
        "{where}: Area phải là một số héc-ta lớn hơn 0, nhận được {found}. Sửa: nhập số, "
        "ví dụ 1.5.",
        "{where}: Area must be a number of hectares above 0, found {found}. Fix: enter a "
        "number such as 1.5."),
    "duplicate_plot": (
        "{where}: trùng hình học với {other}. Sửa: xoá thửa lặp.",
        "{where}: the same geometry as {other}. Fix: delete the repeated plot."),
    "overlap": (
        "{where}: chồng lấn {share}% diện tích với {other} của cùng người sản xuất. Sửa: đo "
        "lại ranh giới hai thửa.",
        "{where}: overlaps {other} of the same producer over {share}% of its area. Fix: "
        "survey both boundaries again."),
}


@dataclass(frozen=True)
class Finding:
    """One thing wrong in the file; ``feature`` is None for the file itself."""

    code: str
    path: str
    message_vi: str
    message_en: str
    feature: int | None = None
    label: str = ""
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "label": self.label, "path": self.path,
                "code": self.code, "severity": self.severity, "vi": self.message_vi,
                "en": self.message_en}


@dataclass
class FileCheck:
    """What :func:`check_file` found: per feature, and for the file."""

    document: str
    features: int = 0
    labels: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def file_ok(self) -> bool:
        return not any(f.feature is None and f.severity == "error" for f in self.findings)

    @property
    def ready(self) -> list[int]:
        """The indexes of the features the EU system will take as they are."""
        if not self.file_ok:
            return []
        wrong = {f.feature for f in self.findings if f.severity == "error"}
        return [i for i in range(self.features) if i not in wrong]

    @property
    def not_ready(self) -> list[int]:
        taken = set(self.ready)
        return [i for i in range(self.features) if i not in taken]

    @property
    def ok(self) -> bool:
        return self.file_ok and len(self.ready) == self.features

    def as_dict(self) -> dict[str, Any]:
        ready = self.ready
        return {"document": self.document, "features": self.features, "ready": ready,
                "not_ready": self.not_ready, "ok": self.file_ok and len(ready) == self.features,
                "findings": [f.as_dict() for f in self.findings]}


def index_ranges(indexes: list[int]) -> str:
    """The features by index, neighbours as one range (``#0–1, #8, #12``), so that the summary
    of a 10,000-plot file with a few defects stays a line or two."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ", ".join(f"#{a}" if a == b else f"#{a}–{b}" for a, b in runs)


def _finding(code: str, path: str, feature: int | None = None, label: str = "",
             severity: str = "error", **fields: Any) -> Finding:
    vi, en = _MESSAGES[code]
    where_vi, where_en = (f"Thửa {label}", f"Plot {label}") if label else ("", "")
    # Vietnamese writes 1.234,5 where English writes 1,234.5.
    text_vi, text_en = ({k: format_number(v, lang, 1) if isinstance(v, float) else str(v)
                         for k, v in fields.items()} for lang in ("vi", "en"))
    return Finding(code, path, vi.format(where=where_vi, **text_vi),
                   en.format(where=where_en, **text_en), feature, label, severity)


def label_of(index: int, feature: Mapping[str, Any]) -> str:
    """How people find a feature: its index as in the array, and its own id or name."""
    properties = feature.get("properties")
    own = feature.get("id")
    if own is None and isinstance(properties, Mapping):
        own = next((properties[k] for k in ("id", "ProductionPlace", "ProducerName", "name")
                    if properties.get(k) not in (None, "")), None)
    return f"#{index}" + (f" ({str(own)[:60]})" if own is not None else "")


def read_collection(data: bytes, check: FileCheck, max_bytes: int = MAX_BYTES
                    ) -> list[Any] | None:
    """The features of the file, or None with the file-level finding recorded.

    Numbers are read as Decimal, so that ``103.500000`` keeps its six written decimals."""
    if len(data) > max_bytes:
        check.findings.append(_finding("too_large", "", size=len(data) / 2**20,
                                       limit=max_bytes / 2**20))
        return None
    try:
        document = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        check.findings.append(_finding("not_json", "", reason="not UTF-8", line=1,
                                       column=exc.start + 1))
        return None
    except json.JSONDecodeError as exc:
        check.findings.append(_finding("not_json", "", reason=exc.msg, line=exc.lineno,
                                       column=exc.colno))
        return None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or (
            not isinstance(document.get("features"), list)):
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        check.findings.append(_finding("not_collection", "type", found=repr(found)[:60]))
        return None
    if not document["features"]:
        check.findings.append(_finding("no_features", "features"))
        return None
    return list(document["features"])


def check_file(data: bytes, document: str, *, max_bytes: int = MAX_BYTES) -> FileCheck:
    """Check a whole EUDR GeoJSON file; never raises for what the file holds."""
    check = FileCheck(document)
    features = read_collection(data, check, max_bytes)
    if features is None:
        return check
    check.features = len(features)
    shapes: list[tuple[int, str, PlotGeometry]] = []
    for index, feature in enumerate(features):
        geometry = _check_feature(check, index, feature)
        if geometry is not None:
            shapes.append((index, _producer(feature), geometry))
    _check_between(check, shapes)
    return check


def _producer(feature: Mapping[str, Any]) -> str:
    properties = feature.get("properties") or {}
    return str(properties.get("ProducerName") or "").strip().casefold()


def _check_feature(check: FileCheck, index: int, feature: Any) -> PlotGeometry | None:
    path = f"features[{index}]"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        label = f"#{index}"
        check.labels.append(label)
        found = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
        check.findings.append(_finding("not_feature", path, index, label, found=repr(found)))
        return None
    label = label_of(index, feature)
    check.labels.append(label)
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        properties = {}
        check.findings.append(_finding("not_feature", f"{path}.properties", index, label,
                                       found="no properties"))
    area = _check_properties(check, index, label, properties)
    country = str(properties.get("ProducerCountry") or "").strip()
    geo = check_geometry(label, feature.get("geometry"), declared_area_ha=area,
                         country_box=VIETNAM_BOX if country.upper() == "VN" else None)
    for issue in geo.issues:
        check.findings.append(_from_issue(issue, f"{path}.geometry", index, label))
    geometry = geo.geometry
    if geometry is not None and geometry.point is not None and area is None and (
            "Area" not in properties):
        check.findings.append(_finding("missing_area", f"{path}.properties.Area", index, label))
    return geometry if geometry is not None and _valid_shape(geometry) else None


def _valid_shape(geometry: PlotGeometry) -> bool:
    """Duplicates and overlaps are looked for on every plot whose shape can be built, errors in
    decimals or properties notwithstanding."""
    try:
        return bool(geometry.shape.is_valid)
    except (ValueError, TypeError):
        return False


def _check_properties(check: FileCheck, index: int, label: str,
                      properties: Mapping[str, Any]) -> float | None:
    path = f"features[{index}].properties"
    for name in _PROPERTIES:
        if not str(properties.get(name) or "").strip():
            severity = "error" if name == "ProducerCountry" else "warning"
            check.findings.append(_finding("missing_property", f"{path}.{name}", index, label,
                                           severity, name=name))
    country = str(properties.get("ProducerCountry") or "").strip()
    if (country and pycountry.countries.get(alpha_2=country) is None) or (
            country and country != country.upper()):
        check.findings.append(_finding("bad_country", f"{path}.ProducerCountry", index, label,
                                       found=country[:20]))
    if "Area" not in properties:
        return None
    area = properties["Area"]
    if isinstance(area, bool) or not isinstance(area, int | Decimal | float) or area <= 0:
        check.findings.append(_finding("bad_area", f"{path}.Area", index, label,
                                       found=repr(area)[:40]))
        return None
    return float(area)


# Where a geometry that cannot be read at all is wrong: not in its coordinates.
_WHOLE_GEOMETRY = {"not_geometry": "", "unsupported_type": ".type"}


def _from_issue(issue: GeometryIssue, prefix: str, index: int, label: str) -> Finding:
    whole = _WHOLE_GEOMETRY.get(issue.code)
    path = f"{prefix}{whole}" if whole is not None else f"{prefix}.{issue.as_problem().path}"
    return Finding(issue.code, path, issue.message_vi, issue.message_en, index, label,
                   issue.severity)


def _check_between(check: FileCheck, shapes: list[tuple[int, str, PlotGeometry]]) -> None:
    """Duplicates (the same geometry twice) and overlaps between plots of one producer."""
    first_seen: dict[bytes, int] = {}
    repeated: set[int] = set()
    for index, _, geometry in shapes:
        key = geometry.shape.normalize().wkb
        if key in first_seen:
            repeated.add(index)
            check.findings.append(_finding(
                "duplicate_plot", f"features[{index}].geometry", index, check.labels[index],
                other=check.labels[first_seen[key]]))
        else:
            first_seen[key] = index
    polygons = [(i, p, g) for i, p, g in shapes if g.point is None and i not in repeated]
    tree = STRtree([g.shape for _, _, g in polygons])
    for a, b in _candidate_pairs(tree, polygons):
        (ia, producer_a, ga), (ib, producer_b, gb) = polygons[a], polygons[b]
        if producer_a != producer_b:
            continue
        shared = ga.shape.intersection(gb.shape).area
        smaller = min(ga.shape.area, gb.shape.area) or 1.0
        if shared / smaller > OVERLAP_MIN_SHARE:
            check.findings.append(_finding(
                "overlap", f"features[{ib}].geometry", ib, check.labels[ib],
                other=check.labels[ia], share=100 * shared / smaller))


def _candidate_pairs(tree: STRtree, polygons: list[tuple[int, str, PlotGeometry]]
                     ) -> Iterator[tuple[int, int]]:
    if not polygons:
        return
    left, right = tree.query([g.shape for _, _, g in polygons], predicate="intersects")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a < b:
            yield a, b


# --- fixing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One mechanical fix :func:`fix_file` made."""

    feature: int
    label: str
    what_vi: str
    what_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "label": self.label, "vi": self.what_vi,
                "en": self.what_en}


def fix_file(data: bytes, document: str) -> tuple[dict[str, Any] | None, list[Change]]:
    """A corrected FeatureCollection (None when the file cannot be read) and what changed."""
    check = FileCheck(document)
    features = read_collection(data, check, max_bytes=2**62)
    if features is None:
        return None, []
    changes: list[Change] = []
    fixed: list[Any] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            fixed.append(feature)
            continue
        fixed.extend(_fix_feature(index, label_of(index, feature), feature, changes))
    return {"type": "FeatureCollection", "features": fixed}, changes


def _fix_feature(index: int, label: str, feature: dict[str, Any],
                 changes: list[Change]) -> list[dict[str, Any]]:
    feature = dict(feature)
    properties = dict(feature.get("properties") or {})
    country = properties.get("ProducerCountry")
    if isinstance(country, str) and country.strip() != country.strip().upper() and (
            pycountry.countries.get(alpha_2=country.strip().upper()) is not None):
        properties["ProducerCountry"] = country.strip().upper()
        changes.append(Change(index, label, f"ProducerCountry '{country}' → "
                              f"'{properties['ProducerCountry']}'",
                              f"ProducerCountry '{country}' → '{properties['ProducerCountry']}'"))
    feature["properties"] = properties
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return [feature]
    feature["geometry"] = _fix_rings(index, label, geometry, changes)
    check = check_geometry(label, feature["geometry"], country_box=None)
    if check.geometry is None or not any(i.code == "hole" for i in check.issues):
        return [feature]
    pieces = split_holes(check.geometry)
    changes.append(Change(index, label, f"tách thửa có lỗ thành {len(pieces)} đa giác không lỗ",
                          f"split the polygon with holes into {len(pieces)} hole-free polygons"))
    place = properties.get("ProductionPlace") or label
    return [{**feature, "geometry": piece.to_geojson(),
             "properties": {**properties, "ProductionPlace": f"{place} /{n}"}}
            for n, piece in enumerate(pieces, start=1)]


def _fix_rings(index: int, label: str, geometry: dict[str, Any],
               changes: list[Change]) -> dict[str, Any]:
    polygons = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    out = []
    for polygon in polygons if isinstance(polygons, list) else []:
        rings = []
        for ring in polygon if isinstance(polygon, list) else []:
            rings.append(_fix_ring(index, label, ring, changes))
        out.append(rings)
    return {"type": geometry["type"], "coordinates": out[0] if geometry["type"] == "Polygon"
            else out}


def _fix_ring(index: int, label: str, ring: Any, changes: list[Change]) -> Any:
    if not isinstance(ring, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, int | Decimal | float)
                                                        for v in p) for p in ring):
        return ring
    rounded = [[_round(v) for v in p] for p in ring]
    if rounded != ring:
        changes.append(Change(index, label, f"làm tròn toạ độ về {MIN_DECIMALS} chữ số thập phân",
                              f"rounded coordinates to {MIN_DECIMALS} decimals"))
    deduplicated = [p for n, p in enumerate(rounded) if n == 0 or p != rounded[n - 1]]
    if len(deduplicated) != len(rounded):
        changes.append(Change(index, label, "xoá điểm lặp liền nhau sau khi làm tròn",
                              "removed consecutive repeated points after rounding"))
    if len(deduplicated) >= 3 and deduplicated[0] != deduplicated[-1]:
        deduplicated.append(list(deduplicated[0]))
        changes.append(Change(index, label, "khép kín vòng (thêm điểm đầu vào cuối)",
                              "closed the ring (repeated the first position at the end)"))
    return deduplicated


def _round(value: int | Decimal | float) -> Decimal:
    """More than 6 decimals rounded to 6; fewer are left alone (padding would fake a
    precision nobody measured: the check still reports them)."""
    exact = Decimal(str(value))
    exponent = exact.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) else 0
    return exact.quantize(Decimal(1).scaleb(-MIN_DECIMALS)) if places > MIN_DECIMALS else exact

