"""Capture as a service: large documents (checked by worker processes), atomicity, duplicates."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, select

from agritrace.capture import CHUNK, capture_document
from agritrace.epcis.document import STANDARD_CONTEXT, Document
from agritrace.store.orgs import create_organization
from agritrace.store.tables import event_terms, events


def _event(n: int) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": f"2026-05-01T08:{n // 60 % 60:02d}:{n % 60:02d}Z",
            "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "commissioning",
            "epcList": [f"urn:epc:id:sgtin:8931234.012345.S{n}"],
            "readPoint": {"id": "urn:epc:id:sgln:8931234.00001.0"}}


def _document(items: list[dict[str, Any]]) -> Document:
    return Document(kind="EPCISDocument", namespaces={}, events=iter(items), name="big.jsonld",
                    header={"@context": [STANDARD_CONTEXT], "schemaVersion": "2.0",
                            "creationDate": "2026-05-01T08:00:00Z"})


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_a_large_document_is_stored_whole_in_order(engine: Engine) -> None:
    org = create_organization(engine, "HTX Tân Hồng")
    total = 3 * CHUNK + 17
    items = [_event(n) for n in range(total)] + [_event(5)]
    report = capture_document(engine, _document(items), org)
    assert (report.captured, report.duplicates, report.rejected) == (total, 1, 0)
    assert _count(engine, events) == total and _count(engine, event_terms) == total
    _assert_terms_name_their_events(engine)


def test_terms_find_their_events_when_new_ids_are_not_consecutive(engine: Engine) -> None:
    """Past the largest id SQLite picks new ids at random; capture then looks them up."""
    org = create_organization(engine, "HTX Tân Hồng")
    with engine.begin() as conn:
        conn.execute(events.insert().values(
            id=2**63 - 1, hash_id="h", dedupe_key="h", event_type="ObjectEvent",
            event_time_us=0, event_tz="+00:00", record_time_us=0, org_id=org.id, body="{}"))
    report = capture_document(engine, _document([_event(n) for n in range(CHUNK + 10)]), org)
    assert report.captured == CHUNK + 10
    _assert_terms_name_their_events(engine)


def _assert_terms_name_their_events(engine: Engine) -> None:
    """Every stored epc term belongs to the event whose body lists that epc."""
    with engine.connect() as conn:
        pairs = conn.execute(select(events.c.body, event_terms.c.value).join(
            event_terms, event_terms.c.event_pk == events.c.id)).all()
    assert pairs
    for body, value in pairs:
        serial = orjson.loads(body)["epcList"][0].rsplit(".", 1)[1]
        assert value.endswith(f"/21/{serial}"), (value, serial)


def test_one_bad_event_deep_in_a_large_document_stores_nothing(engine: Engine) -> None:
    org = create_organization(engine, "HTX Tân Hồng")
    items = [_event(n) for n in range(2 * CHUNK + 500)]
    items[CHUNK + 300]["eventTime"] = "2026-13-01T00:00:00Z"
    report = capture_document(engine, _document(items), org)
    assert not report.stored and report.captured == 0 and report.rejected == len(items)
    assert [(p.event_index, p.path) for p in report.problems] == [(CHUNK + 300, "eventTime")]
    assert report.problems[0].document == "big.jsonld"
    assert _count(engine, events) == 0 and _count(engine, event_terms) == 0
    proceed = capture_document(engine, _document(items), org, proceed=True)
    assert (proceed.captured, proceed.rejected) == (len(items) - 1, 1)
    assert _count(engine, events) == len(items) - 1


def test_an_integer_past_64_bits_is_rejected_by_its_path(engine: Engine) -> None:
    org = create_organization(engine, "HTX Tân Hồng")
    items = [_event(n) for n in range(2 * CHUNK)]
    # Its chunk cannot travel as JSON text to a checking process, so it goes pickled.
    items[CHUNK + 1]["example:readings"] = [1, {"value": 2**70 + 1}]
    doc = _document(items)
    doc.namespaces["example"] = "https://example.org/epcis/"
    report = capture_document(engine, doc, org, proceed=True)
    assert (report.captured, report.rejected) == (len(items) - 1, 1)
    assert [(p.event_index, p.path, p.found) for p in report.problems] == [
        (CHUNK + 1, "example:readings[1].value", str(2**70 + 1))]


def test_an_error_declaration_is_kept_beside_the_event_it_declares(engine: Engine) -> None:
    org = create_organization(engine, "HTX Tân Hồng")
    original = _event(1) | {"eventID": "urn:uuid:6f1e3a52-0000-4000-8000-000000000001"}
    declared = original | {"errorDeclaration": {"declarationTime": "2026-05-02T00:00:00Z",
                                                "reason": "incorrect_data"}}
    first = capture_document(engine, _document([original]), org)
    second = capture_document(engine, _document([declared, declared]), org)
    assert first.captured == 1 and (second.captured, second.duplicates) == (1, 1)
    with engine.connect() as conn:
        hashes = conn.execute(select(events.c.hash_id, events.c.declared_error)).all()
    assert len({h for h, _ in hashes}) == 1 and sorted(d for _, d in hashes) == [0, 1]


@pytest.mark.parametrize(("field", "value", "path"), [
    ("eventID", "urn:uuid:" + "a" * 600, "eventID"),
    ("epcList", ["urn:epc:id:sgtin:8931234.012345.1", "https://example.org/i/" + "x" * 900],
     "epcList[1]"),
    ("readPoint", {"id": "https://example.org/places/" + "y" * 700}, "readPoint.id"),
])
def test_an_identifier_too_long_to_index_is_rejected_by_its_path(
        engine: Engine, field: str, value: Any, path: str) -> None:
    org = create_organization(engine, "HTX Tân Hồng")
    item = _event(1)
    item[field] = value
    report = capture_document(engine, _document([_event(0), item]), org)
    assert not report.stored and [(p.event_index, p.path) for p in report.problems] == [(1, path)]
    assert _count(engine, events) == 0


def test_foreign_keys_are_checked_again_after_a_capture(engine: Engine) -> None:
    """Capture's inserts run with SQLite's foreign keys off; the connection gets them back."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL checks references throughout")
    org = create_organization(engine, "HTX Tân Hồng")
    bad = [_event(0), _event(1) | {"eventTime": "2026-13-01T00:00:00Z"}]
    for items in ([_event(n) for n in range(CHUNK + 5)], bad):
        capture_document(engine, _document(items), org)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
