"""Hostile or unusual input to the codecs and the hash, through the API and the CLI as a user
meets it (issue 12): each is a located 400 or a clear CLI error, never a 500 or a traceback,
and a refused capture stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine
from typer.testing import CliRunner

from agritrace.cli import app
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
