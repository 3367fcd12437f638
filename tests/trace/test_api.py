"""The trace, recall and report endpoints, with the access rule, on both engines."""

from __future__ import annotations

from sqlalchemy import Engine

from agritrace.store.grants import grant
from agritrace.store.orgs import create_organization, create_token
from tests.helpers import Api, make_api
from tests.trace.chain import (
    CASE,
    COOP_PARTY,
    LOT_A,
    PLOT,
    PO,
    PREFIX,
    SHOP_GLN,
    SHOP_PARTY,
    UNITS,
    at,
    capture,
    factory_events,
    farm_events,
)


def _api(engine: Engine) -> Api:
    """The whole chain captured by one organization holding the chain's prefix."""
    api = make_api(engine)
    grant(engine, api.org, "prefix", PREFIX, "test")
    capture(engine, farm_events() + factory_events(), api.org.name)
    return api


def _as(api: Api, engine: Engine, name: str, gln: str | None = None) -> dict[str, str]:
    org = create_organization(engine, name, gln=gln)
    return {"Authorization": f"Bearer {create_token(engine, org)}"}


def test_trace_as_json_csv_and_dot(engine: Engine) -> None:
    api = _api(engine)
    answer = api.get(f"/trace/{UNITS[0]}?direction=back")
    assert answer.status_code == 200, answer.text
    graph = answer.json()
    assert graph["root"] == UNITS[0] and PLOT in {n["id"] for n in graph["nodes"]}
    csv = api.get(f"/trace/{UNITS[0]}?direction=back&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.splitlines()) == len(graph["edges"]) + 1
    dot = api.get(f"/trace/{UNITS[0]}?format=dot&depth=1")
    assert dot.headers["content-type"].startswith("text/vnd.graphviz")
    assert dot.text.startswith("digraph")


def test_trace_problems(engine: Engine) -> None:
    api = _api(engine)
    unknown = api.get(f"/trace/{UNITS[0]}X")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    bad = api.get("/trace/LOT-1")
    assert bad.status_code == 400 and "urn:epc:id:sgtin" in bad.text
    for query in ("direction=up", "format=pdf", "depth=-1", "since=yesterday"):
        assert api.get(f"/trace/{UNITS[0]}?{query}").status_code == 400, query
    assert api.client.get(f"/trace/{UNITS[0]}").status_code == 401


def test_an_organization_reads_one_step_back_and_forward_of_what_it_received(
        engine: Engine) -> None:
    api = _api(engine)
    shop = _as(api, engine, "Siêu thị", SHOP_GLN)
    received = api.client.get(f"/trace/{CASE}?direction=back", headers=shop)
    assert received.status_code == 200, received.text
    graph = received.json()
    # The shipment naming it, with its sender; not the supplier's own upstream.
    nodes = {n["id"] for n in graph["nodes"]}
    assert {SHOP_PARTY, COOP_PARTY} <= nodes and PLOT not in nodes and LOT_A not in nodes
    assert graph["hiddenEvents"] > 0
    # Forward from its supplier's lot it reads nothing: no event there names it.
    forward = api.client.get(f"/trace/{LOT_A}?direction=forward", headers=shop)
    assert forward.status_code == 404
    stranger = _as(api, engine, "Người lạ")
    assert api.client.get(f"/trace/{UNITS[0]}", headers=stranger).status_code == 404
    hidden = api.client.get(f"/trace/{CASE}?direction=forward", headers=shop).json()
    assert hidden["hiddenEvents"] > 0


def _observe(engine: Engine, codes: list[str], org: str) -> None:
    """What issue 11 item 3 needed: one OBSERVE naming the owner's codes."""
    capture(engine, [{"type": "ObjectEvent", **at(20), "action": "OBSERVE", "epcList": codes,
                      "bizStep": "inspecting"}], org)


def test_one_observe_does_not_open_the_owners_business(engine: Engine) -> None:
    """Issue 11 item 3: after capturing one OBSERVE naming a case and a lot, a stranger's trace,
    recall, one-step and FSMA 204 answers hold none of the owner's quantities, purchase orders
    or ship-to parties (before: the backward walk opened to every event)."""
    api = _api(engine)
    stranger = _as(api, engine, "Người lạ")
    _observe(engine, [CASE, UNITS[2]], "Người lạ")
    secrets = (PO, "PO-4711", SHOP_PARTY, SHOP_GLN, PLOT, "500", "1000")
    answers = {
        "trace": api.client.get(f"/trace/{CASE}?direction=back", headers=stranger),
        "trace both": api.client.get(f"/trace/{UNITS[2]}", headers=stranger),
        "recall": api.client.get(f"/recall?lot={CASE}", headers=stranger),
        "recall csv": api.client.get(f"/recall?lot={UNITS[2]}&format=csv", headers=stranger),
        "one-step": api.client.get(f"/reports/one-step?lot={CASE}", headers=stranger),
        "fsma204": api.client.get(f"/reports/fsma204?lot={CASE}&lot={UNITS[2]}",
                                  headers=stranger),
    }
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.text)
        leaked = [s for s in secrets if s in answer.text]
        assert not leaked, (name, leaked)
    # Nor does it learn which lots the owner harvested on its plot.
    by_plot = api.client.get(f"/recall?plot={PLOT}", headers=stranger)
    assert by_plot.status_code == 404 and LOT_A not in by_plot.text
    # The owner still reads it all.
    owner = api.get(f"/reports/fsma204?lot={CASE}")
    assert PO in owner.text and SHOP_GLN in owner.text


def test_one_observe_does_not_let_a_stranger_recall_the_lot(engine: Engine) -> None:
    """Issue 11 item 2: POST /recall stays 403 after the stranger captured an event naming the
    lot, with a problem naming the owner; nothing is recorded."""
    api = _api(engine)
    stranger = _as(api, engine, "Người lạ")
    _observe(engine, [UNITS[0]], "Người lạ")
    capture(engine, [{"type": "ObjectEvent", **at(20), "action": "OBSERVE", "epcList": [],
                      "quantityList": [{"epcClass": LOT_A}], "bizStep": "inspecting"}],
            "Người lạ")
    for lot in (LOT_A, UNITS[0]):
        refused = api.client.post("/recall", json={"lots": [lot], "reason": "thử"},
                                  headers=stranger)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert api.org.name in refused.text and "lots[0]" in refused.text
    recalled = api.get("/events?EQ_disposition=recalled").json()
    assert recalled["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_recall_reports_and_marking(engine: Engine) -> None:
    api = _api(engine)
    listed = api.get(f"/recall?lot={LOT_A}")
    assert listed.status_code == 200
    assert listed.json()["counts"]["item"] == 3
    html = api.get(f"/recall?lot={LOT_A}&format=html&lang=en")
    assert html.headers["content-type"].startswith("text/html")
    assert "Product recall report" in html.text
    by_plot = api.get(f"/recall?plot={PLOT}&format=csv")
    assert by_plot.status_code == 200 and UNITS[2] in by_plot.text
    assert api.get("/recall").status_code == 400
    stranger = _as(api, engine, "Người lạ")
    refused = api.client.post("/recall", json={"lots": [LOT_A], "reason": "thử"},
                              headers=stranger)
    assert refused.status_code == 403
    assert api.client.post("/recall", json={"lots": [LOT_A]}, headers=api.auth
                           ).status_code == 400
    marked = api.client.post("/recall", json={"lots": [LOT_A], "reason": "dư lượng"},
                             headers=api.auth)
    assert marked.status_code == 201, marked.text
    assert marked.json()["capture"]["captured"] == 2
    events = api.get("/events?EQ_disposition=recalled").json()
    assert len(events["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 2


def test_fsma_and_one_step_endpoints(engine: Engine) -> None:
    api = _api(engine)
    sheet = api.get(f"/reports/fsma204?lot={LOT_A}")
    assert sheet.status_code == 200 and sheet.text.startswith("Critical Tracking Event")
    xlsx = api.get(f"/reports/fsma204?lot={LOT_A}&format=xlsx")
    assert xlsx.content[:2] == b"PK" and "spreadsheetml" in xlsx.headers["content-type"]
    step = api.get(f"/reports/one-step?lot={LOT_A}")
    assert step.status_code == 200 and step.json()["lot"] == LOT_A
    assert api.get(f"/reports/one-step?lot={LOT_A}&format=csv").text.startswith("direction")
