"""Deduplication per organization (issue 11, item 5): the same event captured by two
organizations is each one's, and a capture never learns what another organization holds."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import Engine, select

from agritrace.capture import CaptureReport, capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.query import parse_query, run_query
from agritrace.store.migrate import alembic_config, upgrade
from agritrace.store.orgs import Organization, create_organization
from agritrace.store.tables import events

EVENT = {"type": "ObjectEvent", "eventTime": "2026-11-07T09:00:00+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": "receiving",
         "epcList": ["https://id.gs1.org/01/09506000134352/21/S1"]}


def _capture(engine: Engine, org: Organization, *items: dict[str, Any]) -> CaptureReport:
    doc = Document(kind="EPCISDocument", namespaces={}, events=iter(items), name="same.jsonld",
                   header={"@context": [STANDARD_CONTEXT], "schemaVersion": "2.0",
                           "creationDate": "2026-11-07T00:00:00Z"})
    return capture_document(engine, doc, org)


def _seen(engine: Engine, org: Organization, **params: str) -> list[dict[str, Any]]:
    """The events the organization's query returns, without the record time of its copy."""
    return [{k: v for k, v in e.event.items() if k != "recordTime"}
            for e in run_query(engine, parse_query(params), org).events]


def _hash_of(engine: Engine, org: Organization) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(events.c.hash_id).where(events.c.org_id == org.id)))


def test_the_same_event_is_each_capturers_and_the_answer_tells_nothing(engine: Engine) -> None:
    first, second = (create_organization(engine, name) for name in ("Kho A", "Kho B"))
    alone = create_organization(engine, "Kho C")
    a = _capture(engine, first, EVENT)
    b = _capture(engine, second, EVENT)
    c = _capture(engine, alone, dict(EVENT, bizStep="storing"))
    # B's answer is what an organization capturing a fresh event gets: A's copy is not told
    assert (b.captured, b.duplicates) == (a.captured, a.duplicates) == (c.captured, 0) == (1, 0)
    again = _capture(engine, second, EVENT, EVENT)
    assert (again.captured, again.duplicates) == (0, 2)  # its own copy, found again
    mine, theirs = _seen(engine, first), _seen(engine, second)
    assert len(mine) == len(theirs) == 1 and mine == theirs  # each its own copy
    hash_id = _hash_of(engine, second)
    assert hash_id == _hash_of(engine, first)
    assert _seen(engine, second, EQ_eventID=hash_id) == theirs
    with engine.connect() as conn:
        keys = sorted(conn.scalars(select(events.c.dedupe_key).where(
            events.c.hash_id == hash_id)))
    assert keys == sorted(f"{org.id}/{hash_id}" for org in (first, second))


def test_a_store_captured_before_keeps_its_events_and_their_duplicates(engine: Engine) -> None:
    org = create_organization(engine, "Kho A")
    _capture(engine, org, EVENT)
    command.downgrade(alembic_config(engine), "0014-1")
    with engine.connect() as conn:
        assert conn.scalar(select(events.c.dedupe_key)).startswith("ni:///")
    upgrade(engine)
    assert (_capture(engine, org, EVENT).duplicates, _capture(engine, org, EVENT).captured) == (
        1, 0)
