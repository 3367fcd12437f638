"""Plot geometry: read a GeoJSON Point, Polygon or MultiPolygon, check it, measure it.

The checks are the ones the EU information system applies to EUDR geolocation files (GeoJSON
file description v1.3: RFC 7946, WGS84, ``[longitude, latitude]``, at least 6 decimals, closed
rings of at least 4 positions, no crossing edges, no holes, no duplicate points after rounding
to 6 decimals), plus two for Vietnam: a pair that lands in Vietnam only when swapped is reported
as swapped, and a plot outside the country's box is a warning.

Every issue names the plot, the polygon, the ring (0 is the outer boundary, 1… the holes) and the
vertex as 0-based indexes into the GeoJSON arrays; the messages count from 1, as people do.

>>> check = check_geometry("T-01", {"type": "Point", "coordinates": [103.016071, 21.386101]},
...                        declared_area_ha=4.1)
>>> [issue.code for issue in check.issues]
['point_over_4ha']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import split

from agritrace.errors import Problem, ValidationException
from agritrace.web.i18n import format_amount

Position = tuple[float, float]
Ring = tuple[Position, ...]
PolygonCoords = tuple[Ring, ...]

MIN_DECIMALS = 6
POINT_MAX_HA = 4.0
_GEOD = Geod(ellps="WGS84")
_KINDS = ("Point", "Polygon", "MultiPolygon")


@dataclass(frozen=True)
class BoundingBox:
    """A country's rough extent, used to catch swapped or stray coordinates."""

    name_vi: str
    name_en: str
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


# Mainland plus the Paracel and Spratly islands; generous on purpose, it only catches gross errors.
VIETNAM_BOX = BoundingBox("Việt Nam", "Vietnam", 102.0, 6.0, 117.9, 23.5)


@dataclass(frozen=True)
class GeometryIssue:
    """One thing wrong with a plot's geometry, located and explained in Vietnamese and English."""

    code: str
    plot: str
    ring: int | None
    vertex: int | None
    message_vi: str
    message_en: str
    polygon: int | None = None
    severity: str = "error"

    def as_problem(self) -> Problem:
        """The issue as a generic :class:`~agritrace.errors.Problem` (path into the GeoJSON)."""
        path = "coordinates"
        for index in (self.polygon, self.ring, self.vertex):
            if index is not None:
                path += f"[{index}]"
        return Problem(path=path, expected=self.code, found=self.message_en, document=self.plot)


@dataclass(frozen=True)
class PlotGeometry:
    """A plot's shape in WGS84 degrees, ``[lon, lat]``; a Point has no polygons."""

    plot: str
    kind: str
    polygons: tuple[PolygonCoords, ...] = ()
    point: Position | None = None

    @cached_property
    def area_ha(self) -> float:
        """Geodesic area on the WGS84 ellipsoid in hectares (0 for a Point)."""
        return geodesic_area_ha(self.polygons)

    @cached_property
    def shape(self) -> Point | Polygon | MultiPolygon:
        if self.point is not None:
            return Point(self.point)
        polygons = [Polygon(rings[0], rings[1:]) for rings in self.polygons]
        return polygons[0] if self.kind == "Polygon" else MultiPolygon(polygons)

    @property
    def centroid(self) -> Position:
        """Planar centroid in degrees: good enough for plots a few km across."""
        centre = self.shape.centroid
        return (float(centre.x), float(centre.y))

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)``."""
        min_x, min_y, max_x, max_y = self.shape.bounds
        return (float(min_x), float(min_y), float(max_x), float(max_y))

    def to_geojson(self) -> dict[str, Any]:
        """The RFC 7946 geometry object."""
        if self.point is not None:
            return {"type": "Point", "coordinates": list(self.point)}
        polygons = [[[list(p) for p in ring] for ring in rings] for rings in self.polygons]
        coordinates = polygons[0] if self.kind == "Polygon" else polygons
        return {"type": self.kind, "coordinates": coordinates}


@dataclass(frozen=True)
class GeometryCheck:
    """The outcome of :func:`check_geometry`; ``geometry`` is None when it could not be read."""

    plot: str
    geometry: PlotGeometry | None
    issues: tuple[GeometryIssue, ...]

    @property
    def errors(self) -> tuple[GeometryIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[GeometryIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.geometry is not None and not self.errors


def geodesic_area_ha(polygons: Sequence[Sequence[Sequence[Position]]]) -> float:
    """Area in hectares of polygons (outer ring minus holes) on the WGS84 ellipsoid.

    >>> round(geodesic_area_ha([[[(0.0, 0.0), (0.001, 0.0), (0.001, 0.001), (0.0, 0.001),
    ...                          (0.0, 0.0)]]]), 4)
    1.2309
    """
    total = 0.0
    for rings in polygons:
        for index, ring in enumerate(rings):
            area, _ = _GEOD.polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
            total += abs(area) if index == 0 else -abs(area)
    return total / 10_000.0


def check_geometry(
    plot: str,
    obj: object,
    *,
    declared_area_ha: float | None = None,
    country_box: BoundingBox | None = VIETNAM_BOX,
    max_plausible_ha: float = 1000.0,
) -> GeometryCheck:
    """Read and check a plot's GeoJSON geometry (or a Feature holding one); never raises."""
    issues: list[GeometryIssue] = []
    coarse: list[GeometryIssue] = []
    geometry = _read(plot, obj, issues, coarse)
    if geometry is None:
        return GeometryCheck(plot, None, tuple(issues))
    position_issues: list[GeometryIssue] = []
    for position, where in _positions(geometry):
        _check_position(plot, position, where, country_box, position_issues)
    issues.extend(_first_per_ring(position_issues + coarse))
    if geometry.point is not None:
        _check_point(plot, geometry, declared_area_ha, issues)
        return GeometryCheck(plot, geometry, tuple(issues))
    misplaced = any(i.code in ("out_of_range", "swapped") for i in position_issues)
    structural = _check_rings(plot, geometry, issues)
    if not (structural or misplaced):
        _check_validity(plot, geometry, issues)
        if geometry.area_ha > max_plausible_ha:
            issues.append(_issue("area_implausible", plot, None, None, severity="warning",
                                 area=round(geometry.area_ha, 1), limit=float(max_plausible_ha)))
    return GeometryCheck(plot, geometry, tuple(issues))


def parse_geometry(plot: str, obj: object, **options: Any) -> PlotGeometry:
    """Like :func:`check_geometry` but returns the geometry or raises ValidationException."""
    check = check_geometry(plot, obj, **options)
    if check.geometry is None or check.errors:
        problems = [issue.as_problem() for issue in check.errors]
        raise ValidationException(f"Plot {plot}: the geometry is not valid", problems)
    return check.geometry


def split_holes(geometry: PlotGeometry) -> tuple[PlotGeometry, ...]:
    """Cut every polygon with holes into hole-free polygons (the fix the EU system needs).

    Each hole is cut by a north-south line through its centroid; the pieces together cover
    exactly the original area. The pieces share edges, so they come back as separate
    Polygons (plot ids ``<plot>/1``, ``<plot>/2``…), one EU feature each: a MultiPolygon of
    edge-sharing parts would be invalid. Coordinates are rounded to 6 decimals.
    """
    pieces: list[Polygon] = []
    for rings in geometry.polygons:
        pieces.extend(_cut_until_holeless(Polygon(rings[0], rings[1:])))
    if len(pieces) == 1:
        return (geometry,)
    return tuple(
        PlotGeometry(f"{geometry.plot}/{n}", "Polygon", ((_ring_coords(piece.exterior.coords),),))
        for n, piece in enumerate(pieces, start=1))


def _cut_until_holeless(polygon: Polygon) -> list[Polygon]:
    if not polygon.interiors:
        return [shapely.geometry.polygon.orient(polygon)]
    hole_x = Polygon(polygon.interiors[0]).centroid.x
    _, min_y, _, max_y = polygon.bounds
    blade = LineString([(hole_x, min_y - 1.0), (hole_x, max_y + 1.0)])
    out: list[Polygon] = []
    for part in split(polygon, blade).geoms:
        out.extend(_cut_until_holeless(part))
    return out


def _ring_coords(coords: Any) -> Ring:
    return tuple((round(float(x), MIN_DECIMALS), round(float(y), MIN_DECIMALS)) for x, y in coords)


# --- reading -------------------------------------------------------------------------------


def _read(
    plot: str, obj: object, issues: list[GeometryIssue], coarse: list[GeometryIssue],
) -> PlotGeometry | None:
    """The geometry, or None with the reason in ``issues``; ``coarse`` gets decimals issues."""
    if isinstance(obj, Mapping) and obj.get("type") == "Feature":
        obj = obj.get("geometry")
    if not isinstance(obj, Mapping):
        issues.append(_issue("not_geometry", plot, None, None, found=_kind_of(obj)))
        return None
    kind = obj.get("type")
    if kind not in _KINDS:
        issues.append(_issue("unsupported_type", plot, None, None, found=str(kind)))
        return None
    coordinates = obj.get("coordinates")
    if kind == "Point":
        point = _position(plot, coordinates, (None, None, None), issues, coarse)
        return None if point is None else PlotGeometry(plot, "Point", point=point)
    nested = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(nested, list) or not nested:
        issues.append(_issue("empty_geometry", plot, None, None))
        return None
    polygons: list[PolygonCoords] = []
    for p_index, rings in enumerate(nested):
        where = p_index if kind == "MultiPolygon" else None
        read = _read_polygon(plot, rings, where, issues, coarse)
        if read is None:
            return None
        polygons.append(read)
    return PlotGeometry(plot, str(kind), tuple(polygons))


def _read_polygon(
    plot: str, rings: object, p_index: int | None, issues: list[GeometryIssue],
    coarse: list[GeometryIssue],
) -> PolygonCoords | None:
    if not isinstance(rings, list) or not rings:
        issues.append(_issue("empty_geometry", plot, None, None, polygon=p_index))
        return None
    out: list[Ring] = []
    for r_index, ring in enumerate(rings):
        if not isinstance(ring, list):
            issues.append(_issue("bad_position", plot, r_index, None, polygon=p_index,
                                 found=_kind_of(ring)))
            return None
        positions = [_position(plot, raw, (p_index, r_index, v), issues, coarse)
                     for v, raw in enumerate(ring)]
        if any(p is None for p in positions):
            return None
        out.append(tuple(p for p in positions if p is not None))
    return tuple(out)


def _position(
    plot: str, raw: object, where: tuple[int | None, int | None, int | None],
    issues: list[GeometryIssue], coarse: list[GeometryIssue],
) -> Position | None:
    numbers = isinstance(raw, list) and all(
        isinstance(n, int | float | Decimal) and not isinstance(n, bool) for n in raw)
    if not numbers or not isinstance(raw, list) or len(raw) not in (2, 3):
        issues.append(_issue("bad_position", plot, where[1], where[2], polygon=where[0],
                             found=_kind_of(raw)))
        return None
    lon, lat = float(raw[0]), float(raw[1])
    places = min(_decimals(raw[0]), _decimals(raw[1]))
    if places < MIN_DECIMALS:
        coarse.append(_issue("too_few_decimals", plot, where[1], where[2], polygon=where[0],
                             places=str(places), lon=_fmt(lon), lat=_fmt(lat)))
    return (lon, lat)


def _kind_of(value: object) -> str:
    if isinstance(value, list):
        return f"list of {len(value)}"
    return type(value).__name__ if value is not None else "nothing"


def _positions(
    geometry: PlotGeometry,
) -> list[tuple[Position, tuple[int | None, int | None, int | None]]]:
    if geometry.point is not None:
        return [(geometry.point, (None, None, None))]
    multi = geometry.kind == "MultiPolygon"
    return [(position, (p if multi else None, r, v))
            for p, rings in enumerate(geometry.polygons)
            for r, ring in enumerate(rings)
            for v, position in enumerate(ring)]


# --- checks ---------------------------------------------------------------------------------


def _check_position(
    plot: str, position: Position, where: tuple[int | None, int | None, int | None],
    box: BoundingBox | None, issues: list[GeometryIssue],
) -> None:
    lon, lat = position
    p_index, r_index, v_index = where
    fields = {"lon": _fmt(lon), "lat": _fmt(lat)}
    if box is not None and not box.contains(lon, lat) and box.contains(lat, lon):
        issues.append(_issue("swapped", plot, r_index, v_index, polygon=p_index, **fields))
        return
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        issues.append(_issue("out_of_range", plot, r_index, v_index, polygon=p_index, **fields))
        return
    if box is not None and not box.contains(lon, lat):
        issues.append(_issue("outside_country", plot, r_index, v_index, polygon=p_index,
                             severity="warning", country_vi=box.name_vi,
                             country_en=box.name_en, **fields))


def _first_per_ring(issues: list[GeometryIssue]) -> list[GeometryIssue]:
    """One issue per ring and code, naming the first vertex and counting the rest."""
    groups: dict[tuple[str, int | None, int | None], list[GeometryIssue]] = {}
    for issue in issues:
        groups.setdefault((issue.code, issue.polygon, issue.ring), []).append(issue)
    out = []
    for group in groups.values():
        first, more = group[0], len(group) - 1
        if more:
            first = replace(
                first,
                message_vi=f"{first.message_vi} (và {more} đỉnh khác trong vòng này)",
                message_en=f"{first.message_en} (and {more} more vertices in this ring)")
        out.append(first)
    return out


def _decimals(value: float | int | Decimal) -> int:
    """Decimal places of a coordinate as written.

    A float cannot remember trailing zeros, so its places are those of the shortest text that
    reads back as it; a reader that keeps them (``json.loads(text, parse_float=Decimal)``)
    lets ``103.500000`` count as 6 places.

    >>> _decimals(103.016071), _decimals(21.38), _decimals(105.0), _decimals(Decimal("103.500000"))
    (6, 2, 0, 6)
    """
    number = value if isinstance(value, Decimal) else Decimal(repr(value)).normalize()
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_point(
    plot: str, geometry: PlotGeometry, declared_area_ha: float | None,
    issues: list[GeometryIssue],
) -> None:
    if declared_area_ha is not None and declared_area_ha > POINT_MAX_HA:
        issues.append(_issue("point_over_4ha", plot, None, None,
                             area=float(declared_area_ha), limit=float(POINT_MAX_HA)))


def _check_rings(plot: str, geometry: PlotGeometry, issues: list[GeometryIssue]) -> bool:
    """Ring-level checks; True when a ring is too broken for the polygon checks to mean much."""
    broken = False
    multi = geometry.kind == "MultiPolygon"
    for p_index, rings in enumerate(geometry.polygons):
        where = p_index if multi else None
        for r_index, ring in enumerate(rings):
            if r_index > 0:
                issues.append(_issue("hole", plot, r_index, 0, polygon=where))
            broken |= _check_ring(plot, ring, where, r_index, issues)
    return broken


def _check_ring(
    plot: str, ring: Ring, p_index: int | None, r_index: int, issues: list[GeometryIssue],
) -> bool:
    if len(ring) < 4:
        issues.append(_issue("too_few_positions", plot, r_index, None, polygon=p_index,
                             count=str(len(ring))))
        return True
    if ring[0] != ring[-1]:
        issues.append(_issue("unclosed_ring", plot, r_index, len(ring) - 1, polygon=p_index,
                             first=_fmt_pos(ring[0]), last=_fmt_pos(ring[-1])))
        return True
    duplicate = _first_duplicate(ring)
    if duplicate is not None:
        first, second = duplicate
        issues.append(_issue("duplicate_point", plot, r_index, second, polygon=p_index,
                             other=str(first + 1)))
        return True
    crossing = _first_crossing(ring)
    if crossing is not None:
        code, i, j = crossing
        issues.append(_issue(code, plot, r_index, i, polygon=p_index, other=str(j + 1),
                             other_next=str(j + 2), vertex_next=str(i + 2)))
        return True
    return False


def _first_duplicate(ring: Ring) -> tuple[int, int] | None:
    seen: dict[Position, int] = {}
    for index, (lon, lat) in enumerate(ring[:-1]):
        key = (round(lon, MIN_DECIMALS), round(lat, MIN_DECIMALS))
        if key in seen:
            return seen[key], index
        seen[key] = index
    return None


def _first_crossing(ring: Ring) -> tuple[str, int, int] | None:
    """The first pair of edges that cross or overlap, as (code, edge i, edge j), i < j.

    Edge i runs from vertex i to vertex i+1. Shapely answers the cheap yes/no first; a
    spatial index then finds the touching pairs, so a 5,000-vertex GPS track stays fast.
    """
    if shapely.LinearRing(ring).is_simple:
        return None
    edges = len(ring) - 1
    segments = shapely.linestrings([[ring[i], ring[i + 1]] for i in range(edges)])
    left, right = shapely.STRtree(segments).query(segments, predicate="intersects")
    for i, j in sorted((int(a), int(b)) for a, b in zip(left, right, strict=True) if a < b):
        adjacent = j == i + 1 or (i == 0 and j == edges - 1)
        if not adjacent:
            return ("self_intersection", i, j)
        if shapely.intersection(segments[i], segments[j]).length > 0:
            return ("overlapping_edges", i, j)
    return None


def _check_validity(plot: str, geometry: PlotGeometry, issues: list[GeometryIssue]) -> None:
    """What the ring checks cannot see: holes touching the boundary, overlapping polygons."""
    if shapely.is_valid(geometry.shape):
        return
    reason = shapely.is_valid_reason(geometry.shape)
    if any(i.code == "hole" for i in issues) and "Self-intersection" not in reason:
        return
    issues.append(_issue("invalid_polygon", plot, None, None, reason=reason))


# --- messages -------------------------------------------------------------------------------

# (Vietnamese, English) per code; {where} is filled with the plot, polygon, ring and vertex.
_MESSAGES: dict[str, tuple[str, str]] = {
    "not_geometry": (
        "{where}: không đọc được hình học (nhận được {found}). Sửa: gửi một đối tượng GeoJSON "
        "Point, Polygon hoặc MultiPolygon.",
        "{where}: no geometry could be read (found {found}). Fix: send a GeoJSON Point, "
        "Polygon or MultiPolygon object."),
    "unsupported_type": (
        "{where}: kiểu hình học {found} không được hỗ trợ. Sửa: dùng Point, Polygon hoặc "
        "MultiPolygon.",
        "{where}: geometry type {found} is not supported. Fix: use Point, Polygon or "
        "MultiPolygon."),
    "empty_geometry": (
        "{where}: hình học không có toạ độ. Sửa: nhập ranh giới thửa.",
        "{where}: the geometry has no coordinates. Fix: enter the plot boundary."),
    "bad_position": (
        "{where}: toạ độ phải là cặp số [kinh độ, vĩ độ], nhận được {found}. Sửa: nhập lại "
        "toạ độ dạng độ thập phân.",
        "{where}: a position must be a pair of numbers [longitude, latitude], found {found}. "
        "Fix: re-enter it in decimal degrees."),
    "swapped": (
        "{where}: toạ độ [{lon}, {lat}] bị đảo vĩ độ và kinh độ; GeoJSON cần thứ tự [kinh độ, "
        "vĩ độ]. Sửa: đổi thành [{lat}, {lon}].",
        "{where}: coordinate [{lon}, {lat}] has latitude and longitude swapped; GeoJSON needs "
        "[longitude, latitude]. Fix: change it to [{lat}, {lon}]."),
    "out_of_range": (
        "{where}: toạ độ [{lon}, {lat}] nằm ngoài phạm vi WGS84 (kinh độ −180…180, vĩ độ "
        "−90…90). Sửa: nhập lại toạ độ dạng độ thập phân.",
        "{where}: coordinate [{lon}, {lat}] is outside the WGS84 range (longitude −180…180, "
        "latitude −90…90). Fix: re-enter it in decimal degrees."),
    "outside_country": (
        "{where}: toạ độ [{lon}, {lat}] nằm ngoài lãnh thổ {country_vi}. Sửa: kiểm tra lại "
        "toạ độ đo được.",
        "{where}: coordinate [{lon}, {lat}] lies outside {country_en}. Fix: check the "
        "measured coordinate."),
    "too_few_decimals": (
        "{where}: toạ độ [{lon}, {lat}] chỉ có {places} chữ số thập phân; EU yêu cầu ít nhất "
        "6. Sửa: đo lại bằng GPS hoặc xuất toạ độ với 6 chữ số thập phân.",
        "{where}: coordinate [{lon}, {lat}] has only {places} decimal place(s); the EU requires "
        "at least 6. Fix: measure again with GPS or export with 6 decimals."),
    "too_few_positions": (
        "{where}: vòng chỉ có {count} điểm; một vòng khép kín cần ít nhất 4 điểm (3 góc và "
        "điểm đóng vòng). Sửa: đo đủ các góc thửa.",
        "{where}: the ring has only {count} positions; a closed ring needs at least 4 (3 "
        "corners and the closing position). Fix: measure every corner of the plot."),
    "unclosed_ring": (
        "{where}: vòng không khép kín, điểm cuối {last} khác điểm đầu {first}. Sửa: thêm "
        "điểm đầu {first} vào cuối vòng.",
        "{where}: the ring is not closed, the last position {last} differs from the first "
        "{first}. Fix: repeat the first position {first} at the end."),
    "duplicate_point": (
        "{where}: trùng với đỉnh {other} sau khi làm tròn 6 chữ số thập phân. Sửa: xoá "
        "điểm trùng.",
        "{where}: duplicates vertex {other} after rounding to 6 decimals. Fix: delete the "
        "duplicate point."),
    "self_intersection": (
        "{where}: cạnh từ đỉnh {vertex_no} đến {vertex_next} cắt cạnh từ đỉnh {other} đến "
        "{other_next} (đa giác tự cắt, hình nơ). Sửa: sắp lại thứ tự các đỉnh theo đường đi "
        "quanh thửa.",
        "{where}: the edge from vertex {vertex_no} to {vertex_next} crosses the edge from "
        "vertex {other} to {other_next} (self-intersecting, bow-tie polygon). Fix: order the "
        "vertices as you walk around the plot."),
    "overlapping_edges": (
        "{where}: cạnh từ đỉnh {vertex_no} đến {vertex_next} chồng lên cạnh từ đỉnh {other} "
        "đến {other_next} (đường đi quay ngược). Sửa: xoá đỉnh thừa.",
        "{where}: the edge from vertex {vertex_no} to {vertex_next} overlaps the edge from "
        "vertex {other} to {other_next} (the outline doubles back). Fix: delete the extra "
        "vertex."),
    "hole": (
        "{where}: đa giác có lỗ; hệ thống EU không chấp nhận lỗ. Sửa: chia thửa thành các "
        "đa giác không có lỗ (agritrace có thể chia tự động).",
        "{where}: the polygon has a hole; the EU system does not accept holes. Fix: split "
        "the plot into polygons without holes (agritrace can split it for you)."),
    "invalid_polygon": (
        "{where}: đa giác không hợp lệ ({reason}). Sửa: vẽ lại ranh giới để các vòng và "
        "đa giác không chạm hay chồng lên nhau.",
        "{where}: the polygon is not valid ({reason}). Fix: redraw the boundary so rings and "
        "polygons neither touch nor overlap."),
    "point_over_4ha": (
        "{where}: thửa {area} ha chỉ có một điểm; thửa trên {limit} ha phải khai báo bằng "
        "đa giác. Sửa: đo ranh giới thửa (đi quanh thửa với GPS).",
        "{where}: a {area} ha plot is given as a single point; plots over {limit} ha need a "
        "polygon. Fix: survey the boundary (walk around the plot with GPS)."),
    "area_implausible": (
        "{where}: diện tích {area} ha lớn bất thường (trên {limit} ha). Sửa: kiểm tra đơn "
        "vị và toạ độ.",
        "{where}: the area {area} ha is implausibly large (over {limit} ha). Fix: check the "
        "units and the coordinates."),
}


def message(code: str, **fields: Any) -> tuple[str, str]:
    """The (Vietnamese, English) message for ``code``, located by plot/polygon/ring/vertex."""
    vi, en = _MESSAGES[code]
    where_vi, where_en = _where(fields.pop("plot"), fields.pop("polygon", None),
                                fields.pop("ring", None), fields.pop("vertex", None))
    vertex = fields.get("vertex_no")
    if vertex is None and "vertex_next" in fields:
        fields["vertex_no"] = int(fields["vertex_next"]) - 1
    # A measure (a float) is written as each language writes numbers: 1.234,5 / 1,234.5.
    text_vi, text_en = ({k: format_amount(v, lang) if isinstance(v, float) else str(v)
                         for k, v in fields.items() if v is not None} for lang in ("vi", "en"))
    return vi.format(where=where_vi, **text_vi), en.format(where=where_en, **text_en)


def _where(
    plot: str, polygon: int | None, ring: int | None, vertex: int | None,
) -> tuple[str, str]:
    vi, en = [f"Thửa {plot}"], [f"Plot {plot}"]
    if polygon is not None:
        vi.append(f"đa giác {polygon + 1}")
        en.append(f"polygon {polygon + 1}")
    if ring is not None:
        vi.append("vòng ngoài" if ring == 0 else f"lỗ {ring}")
        en.append("outer ring" if ring == 0 else f"hole {ring}")
    if vertex is not None:
        vi.append(f"đỉnh {vertex + 1}")
        en.append(f"vertex {vertex + 1}")
    return ", ".join(vi), ", ".join(en)


def _fmt(value: float) -> str:
    return repr(value)


def _fmt_pos(position: Position) -> str:
    return f"[{_fmt(position[0])}, {_fmt(position[1])}]"


def _issue(
    code: str, plot: str, ring: int | None, vertex: int | None, *,
    polygon: int | None = None, severity: str = "error", **fields: object,
) -> GeometryIssue:
    vi, en = message(code, plot=plot, polygon=polygon, ring=ring, vertex=vertex, **fields)
    return GeometryIssue(code, plot, ring, vertex, vi, en, polygon, severity)
