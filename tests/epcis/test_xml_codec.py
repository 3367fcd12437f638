"""The XML codec against every official XML example, the official JSON/XML pairs and the XSD."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from agritrace.epcis.document import Document
from agritrace.epcis.json_codec import read_json, write_json
from agritrace.epcis.xml_codec import document_to_xml, read_document, read_xml, write_xml
from agritrace.errors import UnsupportedMediaTypeException, ValidationException
from tests.conformance import (
    GS1,
    HASH_EXAMPLES,
    HASH_EXPECTED_EQUAL,
    XSD_DIR,
    ids,
    json_examples,
    needs_files,
    xml_examples,
)
from tests.epcis.codec_pairs import DISAGREE, PAIRS, comparable, normal
from tests.epcis.test_json_codec import SIMPLE, current_rss

XML_FILES = [*xml_examples(), *sorted(HASH_EXAMPLES.glob("*.xml")),
             *sorted(HASH_EXPECTED_EQUAL.glob("*.xml"))]
NOT_EPCIS = {"EPCISCaptureJob", "EPCISMasterDataDocument"}
STANDARD = {"cbvmda": "urn:epcglobal:cbv:mda", "gs1": "https://gs1.org/voc/"}
_SCHEMAS: dict[str, etree.XMLSchema] = {}


def schema(kind: str) -> etree.XMLSchema:
    file = "EPCglobal-epcis-query-2_0.xsd" if kind == "EPCISQueryDocument" else \
        "EPCglobal-epcis-2_0.xsd"
    if file not in _SCHEMAS:
        _SCHEMAS[file] = etree.XMLSchema(etree.parse(str(XSD_DIR / file)))
    return _SCHEMAS[file]


def content(doc: Document) -> dict[str, Any]:
    return {"kind": doc.kind, "events": list(doc.events), "namespaces": doc.namespaces,
            "header": doc.header, "query": (doc.query_name, doc.subscription_id)}


def root_name(path: Path) -> str:
    return etree.QName(etree.parse(str(path)).getroot()).localname


def assert_valid(data: bytes, kind: str) -> None:
    xsd = schema(kind)
    assert xsd.validate(etree.fromstring(data)), str(xsd.error_log)


@needs_files
@pytest.mark.parametrize("path", XML_FILES, ids=ids(XML_FILES))
def test_every_official_xml_reads_writes_valid_xml_and_reads_back_the_same(path: Path) -> None:
    if root_name(path) in NOT_EPCIS:
        with pytest.raises(ValidationException) as caught:
            list(read_xml(path, path.name).events)
        assert root_name(path) in caught.value.problems[0].found
        return
    # GS1's files keep the XSD's order; some of the hash generator's vectors do not.
    strict = GS1 in path.parents
    first = content(read_xml(path, path.name, strict=strict))
    assert first["events"] or path.name.startswith("masterdata")
    written = b"".join(document_to_xml(read_xml(path, path.name, strict=strict)))
    assert_valid(written, first["kind"])
    again = content(read_xml(written, "again"))
    header = {k: v for k, v in first["header"].items() if k != "creationDate"}
    # queryName is required in XML; the writer names the standard query when none was read.
    if first["kind"] == "EPCISQueryDocument" and first["query"][0] is None:
        first["query"] = ("SimpleEventQuery", first["query"][1])
    assert {**again, "header": {k: v for k, v in again["header"].items()
                                if k != "creationDate"}} == {**first, "header": header}


@needs_files
@pytest.mark.parametrize("path", json_examples(), ids=ids(json_examples()))
def test_every_official_json_example_writes_schema_valid_xml(path: Path) -> None:
    doc = read_json(path, path.name)
    events = list(doc.events)
    doc.events = iter(events)
    written = b"".join(document_to_xml(doc))
    assert_valid(written, doc.kind)
    back = list(read_xml(written, "back").events)
    spaces = {**STANDARD, **doc.namespaces}
    assert [normal(e, spaces) for e in back] == [normal(e, spaces) for e in events]


@needs_files
@pytest.mark.parametrize(("json_path", "xml_path"), PAIRS, ids=[p.name for p, _ in PAIRS])
def test_official_xml_maps_to_the_events_of_its_json_twin(json_path: Path, xml_path: Path) -> None:
    ignored = DISAGREE.get(json_path.name, ())
    json_doc, xml_doc = read_json(json_path, "j"), read_xml(xml_path, "x")
    xml_events = list(xml_doc.events)
    from_xml = [comparable(normal(e, {**STANDARD, **xml_doc.namespaces}), ignored)
                for e in xml_events]
    for event in json_doc.events:
        assert comparable(normal(event, {**STANDARD, **json_doc.namespaces}), ignored) in from_xml


@needs_files
def test_xml_values_are_kept_verbatim_and_typed_where_json_types_them() -> None:
    path = GS1 / "XML" / "WithFullCombinationOfFields" / "object_event_all_possible_fields.xml"
    event = next(read_xml(path, "x").events)
    assert event["bizStep"] == "urn:epcglobal:cbv:bizstep:receiving"
    assert event["quantityList"][0]["quantity"] == 200
    report = event["sensorElementList"][0]["sensorReport"][0]
    assert (report["value"], report["booleanValue"], report["type"]) == (26.0, True,
                                                                         "gs1:Temperature")
    assert event["sensorElementList"][0]["ext1:object"]["ext2:object"] == {
        "ext3:string": "stringInObjectInObject"}


@needs_files
def test_attributes_of_extension_elements_survive_a_round_trip() -> None:
    data = write_xml([{"type": "ObjectEvent", "eventTime": "2020-01-01T00:00:00Z",
                       "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
                       "ex:weight": {"@ex:unit": "KGM", "@value": "3.5"},
                       "ex:flag": {"@on": "1", "ex:inner": ["a", "b"]}}],
                     namespaces={"ex": "http://ex.com/"})
    assert_valid(data, "EPCISDocument")
    event = next(read_xml(data, "x").events)
    assert event["ex:weight"] == {"@ex:unit": "KGM", "@value": "3.5"}
    assert event["ex:flag"] == {"@on": "1", "ex:inner": ["a", "b"]}


@needs_files
def test_query_document_is_written_valid_and_read_back() -> None:
    data = write_xml([SIMPLE], kind="EPCISQueryDocument", query_name="SimpleEventQuery",
                     subscription_id="sub-1", header={"schemaVersion": "2.0"})
    assert_valid(data, "EPCISQueryDocument")
    doc = read_xml(data, "q")
    assert (doc.kind, doc.query_name, doc.subscription_id) == (
        "EPCISQueryDocument", "SimpleEventQuery", "sub-1")
    assert [normal(e, STANDARD) for e in doc.events] == [normal(SIMPLE, STANDARD)]


def test_bare_cbv_words_become_urns_in_xml_unless_asked_not_to() -> None:
    assert b"urn:epcglobal:cbv:bizstep:shipping" in write_xml([SIMPLE])
    assert b"<bizStep>shipping</bizStep>" in write_xml([SIMPLE], cbv_urns=False)


def test_malformed_xml_names_document_and_line() -> None:
    data = b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">\n<EPCISBody>\n<x>'
    with pytest.raises(ValidationException) as caught:
        list(read_xml(data, "bad.xml").events)
    problem = caught.value.problems[0]
    assert (problem.document, problem.line) == ("bad.xml", 3)


def test_an_unmappable_value_names_the_event_and_line() -> None:
    data = write_xml([SIMPLE]).replace(b"<quantity>200</quantity>", b"<quantity>lots</quantity>")
    with pytest.raises(ValidationException) as caught:
        list(read_xml(data, "q.xml").events)
    problem = caught.value.problems[0]
    assert (problem.event_index, problem.found, problem.line) == (0, "'lots'", 2)


def test_writing_an_undeclared_prefix_or_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationException, match="namespace prefix"):
        write_xml([{**SIMPLE, "nope:x": "1"}])
    with pytest.raises(ValidationException, match="field of ObjectEvent"):
        write_xml([{**SIMPLE, "colour": "red"}])


@pytest.mark.parametrize(("data", "content_type", "kind"), [
    (b"  \n" + write_json([SIMPLE]), None, "json"),
    (write_xml([SIMPLE]), None, "xml"),
    (write_xml([SIMPLE]), "application/xml; charset=utf-8", "xml"),
    (write_json([SIMPLE]), "application/ld+json", "json"),
])
def test_read_document_chooses_the_binding(data: bytes, content_type: str | None,
                                           kind: str) -> None:
    for source in (data, io.BufferedReader(io.BytesIO(data)), io.BytesIO(data)):
        doc = read_document(source, kind, content_type)  # type: ignore[arg-type]
        assert [normal(e, STANDARD) for e in doc.events] == [normal(SIMPLE, STANDARD)]


def test_read_document_refuses_other_content() -> None:
    with pytest.raises(ValidationException):
        read_document(b"   hello", "x")
    with pytest.raises(UnsupportedMediaTypeException):
        read_document(b"{}", "x", "text/csv")


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=10).filter(lambda s: s.strip() == s)
_uri = st.from_regex(r"[a-z][a-z0-9.]{0,6}(:[a-z0-9_.]{1,8})?", fullmatch=True)
_ext = st.recursive(_text, lambda inner: st.dictionaries(
    st.sampled_from(["ex:a", "ex:b", "c"]), st.one_of(inner, st.lists(inner, min_size=2,
                                                                         max_size=3)),
    min_size=1, max_size=3), max_leaves=6)
_event = st.fixed_dictionaries(
    {"type": st.just("ObjectEvent"), "eventTime": st.just("2020-01-01T00:00:00.000Z"),
     "eventTimeZoneOffset": st.just("+07:00"), "action": st.sampled_from(["ADD", "OBSERVE"])},
    optional={"epcList": st.lists(_uri, max_size=3), "bizStep": _uri,
              "quantityList": st.lists(st.fixed_dictionaries(
                  {"epcClass": _uri, "quantity": st.integers(0, 10**6), "uom": _uri}),
                  max_size=2),
              "sourceList": st.lists(st.fixed_dictionaries({"type": _uri, "source": _uri}),
                                     min_size=1, max_size=2),
              "ilmd": st.dictionaries(st.sampled_from(["ex:lot", "ex:farm"]), _ext, min_size=1),
              "ex:note": _ext})


@needs_files
@settings(max_examples=60, deadline=None)
@given(events=st.lists(_event, max_size=3))
def test_generated_events_round_trip_through_xml(events: list[dict[str, Any]]) -> None:
    data = write_xml(events, namespaces={"ex": "http://ex.com/"}, cbv_urns=False)
    assert_valid(data, "EPCISDocument")
    assert list(read_xml(data, "g").events) == events


@pytest.mark.slow
def test_a_200k_event_xml_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    count = 200_000
    path = tmp_path / "big.xml"
    with path.open("wb") as out:
        for chunk in document_to_xml(Document("EPCISDocument", {}, {}, iter([SIMPLE] * count))):
            out.write(chunk)
    before = current_rss()
    growth = 0
    started = time.perf_counter()
    seen = 0
    for event in read_xml(path, "big").events:
        seen += event["action"] == "OBSERVE"
        if seen % 50_000 == 0:
            growth = max(growth, current_rss() - before)
    elapsed = time.perf_counter() - started
    assert seen == count
    assert growth < 40 * 1024 * 1024, f"memory grew by {growth / 1e6:.1f} MB"
    print(f"\nXML streamed from a file: {count / elapsed:,.0f} events/s, "
          f"memory growth {growth / 1e6:.1f} MB")
