"""The EPCIS REST binding's behaviour that clients rely on: access, errors, filters, paging."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import Engine

from tests.helpers import Api, make_api


def _doc(*events: dict[str, Any]) -> bytes:
    return orjson.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"agt": "https://agritrace.org/voc/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-05-01T08:00:00+07:00",
        "epcisBody": {"eventList": list(events)},
    })


def _object_event(epc: str, when: str, step: str = "commissioning", **extra: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": "+07:00",
        "epcList": [epc],
        "action": "ADD" if step == "commissioning" else "OBSERVE",
        "bizStep": step,
        "readPoint": {"id": "urn:epc:id:sgln:8931234.00001.0"},
        **extra,
    }


def _event_list(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"]
    return events


SGTIN = "urn:epc:id:sgtin:8931234.012345.LOT1-001"
SGTIN_DL = "https://id.gs1.org/01/08931234123451/21/LOT1-001"


def _seeded(engine: Engine) -> Api:
    api = make_api(engine)
    body = _doc(
        _object_event(SGTIN, "2026-05-01T08:00:00+07:00"),
        _object_event(SGTIN, "2026-05-02T08:00:00+07:00", "shipping", disposition="in_transit"),
        _object_event("urn:epc:id:sgtin:8931234.012345.LOT1-002", "2026-05-03T08:00:00+07:00",
                      "shipping"),
    )
    assert api.capture(body).status_code == 202
    return api


def test_writes_and_reads_need_a_token(engine: Engine) -> None:
    api = make_api(engine)
    assert api.client.post("/capture", content=_doc(), headers={
        "Content-Type": "application/ld+json"}).status_code == 401
    answer = api.client.get("/events")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert "bearer token" in answer.json()["detail"]
    bad = api.client.get("/events", headers={"Authorization": "Bearer agt_nope"})
    assert bad.status_code == 401


def test_an_organization_sees_only_its_own_events(engine: Engine) -> None:
    api = _seeded(engine)
    other = make_api(engine, "Shan Tuyet Tea Coop")
    assert _event_list(other.get("/events")) == []
    assert len(_event_list(api.get("/events"))) == 3


def test_json_refuses_cbv_urns_as_the_official_schema_does(engine: Engine) -> None:
    api = make_api(engine)
    event = _object_event(SGTIN, "2026-05-01T08:00:00+07:00", "urn:epcglobal:cbv:bizstep:shipping")
    answer = api.capture(_doc(event))
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["path"] == "bizStep" and "'shipping'" in error["expected"]


def test_wrong_content_type_is_415_and_oversized_body_413(engine: Engine) -> None:
    api = make_api(engine, max_capture_bytes=1000)
    assert api.capture(b"hello", "text/plain").status_code == 415
    answer = api.capture(_doc(*[_object_event(SGTIN, "2026-05-01T08:00:00+07:00")] * 20))
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"


def test_malformed_json_names_document_and_line(engine: Engine) -> None:
    api = make_api(engine)
    answer = api.capture(b'{\n "type": "EPCISDocument",\n "epcisBody": {\n', X_Document_Name="x")
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0].get("line") is not None


def test_filters_by_bizstep_in_any_form_and_by_time(engine: Engine) -> None:
    api = _seeded(engine)
    assert len(_event_list(api.get("/events?EQ_bizStep=shipping"))) == 2
    urn = "urn:epcglobal:cbv:bizstep:shipping"
    assert len(_event_list(api.get(f"/events?EQ_bizStep={urn}"))) == 2
    later = _event_list(api.get("/events?GE_eventTime=2026-05-02T01:00:00Z"))
    assert [e["eventTime"] for e in later] == ["2026-05-02T08:00:00+07:00",
                                              "2026-05-03T08:00:00+07:00"]
    assert len(_event_list(api.get("/events?eventType=AggregationEvent"))) == 0
    assert len(_event_list(api.get("/events?EQ_disposition=in_transit"))) == 1


def test_an_epc_urn_and_its_digital_link_are_the_same_item(engine: Engine) -> None:
    api = _seeded(engine)
    by_urn = _event_list(api.get(f"/events?MATCH_epc={SGTIN}"))
    by_dl = _event_list(api.get(f"/events?MATCH_epc={SGTIN_DL}"))
    assert len(by_urn) == 2
    assert by_urn == by_dl
    pattern = _event_list(api.get("/events?MATCH_epc=urn:epc:idpat:sgtin:8931234.012345.*"))
    assert len(pattern) == 3
    assert len(_event_list(api.get(f"/epcs/{SGTIN}/events"))) == 2


def test_pages_follow_the_link_header_in_order(engine: Engine) -> None:
    api = _seeded(engine)
    seen: list[str] = []
    url = "/events?perPage=2&orderBy=eventTime&orderDirection=DESC"
    while url:
        answer = api.get(url)
        seen += [e["eventTime"] for e in _event_list(answer)]
        link = answer.headers.get("link")
        url = link[1:link.index(">")] if link else ""
    assert seen == ["2026-05-03T08:00:00+07:00", "2026-05-02T08:00:00+07:00",
                    "2026-05-01T08:00:00+07:00"]


def test_bad_query_parameters_are_named(engine: Engine) -> None:
    api = make_api(engine)
    answer = api.get("/events?GE_eventTime=yesterday&EQ_action=MAYBE&bogus=1")
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    paths = {e["path"] for e in answer.json()["errors"]}
    assert paths == {"GE_eventTime", "EQ_action", "bogus"}
    assert api.get("/events?nextPageToken=garbage").status_code == 400


def test_discovery_and_single_event(engine: Engine) -> None:
    api = _seeded(engine)
    steps = api.get("/bizSteps").json()
    assert steps == {"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     "type": "Collection", "member": ["commissioning", "shipping"]}
    assert "ObjectEvent" in api.get("/eventTypes").json()["member"]
    assert SGTIN_DL in api.get("/epcs").json()["member"]
    event = _event_list(api.get("/events?EQ_disposition=in_transit"))[0]
    from agritrace.epcis.hashing import event_hash_id

    hash_id = event_hash_id({k: v for k, v in event.items() if k != "recordTime"}, {})
    assert len(_event_list(api.get(f"/events/{quote(hash_id, safe='')}"))) == 1
    # As `agritrace hash` prints it, pasted unencoded: its "?ver=CBV2.0" reads as a query.
    assert hash_id.endswith("?ver=CBV2.0")
    assert len(_event_list(api.get(f"/events/{hash_id}"))) == 1
    missing = api.get("/events/urn:uuid:00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_xml_answer_when_asked(engine: Engine) -> None:
    api = _seeded(engine)
    answer = api.get("/events", Accept="application/xml")
    assert answer.status_code == 200
    assert answer.content.lstrip().startswith(b"<")
    assert b"EPCISQueryDocument" in answer.content


def test_answers_and_problems_as_the_openapi_says(engine: Engine) -> None:
    """Plain JSON when asked for it; problem types as the schema enumerates them; the
    problem's instance an absolute URI."""
    api = _seeded(engine)
    plain = api.get("/events", Accept="application/json")
    assert plain.headers["content-type"] == "application/json"
    assert len(_event_list(plain)) == 3
    assert api.get("/events").headers["content-type"] == "application/ld+json"
    assert api.get("/bizSteps", Accept="application/json").headers[
        "content-type"] == "application/json"
    bad = api.get("/events?perPage=none")
    assert bad.json()["type"] == "epcisException:QueryParameterException"
    assert bad.json()["instance"] == "http://testserver/events"
    missing = api.get("/events/urn:uuid:00000000-0000-0000-0000-000000000000")
    assert missing.json()["type"] == "epcisException:NoSuchResourceException"


def test_a_prefix_bound_twice_keeps_each_events_namespace(engine: Engine) -> None:
    """Two documents bind `ex` to different namespaces: the answer's context binds each
    event's fields to the namespace its document meant (expanded, they are what was captured)."""
    api = make_api(engine)
    for n, uri in ((1, "https://one.example/voc/"), (2, "https://two.example/voc/")):
        body = orjson.loads(_doc(_object_event(SGTIN, f"2026-05-0{n}T08:00:00+07:00",
                                               **{"ex:issuer": f"issuer {n}"})))
        body["@context"][1] = {"ex": uri}
        assert api.capture(orjson.dumps(body)).status_code == 202
    answer = api.get("/events?orderBy=eventTime&orderDirection=ASC").json()
    context = {k: v for c in answer["@context"] if isinstance(c, dict) for k, v in c.items()}
    expanded = []
    for event in answer["epcisBody"]["queryResults"]["resultsBody"]["eventList"]:
        for key, value in event.items():
            prefix, _, local = key.partition(":")
            if local == "issuer":
                expanded.append((context[prefix] + local, value))
    assert expanded == [("https://one.example/voc/issuer", "issuer 1"),
                        ("https://two.example/voc/issuer", "issuer 2")]
    xml = api.get("/events?orderBy=eventTime&orderDirection=ASC", Accept="application/xml").text
    assert 'xmlns:ex="https://one.example/voc/"' in xml
    assert 'xmlns:ex2="https://two.example/voc/"' in xml and "<ex2:issuer>" in xml


def test_options_and_each_values_resource(engine: Engine) -> None:
    """OPTIONS on every resource is a 204 naming its methods; GET /{resource}/{value} lists
    its sub-resources (its events) when the caller's events hold the value, else a 404."""
    api = _seeded(engine)
    for path, allow in (("/events", "GET, HEAD, OPTIONS"), ("/capture", "POST, OPTIONS"),
                        ("/eventTypes/ObjectEvent", "GET, HEAD, OPTIONS"),
                        (f"/epcs/{SGTIN_DL}/events", "GET, HEAD, OPTIONS")):
        answer = api.client.options(path)
        assert answer.status_code == 204, (path, answer.text)
        assert answer.headers["Allow"] == allow, path
        assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert api.client.options("/nothing/here").status_code == 404
    member = api.get("/eventTypes/ObjectEvent")
    assert member.status_code == 200
    assert member.json()["type"] == "Collection" and member.json()["member"] == ["events"]
    assert api.get("/bizSteps/shipping").json()["member"] == ["events"]
    assert api.get(f"/epcs/{SGTIN_DL}").json()["member"] == ["events"]
    assert api.get("/bizSteps/receiving").status_code == 404
    assert api.get("/eventTypes/NoSuchEvent").status_code == 404
    other = make_api(engine, "Shan Tuyet Tea Coop")
    assert other.get("/bizSteps/shipping").status_code == 404


def test_the_root_lists_the_top_level_resources_to_an_epcis_client(engine: Engine) -> None:
    api = make_api(engine)
    answer = api.get("/", Accept="application/ld+json")
    assert answer.status_code == 200
    assert answer.json()["type"] == "Collection"
    assert {"capture", "events", "eventTypes", "epcs"} <= set(answer.json()["member"])
    assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    browser = api.client.get("/", headers={"Accept": "text/html,application/json;q=0.9"})
    assert browser.headers["content-type"].startswith("text/html")
