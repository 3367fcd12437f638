"""Property: a valid event comes back out of the store with the same content, in JSON-LD and
in XML, on both engines."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from agritrace.capture import capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.epcis.render import render_query_document
from agritrace.epcis.xml_codec import read_document, write_xml
from agritrace.query import parse_query, run_query
from agritrace.store.orgs import create_organization

NAMESPACES = {"agt": "https://agritrace.org/voc/"}
_orgs = itertools.count()

_serial = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=12)
_epc = _serial.map(lambda s: f"urn:epc:id:sgtin:8931234.012345.{s}")
_time = st.tuples(st.integers(2020, 2030), st.integers(1, 12), st.integers(1, 28),
                  st.integers(0, 23), st.integers(0, 59),
                  st.sampled_from(["+07:00", "Z", "-05:30"]))
_quantity = st.fixed_dictionaries({
    "epcClass": _serial.map(lambda s: f"urn:epc:class:lgtin:8931234.012345.{s}"),
    "quantity": st.integers(1, 10_000).map(float),
    "uom": st.sampled_from(["KGM", "TNE", "LTR"]),
})
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=20).filter(lambda s: s.strip() == s)


@st.composite
def _events(draw: st.DrawFn) -> dict[str, Any]:
    year, month, day, hour, minute, zone = draw(_time)
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00{zone}",
        "eventTimeZoneOffset": "+00:00" if zone == "Z" else zone,
        "action": draw(st.sampled_from(["ADD", "OBSERVE", "DELETE"])),
        "epcList": draw(st.lists(_epc, min_size=1, max_size=4, unique=True)),
    }
    if draw(st.booleans()):
        event["quantityList"] = draw(st.lists(_quantity, min_size=1, max_size=2))
    if draw(st.booleans()):
        event["bizStep"] = draw(st.sampled_from(["commissioning", "shipping", "receiving"]))
    if draw(st.booleans()):
        event["readPoint"] = {"id": "urn:epc:id:sgln:8931234.00001.0"}
    if draw(st.booleans()):
        event["agt:note"] = draw(_text)
    return event


def _document(events: list[dict[str, Any]]) -> Document:
    return Document(kind="EPCISDocument", namespaces=dict(NAMESPACES), events=iter(events),
                    name="generated", header={"@context": [STANDARD_CONTEXT, NAMESPACES],
                                              "schemaVersion": "2.0",
                                              "creationDate": "2026-05-01T08:00:00Z"})


def _stored(engine: Engine, events: list[dict[str, Any]]) -> list[Any]:
    org = create_organization(engine, f"org {next(_orgs)}")
    report = capture_document(engine, _document(events), org)
    assert report.rejected == 0, report.problems
    return run_query(engine, parse_query({"perPage": "100"}), org).events


def _without_record_time(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in e.items() if k != "recordTime"} for e in events), key=repr)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_events(), min_size=1, max_size=5, unique_by=lambda e: repr(e)))
def test_json_ld_round_trip_through_the_store(
    engine: Engine, events: list[dict[str, Any]]
) -> None:
    stored = _stored(engine, events)
    answer = read_document(render_query_document(stored, xml=False), "answer")
    assert _without_record_time(list(answer.events)) == _without_record_time(events)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_events(), min_size=1, max_size=5, unique_by=lambda e: repr(e)))
def test_xml_round_trip_through_the_store(engine: Engine, events: list[dict[str, Any]]) -> None:
    body = write_xml(events, namespaces=NAMESPACES)
    sent = list(read_document(body, "sent").events)
    org = create_organization(engine, f"org {next(_orgs)}")
    report = capture_document(engine, read_document(body, "sent"), org)
    assert report.rejected == 0, report.problems
    page = run_query(engine, parse_query({"perPage": "100"}), org).events
    answer = read_document(render_query_document(page, xml=True), "answer")
    assert _without_record_time(list(answer.events)) == _without_record_time(sent)
