"""Document rules the codecs enforce before any event is checked (issues 12 and 20): the body the
schemas require, the XSD's element order, and keys named once. Each is a located 400 at capture,
on JSON and on XML, and the refused document stores nothing."""

from __future__ import annotations

import json
import re
from functools import cache
from itertools import pairwise
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine

from agritrace.epcis.json_codec import read_json
from agritrace.epcis.xml_read import read_xml
from agritrace.errors import ValidationException
from tests.conformance import GS1, KNOWN_BAD_JSON, REPO, XSD_DIR, needs_files
from tests.helpers import Api, make_api

_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_EPC = "urn:epc:id:sgtin:0614141.107346.1"
_HEAD = (b'{"@context": ["' + _CONTEXT.encode() + b'"], "type": "EPCISDocument", '
         b'"schemaVersion": "2.0", "creationDate": "2026-01-01T00:00:00Z"')
_EVENT = (b'{"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-01-01T00:00:00Z", '
          b'"eventTimeZoneOffset": "+00:00", "epcList": ["' + _EPC.encode() + b'"]}')
_TIME = ("<eventTime>2026-01-01T00:00:00Z</eventTime>"
         "<eventTimeZoneOffset>+00:00</eventTimeZoneOffset>")


def _xml(body: str) -> bytes:
    return ('<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
            f'creationDate="2026-01-01T00:00:00Z">{body}</epcis:EPCISDocument>').encode()


def _object_event(inner: str) -> str:
    return f"<EPCISBody><EventList><ObjectEvent>{inner}</ObjectEvent></EventList></EPCISBody>"


def _stored(api: Api) -> int:
    return len(api.get("/events?perPage=100").json()["epcisBody"]["queryResults"]
               ["resultsBody"]["eventList"])


def _refused(api: Api, body: bytes, ctype: str = "application/ld+json") -> dict[str, Any]:
    answer = api.capture(body, ctype)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()["errors"][0]
    return problem


@pytest.mark.parametrize(("body", "path"), [
    (_HEAD + b"}", "epcisBody"),
    (_HEAD + b', "epcisBody": [' + _EVENT + b"]}", "epcisBody"),
    (_HEAD + b', "epcisBody": {"events": [' + _EVENT + b"]}}", "epcisBody.eventList"),
])
def test_a_json_document_without_its_body_is_refused(engine: Engine, body: bytes,
                                                     path: str) -> None:
    api = make_api(engine)
    problem = _refused(api, body)
    assert problem["path"] == path, problem
    assert _stored(api) == 0


def test_an_xml_document_without_its_body_is_refused(engine: Engine) -> None:
    api = make_api(engine)
    problem = _refused(api, _xml(""), "application/xml")
    assert problem["path"] == "EPCISBody", problem
    assert "EPCISBody" in problem["expected"]
    # the header after the body is out of the XSD's order
    body = _object_event(f"{_TIME}<epcList><epc>{_EPC}</epc></epcList><action>OBSERVE</action>")
    problem = _refused(api, _xml(body + "<EPCISHeader/>"), "application/xml")
    assert (problem["path"], problem["found"]) == ("EPCISHeader", "EPCISHeader after EPCISBody")
    assert _stored(api) == 0


@pytest.mark.parametrize(("inner", "path", "found"), [
    # action before epcList: the XSD's ObjectEvent sequence is epcList, then action
    (f"{_TIME}<action>OBSERVE</action><epcList><epc>{_EPC}</epc></epcList>",
     "ObjectEvent.epcList", "epcList after action"),
    # eventTimeZoneOffset comes before the event's own fields, eventTime first of all
    (f"<epcList><epc>{_EPC}</epc></epcList><action>OBSERVE</action>{_TIME}",
     "ObjectEvent.eventTime", "eventTime after action"),
    (f"{_TIME}<epcList><epc>{_EPC}</epc></epcList><action>OBSERVE</action>"
     "<bizLocation><id>urn:epc:id:sgln:0614141.00777.0</id></bizLocation>"
     "<bizStep>shipping</bizStep>", "ObjectEvent.bizStep", "bizStep after bizLocation"),
    (f"{_TIME}<action>ADD</action><quantityList><quantityElement><quantity>5</quantity>"
     "<epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><uom>KGM</uom>"
     "</quantityElement></quantityList>", "ObjectEvent.quantityList[0].epcClass",
     "epcClass after quantity"),
    (f"{_TIME}<epcList><epc>{_EPC}</epc></epcList><action>OBSERVE</action><sensorElementList>"
     "<sensorElement><sensorReport type='Temperature' value='26.0' uom='CEL'/>"
     "<sensorMetadata time='2026-01-01T00:00:00Z'/></sensorElement></sensorElementList>",
     "ObjectEvent.sensorElementList[0].sensorMetadata", "sensorMetadata after sensorReport"),
    (f"{_TIME}<epcList><epc>{_EPC}</epc></epcList><action>OBSERVE</action>"
     "<persistentDisposition><set>completeness_verified</set><unset>completeness_inferred"
     "</unset></persistentDisposition>", "ObjectEvent.persistentDisposition.unset",
     "unset after set"),
])
def test_xml_elements_out_of_the_xsd_order_are_refused_naming_the_element(
        engine: Engine, inner: str, path: str, found: str) -> None:
    api = make_api(engine)
    problem = _refused(api, _xml(_object_event(inner)), "application/xml")
    assert (problem["path"], problem["found"], problem["event_index"]) == (path, found, 0), problem
    assert problem["line"] == 1
    assert _stored(api) == 0


_XS = "http://www.w3.org/2001/XMLSchema"
_FOREIGN = "ex:note"  # an element of another namespace: the XSD's xsd:any namespace="##other"
# Where the XSD's type is written in a document, and the path a refusal names (events: index 0).
_PLACES = {
    "EPCISDocumentType": ("{}", ""),
    "QuantityElementType": ("<EPCISBody><EventList><ObjectEvent><quantityList><quantityElement>{}"
                            "</quantityElement></quantityList></ObjectEvent></EventList>"
                            "</EPCISBody>", "ObjectEvent.quantityList[0]."),
    "PersistentDispositionType": (_object_event("<persistentDisposition>{}"
                                                "</persistentDisposition>"),
                                  "ObjectEvent.persistentDisposition."),
    "SensorElementType": (_object_event("<sensorElementList><sensorElement>{}</sensorElement>"
                                        "</sensorElementList>"),
                          "ObjectEvent.sensorElementList[0]."),
    "ErrorDeclarationType": (_object_event("<errorDeclaration>{}</errorDeclaration>"),
                             "ObjectEvent.errorDeclaration."),
    **{f"{kind}Type": (f"<EPCISBody><EventList><{kind}>{{}}</{kind}></EventList></EPCISBody>",
                       f"{kind}.")
       for kind in ("ObjectEvent", "AggregationEvent", "TransactionEvent",
                    "TransformationEvent", "AssociationEvent")},
}


@cache
def _xsd_model(type_name: str) -> tuple[bool, tuple[str, ...]]:
    """(ordered, element names) of a complex type of the official XSD, read in place: a
    sequence (nested sequences and the base event type's sequence flattened in) is ordered, an
    unbounded choice is not."""
    schema = etree.parse(str(XSD_DIR / "EPCglobal-epcis-2_0.xsd"))
    [found] = schema.xpath(f"//xs:complexType[@name='{type_name}']", namespaces={"xs": _XS})
    ordered, names = True, []
    for node in found.iter(etree.Element):
        local = etree.QName(node).localname
        if local == "extension" and node.get("base") == "epcis:EPCISEventType":
            names.extend(_xsd_model("EPCISEventType")[1])
        elif local == "choice" and node.get("maxOccurs") == "unbounded":
            ordered = False
        elif local == "element":
            names.append(node.get("name"))
        elif local == "any" and node.get("namespace") == "##other":
            names.append(_FOREIGN)
    return ordered, tuple(names)


def _swapped(type_name: str, first: str, second: str) -> bytes:
    """A document holding ``second`` then ``first`` (empty elements: order is checked first)."""
    place = _PLACES[type_name][0]
    inner = "".join(f"<{n}/>" for n in (second, first))
    if type_name == "EPCISDocumentType" and "EPCISBody" not in (first, second):
        inner += "<EPCISBody/>"  # the body is required: a pair without it still needs one
    return _xml(place.format(inner)).replace(
        b'xmlns:epcis=', b'xmlns:ex="https://example.com/ns/" xmlns:epcis=', 1)


@needs_files
@pytest.mark.parametrize("type_name", sorted(_PLACES))
def test_the_order_check_is_the_official_xsds(type_name: str) -> None:
    """Every two neighbours of an XSD sequence, written the other way round, are refused naming
    the element out of place; the neighbours of an unbounded choice may come in any order. The
    XSD is read here, in place: the product carries its order and never reads the file."""
    ordered, names = _xsd_model(type_name)
    assert len(names) >= 2, names
    prefix = _PLACES[type_name][1]
    for first, second in pairwise(names):
        document = _swapped(type_name, first, second)
        if not ordered:
            assert list(read_xml(document, "any-order.xml").events)
            continue
        with pytest.raises(ValidationException) as refused:
            list(read_xml(document, "swapped.xml").events)
        problem = refused.value.problems[0]
        assert (problem.path, problem.found) == (f"{prefix}{first}", f"{first} after {second}")
        assert problem.event_index == (0 if prefix else None)


def test_the_product_never_reads_the_official_xsd() -> None:
    """The schema files are GS1's, not the product's (tests read them in place): no module
    loads a schema or names the conformance folder; the order lives in xml_read's tables."""
    found = re.compile(r"XMLSchema\(|\.xsd['\"]|conformance")
    readers = [str(path.relative_to(REPO)) for path in (REPO / "src").rglob("*.py")
               if found.search(path.read_text(encoding="utf-8"))]
    assert readers == []


def test_a_vendor_element_among_an_events_own_is_refused_naming_it(engine: Engine) -> None:
    """The XSD allows extension elements of other namespaces only after the standard ones."""
    api = make_api(engine)
    body = _object_event(f"{_TIME}<epcList><epc>{_EPC}</epc></epcList><ex:note>x</ex:note>"
                         "<action>OBSERVE</action>")
    document = _xml(body).replace(b"xmlns:epcis=", b'xmlns:ex="https://example.com/ns/" '
                                  b"xmlns:epcis=", 1)
    problem = _refused(api, document, "application/xml")
    assert (problem["path"], problem["found"]) == ("ObjectEvent.action", "action after ex:note")
    assert _stored(api) == 0


def test_xml_in_the_xsd_order_with_an_extension_wrapper_is_read() -> None:
    """EPCIS 1.x nests the newer fields in <extension>: each level keeps the XSD's order."""
    inner = (f"{_TIME}<epcList><epc>{_EPC}</epc></epcList><action>OBSERVE</action>"
             "<bizStep>shipping</bizStep><extension><quantityList/>"
             "<sourceList><source type='owning_party'>urn:epc:id:pgln:0614141.00001</source>"
             "</sourceList></extension>")
    [event] = read_xml(_xml(_object_event(inner)), "x.xml").events
    assert event["bizStep"] == "shipping" and event["sourceList"]


@pytest.mark.parametrize(("body", "path", "index"), [
    (_HEAD + b', "epcisBody": {"eventList": [' + _EVENT[:-1]
     + b', "action": "ADD"}]}}', "epcisBody.eventList[0].action", 0),
    (_HEAD + b', "schemaVersion": "2.0", "epcisBody": {"eventList": []}}', "schemaVersion",
     None),
    (_HEAD + b', "epcisBody": {"eventList": [' + _EVENT + b", " + _EVENT[:-1]
     + b', "readPoint": {"id": "urn:epc:id:sgln:0614141.00777.0", "id": "x"}}]}}',
     "epcisBody.eventList[1].readPoint.id", 1),
])
def test_a_repeated_json_key_is_refused_where_it_is(engine: Engine, body: bytes, path: str,
                                                    index: int | None) -> None:
    api = make_api(engine)
    problem = _refused(api, body)
    assert (problem["path"], problem.get("event_index")) == (path, index), problem
    assert "more than once" in problem["found"]
    assert _stored(api) == 0


def test_escaped_quotes_and_backslashes_are_no_repeated_key() -> None:
    body = (_HEAD + b', "ex:note": "say \\"hi\\" \\u0022 \\\\u0022 \\\\", "epcisBody": '
            b'{"eventList": [' + _EVENT + b"]}}")
    doc = read_json(body, "quotes.json")
    assert len(list(doc.events)) == 1
    assert doc.header["ex:note"] == 'say "hi" " \\u0022 \\'


@needs_files
def test_the_official_example_that_repeats_a_key_is_refused_by_name() -> None:
    """GS1's AssociationEvent-h.jsonld names eventID twice in one event: the conformance tests
    leave it out of the examples (tests.conformance.KNOWN_BAD_JSON) and it is refused here."""
    [path] = [GS1 / name for name in KNOWN_BAD_JSON]
    with pytest.raises(ValidationException) as caught:
        read_json(path.read_bytes(), path.name)
    problem = caught.value.problems[0]
    assert (problem.path, problem.event_index) == ("epcisBody.eventList[0].eventID", 0)


@needs_files
def test_every_official_document_keeps_its_body_and_order() -> None:
    """No official example is refused by these rules, except the one that repeats a key."""
    from tests.conformance import json_examples, xml_examples

    for path in json_examples():
        list(read_json(path.read_bytes(), path.name).events)
    for path in xml_examples():
        try:
            list(read_xml(path, path.name).events)
        except ValidationException as exc:  # capture jobs and master data: not documents
            assert exc.problems[0].path == "(root)", exc.problems


@pytest.mark.parametrize(("context", "path"), [
    ([False], "@context[0]"), (["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                                 7], "@context[1]"), ("not a URI", "@context"), (None, "@context")])
def test_a_context_that_is_no_uri_or_object_is_refused(context: Any, path: str) -> None:
    """Found by schemathesis sending "@context": [false]: the codec consumes the context, so
    the validator never saw it and the document was stored."""
    document = {"@context": context, "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": "2026-05-01T08:00:00+07:00", "epcisBody": {"eventList": []}}
    with pytest.raises(ValidationException) as refused:
        read_json(json.dumps(document).encode(), "ctx.jsonld")
    assert refused.value.problems[0].path == path
