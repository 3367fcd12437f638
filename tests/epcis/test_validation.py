"""Validation of EPCIS 2.0 events and documents against the official schema and the standard."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find
from lxml import etree

from agritrace.epcis.validation import validate_document, validate_event
from agritrace.epcis.xml_codec import read_xml
from tests.conformance import XSD_DIR, ids, json_examples, xml_examples
from tests.epcis.schema_oracle import (
    events_of,
    header_of,
    load,
    namespaces_of,
    schema_accepts_event,
    schema_accepts_header,
)
from tests.epcis.test_validation_mutations import events

NS = {"example": "http://ns.example.com/epcis/"}
_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EPC = "urn:epc:id:sgtin:0614141.107346.2017"


def _object(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-05-01T08:30:00+07:00",
        "eventTimeZoneOffset": "+07:00", "epcList": [EPC],
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def _messages(event: dict[str, Any], **options: Any) -> list[str]:
    return [problem.message() for problem in validate_event(event, NS, **options)]


# 1. Every official JSON example, event by event and header by header.

@pytest.mark.parametrize("path", json_examples(), ids=ids(json_examples()))
def test_official_events_agree_with_the_schema_and_pass_every_rule(path: Path) -> None:
    document = load(path)
    namespaces = namespaces_of(document["@context"])
    for index, event in enumerate(events_of(document)):
        official = schema_accepts_event(event)
        assert (not validate_event(event, namespaces, semantic=False)) == official, index
        assert validate_event(event, namespaces) == [], index


@pytest.mark.parametrize("path", json_examples(), ids=ids(json_examples()))
def test_official_headers_and_their_mutations_agree_with_the_schema(path: Path) -> None:
    document = load(path)
    kind = document["type"]
    header = header_of(document)
    variants = [header]
    for key in set(header) - {"type"}:  # the document kind is checked on its own, below
        variants.append({k: v for k, v in header.items() if k != key})
        for wrong in (42, "", "2.0", "x y", "2026-05-01T08:30:00Z", {}, [], ["urn:x", "urn:x"],
                      {"epcisMasterData": {"vocabularyList": [{"type": 1}]}}):
            variants.append({**header, key: wrong})
    variants += [{**header, "sender": "s"}, {**header, "nonsense": 1},
                 {**header, "example:x": 1}, {**header, "epcisHeader": {"foo": 1}}]
    for variant in variants:
        ours = not validate_document(variant, kind, semantic=False)
        # A missing @context is the codec's to report (it consumes @context): see below.
        reference = variant if "@context" in variant else {**variant, "@context": _CONTEXT}
        assert ours == schema_accepts_header(reference, kind), variant


def test_a_missing_context_is_left_to_the_codec() -> None:
    header = {"schemaVersion": "2.0", "creationDate": "2026-05-01T08:30:00Z"}
    assert not schema_accepts_header(header, "EPCISDocument")
    assert validate_document(header, "EPCISDocument") == []


def test_the_oracle_enforces_formats() -> None:
    """Guards the comparisons above: jsonschema really checks uri and date-time here."""
    assert not schema_accepts_event(_object(eventID="not a uri"))
    assert not schema_accepts_event(_object(eventTime="2026-05-01 08:30"))
    assert schema_accepts_event(_object())


def test_the_generated_events_include_accepted_ones() -> None:
    """Guards the hypothesis comparison: its events are not all trivially rejected."""
    assert schema_accepts_event(find(events(), lambda e: schema_accepts_event(e)
                                     and e["type"] == "TransformationEvent"))


# 2. Every official XML example the official XSD accepts.

_XSD = etree.XMLSchema(etree.parse(str(XSD_DIR / "EPCglobal-epcis-2_0.xsd")))
_EPCIS_ROOTS = ("EPCISDocument", "EPCISQueryDocument")


@pytest.mark.parametrize("path", xml_examples(), ids=ids(xml_examples()))
def test_official_xml_events_the_xsd_accepts_pass(path: Path) -> None:
    tree = etree.parse(str(path))
    if etree.QName(tree.getroot()).localname not in _EPCIS_ROOTS:
        pytest.skip("not an EPCIS document (a capture job or master data file)")
    if not _XSD.validate(tree):
        pytest.skip(f"the official XSD rejects it: {_XSD.error_log.last_error}")
    document = read_xml(path, path.name)
    assert validate_document(document.header, document.kind,
                             namespaces=document.namespaces) == []
    for index, event in enumerate(document.events):
        assert validate_event(event, document.namespaces, binding="xml") == [], index


# 3. Where we differ from the official schema on purpose.

@pytest.mark.parametrize(("field", "value"), [
    ("eventTime", "2026-05-01T08:30:00+07:00\n"), ("eventTimeZoneOffset", "+07:00\n"),
    ("eventID", "urn:uuid:1\n"), ("bizStep", "https://example.com/drying\n"),
])
def test_stricter_than_the_schema_a_trailing_newline(field: str, value: str) -> None:
    event = _object(**{field: value})
    assert schema_accepts_event(event)
    assert [p.path for p in validate_event(event, NS)] == [field]


def test_stricter_than_the_schema_uom_and_hex_with_a_trailing_newline() -> None:
    event = _object(quantityList=[{"epcClass": "urn:x", "quantity": 1, "uom": "KGM\n"}],
                    sensorElementList=[{"sensorReport": [
                        {"type": "Temperature", "hexBinaryValue": "0A\n"}]}])
    assert schema_accepts_event(event)
    assert {p.path for p in validate_event(event, NS, semantic=False)} == {
        "quantityList[0].uom", "sensorElementList[0].sensorReport[0].hexBinaryValue"}


def test_stricter_than_the_schema_a_version_in_non_ascii_digits() -> None:
    header = {"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
              "schemaVersion": "\u0662.\u0660", "creationDate": "2026-05-01T08:30:00Z"}
    assert schema_accepts_header(header, "EPCISDocument")
    assert [p.path for p in validate_document(header, "EPCISDocument")] == ["schemaVersion"]


def test_xml_binding_accepts_cbv_urns_of_standard_words_only() -> None:
    event = _object(bizStep="urn:epcglobal:cbv:bizstep:shipping")
    assert not schema_accepts_event(event)
    assert _messages(event) == [
        "bizStep: expected the bare CBV word 'shipping': JSON writes standard bizStep values "
        "without their URI prefix, found 'urn:epcglobal:cbv:bizstep:shipping'"]
    assert validate_event(event, NS, binding="xml") == []
    unknown = _object(bizStep="urn:epcglobal:cbv:bizstep:shiping")
    assert [p.path for p in validate_event(unknown, NS, binding="xml")] == ["bizStep"]


def test_xml_binding_allows_what_the_xsd_allows() -> None:
    aggregation = {
        "type": "AggregationEvent", "action": "ADD", "parentID": "urn:x", "childEPCs": [EPC],
        "eventTime": "2026-05-01T08:30:00Z", "eventTimeZoneOffset": "+00:00",
        "persistentDisposition": {"set": ["completeness_verified"]},
    }
    assert not schema_accepts_event(aggregation)
    assert [p.path for p in validate_event(aggregation, NS)] == ["persistentDisposition"]
    assert validate_event(aggregation, NS, binding="xml") == []
    untyped = _object(sensorElementList=[{"sensorReport": [{"value": 1.0, "uom": "CEL"}]}])
    assert not schema_accepts_event(untyped)
    assert validate_event(untyped, NS, binding="xml") == []


def test_unknown_binding_is_refused() -> None:
    with pytest.raises(ValueError, match="binding"):
        validate_event(_object(), NS, binding="csv")


# 4. The standard's rules the schema cannot express: the schema accepts, we reject.

_RULE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "aggregation-parent": ({
        "type": "AggregationEvent", "action": "ADD", "childEPCs": [EPC],
        "eventTime": "2026-05-01T08:30:00Z", "eventTimeZoneOffset": "+00:00",
    }, "parentID: expected parentID (required when action is ADD)"),
    "object-what (empty epcList)": (_object(action="ADD", epcList=[]),
                                    "epcList: expected at least one EPC"),
    "object-what (sensor data outside OBSERVE)": (_object(
        action="DELETE", epcList=None, readPoint={"id": "urn:epc:id:sgln:0614141.00777.0"},
        sensorElementList=[{"sensorReport": [{"type": "Temperature"}]}],
    ), "epcList: expected at least one EPC"),
    "quantity-non-negative": (_object(quantityList=[{"epcClass": "urn:x", "quantity": -2}]),
                              "quantityList[0].quantity: expected a quantity of 0 or more, "
                              "found -2"),
    "uom-needs-quantity": (_object(quantityList=[{"epcClass": "urn:x", "uom": "KGM"}]),
                           "quantityList[0].quantity: expected a quantity for the uom 'KGM'"),
    "sensor-uom": (_object(sensorElementList=[{"sensorReport": [
        {"type": "Temperature", "value": 4, "uom": "celsius"}]}]),
        "sensorElementList[0].sensorReport[0].uom: expected a UN/ECE Recommendation 20"),
    "sensor-period": (_object(sensorElementList=[{
        "sensorMetadata": {"startTime": "2026-05-01T09:00:00+07:00",
                           "endTime": "2026-05-01T01:00:00Z"},
        "sensorReport": [{"type": "Temperature"}]}]),
        "sensorElementList[0].sensorMetadata.endTime: expected a time not before startTime"),
    "sensor-range": (_object(sensorElementList=[{"sensorReport": [
        {"type": "Temperature", "minValue": 5, "maxValue": 2}]}]),
        "sensorElementList[0].sensorReport[0].maxValue: expected a value not below minValue 5"),
    "persistent-disposition-conflict": (_object(persistentDisposition={
        "set": ["recalled"], "unset": ["recalled"]}),
        "persistentDisposition.unset[0]: expected a disposition that this event does not"),
    "extension-prefix": (_object(**{"acme:grade": "A"}),
                         "acme:grade: expected a namespace prefix declared in the document's "
                         "@context (declared: example), found \"the field name 'acme:grade'\""),
    "extension-prefix (ilmd)": (_object(action="ADD", ilmd={"acme:lot": "1"}),
                                "ilmd.acme:lot: expected a namespace prefix declared"),
}


@pytest.mark.parametrize("rule", list(_RULE_CASES))
def test_rule_rejects_what_the_schema_accepts(rule: str) -> None:
    event, message = _RULE_CASES[rule]
    assert schema_accepts_event(event)
    assert validate_event(event, NS, semantic=False) == []
    messages = _messages(event)
    assert len(messages) == 1 and messages[0].startswith(message), messages


@pytest.mark.parametrize("event", [
    _object(**{"cbvmda:lotNumber": "1"}), _object(**{"https://example.org/f": 1}),
    _object(**{"urn:acme:f": 1}), _object(**{"@context": [{"acme": "urn:acme:"}],
                                             "acme:grade": "A"}),
    _object(action="OBSERVE", epcList=[], readPoint={"id": "urn:x"},
            sensorElementList=[{"sensorReport": [{"type": "Temperature"}]}]),
    _object(quantityList=[{"epcClass": "urn:x", "quantity": 0, "uom": "KGM"}]),
], ids=["standard-prefix", "absolute-uri", "urn-key", "event-context", "sensor-only-observe",
        "zero-quantity"])
def test_rules_accept_the_legitimate_cases(event: dict[str, Any]) -> None:
    assert validate_event(event, NS) == []


# 5. Messages, paths and limits.

def test_a_bad_date_time_says_what_was_expected_and_found() -> None:
    assert _messages(_object(eventTime="2026-05-01 08:30")) == [
        "eventTime: expected an ISO 8601 date-time with a time zone, e.g. "
        "2026-05-01T08:30:00+07:00, found '2026-05-01 08:30'"]


def test_an_unknown_bare_cbv_word_names_the_closest_word() -> None:
    assert _messages(_object(bizStep="shiping", disposition="in transit")) == [
        "bizStep: expected a CBV word for bizStep (closest: 'shipping') or an absolute URI, "
        "found 'shiping'",
        "disposition: expected a CBV word for disposition (closest: 'in_transit') or an "
        "absolute URI, found 'in transit'"]


@pytest.mark.parametrize(("fields", "path", "closest"), [
    ({"disposition": "sellable accessible"}, "disposition", "sellable_accessible"),
    ({"bizTransactionList": [{"type": "purchase_order", "bizTransaction": "urn:x"}]},
     "bizTransactionList[0].type", None),
    ({"bizTransactionList": [{"type": "invoice", "bizTransaction": "urn:x"}]},
     "bizTransactionList[0].type", "inv"),
    ({"sourceList": [{"type": "owning party", "source": "urn:x"}]}, "sourceList[0].type",
     "owning_party"),
    ({"destinationList": [{"type": "Location", "destination": "urn:x"}]},
     "destinationList[0].type", "location"),
    ({"errorDeclaration": {"declarationTime": "2026-05-01T08:30:00Z",
                           "reason": "incorrect data"}}, "errorDeclaration.reason",
     "incorrect_data"),
    ({"sensorElementList": [{"sensorReport": [{"type": "temperature"}]}]},
     "sensorElementList[0].sensorReport[0].type", "Temperature"),
])
def test_every_vocabulary_names_the_closest_word(
    fields: dict[str, Any], path: str, closest: str | None,
) -> None:
    problems = validate_event(_object(**fields), NS)
    assert [p.path for p in problems] == [path]
    hint = f"(closest: {closest!r})"
    assert (hint in problems[0].expected) == (closest is not None), problems[0].expected


def test_an_unknown_field_names_the_closest_field() -> None:
    assert _messages(_object(bizstep="shipping")) == [
        "bizstep: expected a field of ObjectEvent (closest: 'bizStep') or an extension field "
        "written prefix:name, found \"the field name 'bizstep'\""]


def test_an_unknown_event_type_names_the_closest_type() -> None:
    assert _messages(_object(type="objectEvent")) == [
        "type: expected one of ObjectEvent, AggregationEvent, TransactionEvent, "
        "TransformationEvent, AssociationEvent (closest: 'ObjectEvent'), or a URI for an "
        "extension event type, found 'objectEvent'"]


def test_every_problem_is_reported_with_its_path() -> None:
    event = _object(eventTimeZoneOffset="+15:00", epcList=[EPC, "bad epc", EPC],
                    sensorElementList=[
                        {"sensorReport": [{"type": "Temperature"}]},
                        {"sensorReport": [{"type": "Temperature", "time": "yesterday"}]}])
    del event["eventTime"]
    assert [p.path for p in validate_event(event, NS)] == [
        "eventTimeZoneOffset", "epcList[1]", "epcList[2]",
        "sensorElementList[1].sensorReport[0].time", "eventTime"]


def test_problems_are_bounded() -> None:
    event = _object(epcList=[f"bad {i}" for i in range(500)])
    assert len(validate_event(event, NS)) == 100


def test_problems_can_be_located_in_a_document() -> None:
    problem = validate_event(_object(action="add"), NS)[0].located(
        document="batch.jsonld", event_index=3)
    assert problem.message() == (
        "batch.jsonld event 3: action: expected ADD, OBSERVE or DELETE, found 'add'")


def test_a_non_object_event_is_one_problem() -> None:
    assert [p.message() for p in validate_event([], NS)] == [  # type: ignore[arg-type]
        ": expected an event object, found list"]


@pytest.mark.parametrize("context", [
    [_CONTEXT, {"a": 1}, {"a": True}], [_CONTEXT, {"a": [1]}, {"a": [1.0]}],
    [_CONTEXT, {"a": {"b": None}}, {"a": {"b": None}}], [_CONTEXT, _CONTEXT],
])
def test_unique_items_compare_as_json_schema_does(context: list[Any]) -> None:
    event = _object(**{"@context": context})
    assert (not validate_event(event, NS)) == schema_accepts_event(event)


def test_validation_does_not_change_the_event() -> None:
    event = _object(quantityList=[{"epcClass": "urn:x", "quantity": -1}])
    before = copy.deepcopy(event)
    validate_event(event, NS)
    assert event == before


# 6. Document headers.


def test_document_header_problems() -> None:
    header = {"@context": [_CONTEXT, {"acme": "urn:acme:"}], "schemaVersion": "2",
              "creationDate": "yesterday", "epcisHeader": {"foo": 1}, "acme:batch": 7,
              "other:x": 1}
    assert [p.message() for p in validate_document(header, "EPCISDocument")] == [
        "creationDate: expected an ISO 8601 date-time with a time zone, e.g. "
        "2026-05-01T08:30:00+07:00, found 'yesterday'",
        "epcisHeader.foo: expected epcisMasterData or an extension field written prefix:name, "
        "found \"the field name 'foo'\"",
        "other:x: expected a namespace prefix declared in the document's @context "
        "(declared: acme), found \"the field name 'other:x'\""]


def test_document_kind_and_required_fields() -> None:
    assert [p.path for p in validate_document({}, "EPCISDocument")] == [
        "schemaVersion", "creationDate"]
    assert validate_document({}, "EPCISQueryDocument") == []
    assert [p.message() for p in validate_document({}, "Document")] == [
        "type: expected EPCISDocument or EPCISQueryDocument, found 'Document'"]
    assert [p.path for p in validate_document({"type": "EPCISDocument"},
                                              "EPCISQueryDocument")] == ["type"]
