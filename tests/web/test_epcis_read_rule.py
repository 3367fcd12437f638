"""The EPCIS query API reads by trust.may_read (issue 11): a chain partner named as source or
destination reads that event through GET /events, /events/{id} and the …/events resources;
anyone else is not told it exists."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import Engine

from agritrace.farm.places import add_place
from agritrace.farm.registry import org_actor
from agritrace.province.areas import check_area, make_regulator
from agritrace.store import grants
from tests.helpers import Api, make_api

OWNER_PREFIX = "8931234"
PARTNER_PREFIX = "8935555"
PARTNER_PARTY = "urn:epc:id:pgln:8935555.00000"
LOT = "urn:epc:class:lgtin:8931234.012345.L7"
SHIPPED = "urn:uuid:6f3f0b8e-6c43-4c37-9b1a-1f0f6b1e0001"


def _document(*events: dict[str, Any]) -> bytes:
    return orjson.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-11-01T00:00:00Z", "epcisBody": {"eventList": list(events)}})


def _event(when: str, step: str, **fields: Any) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": when, "eventTimeZoneOffset": "+07:00",
            "action": "ADD" if step == "commissioning" else "OBSERVE", "bizStep": step,
            "quantityList": [{"epcClass": LOT, "quantity": 120.0, "uom": "KGM"}], **fields}


def _world(engine: Engine) -> tuple[Api, Api, Api]:
    """An owner that commissioned a lot, shipped it to a partner, and stored some of it."""
    owner = make_api(engine, "HTX Chủ")
    partner = make_api(engine, "Công ty Đối tác")
    stranger = make_api(engine, "Công ty Lạ")
    grants.grant(engine, owner.org, "prefix", OWNER_PREFIX, "test")
    grants.grant(engine, partner.org, "prefix", PARTNER_PREFIX, "test")
    answer = owner.capture(_document(
        _event("2026-11-06T09:00:00+07:00", "commissioning"),
        _event("2026-11-07T09:00:00+07:00", "shipping", eventID=SHIPPED,
               destinationList=[{"type": "owning_party", "destination": PARTNER_PARTY}]),
        *(_event(f"2026-11-08T09:0{n}:00+07:00", "storing") for n in range(5))))
    assert answer.status_code == 202, answer.text
    return owner, partner, stranger


def _ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    body = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return [e.get("eventID", e["bizStep"]) for e in body]


def test_a_partner_named_as_destination_reads_the_shipping_event(engine: Engine) -> None:
    owner, partner, _ = _world(engine)
    assert _ids(partner.get(f"/events/{quote(SHIPPED, safe='')}")) == [SHIPPED]
    assert _ids(partner.get("/events")) == [SHIPPED]
    assert _ids(partner.get("/bizSteps/shipping/events")) == [SHIPPED]
    assert _ids(partner.get("/bizSteps/storing/events")) == []
    assert len(_ids(owner.get("/events"))) == 7


def test_a_stranger_is_not_told_the_event_exists(engine: Engine) -> None:
    _, _, stranger = _world(engine)
    answer = stranger.get(f"/events/{quote(SHIPPED, safe='')}")
    assert answer.status_code == 404
    assert _ids(stranger.get("/events")) == []
    assert _ids(stranger.get(f"/events?EQ_eventID={quote(SHIPPED, safe='')}")) == []


def test_hidden_events_do_not_shorten_a_page(engine: Engine) -> None:
    """The partner's one readable event comes after six it may not read: a page of one holds
    it, and no token promises a next page that would be empty."""
    owner, partner, _ = _world(engine)
    answer = partner.get("/events?perPage=1&orderBy=eventTime&orderDirection=DESC")
    assert _ids(answer) == [SHIPPED]
    assert "Link" not in answer.headers
    first = partner.get("/events?perPage=1&orderBy=eventTime&orderDirection=ASC")
    assert _ids(first) == [SHIPPED] and "Link" not in first.headers
    assert len(_ids(owner.get("/events?perPage=2"))) == 2


def test_a_longer_grant_of_another_owns_the_party(engine: Engine) -> None:
    """The partner holds prefix 8935555, but the party's GLN is granted on its own to a third
    organization: the event names that one, not the partner."""
    owner, partner, _ = _world(engine)
    third = make_api(engine, "Kho Thứ Ba")
    grants.grant(engine, third.org, "gln", "8935555000002", "test")
    assert _ids(partner.get("/events")) == []
    assert _ids(third.get("/events")) == [SHIPPED]
    del owner



def test_the_partner_meets_an_event_it_captured_too_once(engine: Engine) -> None:
    """The partner captures the owner's shipping document too (deduplication is per
    organization): its queries answer the event once, its own copy."""
    owner, partner, _ = _world(engine)
    shipped = _event("2026-11-07T09:00:00+07:00", "shipping", eventID=SHIPPED,
                     destinationList=[{"type": "owning_party", "destination": PARTNER_PARTY}])
    assert partner.capture(_document(shipped)).status_code == 202
    assert _ids(partner.get("/events")) == [SHIPPED]
    assert _ids(partner.get(f"/events/{quote(SHIPPED, safe='')}")) == [SHIPPED]
    assert len(_ids(owner.get("/events"))) == 7


def test_discovery_lists_what_the_caller_may_read(engine: Engine) -> None:
    """GET /bizSteps and the other lists hold the values of the events the caller may read,
    as GET /events answers them: the partner's holds the shipping it was named in."""
    owner, partner, stranger = _world(engine)
    assert partner.get("/bizSteps").json()["member"] == ["shipping"]
    assert partner.get("/bizSteps/shipping").status_code == 200
    assert stranger.get("/bizSteps").json()["member"] == []
    assert owner.get("/bizSteps").json()["member"] == ["commissioning", "shipping", "storing"]
    third = make_api(engine, "Kho Thứ Ba")
    grants.grant(engine, third.org, "gln", "8935555000002", "test")
    assert partner.get("/bizSteps").json()["member"] == []
    assert third.get("/eventTypes").json()["member"] == ["ObjectEvent"]


def test_a_regulator_reads_the_events_of_its_area(engine: Engine) -> None:
    """A commune's officers read the events of a cooperative with a plot in the commune; the
    officers of another commune do not."""
    owner, _, _ = _world(engine)
    add_place(engine, org_actor(owner.org), {"name": "Nương 1", "crop": "coffee",
                                             "area_ha": 1.0, "province": "Điện Biên",
                                             "commune": "Ẳng Nưa"})
    here = make_api(engine, "UBND xã Ẳng Nưa")
    there = make_api(engine, "UBND xã Mường Ảng")
    make_regulator(engine, here.org, check_area("Điện Biên", "xã Ẳng Nưa"), "test")
    make_regulator(engine, there.org, check_area("Điện Biên", "Mường Ảng"), "test")
    assert len(_ids(here.get("/events?perPage=50"))) == 7
    assert _ids(here.get(f"/events/{quote(SHIPPED, safe='')}")) == [SHIPPED]
    assert _ids(there.get("/events")) == []
    assert there.get(f"/events/{quote(SHIPPED, safe='')}").status_code == 404
