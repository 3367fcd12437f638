"""The JSON-LD codec against every official JSON example, generated events and a large file."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agritrace.epcis import json_codec
from agritrace.epcis.document import Document
from agritrace.epcis.json_codec import document_to_json, read_json, write_json
from agritrace.errors import ValidationException
from tests.conformance import ids, json_examples, needs_files

EXAMPLES = json_examples()


def content(doc: Document) -> dict[str, Any]:
    return {"kind": doc.kind, "namespaces": doc.namespaces, "header": doc.header,
            "extras": doc.context_extras, "query": (doc.query_name, doc.subscription_id),
            "events": list(doc.events)}


@needs_files
@pytest.mark.parametrize("path", EXAMPLES, ids=ids(EXAMPLES))
def test_every_official_example_reads_writes_and_reads_back_the_same(path: Path) -> None:
    first = content(read_json(path, path.name))
    again = read_json(b"".join(document_to_json(read_json(path, path.name))), "again")
    assert content(again) == first
    assert first["events"] == orjson.loads(path.read_bytes())["epcisBody"].get(
        "eventList", first["events"]) or first["kind"] == "EPCISQueryDocument"


@needs_files
@pytest.mark.parametrize("path", EXAMPLES, ids=ids(EXAMPLES))
def test_streaming_reads_every_example_as_the_whole_parse_does(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = content(read_json(path.read_bytes(), path.name))
    monkeypatch.setattr(json_codec, "WHOLE_LIMIT", 8)
    assert content(read_json(path, path.name)) == whole
    assert content(read_json(io.BytesIO(path.read_bytes()), path.name)) == whole


@pytest.mark.parametrize("tail", [
    b'}], "note": {"x": 1}}, "schemaVersion": "2.0"}',  # header key after the body
    b'}], "ex:more": [1]}}',  # a body member after the list
    b'}]}, "ex:late": {"a": [2]}}',  # a header object that itself ends in a list
])
def test_a_streamed_document_with_keys_after_the_list_keeps_them(
        tail: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_codec, "WHOLE_LIMIT", 8)
    data = (b'{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], '
            b'"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent"'
            + tail)
    whole = content(read_json(data, "late.json"))
    assert content(read_json(io.BytesIO(data), "late.json")) == whole
    assert whole["events"] == [{"type": "ObjectEvent"}]


def test_query_document_keeps_query_name_and_subscription() -> None:
    data = write_json([{"type": "ObjectEvent"}], kind="EPCISQueryDocument",
                      query_name="SimpleEventQuery", subscription_id="s-1",
                      header={"schemaVersion": "2.0"}, namespaces={"ex": "http://ex.com/"})
    root = orjson.loads(data)
    assert root["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == [
        {"type": "ObjectEvent"}]
    doc = read_json(data, "q")
    assert (doc.query_name, doc.subscription_id, doc.namespaces) == (
        "SimpleEventQuery", "s-1", {"ex": "http://ex.com/"})


@pytest.mark.parametrize(("data", "line"), [
    (b'{"type": "EPCISDocument",\n "epcisBody": {"eventList": [\n{"type": }]}}', 3),
    (b'{\n\n"type": "EPCISDocument"', 3),
])
def test_malformed_json_names_document_and_line(data: bytes, line: int) -> None:
    with pytest.raises(ValidationException) as caught:
        read_json(data, "bad.json")
    problem = caught.value.problems[0]
    assert (problem.document, problem.line) == ("bad.json", line)


def test_malformed_large_json_names_the_event_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_codec, "WHOLE_LIMIT", 8)
    data = b'{"type": "EPCISDocument", "epcisBody": {"eventList": [{"a": 1}, {"a": 2}, {"a"]}}'
    with pytest.raises(ValidationException) as caught:
        list(read_json(io.BytesIO(data), "big.json").events)
    assert caught.value.problems[0].event_index == 2


@pytest.mark.parametrize(("data", "found"), [
    (b"[1, 2]", "a list of 2"),
    (b'{"type": "EPCISCaptureJob"}', "'EPCISCaptureJob'"),
    (b'{"epcisBody": {}}', "nothing"),
])
def test_a_root_that_is_not_an_epcis_document_is_rejected(data: bytes, found: str) -> None:
    with pytest.raises(ValidationException) as caught:
        read_json(data, "x.json")
    assert caught.value.problems[0].found == found
    assert "EPCISDocument" in caught.value.problems[0].expected


def test_a_document_without_context_is_rejected() -> None:
    with pytest.raises(ValidationException) as caught:
        read_json(b'{"type": "EPCISDocument", "epcisBody": {"eventList": []}}', "x")
    assert caught.value.problems[0].path == "@context"


def test_an_event_that_is_not_an_object_is_rejected_with_its_index() -> None:
    doc = read_json(b'{"@context": [], "type": "EPCISDocument", '
                    b'"epcisBody": {"eventList": [{}, 7]}}', "x")
    with pytest.raises(ValidationException) as caught:
        list(doc.events)
    assert caught.value.problems[0].event_index == 1


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_leaf = st.one_of(_text, st.integers(-10**6, 10**6), st.booleans(),
                  st.floats(allow_nan=False, allow_infinity=False))
_json = st.recursive(_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)), max_leaves=8)
_events = st.lists(st.fixed_dictionaries(
    {"type": st.sampled_from(["ObjectEvent", "AggregationEvent", "TransformationEvent"]),
     "eventTime": _text}, optional={"ex:data": _json, "quantityList": st.lists(
         st.fixed_dictionaries({"epcClass": _text, "quantity": st.integers(0, 10**9)}))}),
    max_size=4)


@settings(max_examples=60, deadline=None)
@given(events=_events, stream=st.booleans())
def test_generated_events_round_trip_through_json(events: list[dict[str, Any]],
                                                  stream: bool) -> None:
    data = write_json(events, header={"schemaVersion": "2.0"}, namespaces={"ex": "http://e/"})
    source: Any = io.BytesIO(data) if stream else data
    assert list(read_json(source, "g").events) == events


SIMPLE = {"type": "ObjectEvent", "eventTime": "2005-04-03T20:33:31.116-06:00",
          "eventTimeZoneOffset": "-06:00", "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
          "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
          "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
          "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877",
                            "quantity": 200, "uom": "KGM"}]}


def current_rss() -> int:
    """Resident memory now, in bytes (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096


@pytest.mark.slow
def test_a_million_event_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    count = 1_000_000
    path = tmp_path / "big.jsonld"
    with path.open("wb") as out:
        for chunk in json_codec.iter_json(SIMPLE for _ in range(count)):
            out.write(chunk)
    before = current_rss()
    growth = 0
    started = time.perf_counter()
    seen = 0
    for event in read_json(path, "big").events:
        seen += event["action"] == "OBSERVE"
        if seen % 100_000 == 0:
            growth = max(growth, current_rss() - before)
    elapsed = time.perf_counter() - started
    assert seen == count
    # The file is ~370 MB; holding it, or its events, would grow memory by far more than this.
    assert growth < 40 * 1024 * 1024, f"memory grew by {growth / 1e6:.1f} MB"
    print(f"\nJSON streamed from a file: {count / elapsed:,.0f} events/s, "
          f"memory growth {growth / 1e6:.1f} MB")


@pytest.mark.slow
def test_reading_small_events_from_bytes_is_fast() -> None:
    count = 100_000
    data = write_json(SIMPLE for _ in range(count))
    started = time.perf_counter()
    events = list(read_json(data, "small").events)
    rate = count / (time.perf_counter() - started)
    assert events[-1] == SIMPLE and len(events) == count
    print(f"\nJSON from bytes: {rate:,.0f} events/s")
