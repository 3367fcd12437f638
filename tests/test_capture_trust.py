"""Per-organization copies of one event (issue 11, item 5): two organizations that capture the
same event hold a copy each, and a reader who may read both meets the event once."""

from __future__ import annotations

import orjson
from sqlalchemy import Engine

from agritrace.store import grants
from tests.helpers import make_api

_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_BAG = "https://id.gs1.org/01/08931234000356/21/S1"
_BUYER = "https://id.gs1.org/417/8937777000016"


def _shipment() -> bytes:
    event = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-01-01T00:00:00Z",
             "eventTimeZoneOffset": "+00:00", "epcList": [_BAG], "bizStep": "shipping",
             "destinationList": [{"type": "owning_party", "destination": _BUYER}]}
    return orjson.dumps({"@context": [_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                         "creationDate": "2026-01-01T00:00:00Z",
                         "epcisBody": {"eventList": [event]}})


def test_a_reader_of_both_copies_of_an_event_meets_it_once_in_a_trace(engine: Engine) -> None:
    seller, buyer = make_api(engine, "Roaster"), make_api(engine, "Buyer")
    grants.grant(engine, seller.org, "prefix", "8931234", "test")
    grants.grant(engine, buyer.org, "prefix", "8937777", "test")
    # The seller records the shipment; the buyer, named as its destination, records the same
    # event from the dispatch advice it received: one copy each, neither told "duplicate".
    assert seller.capture(_shipment()).json()["captured"] == 1
    assert buyer.capture(_shipment()).json()["captured"] == 1
    copies = {}
    for api in (seller, buyer):
        answer = api.get(f"/trace/{_BAG}")
        assert answer.status_code == 200, answer.text
        edges = [e for e in answer.json()["edges"] if e["relation"] == "shipped_to"]
        assert len(edges) == 1, edges  # the buyer may read both copies: the event comes once
        copies[api.org.name] = edges[0]["event_pk"]
    assert copies["Roaster"] != copies["Buyer"]  # each meets its own copy
