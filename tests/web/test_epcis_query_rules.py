"""The EPCIS 2.0 query interface as the standard words it (section 8.2.7.1 and the REST openapi):
paging and ordering defaults, the limits on how many events, and the parameters it supports."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine

from tests.helpers import Api, make_api


def _document(*events: dict[str, Any], context: dict[str, str] | None = None) -> bytes:
    return orjson.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     *([context] if context else [])],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-05-01T00:00:00Z", "epcisBody": {"eventList": list(events)}})


def _event(n: int, **fields: Any) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": f"2026-05-01T08:{n:02d}:00+07:00",
            "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "inspecting",
            "epcList": [f"urn:epc:id:sgtin:8931234.012345.S{n}"], **fields}


def _seeded(engine: Engine, count: int = 40) -> Api:
    api = make_api(engine)
    answer = api.capture(_document(*(_event(n) for n in range(count))))
    assert answer.status_code == 202, answer.text
    return api


def _events(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"]
    return found


def _serials(answer: Any) -> list[str]:
    return [e["epcList"][0].rsplit(".", 1)[-1] for e in _events(answer)]


def _problem(answer: Any, status: int, kind: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["type"].endswith(kind), body
    return body


def test_per_page_defaults_to_30(engine: Engine) -> None:
    answer = _seeded(engine).get("/events")
    assert len(_events(answer)) == 30
    assert 'rel="next"' in answer.headers["Link"]


def test_order_by_without_direction_is_descending(engine: Engine) -> None:
    api = _seeded(engine, 3)
    assert _serials(api.get("/events?orderBy=eventTime")) == ["S2", "S1", "S0"]
    assert _serials(api.get("/events?orderBy=eventTime&orderDirection=ASC")) == ["S0", "S1", "S2"]


def test_max_event_count_under_the_matches_is_query_too_large(engine: Engine) -> None:
    api = _seeded(engine, 5)
    body = _problem(api.get("/events?maxEventCount=4"), 413, "QueryTooLargeException")
    assert body["errors"][0]["path"] == "maxEventCount"
    assert len(_events(api.get("/events?maxEventCount=5"))) == 5


def test_event_count_limit_needs_order_by_and_excludes_max_event_count(engine: Engine) -> None:
    api = _seeded(engine, 5)
    _problem(api.get("/events?eventCountLimit=2"), 400, "QueryParameterException")
    _problem(api.get("/events?eventCountLimit=2&maxEventCount=9&orderBy=eventTime"), 400,
             "QueryParameterException")
    assert _serials(api.get("/events?eventCountLimit=2&orderBy=eventTime")) == ["S4", "S3"]


def test_event_count_limit_holds_across_pages(engine: Engine) -> None:
    api = _seeded(engine, 10)
    first = api.get("/events?eventCountLimit=5&orderBy=eventTime&perPage=3")
    assert _serials(first) == ["S9", "S8", "S7"]
    following = first.headers["Link"].split(">")[0].lstrip("<")
    second = api.get(following)
    assert _serials(second) == ["S6", "S5"]
    assert "Link" not in second.headers


def _rich(engine: Engine) -> Api:
    """Events with what only the body holds: an error declaration, persistent dispositions,
    ILMD; and quantities."""
    api = make_api(engine)
    lot = "urn:epc:class:lgtin:8931234.012345.L1"
    answer = api.capture(_document(
        _event(1, errorDeclaration={"declarationTime": "2026-05-02T08:00:00+07:00",
                                    "reason": "incorrect_data"},
               persistentDisposition={"set": ["completeness_verified"], "unset": ["recalled"]}),
        _event(2, action="ADD", bizStep="commissioning", epcList=[],
               quantityList=[{"epcClass": lot, "quantity": 200, "uom": "KGM"}],
               ilmd={"agt:grade": "A", "cbvmda:countryOfOrigin": "VN",
                     "agt:harvest": {"agt:plot": {"agt:grade": "B"}, "agt:picker": "Lò Văn A"}}),
        _event(3, readPoint={"id": "urn:epc:id:sgln:8931234.00001.0"},
               quantityList=[{"epcClass": lot, "quantity": 50, "uom": "KGM"}]),
        context={"agt": "https://agritrace.org/voc/"}))
    assert answer.status_code == 202, answer.text
    return api


def _minutes(answer: Any) -> list[int]:
    return [int(e["eventTime"][14:16]) for e in _events(answer)]


def test_parameters_on_what_the_body_holds(engine: Engine) -> None:
    api = _rich(engine)
    assert _minutes(api.get("/events?EQ_errorReason=incorrect_data")) == [1]
    assert _minutes(api.get(
        "/events?EQ_errorReason=https://ref.gs1.org/cbv/ER-incorrect_data")) == [1]
    assert _minutes(api.get("/events?EQ_errorReason=did_not_occur")) == []
    assert _minutes(api.get("/events?EQ_persistentDisposition_set=completeness_verified")) == [1]
    assert _minutes(api.get("/events?EQ_persistentDisposition_unset=recalled|active")) == [1]
    assert _minutes(api.get("/events?EQ_persistentDisposition_set=recalled")) == []
    assert _minutes(api.get("/events?EQ_ILMD_agt:grade=A|B")) == [2]
    assert _minutes(api.get("/events?EQ_ILMD_cbvmda:countryOfOrigin=VN")) == [2]
    assert _minutes(api.get("/events?EQ_ILMD_agt:grade=C")) == []
    assert _minutes(api.get("/events?EQ_INNER_ILMD_agt:grade=B")) == [2]
    assert _minutes(api.get("/events?EQ_INNER_ILMD_agt:grade=A")) == []  # top level: not inner
    assert _minutes(api.get("/events?EQ_INNER_ILMD_agt:picker=Lò Văn A|X")) == [2]
    # Declared at 2026-05-02T08:00:00+07:00, i.e. 01:00Z.
    assert _minutes(api.get("/events?GE_errorDeclarationTime=2026-05-02T01:00:00Z")) == [1]
    assert _minutes(api.get("/events?LT_errorDeclarationTime=2026-05-02T01:00:00Z")) == []
    assert _minutes(api.get(
        "/events?GE_errorDeclarationTime=2026-05-02T01:00:00.001Z")) == []
    assert _minutes(api.get("/events?LT_errorDeclarationTime=2026-05-02T09:00:00%2B07:00")) == [1]


def test_quantity_place_and_extension_type_parameters(engine: Engine) -> None:
    api = _rich(engine)
    assert _minutes(api.get("/events?GE_quantity=100")) == [2]
    assert _minutes(api.get("/events?LT_quantity=100")) == [3]
    assert _minutes(api.get("/events?GT_quantity=50&LE_quantity=200")) == [2]
    sgln = "urn:epc:id:sgln:8931234.00001.0"
    assert _minutes(api.get(f"/events?WD_readPoint={sgln}")) == [3]
    assert _minutes(api.get("/events?eventType=https://example.com/ext/SensorCheckEvent")) == []
    _problem(api.get("/events?GE_quantity=lots"), 400, "QueryParameterException")


def test_sensor_report_parameters(engine: Engine) -> None:
    api = make_api(engine)
    report = {"type": "Temperature", "deviceID": "urn:epc:id:giai:8931234.T1", "value": 26.5,
              "uom": "CEL", "booleanValue": True, "stringValue": "ok"}
    answer = api.capture(_document(
        _event(1, sensorElementList=[{"sensorMetadata": {
                   "startTime": "2026-05-01T07:00:00+07:00", "endTime": "2026-05-01T01:30:00Z"},
                                      "sensorReport": [{"type": "RelativeHumidity", "value": 60,
                                                        "uom": "A93"}, report]}]),
        _event(2)))
    assert answer.status_code == 202, answer.text
    assert _minutes(api.get("/events?EQ_type=Temperature")) == [1]
    assert _minutes(api.get("/events?EQ_type=Illuminance|RelativeHumidity")) == [1]
    assert _minutes(api.get("/events?EQ_type=Illuminance")) == []
    assert _minutes(api.get("/events?EQ_deviceID=urn:epc:id:giai:8931234.T1")) == [1]
    assert _minutes(api.get("/events?EQ_booleanValue=true")) == [1]
    assert _minutes(api.get("/events?EQ_booleanValue=false")) == []
    assert _minutes(api.get("/events?EQ_stringValue=ok&EQ_bizStep=inspecting")) == [1]
    assert _minutes(api.get("/events?GE_startTime=2026-05-01T00:00:00Z")) == [1]
    assert _minutes(api.get("/events?GE_startTime=2026-05-01T00:00:00.001Z")) == []
    assert _minutes(api.get("/events?LT_endTime=2026-05-01T01:30:00.001Z")) == [1]
    assert _minutes(api.get("/events?LT_endTime=2026-05-01T01:30:00Z")) == []
