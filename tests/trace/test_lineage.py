"""Lineage on small hand-built chains with known answers, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from agritrace.epcis.times import parse_time
from agritrace.errors import NoSuchResourceException, QueryParameterException
from agritrace.trace.graph import Graph
from agritrace.trace.lineage import EXPECTED_FORMS, TraceRequest, trace
from tests.trace.chain import (
    AGT,
    CASE,
    CASE_2,
    COOP_PARTY,
    FACTORY,
    LOT_A,
    LOT_B,
    PLOT,
    SEASON,
    SHOP,
    SHOP_PARTY,
    UNIT_1_URN,
    UNITS,
    WAREHOUSE,
    at,
    capture,
    load_chain,
    sscc,
)


def _links(graph: Graph, relation: str) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in graph.edges.values() if e.relation == relation}


def test_a_unit_traces_back_to_its_lot_plot_and_season(engine: Engine) -> None:
    load_chain(engine)
    graph = trace(engine, TraceRequest(UNITS[0], "back"))
    assert (LOT_A, UNITS[0]) in _links(graph, "transformed")
    assert {(PLOT, LOT_A), (SEASON, LOT_A)} <= _links(graph, "commissioned")
    # The diary of the season is reached: the fertilizing at the plot.
    diary = [e for e in graph.edges.values()
             if e.source == SEASON and e.biz_step == f"{AGT}bizstep/fertilizing"]
    assert [(e.target, e.relation) for e in diary] == [(PLOT, "observed_at")]
    assert graph.nodes[SEASON].kind == "season" and graph.nodes[PLOT].kind == "location"


def test_the_quantity_that_went_in_is_on_the_transformation_edge(engine: Engine) -> None:
    load_chain(engine)
    graph = trace(engine, TraceRequest(UNITS[2], "back"))
    edge = next(e for e in graph.edges.values() if e.relation == "transformed")
    assert (edge.source, edge.quantity, edge.uom) == (LOT_A, 500.0, "KGM")
    assert graph.quantities[LOT_A] == (1000.0, "KGM")


def test_a_child_travels_with_its_parent_only_while_inside(engine: Engine) -> None:
    load_chain(engine)
    graph = trace(engine, TraceRequest(UNITS[0], "back"))
    contained = {(e.target, e.time_us, e.until_us) for e in graph.edges.values()
                 if e.relation == "contained" and e.source == UNITS[0]}
    assert contained == {(CASE, parse_time(at(5)["eventTime"]), parse_time(at(8)["eventTime"])),
                         (CASE_2, parse_time(at(9)["eventTime"]), None)}
    places = _links(graph, "observed_at")
    assert (CASE, SHOP) in places  # received at the shop with the unit inside
    assert (CASE, WAREHOUSE) not in places  # the empty case moved on after unpacking
    assert (COOP_PARTY, CASE) in _links(graph, "shipped_from")
    assert (CASE, SHOP_PARTY) in _links(graph, "shipped_to")
    # Up from a child never goes sideways to its siblings.
    assert UNITS[1] not in graph.nodes


def test_a_parent_traced_back_reaches_what_it_held_and_their_sources(engine: Engine) -> None:
    load_chain(engine)
    graph = trace(engine, TraceRequest(CASE, "back"))
    assert {(UNITS[0], CASE), (UNITS[1], CASE)} <= _links(graph, "contained")
    assert LOT_A in graph.nodes and PLOT in graph.nodes
    assert UNITS[2] not in graph.nodes


def test_forward_from_the_plot_reaches_every_unit(engine: Engine) -> None:
    load_chain(engine)
    for root in (PLOT, SEASON, LOT_A):
        graph = trace(engine, TraceRequest(root, "forward"))
        assert set(graph.of_kind("item")) == set(UNITS[:3]), root
        assert {CASE, CASE_2} <= set(graph.of_kind("logistic_unit"))
        assert SHOP_PARTY in graph.nodes


def test_both_directions_and_an_epc_urn_give_the_same_graph(engine: Engine) -> None:
    load_chain(engine)
    by_link = trace(engine, TraceRequest(UNITS[0], "both"))
    by_urn = trace(engine, TraceRequest(UNIT_1_URN, "both"))
    assert by_link.to_json() == by_urn.to_json()
    back = trace(engine, TraceRequest(UNITS[0], "back"))
    forward = trace(engine, TraceRequest(UNITS[0], "forward"))
    assert set(by_link.edges) == set(back.edges) | set(forward.edges)


def test_depth_and_time_bounds(engine: Engine) -> None:
    load_chain(engine)
    one = trace(engine, TraceRequest(UNITS[0], "back", depth=1))
    assert LOT_A in one.nodes and CASE in one.nodes and PLOT not in one.of_kind("season")
    assert SEASON not in one.nodes
    late = trace(engine, TraceRequest(UNITS[0], "back",
                                      since_us=parse_time(at(5)["eventTime"])))
    assert LOT_A not in late.nodes and CASE in late.nodes
    with pytest.raises(NoSuchResourceException):
        trace(engine, TraceRequest(UNITS[0], "back", until_us=parse_time(at(3)["eventTime"])))


def test_a_transformation_id_joins_events_into_one_transformation(engine: Engine) -> None:
    common = {"type": "TransformationEvent", "transformationID": "urn:uuid:roast-7",
              "bizStep": "commissioning", "readPoint": {"id": FACTORY}}
    capture(engine, [
        {**common, **at(3), "inputQuantityList": [{"epcClass": LOT_A, "quantity": 10.0,
                                                    "uom": "KGM"}]},
        {**common, **at(4), "outputEPCList": [UNITS[3]]},
    ])
    forward = trace(engine, TraceRequest(LOT_A, "forward"))
    assert (LOT_A, UNITS[3]) in _links(forward, "transformed")
    back = trace(engine, TraceRequest(UNITS[3], "back"))
    assert (LOT_A, UNITS[3]) in _links(back, "transformed")


def test_an_erroneous_event_is_not_followed_and_its_correction_is(engine: Engine) -> None:
    wrong = {"type": "TransformationEvent", **at(4), "eventID": "urn:uuid:wrong-1",
             "inputQuantityList": [{"epcClass": LOT_A, "quantity": 5.0, "uom": "KGM"}],
             "outputEPCList": [UNITS[3]], "bizStep": "commissioning",
             "readPoint": {"id": FACTORY}}
    right = {**wrong, "eventID": "urn:uuid:right-1",
             "inputQuantityList": [{"epcClass": LOT_B, "quantity": 5.0, "uom": "KGM"}]}
    capture(engine, [wrong])
    before = trace(engine, TraceRequest(UNITS[3], "back"))
    assert LOT_A in before.nodes
    declaration = {**wrong, "errorDeclaration": {
        "declarationTime": "2025-03-05T10:00:00+07:00", "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:right-1"]}}
    capture(engine, [declaration, right])
    after = trace(engine, TraceRequest(UNITS[3], "back"))
    assert LOT_A not in after.nodes and (LOT_B, UNITS[3]) in _links(after, "transformed")
    assert after.ignored_events == {"urn:uuid:wrong-1"}
    assert after.to_json()["ignoredErroneousEvents"] == ["urn:uuid:wrong-1"]


def test_a_cycle_in_bad_data_ends_and_is_reported(engine: Engine) -> None:
    lot_c, lot_d = LOT_A.replace("A1", "C1"), LOT_A.replace("A1", "D1")

    def step(source: str, target: str, day: int) -> dict[str, object]:
        return {"type": "TransformationEvent", **at(day),
                "inputQuantityList": [{"epcClass": source, "quantity": 1.0, "uom": "KGM"}],
                "outputQuantityList": [{"epcClass": target, "quantity": 1.0, "uom": "KGM"}],
                "readPoint": {"id": FACTORY}}
    capture(engine, [step(lot_c, lot_d, 3), step(lot_d, lot_c, 4)])
    for direction in ("back", "forward", "both"):
        graph = trace(engine, TraceRequest(lot_c, direction))
        assert {(lot_c, lot_d), (lot_d, lot_c)} <= _links(graph, "transformed")
        assert [i.kind for i in graph.inconsistencies] == ["cycle"] * len(
            {"back", "forward"} & ({direction} if direction != "both" else {"back", "forward"}))


def test_a_child_in_two_parents_at_once_is_reported_and_both_followed(engine: Engine) -> None:
    first, second = sscc(11), sscc(12)
    capture(engine, [
        {"type": "AggregationEvent", **at(3), "action": "ADD", "parentID": first,
         "childEPCs": [UNITS[3]], "readPoint": {"id": FACTORY}},
        {"type": "AggregationEvent", **at(4), "action": "ADD", "parentID": second,
         "childEPCs": [UNITS[3]], "readPoint": {"id": FACTORY}},
    ])
    graph = trace(engine, TraceRequest(UNITS[3], "back"))
    assert {(UNITS[3], first), (UNITS[3], second)} <= _links(graph, "contained")
    [problem] = graph.inconsistencies
    assert problem.kind == "two_parents" and problem.identifier == UNITS[3]
    assert first in problem.detail and second in problem.detail


def test_a_child_released_before_repacking_is_consistent(engine: Engine) -> None:
    load_chain(engine)
    assert trace(engine, TraceRequest(UNITS[0], "both")).inconsistencies == []


def test_an_unknown_identifier_is_not_found(engine: Engine) -> None:
    load_chain(engine)
    unknown = UNITS[0].replace("U1", "NOPE")
    with pytest.raises(NoSuchResourceException) as caught:
        trace(engine, TraceRequest(unknown, "back"))
    assert unknown in str(caught.value)


@pytest.mark.parametrize("text", ["LOT-1", "urn:epc:id:sgtin:8931234.1", "",
                                  "https://id.gs1.org/01/08931234000112/21/X"])
def test_a_malformed_identifier_names_the_expected_forms(text: str) -> None:
    with pytest.raises(QueryParameterException) as caught:
        trace(None, TraceRequest(text))  # type: ignore[arg-type]  # never reaches the store
    assert EXPECTED_FORMS in str(caught.value)


@pytest.mark.parametrize("field", ["direction", "depth"])
def test_bad_walk_options_are_refused(field: str) -> None:
    request = TraceRequest(UNITS[0], "sideways") if field == "direction" else TraceRequest(
        UNITS[0], depth=-1)
    with pytest.raises(QueryParameterException) as caught:
        trace(None, request)  # type: ignore[arg-type]
    assert field in str(caught.value.problems[0].path)


def test_renderings_carry_every_edge(engine: Engine) -> None:
    load_chain(engine)
    graph = trace(engine, TraceRequest(LOT_A, "forward"))
    rows = graph.to_csv().splitlines()
    assert len(rows) == len(graph.edges) + 1 and rows[0].startswith("time,relation,source")
    dot = graph.to_dot()
    assert dot.startswith("digraph lineage {") and dot.count(" -> ") == len(graph.edges)
    document = graph.to_json()
    assert {n["id"] for n in document["nodes"]} == set(graph.nodes)
    assert len(document["edges"]) == len(graph.edges)
