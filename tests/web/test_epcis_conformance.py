"""Every official GS1 example is captured over HTTP and queried back equal, on both engines."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine

from agritrace.epcis.hashing import event_hash_id
from agritrace.epcis.xml_codec import read_document
from tests.conformance import ids, json_examples, require_files, xml_examples
from tests.helpers import make_api, without_record_time

require_files()
# Official files that are deliberately not capture documents, and why each must be refused.
NOT_CAPTURE = {
    "EPCISQueryDocument.jsonld": "EPCISDocument",
    "Example-CaptureJobRunning.xml": "EPCISDocument",
    "Example-CaptureJobSuccess.xml": "EPCISDocument",
    "Example-CaptureJobWithErrorFile.xml": "EPCISDocument",
    "Example-CaptureJobWithErrors.xml": "EPCISDocument",
    "CBV-11.4-2020-06-16a.xml": "EPCISDocument",
    "Example-masterData.xml": "EPCISDocument",
}
EXAMPLES = json_examples() + xml_examples()


def _content_type(path: Path) -> str:
    return "application/xml" if path.suffix == ".xml" else "application/ld+json"


@pytest.mark.parametrize("path", EXAMPLES, ids=ids(EXAMPLES))
def test_official_example_captures_and_queries_back_equal(engine: Engine, path: Path) -> None:
    api = make_api(engine)
    answer = api.capture(path.read_bytes(), _content_type(path))
    if path.name in NOT_CAPTURE:
        assert answer.status_code == 400
        problem = answer.json()
        assert answer.headers["content-type"] == "application/problem+json"
        assert NOT_CAPTURE[path.name] in str(problem)
        assert api.get("/events").json()["epcisBody"]["queryResults"]["resultsBody"][
            "eventList"] == []
        return
    assert answer.status_code == 202, answer.text
    document = read_document(path.read_bytes(), path.name)
    sent = list(document.events)
    job = api.get(answer.headers["Location"]).json()
    assert job["captured"] + job["duplicates"] == len(sent)
    assert job["rejected"] == 0
    for event in sent:
        key = event.get("eventID")
        found = api.get("/events?EQ_eventID=" + event_hash_id(event, document.namespaces))
        assert found.status_code == 200
        events = found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert without_record_time(event) in [without_record_time(e) for e in events], key
    if path.suffix == ".xml":
        xml = api.get("/events?perPage=1000", Accept="application/xml")
        assert xml.headers["content-type"].startswith("application/xml")
        back = [without_record_time(e) for e in read_document(xml.content, "answer").events]
        for event in sent:
            assert without_record_time(event) in back


def test_a_document_is_stored_whole_or_not_at_all(engine: Engine) -> None:
    api = make_api(engine)
    doc = orjson.loads(json_examples()[0].read_bytes())
    events = doc["epcisBody"]["eventList"]
    good = events[0]
    bad = dict(good, eventTime="yesterday")
    doc["epcisBody"]["eventList"] = [good, bad]
    answer = api.capture(orjson.dumps(doc))
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert errors[0]["event_index"] == 1
    assert errors[0]["path"] == "eventTime"
    assert "yesterday" in errors[0]["found"]
    assert _all_events(api) == []
    proceed = api.capture(orjson.dumps(doc), **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert proceed.status_code == 202
    assert proceed.json()["captured"] == 1 and proceed.json()["rejected"] == 1
    assert len(_all_events(api)) == 1


def test_the_same_event_twice_is_stored_once(engine: Engine) -> None:
    api = make_api(engine)
    body = json_examples()[0].read_bytes()
    first = api.capture(body).json()
    second = api.capture(body).json()
    assert first["captured"] >= 1 and first["duplicates"] == 0
    assert second["captured"] == 0 and second["duplicates"] == first["captured"]
    assert len(_all_events(api)) == first["captured"]


def _all_events(api: object) -> list[dict[str, object]]:
    answer = api.get("/events?perPage=10000")  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text
    events: list[dict[str, object]] = answer.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"]
    return events
