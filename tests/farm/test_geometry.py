"""Plot geometry checks: one case per EU information-system error, plus geodesic area."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from shapely.geometry import Polygon

from agritrace.errors import ValidationException
from agritrace.farm.geometry import (
    VIETNAM_BOX,
    check_geometry,
    geodesic_area_ha,
    parse_geometry,
    split_holes,
)

# A 0.002° x 0.002° plot of coffee near Dien Bien Phu (about 207 m x 222 m, 4.59 ha).
W, S, E, N = 103.016071, 21.386101, 103.018071, 21.388101
SQUARE = [[W, S], [E, S], [E, N], [W, N], [W, S]]


def polygon(*rings: list[list[float]]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": list(rings)}


def codes(obj: object, **options: object) -> list[str]:
    return [issue.code for issue in check_geometry("T-01", obj, **options).issues]  # type: ignore[arg-type]


def only_issue(obj: object, **options: object):  # type: ignore[no-untyped-def]
    issues = check_geometry("T-01", obj, **options).issues  # type: ignore[arg-type]
    assert len(issues) == 1, [i.message_en for i in issues]
    return issues[0]


def test_valid_square_has_no_issue_and_its_measures() -> None:
    check = check_geometry("T-01", polygon(SQUARE))
    assert check.ok and check.issues == ()
    assert check.geometry is not None
    assert check.geometry.bbox == (W, S, E, N)
    assert check.geometry.centroid == pytest.approx(((W + E) / 2, (S + N) / 2))
    assert check.geometry.to_geojson() == polygon(SQUARE)


def test_a_feature_wrapper_is_read_for_its_geometry() -> None:
    feature = {"type": "Feature", "properties": {}, "geometry": polygon(SQUARE)}
    assert check_geometry("T-01", feature).ok


# --- one case per EU error ------------------------------------------------------------------


def test_point_for_a_41_ha_plot_is_refused() -> None:
    issue = only_issue({"type": "Point", "coordinates": [W, S]}, declared_area_ha=4.1)
    assert issue.code == "point_over_4ha"
    assert issue.message_en == (
        "Plot T-01: a 4.1 ha plot is given as a single point; plots over 4 ha need a polygon. "
        "Fix: survey the boundary (walk around the plot with GPS).")
    assert issue.message_vi.startswith("Thửa T-01: thửa 4,1 ha chỉ có một điểm")


def test_point_for_a_plot_of_exactly_4_ha_is_accepted() -> None:
    assert codes({"type": "Point", "coordinates": [W, S]}, declared_area_ha=4.0) == []


def test_bow_tie_names_the_crossing_edges() -> None:
    bow_tie = [[W, S], [E, N], [E, S], [W, N], [W, S]]
    issue = only_issue(polygon(bow_tie))
    assert (issue.code, issue.ring, issue.vertex) == ("self_intersection", 0, 0)
    assert "edge from vertex 1 to 2 crosses the edge from vertex 3 to 4" in issue.message_en
    assert "cạnh từ đỉnh 1 đến 2 cắt cạnh từ đỉnh 3 đến 4" in issue.message_vi


def test_an_edge_doubling_back_is_an_overlap() -> None:
    spike = [[W, S], [E, S], [E, N], [E, S + 0.001], [W, N], [W, S]]
    issue = only_issue(polygon(spike))
    assert (issue.code, issue.vertex) == ("overlapping_edges", 1)


def test_swapped_coordinates_are_named_with_the_fix() -> None:
    swapped = [[lat, lon] for lon, lat in SQUARE]
    issue = only_issue(polygon(swapped))
    assert (issue.code, issue.ring, issue.vertex) == ("swapped", 0, 0)
    assert "Fix: change it to [103.016071, 21.386101]." in issue.message_en
    assert issue.message_en.endswith("(and 4 more vertices in this ring)")


def test_a_hole_is_refused_and_can_be_split_without_losing_area() -> None:
    hole = [[103.0165, 21.3865], [103.0165, 21.3875], [103.0175, 21.3875],
            [103.0175, 21.3865], [103.0165, 21.3865]]
    check = check_geometry("T-01", polygon(SQUARE, hole), country_box=None)
    hole_issues = [i for i in check.issues if i.code == "hole"]
    assert [(i.ring, i.vertex) for i in hole_issues] == [(1, 0)]
    assert "agritrace can split it for you" in hole_issues[0].message_en
    assert check.geometry is not None
    pieces = split_holes(check.geometry)
    assert [p.plot for p in pieces] == ["T-01/1", "T-01/2"]
    for piece in pieces:
        assert len(piece.polygons[0]) == 1  # no hole left
        assert Polygon(piece.polygons[0][0]).is_valid
    assert sum(p.area_ha for p in pieces) == pytest.approx(check.geometry.area_ha, rel=1e-6)


def test_split_holes_leaves_a_holeless_plot_alone() -> None:
    geometry = parse_geometry("T-01", polygon(SQUARE))
    assert split_holes(geometry) == (geometry,)


def test_unclosed_ring_names_its_last_vertex_and_the_fix() -> None:
    issue = only_issue(polygon(SQUARE[:-1]))
    assert (issue.code, issue.vertex) == ("unclosed_ring", 3)
    assert "Fix: repeat the first position [103.016071, 21.386101] at the end." in issue.message_en


def test_ring_of_fewer_than_four_positions() -> None:
    issue = only_issue(polygon([[W, S], [E, S], [W, S]]))
    assert issue.code == "too_few_positions"
    assert "only 3 positions" in issue.message_en


def test_fewer_than_six_decimals() -> None:
    coarse = [[103.0161, 21.3861], [103.0181, 21.3861], [103.0181, 21.3881], [103.0161, 21.3861]]
    issue = only_issue(polygon(coarse))
    assert (issue.code, issue.vertex) == ("too_few_decimals", 0)
    assert "has only 4 decimal place(s)" in issue.message_en


def test_duplicate_points_after_rounding_to_six_decimals() -> None:
    ring = [[W, S], [E, S], [E + 0.0000001, S + 0.0000002], [E, N], [W, N], [W, S]]
    issue = only_issue(polygon(ring))
    assert (issue.code, issue.vertex) == ("duplicate_point", 2)
    assert "duplicates vertex 2 after rounding" in issue.message_en


def test_out_of_range_coordinates() -> None:
    ring = [[W, S], [190.123456, S], [E, N], [W, S]]
    issue = only_issue(polygon(ring), country_box=None)
    assert (issue.code, issue.vertex) == ("out_of_range", 1)


@pytest.mark.parametrize(
    ("obj", "code"),
    [
        ("not json", "not_geometry"),
        ({"type": "LineString", "coordinates": SQUARE}, "unsupported_type"),
        ({"type": "Polygon", "coordinates": []}, "empty_geometry"),
        (polygon([[W, S], ["103.0", S], [E, N], [W, S]]), "bad_position"),
        ({"type": "Point", "coordinates": [True, 21.386101]}, "bad_position"),
    ],
)
def test_unreadable_geometry_gives_no_geometry(obj: object, code: str) -> None:
    check = check_geometry("T-01", obj)
    assert check.geometry is None and not check.ok
    assert [i.code for i in check.issues] == [code]


def test_overlapping_parts_of_a_multipolygon() -> None:
    shifted = [[lon + 0.001, lat] for lon, lat in SQUARE]
    issue = only_issue({"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]})
    assert issue.code == "invalid_polygon"


def test_outside_vietnam_is_only_a_warning_and_can_be_turned_off() -> None:
    ivory_coast = [[lon - 107.0, lat - 15.0] for lon, lat in SQUARE]
    check = check_geometry("T-01", polygon(ivory_coast))
    assert [i.code for i in check.warnings] == ["outside_country"] and check.ok
    assert codes(polygon(ivory_coast), country_box=None) == []


def test_multipolygon_issue_names_the_polygon() -> None:
    ok, bad = SQUARE, [[W + 0.01, S], [E + 0.01, S], [W + 0.01, S]]
    issue = only_issue({"type": "MultiPolygon", "coordinates": [[ok], [bad]]})
    assert (issue.polygon, issue.ring) == (1, 0)
    assert issue.message_en.startswith("Plot T-01, polygon 2, outer ring:")
    assert issue.as_problem().path == "coordinates[1][0]"


def test_parse_geometry_raises_with_every_error() -> None:
    with pytest.raises(ValidationException) as caught:
        parse_geometry("T-01", polygon(SQUARE[:-1]))
    assert [p.expected for p in caught.value.problems] == ["unclosed_ring"]
    assert caught.value.problems[0].document == "T-01"


def test_implausible_area_is_a_warning() -> None:
    big = [[103.0, 21.0], [103.5, 21.0], [103.5, 21.5], [103.0, 21.0]]
    big = [[lon + 0.000001, lat + 0.000001] for lon, lat in big]
    check = check_geometry("T-01", polygon(big))
    assert [i.code for i in check.issues] == ["area_implausible"]


# --- geodesic area --------------------------------------------------------------------------


def _authalic_box_ha(west: float, south: float, east: float, north: float) -> float:
    """Exact ellipsoidal area between two parallels and two meridians (Snyder 1987, eq. 3-12).

    The EU-style polygon joins its corners by geodesics, not parallels; for a 200 m box the
    difference is below a millionth of the area.
    """
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    e = math.sqrt(e2)

    def q(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return s / (1 - e2 * s * s) - math.log((1 - e * s) / (1 + e * s)) / (2 * e)

    return math.radians(east - west) * a * a * (1 - e2) / 2 * (q(north) - q(south)) / 10_000


def _laea_ha(ring: list[list[float]]) -> float:
    to_laea = Transformer.from_crs(
        "EPSG:4326", f"+proj=laea +lat_0={S} +lon_0={W} +ellps=WGS84", always_xy=True)
    return float(Polygon([to_laea.transform(lon, lat) for lon, lat in ring]).area) / 10_000


def test_known_square_near_dien_bien_matches_two_independent_computations() -> None:
    area = parse_geometry("T-01", polygon(SQUARE)).area_ha
    assert area == pytest.approx(_authalic_box_ha(W, S, E, N), rel=1e-5)
    assert area == pytest.approx(_laea_ha(SQUARE), rel=1e-5)
    assert area == pytest.approx(4.5928, abs=1e-4)


def test_square_of_200_m_geodesic_sides_is_4_ha() -> None:
    geod = Geod(ellps="WGS84")
    lon1, lat1, _ = geod.fwd(W, S, 90, 200)
    lon2, lat2, _ = geod.fwd(lon1, lat1, 0, 200)
    lon3, lat3, _ = geod.fwd(W, S, 0, 200)
    ring = [(W, S), (lon1, lat1), (lon2, lat2), (lon3, lat3), (W, S)]
    assert geodesic_area_ha([[ring]]) == pytest.approx(4.0, rel=1e-4)


def test_a_hole_is_subtracted_from_the_area() -> None:
    inner = [[W + 0.0005, S + 0.0005], [W + 0.0015, S + 0.0005], [W + 0.0015, S + 0.0015],
             [W + 0.0005, S + 0.0015], [W + 0.0005, S + 0.0005]]
    whole = geodesic_area_ha([[SQUARE]])
    assert geodesic_area_ha([[SQUARE, inner]]) == pytest.approx(
        whole - geodesic_area_ha([[inner]]))
    assert geodesic_area_ha([[SQUARE, inner]]) == pytest.approx(whole * 0.75, rel=1e-3)


@given(
    lon=st.floats(VIETNAM_BOX.min_lon, 109.0), lat=st.floats(8.5, 23.0),
    size=st.floats(0.0005, 0.02), start=st.integers(0, 3), reverse=st.booleans(),
)
def test_area_ignores_orientation_and_starting_vertex(
    lon: float, lat: float, size: float, start: int, reverse: bool,
) -> None:
    corners = [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)]
    turned = corners[start:] + corners[:start]
    if reverse:
        turned.reverse()
    ring = [*turned, turned[0]]
    base = geodesic_area_ha([[[*corners, corners[0]]]])
    assert base > 0
    assert geodesic_area_ha([[ring]]) == pytest.approx(base, rel=1e-9)
    assert base == pytest.approx(_authalic_box_ha(lon, lat, lon + size, lat + size), rel=1e-4)


@pytest.mark.parametrize("k", [5, 1000, 4990])
def test_crossing_in_a_long_gps_track_is_found_and_named(k: int) -> None:
    # A 5,000-point track round a plot of ~380 ha; at k two notch points are walked in the
    # wrong order, so the edge k-1 -> k crosses the edge k+1 -> k+2.
    n, radius = 5000, 0.01

    def at(i: int, r: float) -> list[float]:
        angle = 2 * math.pi * i / n
        return [round(103.0 + r * math.cos(angle), 6), round(21.3 + r * math.sin(angle), 6)]

    ring = [at(i, radius) for i in range(n)]
    ring[k], ring[k + 1] = at(k + 1, 0.8 * radius), at(k, 0.8 * radius)
    check = check_geometry("T-01", polygon([*ring, ring[0]]))
    crossings = [i for i in check.errors if i.code != "too_few_decimals"]
    assert [(i.code, i.vertex) for i in crossings] == [("self_intersection", k - 1)]
    assert f"edge from vertex {k} to {k + 1} crosses the edge from vertex {k + 2}" in (
        crossings[0].message_en)
