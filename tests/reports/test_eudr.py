"""EUDR: readiness list, EU GeoJSON, statement data, Whisp risk import."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from agritrace.errors import ValidationException
from agritrace.farm.geometry import check_geometry
from agritrace.reports.eudr import (
    COMMODITIES,
    CommodityLine,
    PlotRecord,
    check_plot,
    feature_collection,
    read_whisp_csv,
    readiness,
    shipment_risk,
    statement,
    to_geojson_text,
)

W, S, E, N = 103.016071, 21.386101, 103.018071, 21.388101
SQUARE = {"type": "Polygon", "coordinates": [[[W, S], [E, S], [E, N], [W, N], [W, S]]]}
POINT = {"type": "Point", "coordinates": [103.022512, 21.391234]}
PLACE = "Mường Phăng, TP Điện Biên Phủ, Điện Biên"


def plot(plot_id: str, **changes: object) -> PlotRecord:
    fields: dict[str, object] = {
        "plot_id": plot_id, "producer_name": "Lò Văn Minh", "producer_country": "VN",
        "production_place": PLACE, "geometry": SQUARE, "area_ha": None}
    fields.update(changes)
    return PlotRecord(**fields)  # type: ignore[arg-type]


GOOD_POLYGON = plot("T-01")
GOOD_POINT = plot("T-02", producer_name="Quàng Thị Hoa", geometry=POINT, area_ha=1.5)


def codes(record: PlotRecord) -> list[str]:
    return [issue.code for issue in check_plot(record).issues]


# --- readiness ------------------------------------------------------------------------------


def test_good_plots_are_ready() -> None:
    assert check_plot(GOOD_POLYGON).ready and check_plot(GOOD_POINT).ready
    assert codes(GOOD_POLYGON) == codes(GOOD_POINT) == []


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (plot("T-03", geometry=None), ["missing_geometry"]),
        (plot("T-04", producer_name=" "), ["missing_producer"]),
        (plot("T-05", producer_country=None), ["missing_country"]),
        (plot("T-06", producer_country="VNM"), ["bad_country"]),
        (plot("T-07", geometry=POINT), ["missing_area"]),
        (plot("T-08", geometry=POINT, area_ha=4.1), ["point_over_4ha"]),
        (plot("T-09", geometry={"type": "Polygon", "coordinates": [
            [[S, W], [S, E], [N, E], [N, W], [S, W]]]}), ["swapped"]),
    ],
)
def test_each_gap_makes_a_plot_not_ready(record: PlotRecord, expected: list[str]) -> None:
    state = check_plot(record)
    assert not state.ready
    assert [i.code for i in state.issues] == expected
    for issue in state.issues:
        assert record.plot_id in issue.message_vi and record.plot_id in issue.message_en


def test_warnings_do_not_block() -> None:
    record = plot("T-10", production_place="", area_ha=2.0)  # measured 4.59 ha
    state = check_plot(record)
    assert state.ready
    assert [(i.code, i.severity) for i in state.issues] == [
        ("missing_place", "warning"), ("area_mismatch", "warning")]
    assert state.issues[1].message_en == (
        "Plot T-10: the declared area 2 ha differs from the measured 4.59 ha. Fix: check the "
        "boundary or the area.")


def test_a_plot_outside_vietnam_is_judged_by_its_own_country() -> None:
    ivory = {"type": "Point", "coordinates": [-5.547123, 6.820456]}
    assert check_plot(plot("CI-1", producer_country="CI", geometry=ivory, area_ha=2.0)).ready


def test_shipment_readiness_lists_every_plot() -> None:
    shipment = readiness([GOOD_POLYGON, GOOD_POINT, plot("T-03", geometry=None)])
    assert not shipment.ready
    assert [p.plot for p in shipment.not_ready] == ["T-03"]
    assert [i.message_vi for i in shipment.issues()] == [
        "Thửa T-03: chưa có toạ độ. Sửa: đo điểm hoặc ranh giới thửa bằng GPS."]


# --- the EU GeoJSON -------------------------------------------------------------------------


def test_feature_collection_in_the_eu_format() -> None:
    collection = feature_collection([GOOD_POLYGON, GOOD_POINT])
    assert collection["type"] == "FeatureCollection"
    polygon, point = collection["features"]
    assert polygon == {"type": "Feature", "geometry": SQUARE, "properties": {
        "ProducerName": "Lò Văn Minh", "ProducerCountry": "VN", "ProductionPlace": PLACE}}
    assert point["geometry"] == POINT
    assert point["properties"] == {"ProducerName": "Quàng Thị Hoa", "ProducerCountry": "VN",
                                   "ProductionPlace": PLACE, "Area": 1.5}
    for n, feature in enumerate(collection["features"]):
        assert check_geometry(str(n), feature).issues == ()


def test_feature_collection_refuses_plots_that_are_not_ready() -> None:
    with pytest.raises(ValidationException) as caught:
        feature_collection([GOOD_POLYGON, plot("T-08", geometry=POINT, area_ha=4.1)])
    assert "1 of 2 plots are not ready" in str(caught.value)
    assert [(p.document, p.expected) for p in caught.value.problems] == [
        ("T-08", "point_over_4ha")]
    lenient = feature_collection([GOOD_POLYGON, plot("T-08", geometry=POINT, area_ha=4.1)],
                                 strict=False)
    assert len(lenient["features"]) == 1


def test_geojson_text_keeps_six_decimals_and_reads_back() -> None:
    # Read with parse_float=Decimal, 103.500000 keeps its 6 places and passes the check.
    raw = '{"type": "Point", "coordinates": [103.500000, 21.386101]}'
    record = plot("T-11", geometry=json.loads(raw, parse_float=Decimal), area_ha=0.5)
    assert check_plot(record).ready
    assert not check_plot(plot("T-11", geometry=json.loads(raw), area_ha=0.5)).ready
    collection = feature_collection([GOOD_POLYGON, record])
    text = to_geojson_text(collection)
    assert json.loads(text) == collection
    assert "[103.500000, 21.386101]" in text
    numbers = re.findall(r"-?\d+\.\d+", text.split('"coordinates": ', 1)[1])
    assert numbers and all(len(n.split(".")[1]) >= 6 for n in numbers[:10])
    assert "Lò Văn Minh" in text


# --- due diligence statement ----------------------------------------------------------------


def test_hs_headings_table() -> None:
    assert {k: c.hs_heading for k, c in COMMODITIES.items()} == {
        "coffee": "0901", "cocoa": "1801", "rubber": "4001", "oil_palm": "1511",
        "soya": "1201", "cattle": "0102", "wood": "4403"}


def test_statement_groups_producers_with_their_geometry() -> None:
    third = plot("T-12", geometry={"type": "Point", "coordinates": [103.031234, 21.401234]},
                 area_ha=0.8)
    line = CommodityLine("coffee", "Cà phê nhân Arabica Điện Biên", 19_200.0,
                         ("T-01", "T-02", "T-12"))
    data = statement("EXPORT", [line], [GOOD_POLYGON, GOOD_POINT, third],
                     operator={"name": "HTX Cà phê Mường Phăng"}, reference="SHIP-2026-001")
    assert data["activityType"] == "EXPORT"
    assert data["internalReferenceNumber"] == "SHIP-2026-001"
    [commodity] = data["commodities"]
    assert commodity["hsHeading"] == "0901"
    assert commodity["descriptors"] == {
        "descriptionOfGoods": "Cà phê nhân Arabica Điện Biên",
        "goodsMeasure": {"netWeight": 19_200.0, "unit": "KGM"}}
    producers = {p["name"]: p for p in commodity["producers"]}
    assert set(producers) == {"Lò Văn Minh", "Quàng Thị Hoa"}
    assert producers["Lò Văn Minh"]["country"] == "VN"
    assert len(producers["Lò Văn Minh"]["geometryGeojson"]["features"]) == 2
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_statement_names_every_problem() -> None:
    lines = [CommodityLine("durian", "Sầu riêng", 0.0, ("T-01",)),
             CommodityLine("coffee", "Cà phê", 100.0, ("T-99", "T-03"))]
    with pytest.raises(ValidationException) as caught:
        statement("SELL", lines, [GOOD_POLYGON, plot("T-03", geometry=None)])
    assert [(p.path, p.found) for p in caught.value.problems] == [
        ("activityType", "'SELL'"),
        ("commodities[0].commodity", "'durian'"),
        ("commodities[0].netWeight", "0"),
        ("commodities[1].plots", "'T-99'"),
        ("coordinates", "Plot T-03: no geolocation. Fix: record the plot's point or boundary "
                        "with GPS.")]


# --- Whisp ----------------------------------------------------------------------------------

# Column names as in Whisp's current output (openforis-whisp: plotId, external_id, Area, …,
# Ind_0x indicators, risk_pcrop / risk_acrop / risk_timber).
WHISP_CURRENT = (
    "plotId,external_id,Area,Geometry_type,Country,ProducerCountry,Admin_Level_1,Centroid_lon,"
    "Centroid_lat,Unit,In_waterbody,GFC_TC_2020,Ind_01_treecover,Ind_02_commodities,"
    "Ind_03_disturbance_before_2020,Ind_04_disturbance_after_2020,risk_pcrop,risk_acrop,"
    "risk_timber\n"
    "1,T-01,4.593,Polygon,VNM,VN,Điện Biên,103.017071,21.387101,ha,False,0.4,yes,yes,no,no,"
    "low,low,low\n"
    "2,T-02,1.5,Point,VNM,VN,Điện Biên,103.022512,21.391234,ha,False,1.2,yes,no,no,yes,high,"
    "high,more_info_needed\n"
    "3,T-12,0.8,Point,VNM,VN,Điện Biên,103.031234,21.401234,ha,False,0.9,yes,no,yes,no,"
    "More info needed,low,low\n"
    "4,,0.5,Point,VNM,VN,Điện Biên,103.0,21.4,ha,False,0,no,no,no,no,low,low,low\n"
    "5,T-13,0.5,Point,VNM,VN,Điện Biên,103.0,21.4,ha,False,0,no,no,no,no,maybe,low,low\n")

# The older layout (Plot_id, Geo_id, Plot_area_ha, Indicator_n, EUDR_risk), semicolon-separated
# as a spreadsheet in a Vietnamese locale saves it, with a byte-order mark.
WHISP_OLD = (
    "\ufeff;Plot_id;Geo_id;Plot_area_ha;Country;Indicator_1_treecover;"
    "Indicator_4_disturbance_after_2020;EUDR_risk\n"
    "0;1;T-01;4,593;VNM;yes;no;low\n"
    "1;2;T-02;1,5;VNM;no;yes;high\n")


def test_read_current_whisp_output() -> None:
    result = read_whisp_csv(WHISP_CURRENT, commodity="coffee")
    assert {k: r.risk for k, r in result.risks.items()} == {
        "T-01": "low", "T-02": "high", "T-12": "more_info_needed", "T-13": None}
    t02 = result.risks["T-02"]
    assert (t02.risk_column, t02.area_ha, t02.country, t02.line) == ("risk_pcrop", 1.5, "VNM", 3)
    assert t02.disturbance_after_cutoff is True
    assert result.risks["T-01"].disturbance_after_cutoff is False
    assert t02.indicators == {"Ind_01_treecover": "yes", "Ind_02_commodities": "no",
                              "Ind_03_disturbance_before_2020": "no",
                              "Ind_04_disturbance_after_2020": "yes"}
    assert [(p.line, p.expected, p.found) for p in result.problems] == [
        (5, "the plot's id", "nothing"),
        (6, "low, more_info_needed or high", "'maybe'")]


def test_read_whisp_picks_the_commodity_column() -> None:
    soya = read_whisp_csv(WHISP_CURRENT, commodity="soya")
    assert soya.risks["T-12"].risk == "low" and soya.risks["T-12"].risk_column == "risk_acrop"
    wood = read_whisp_csv(WHISP_CURRENT, commodity="wood")
    assert wood.risks["T-02"].risk == "more_info_needed"


def test_read_older_whisp_output_with_semicolons() -> None:
    result = read_whisp_csv(WHISP_OLD)
    assert {k: (r.risk, r.area_ha) for k, r in result.risks.items()} == {
        "T-01": ("low", 4.593), "T-02": ("high", 1.5)}
    assert result.risks["T-02"].risk_column == "EUDR_risk"
    assert result.risks["T-02"].disturbance_after_cutoff is True
    assert result.problems == ()


def test_whisp_file_without_a_risk_column() -> None:
    result = read_whisp_csv("plotId,external_id,Area\n1,T-01,2.0\n")
    assert result.risks["T-01"].risk is None
    assert result.problems[0].expected == "a risk_pcrop or EUDR_risk column"
    assert read_whisp_csv("").problems[0].found == "nothing"


def test_shipment_risk_takes_the_worst_plot() -> None:
    result = read_whisp_csv(WHISP_CURRENT)
    assert shipment_risk(result, ["T-01"]).level == "low"
    assert shipment_risk(result, ["T-01", "T-12"]).level == "more_info_needed"
    high = shipment_risk(result, ["T-01", "T-12", "T-02"])
    assert high.level == "high"
    assert "31/12/2020" in high.message_vi and "31/12/2020" in high.message_en
    incomplete = shipment_risk(result, ["T-01", "T-77", "T-13"])
    assert (incomplete.level, incomplete.missing) == ("incomplete", ("T-77", "T-13"))
    assert incomplete.message_en.endswith("(no result: T-77, T-13)")

