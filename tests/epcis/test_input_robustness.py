"""Hostile or unusual input to the codecs and the hash, through the API and the CLI as a user
meets it (issue 12): each is a located 400 or a clear CLI error, never a 500 or a traceback,
and a refused capture stores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from lxml import etree
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.epcis.xml_read import read_xml
from tests.conformance import XSD_DIR, needs_files
from tests.helpers import Api, make_api

_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_EPC = "urn:epc:id:sgtin:0614141.107346.1"


def _document(event_time: str, offset: str) -> dict[str, Any]:
    return {"@context": [_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-01-01T00:00:00Z", "epcisBody": {"eventList": [
                {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": event_time,
                 "eventTimeZoneOffset": offset, "epcList": [_EPC]}]}}


def _stored(api: Api) -> int:
    return len(api.get("/events?perPage=100").json()["epcisBody"]["queryResults"]
               ["resultsBody"]["eventList"])


def test_a_time_whose_utc_instant_leaves_0001_9999_is_a_located_400(engine: Engine) -> None:
    api = make_api(engine)
    for event_time, offset in (("0001-01-01T00:30:00+01:00", "+01:00"),
                               ("9999-12-31T23:59:59-14:00", "-14:00")):
        answer = api.capture(orjson.dumps(_document(event_time, offset)))
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        errors = answer.json()["errors"]
        assert errors[0]["path"].endswith("eventTime"), errors
        assert "0001-9999 after conversion to UTC" in errors[0]["expected"]
    assert _stored(api) == 0


def test_the_hash_command_names_the_event_instead_of_a_traceback(tmp_path: Path) -> None:
    file = tmp_path / "far.jsonld"
    file.write_bytes(orjson.dumps(_document("0001-01-01T00:30:00+01:00", "+01:00")))
    result = CliRunner().invoke(app, ["hash", str(file)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception
    assert "far.jsonld event 0" in result.output
    assert "outside 0001-9999 after conversion to UTC" in result.output


def _xml(inner: str = "1", prolog: str = "") -> bytes:
    return (prolog + '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" '
            'xmlns:ex="http://ex.com/" schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z">'
            "<EPCISBody><EventList><ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime>"
            "<eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList>"
            f"<epc>{_EPC}</epc></epcList><action>OBSERVE</action><ex:a>{inner}</ex:a>"
            "</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>").encode()


def test_an_xml_doctype_is_refused_not_its_entity_emptied(engine: Engine) -> None:
    api = make_api(engine)
    answer = api.capture(_xml("&e;", '<!DOCTYPE x [<!ENTITY e "boom">]>'), "application/xml")
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["path"] == "(DOCTYPE)"
    assert "DOCTYPE" in answer.json()["detail"]
    assert _stored(api) == 0


def test_nesting_past_the_limit_is_named_as_such(engine: Engine) -> None:
    api = make_api(engine)
    deep_xml = _xml("<ex:a>" * 150 + "1" + "</ex:a>" * 150)
    deep_json = _document("2026-01-01T00:00:00Z", "+00:00")
    nested: Any = 1
    for _ in range(300):
        nested = {"ex:a": nested}
    deep_json["epcisBody"]["eventList"][0]["ex:a"] = nested
    deep_json["@context"].append({"ex": "http://ex.com/"})
    answers = [api.capture(deep_xml, "application/xml"),
               # orjson cannot write past 254 levels, which is the point: the standard library can.
               api.capture(json.dumps(deep_json).encode())]
    for answer in answers:
        assert answer.status_code == 400, answer.text
        text = answer.json()["errors"][0]["expected"]
        assert "nested at most" in text and "64 bits" not in text, text
    assert _stored(api) == 0


@needs_files
def test_a_stored_certification_list_answers_the_xml_query(engine: Engine) -> None:
    """The JSON binding allows a certificationInfo list, the XSD one element: one such event
    made the organization's whole XML query a 400. The others are written as extension
    elements in the JSON binding's namespace, and read back into the list."""
    api = make_api(engine)
    document = _document("2026-01-01T00:00:00+07:00", "+07:00")
    certificates = ["https://cert.example.vn/vietgap/1", "https://cert.example.vn/organic/2"]
    document["epcisBody"]["eventList"][0]["certificationInfo"] = certificates
    assert api.capture(orjson.dumps(document)).status_code == 202
    answer = api.get("/events", Accept="application/xml")
    assert answer.status_code == 200, answer.text
    [event] = read_xml(answer.content, "answer.xml").events
    assert event["certificationInfo"] == certificates
    schema = etree.XMLSchema(etree.parse(str(XSD_DIR / "EPCglobal-epcis-query-2_0.xsd")))
    assert schema.validate(etree.fromstring(answer.content)), schema.error_log
