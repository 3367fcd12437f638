"""Capture under load and with values past the store's limits (issue 12, "Server errors and
stuck jobs"): a located 400 or a counted duplicate, the same on SQLite and PostgreSQL, never a
500."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import Engine

from tests.helpers import Api, make_api

_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_EPC = "urn:epc:id:sgtin:0614141.107346.1"


def _document(**fields: Any) -> bytes:
    event = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-01-01T00:00:00Z",
             "eventTimeZoneOffset": "+00:00", "epcList": [_EPC], **fields}
    return orjson.dumps({"@context": [_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                         "creationDate": "2026-01-01T00:00:00Z",
                         "epcisBody": {"eventList": [event]}})


def _stored(api: Api) -> int:
    return len(api.get("/events?perPage=100").json()["epcisBody"]["queryResults"]
               ["resultsBody"]["eventList"])


@pytest.mark.parametrize(("field", "item"), [
    ("bizTransactionList", {"bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:1152"}),
    ("sourceList", {"source": "urn:epc:id:pgln:0614141.00001"}),
    ("destinationList", {"destination": "urn:epc:id:pgln:0614141.00002"}),
])
def test_a_type_past_300_characters_is_a_located_400_on_both_engines(
        engine: Engine, field: str, item: dict[str, str]) -> None:
    api = make_api(engine)
    kind = "https://types.example.com/" + "t" * 300
    answer = api.capture(_document(**{field: [{**item, "type": kind}]}))
    assert answer.status_code == 400, answer.text
    [problem] = answer.json()["errors"]
    assert (problem["path"], problem["event_index"]) == (f"{field}[0].type", 0), problem
    assert "at most 300 characters" in problem["expected"]
    assert _stored(api) == 0
    # 300 characters are kept, on PostgreSQL too
    answer = api.capture(_document(**{field: [{**item, "type": kind[:300]}]}))
    assert answer.status_code == 202, answer.text
