"""FSMA 204 sortable spreadsheet and the one-step-back-one-step-forward report."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from agritrace.trace import fsma204
from agritrace.trace.one_step import one_step
from tests.trace.chain import (
    CASE,
    COOP_PARTY,
    FACTORY,
    LOT_A,
    PLOT,
    SEASON,
    SHOP,
    SHOP_PARTY,
    UNITS,
    at,
    capture,
    load_chain,
    sscc,
)


def _sheet(engine: Engine) -> list[dict[str, str]]:
    text = fsma204.to_csv(fsma204.fsma_rows(engine, [LOT_A]))
    return list(csv.DictReader(io.StringIO(text)))


def test_fsma_rows_carry_the_key_data_elements_of_each_cte(engine: Engine) -> None:
    load_chain(engine)
    rows = _sheet(engine)
    by_cte = {(r["Critical Tracking Event"], r["Event Date"]): r for r in rows}
    assert set(by_cte) == {("Harvesting", "2025-03-02"), ("Transformation", "2025-03-04"),
                           ("Shipping", "2025-03-06"), ("Receiving", "2025-03-07")}
    # places and parties by their owner's name beside the GLN (a GLN's extension: the whole URI)
    factory, shop = (f"Nhà máy Test (GLN {code.rsplit('/', 1)[1]})" for code in (FACTORY, SHOP))
    harvest = by_cte[("Harvesting", "2025-03-02")]
    assert (harvest["Traceability Lot Code"], harvest["Quantity"], harvest["Unit of Measure"],
            harvest["Harvest Field"], harvest["Traceability Lot Code Source"]) == (
        LOT_A, "1000", "KGM", f"HTX Test ({PLOT})", f"HTX Test ({PLOT})")
    made = by_cte[("Transformation", "2025-03-04")]
    assert (made["Quantity"], made["Unit of Measure"], made["Input Traceability Lot Codes"],
            made["Location of Event"]) == ("3", "EA", LOT_A, factory)
    shipped = by_cte[("Shipping", "2025-03-06")]
    assert {COOP_PARTY[-13:], SHOP_PARTY[-13:]} == {FACTORY[-13:], SHOP[-13:]}  # sites as parties
    assert (shipped["Traceability Lot Code"], shipped["Quantity"], shipped["Ship From Location"],
            shipped["Ship To Location"]) == (LOT_A, "2", factory, shop)
    assert by_cte[("Receiving", "2025-03-07")]["Location of Event"] == shop
    assert [r["Event Date"] for r in rows] == sorted(r["Event Date"] for r in rows)


def test_fsma_xlsx_matches_the_csv(engine: Engine, tmp_path: Path) -> None:
    load_chain(engine)
    rows = fsma204.fsma_rows(engine, [LOT_A])
    fsma204.write_xlsx(rows, tmp_path / "f.xlsx")
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert sheet is not None
    values = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == fsma204.COLUMNS
    assert len(values) == len(rows) + 1 and sheet.freeze_panes == "A2"
    assert [str(v[3]) for v in values[1:]] == [r.values[3] for r in rows]


@pytest.mark.parametrize(("event", "cte"), [
    ({"type": "ObjectEvent", "bizStep": "commissioning",
      "ilmd": {"cbvmda:harvestStartDate": "2025-03-01"}}, "Harvesting"),
    ({"type": "ObjectEvent", "bizStep": "https://agritrace.org/voc/bizstep/cooling"}, "Cooling"),
    ({"type": "ObjectEvent", "bizStep": "packing"}, "Initial Packing"),
    ({"type": "ObjectEvent", "bizStep": "receiving", "sourceList": [
        {"type": "owning_party", "source": "urn:example:fishing-vessel:7"}]},
     "First Land-Based Receiving"),
    ({"type": "ObjectEvent", "bizStep": "shipping"}, "Shipping"),
    ({"type": "ObjectEvent", "bizStep": "urn:epcglobal:cbv:bizstep:receiving"}, "Receiving"),
    ({"type": "TransformationEvent"}, "Transformation"),
    ({"type": "AggregationEvent", "bizStep": "packing"}, None),
    ({"type": "ObjectEvent", "bizStep": "inspecting"}, None),
])
def test_every_cte_is_recognised(event: dict[str, Any], cte: str | None) -> None:
    assert fsma204._cte(event) == cte
    assert cte is None or cte in fsma204.CTES


def test_one_step_back_and_forward(engine: Engine) -> None:
    load_chain(engine)
    report = one_step(engine, LOT_A)
    back = {(r["relation"], r["party_or_place"]) for r in report.as_dict()["back"]}
    assert back == {("origin", PLOT), ("origin", SEASON)}
    forward = report.as_dict()["forward"]
    outputs = [r for r in forward if r["relation"] == "output"]
    assert [(r["code"], r["quantity"], r["uom"]) for r in outputs] == [
        (UNITS[0].split("/21/")[0], 3.0, "EA")]
    recipients = [(r["code"], r["party_or_place"], r["date"][:10]) for r in forward
                  if r["relation"] == "recipient"]
    assert recipients == [(CASE, SHOP_PARTY, "2025-03-06")]
    rows = report.to_csv().splitlines()
    assert len(rows) == 1 + len(report.rows)


def test_one_step_back_names_the_supplier_and_inputs(engine: Engine) -> None:
    load_chain(engine)
    report = one_step(engine, CASE)
    assert [(r["relation"], r["party_or_place"]) for r in report.as_dict()["back"]] == [
        ("supplier", COOP_PARTY)]
    made = one_step(engine, UNITS[0])
    inputs = [(r["code"], r["quantity"]) for r in made.as_dict()["back"]
              if r["relation"] == "input"]
    assert inputs == [(LOT_A, 500.0)]


def test_a_transformation_that_assigns_a_lot_gives_its_units_that_tlc(engine: Engine) -> None:
    load_chain(engine)
    new_lot = UNITS[3].split("/21/")[0] + "/10/R1"
    capture(engine, [
        {"type": "TransformationEvent", **at(11), "ilmd": {"cbvmda:lotNumber": "R1"},
         "inputQuantityList": [{"epcClass": LOT_A, "quantity": 1.0, "uom": "KGM"}],
         "outputEPCList": [UNITS[3]], "bizStep": "commissioning",
         "readPoint": {"id": FACTORY}},
        {"type": "AggregationEvent", **at(12), "action": "ADD", "parentID": sscc(30),
         "childEPCs": [UNITS[3]], "readPoint": {"id": FACTORY}},
        {"type": "ObjectEvent", **at(13), "action": "OBSERVE", "epcList": [sscc(30)],
         "bizStep": "shipping", "readPoint": {"id": FACTORY}},
    ], "Nhà máy Test")  # the factory makes its own units: only the holder of their prefix may
    rows = [r.values for r in fsma204.fsma_rows(engine, [LOT_A])]
    made = [r for r in rows if r[0] == "Transformation" and r[1] == "2025-03-11"]
    assert [(r[3], r[6], r[7], r[12]) for r in made] == [(new_lot, "1", "EA", LOT_A)]
    shipped = [r for r in rows if r[0] == "Shipping" and r[1] == "2025-03-13"]
    assert [(r[3], r[5], r[6]) for r in shipped] == [
        (new_lot, "GTIN " + UNITS[3].split("/01/")[1][:14], "1")]


def test_fsma_rows_describe_a_product_by_its_registered_name(engine: Engine) -> None:
    """Issue 15: the demo's rows described every product as "GTIN 0893…"."""
    from agritrace.demo import BAG, GREEN, load_demo
    from agritrace.farm.demo import load_farm_demo

    chain = load_demo(engine)
    load_farm_demo(engine, chain)
    described = {r.values[fsma204.COLUMNS.index("Product Description")]
                 for r in fsma204.fsma_rows(engine, [chain.green_lot])}
    assert any(d.endswith(f"(GTIN {GREEN})") and not d.startswith("GTIN") for d in described)
    assert any(d.endswith(f"(GTIN {BAG})") and not d.startswith("GTIN") for d in described)
    assert not any(d.startswith("GTIN ") for d in described), described


def test_fsma_rows_name_each_place_and_party_beside_its_gln(engine: Engine) -> None:
    """Issue 15: locations were bare identifiers. A registered place by the registry's name, a
    party or a site by its owner's, each beside its GLN."""
    from agritrace.demo import COOP, PLOTS, RETAILER, ROASTER, load_demo
    from agritrace.farm.demo import FARMERS, load_farm_demo
    from agritrace.ids.epc import lenient_id

    chain = load_demo(engine)
    load_farm_demo(engine, chain)
    rows = [dict(zip(fsma204.COLUMNS, r.values, strict=True))
            for r in fsma204.fsma_rows(engine, [chain.green_lot])]
    glns = [lenient_id(plot).rsplit("/", 1)[1] for plot in PLOTS]
    assert sorted(r["Harvest Field"] for r in rows if r["Critical Tracking Event"] ==
                  "Harvesting") == [f"Nương cà phê {farmer} (GLN {gln})"
                                    for farmer, gln in zip(FARMERS, glns, strict=True)]
    shipping = [r for r in rows if r["Critical Tracking Event"] == "Shipping"]
    assert {(r["Ship From Location"].split(" (GLN ")[0],
             r["Ship To Location"].split(" (GLN ")[0]) for r in shipping} >= {
        (COOP, ROASTER), ("", RETAILER)}
    located = [r["Location of Event"] for r in rows]
    assert all(" (GLN 893" in place for place in located), located
    assert not any("https://" in value for r in rows for value in (
        r["Location of Event"], r["Ship From Location"], r["Ship To Location"])), rows
