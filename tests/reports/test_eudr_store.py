"""EUDR from the store: a shipment's plots through trace, producers from the registry, risks."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from agritrace.capture import capture_document
from agritrace.demo import PLOTS
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.errors import AgritraceError, ValidationException
from agritrace.farm.diary_events import AGT_LOT, NAMESPACES
from agritrace.farm.places import add_place
from agritrace.farm.record import record_entry
from agritrace.farm.seasons import open_season
from agritrace.reports import eudr_store
from agritrace.reports.tables import plot_risks
from agritrace.store.orgs import create_organization
from tests.farm.coop import Coop, make_coop
from tests.reports.demo_data import PALLET, Demo, load

FARMERS = ["Lò Văn A", "Lò Văn B", "Lò Văn C"]


@pytest.fixture
def demo(engine: Engine) -> Demo:
    return load(engine)


def test_the_demo_pallet_leads_to_the_three_registered_coffee_plots(
        engine: Engine, demo: Demo) -> None:
    shipment = eudr_store.find_shipment(engine, demo.roaster, [PALLET])
    assert [p.record.producer_name for p in shipment.plots] == FARMERS
    assert [p.record.plot_id for p in shipment.plots] == list(PLOTS)
    first = shipment.plots[0]
    assert first.record.producer_country == "VN"  # from the harvest's countryOfOrigin
    assert first.record.production_place == "Ẳng Nưa, Mường Ảng, Điện Biên"
    assert first.record.area_ha == pytest.approx(4.5, abs=0.01)
    assert first.lots == (demo.chain.harvest_lots[0],)
    assert first.registered_by == demo.coop.name and shipment.unregistered == ()
    assert eudr_store.shipment_readiness(shipment).ready


def test_the_geojson_of_the_pallet_is_in_the_eu_format(engine: Engine, demo: Demo) -> None:
    shipment = eudr_store.find_shipment(engine, demo.roaster, [PALLET])
    collection = eudr_store.shipment_geojson(shipment)
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["ProducerName"] for f in collection["features"]] == FARMERS
    first = collection["features"][0]
    assert first["geometry"]["type"] == "Polygon"
    assert first["geometry"]["coordinates"][0][0] == [103.196412, 21.498731]  # [lon, lat]
    assert set(first["properties"]) == {"ProducerName", "ProducerCountry", "ProductionPlace"}


def test_the_statement_of_the_green_lot_takes_its_net_mass_from_the_events(
        engine: Engine, demo: Demo) -> None:
    shipment = eudr_store.find_shipment(engine, demo.coop, [demo.chain.green_lot])
    assert shipment.net_mass_kg == 560.0
    data = eudr_store.shipment_statement(shipment, activity="EXPORT", commodity="coffee")
    (line,) = data["commodities"]
    assert line["hsHeading"] == "0901"
    assert line["descriptors"]["goodsMeasure"] == {"netWeight": 560.0, "unit": "KGM"}
    assert [p["name"] for p in line["producers"]] == FARMERS


def test_a_pallet_has_no_mass_of_its_own_so_the_statement_asks_for_it(
        engine: Engine, demo: Demo) -> None:
    shipment = eudr_store.find_shipment(engine, demo.roaster, [PALLET])
    with pytest.raises(ValidationException) as caught:
        eudr_store.shipment_statement(shipment, activity="EXPORT", commodity="coffee")
    assert caught.value.problems[0].path == "netWeight"
    data = eudr_store.shipment_statement(shipment, activity="EXPORT", commodity="coffee",
                                         net_mass_kg=6.0)
    assert data["commodities"][0]["descriptors"]["goodsMeasure"]["netWeight"] == 6.0


def test_an_organization_that_never_handled_the_pallet_sees_no_plot(
        engine: Engine, demo: Demo) -> None:
    stranger = create_organization(engine, "Công ty khác")
    try:
        shipment = eudr_store.find_shipment(engine, stranger, [PALLET])
    except AgritraceError as exc:
        assert exc.status == 404
    else:
        assert shipment.plots == ()


def test_observing_the_pallet_does_not_open_its_plots(engine: Engine, demo: Demo) -> None:
    """Issue 11 item 3 for EUDR: a stranger's own OBSERVE naming the pallet reads nothing
    upstream of it; the roaster, to which the cooperative shipped the green beans, still gets
    its plots (through that shipment only)."""
    stranger = create_organization(engine, "Công ty khác")
    event = {"type": "ObjectEvent", "eventTime": "2026-12-01T09:00:00+07:00",
             "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "epcList": [PALLET],
             "bizStep": "inspecting"}
    document = Document(kind="EPCISDocument", namespaces=dict(NAMESPACES),
                        header={"schemaVersion": "2.0", "creationDate": "2026-12-01T00:00:00Z"},
                        events=iter([event]), name="observe")
    assert capture_document(engine, document, stranger).status == "success"
    shipment = eudr_store.find_shipment(engine, stranger, [PALLET])
    assert shipment.plots == () and shipment.hidden_events > 0
    assert len(eudr_store.find_shipment(engine, demo.roaster, [PALLET]).plots) == 3


def test_a_malformed_code_is_refused_by_name(engine: Engine) -> None:
    org = create_organization(engine, "X")
    with pytest.raises(AgritraceError, match="LOT-1"):
        eudr_store.find_shipment(engine, org, ["LOT-1"])


# --- plots that are not ready ---------------------------------------------------------------


def _harvest(engine: Engine, coop: Coop) -> str:
    record_entry(engine, coop.manager, "harvest", {
        "plot_id": coop.plot_a.uri, "season_id": coop.season_a.uri, "on": "2026-10-20",
        "quantity": 900, "unit": "kg", "lot": "NA-26-1"}, "h1")
    return AGT_LOT + "NA-26-1"


def _commission_without_country(engine: Engine, coop: Coop, lot: str) -> None:
    event = {"type": "ObjectEvent", "eventTime": "2026-10-21T09:00:00+07:00",
             "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "commissioning",
             "quantityList": [{"epcClass": lot, "quantity": 500.0, "uom": "KGM"}],
             "readPoint": {"id": coop.plot_b.uri}, "bizLocation": {"id": coop.plot_b.uri},
             "ilmd": {"agt:plot": coop.plot_b.uri}}
    header = {"schemaVersion": "2.0", "creationDate": "2026-10-21T09:00:00+07:00",
              "@context": [STANDARD_CONTEXT, dict(NAMESPACES)]}
    document = Document(kind="EPCISDocument", namespaces=dict(NAMESPACES), header=header,
                        events=iter([event]), name="erp")
    assert capture_document(engine, document, coop.org).status == "success"


def test_coarse_coordinates_and_a_missing_country_are_named_per_plot(engine: Engine) -> None:
    coop = make_coop(engine)  # plot A's surveyed ring has 5-decimal vertices
    lot_a = _harvest(engine, coop)
    lot_b = AGT_LOT + "ERP-7"
    _commission_without_country(engine, coop, lot_b)
    shipment = eudr_store.find_shipment(engine, coop.org, [lot_a, lot_b])
    state = eudr_store.shipment_readiness(shipment)
    assert not state.ready
    by_plot = {p.plot: [i.code for i in p.issues] for p in state.plots}
    assert by_plot == {coop.plot_a.uri: ["too_few_decimals"],
                       coop.plot_b.uri: ["missing_country"]}
    (coarse,) = state.plots[0].issues
    assert coarse.message_en.startswith(f"Plot {coop.plot_a.uri}, outer ring, vertex 2:")
    assert "Sửa:" in coarse.message_vi
    with pytest.raises(ValidationException, match="2 of 2 plots are not ready"):
        eudr_store.shipment_geojson(shipment)
    assert eudr_store.shipment_geojson(shipment, strict=False)["features"] == []


def test_a_partial_file_for_whisp_keeps_the_ready_plots_with_their_ids(
        engine: Engine) -> None:
    coop = make_coop(engine)
    lot_a = _harvest(engine, coop)
    record_entry(engine, coop.manager, "harvest", {
        "plot_id": coop.plot_b.uri, "season_id": coop.season_b.uri, "on": "2026-10-21",
        "quantity": 300, "unit": "kg", "lot": "NB-26-1"}, "h2")
    shipment = eudr_store.find_shipment(engine, coop.org, [lot_a, AGT_LOT + "NB-26-1"])
    collection = eudr_store.shipment_geojson(shipment, strict=False, with_ids=True)
    (feature,) = collection["features"]  # plot A's coarse ring is left out
    assert feature["properties"]["external_id"] == coop.plot_b.uri
    assert feature["properties"]["ProducerName"] == "Lò Văn B"
    assert "external_id" not in eudr_store.shipment_geojson(
        shipment, strict=False)["features"][0]["properties"]


def test_a_plot_registered_without_a_boundary_lacks_a_geometry(engine: Engine) -> None:
    coop = make_coop(engine)
    bare = add_place(engine, coop.manager, {"name": "Nương C", "area_ha": 1.2,
                                            "crop": "coffee"}).place
    season = open_season(engine, coop.manager, {"plot": bare.uri, "start": "2026-02-01"})
    record_entry(engine, coop.manager, "harvest", {
        "plot_id": bare.uri, "season_id": season.uri, "on": "2026-10-22", "quantity": 100,
        "unit": "kg", "lot": "NC-26-1"}, "h3")
    shipment = eudr_store.find_shipment(engine, coop.org, [AGT_LOT + "NC-26-1"])
    (plot,) = eudr_store.shipment_readiness(shipment).plots
    assert [i.code for i in plot.issues] == ["missing_geometry"]
    assert plot.producer == coop.org.name  # no farmer named: the cooperative is the producer
    assert plot.issues[0].message_en == (
        f"Plot {bare.uri}: no geolocation. Fix: record the plot's point or boundary with GPS.")


def test_a_harvest_plot_no_registry_knows_is_reported(engine: Engine) -> None:
    coop = make_coop(engine)
    event_plot = "urn:epc:id:sgln:8931234.99999.0"
    header = {"schemaVersion": "2.0", "creationDate": "2026-10-21T09:00:00+07:00",
              "@context": [STANDARD_CONTEXT, dict(NAMESPACES)]}
    event = {"type": "ObjectEvent", "eventTime": "2026-10-21T09:00:00+07:00",
             "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "commissioning",
             "quantityList": [{"epcClass": AGT_LOT + "U-1", "quantity": 5.0, "uom": "KGM"}],
             "bizLocation": {"id": event_plot}, "ilmd": {"agt:plot": event_plot}}
    capture_document(engine, Document(kind="EPCISDocument", namespaces=dict(NAMESPACES),
                                      header=header, events=iter([event]), name="x"), coop.org)
    shipment = eudr_store.find_shipment(engine, coop.org, [AGT_LOT + "U-1"])
    assert shipment.plots == ()
    assert shipment.unregistered == ("https://id.gs1.org/414/8931234999995",)
    with pytest.raises(ValidationException, match="no registered plot"):
        eudr_store.shipment_geojson(shipment)


# --- deforestation risk ---------------------------------------------------------------------


def _whisp(rows: list[tuple[str, str]]) -> str:
    lines = ["plotId,external_id,Area,Country,Ind_04_disturbance_after_2020,risk_pcrop"]
    lines += [f"{n},{plot},1.2,VN,{'yes' if risk == 'high' else 'no'},{risk}"
              for n, (plot, risk) in enumerate(rows, start=1)]
    return "\n".join(lines) + "\n"


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(plot_risks)).scalar_one())


def test_risks_are_stored_per_plot_and_seen_by_the_importer_only(
        engine: Engine, demo: Demo) -> None:
    shipment = eudr_store.find_shipment(engine, demo.roaster, [PALLET])
    plots = [p.place.uri for p in shipment.plots]
    result = eudr_store.import_risks(engine, demo.roaster, _whisp(
        [(p, "low") for p in plots]), document="whisp.csv")
    assert len(result.stored) == 3
    risk = eudr_store.shipment_risks(engine, demo.roaster, shipment)
    assert risk.level == "low" and "31/12/2020" in risk.message_vi
    assert eudr_store.shipment_risks(engine, demo.coop, shipment).level == "incomplete"
    eudr_store.import_risks(engine, demo.roaster, _whisp([(plots[1], "high")]),
                            document="whisp-2.csv")
    risk = eudr_store.shipment_risks(engine, demo.roaster, shipment)
    assert risk.level == "high"  # the newest result of a plot counts
    assert [r.disturbance_after_cutoff for r in risk.plots] == [False, True, False]
    assert _count(engine) == 4  # the earlier result is kept, not overwritten


def test_a_risk_file_with_an_unknown_plot_stores_nothing(engine: Engine, demo: Demo) -> None:
    text = _whisp([(demo.rice.plots[0], "low"), ("urn:x:not-a-plot", "low")])
    with pytest.raises(ValidationException) as caught:
        eudr_store.import_risks(engine, demo.roaster, text, document="w.csv")
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.found) == (
        "external_id", 3, "'urn:x:not-a-plot'")
    assert "nothing imported" in str(caught.value)
    assert _count(engine) == 0


def test_a_risk_file_with_a_bad_risk_value_stores_nothing(engine: Engine, demo: Demo) -> None:
    text = _whisp([(demo.rice.plots[0], "low"), (demo.rice.plots[1], "medium")])
    with pytest.raises(ValidationException, match="low, more_info_needed or high"):
        eudr_store.import_risks(engine, demo.roaster, text, document="w.csv")
    with pytest.raises(ValidationException, match="commodity"):
        eudr_store.import_risks(engine, demo.roaster, text, document="w.csv", commodity="tea")
    assert _count(engine) == 0
