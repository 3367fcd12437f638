"""A capture job's answer lists each stored event's ID, and each finds its event (issue 12)."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agritrace.settings import Settings
from agritrace.store.orgs import create_organization, create_token
from agritrace.web.app import create_app

OWN_ID = "urn:uuid:0b9d1c52-7a3e-4b8e-9a1c-2f4d5e6a7b8c"


def test_the_answer_and_the_job_list_the_stored_events(engine: Engine) -> None:
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine))
    auth = {"Authorization": "Bearer " + create_token(engine, create_organization(
        engine, "Kho A"), "t")}
    events = [{"type": "ObjectEvent", "eventTime": f"2026-11-0{n}T09:00:00+07:00",
               "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "receiving",
               "epcList": [f"https://id.gs1.org/01/09506000134352/21/C{n}"]} for n in (1, 2)]
    events[1]["eventID"] = OWN_ID
    document = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": "2026-11-09T00:00:00Z",
                "epcisBody": {"eventList": [*events, events[0]]}}  # the first one twice
    sent = client.post("/capture", content=json.dumps(document),
                       headers={**auth, "Content-Type": "application/ld+json"})
    assert sent.status_code == 202, sent.text
    answer = sent.json()
    assert answer["captured"] == 2 and answer["duplicates"] == 1
    assert answer["eventIDs"][0].startswith("ni:///sha-256;") and answer["eventIDs"][1] == OWN_ID
    assert answer["eventIDsComplete"] is True
    job = client.get(sent.headers["location"], headers=auth).json()
    assert job["eventIDs"] == answer["eventIDs"]
    for event_id in answer["eventIDs"]:
        found = client.get(f"/events/{quote(event_id, safe='')}", headers=auth)
        assert found.status_code == 200, event_id
