"""Diary entries as EPCIS events: valid per the official JSON schema, deterministic, reversible."""

from __future__ import annotations

import json
import re
from datetime import date, time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agritrace.epcis.cbv import BIZ_STEPS as CBV_BIZ_STEPS
from agritrace.epcis.document import STANDARD_CONTEXT, Event
from agritrace.epcis.validation import validate_event
from agritrace.errors import ValidationException
from agritrace.farm.diary import ENTRY_TYPES, EntryKind, Harvest, Spraying, WaterAction, WaterEvent
from agritrace.farm.diary_events import (
    AGT_BIZSTEP,
    BIZ_STEPS,
    NAMESPACES,
    WATER_STEPS,
    entry_to_event,
    event_id,
    event_to_entry,
)
from tests.conformance import JSON_SCHEMA, needs_files
from tests.farm.test_diary import VALID, common

REPO = Path(__file__).resolve().parents[2]
VOCABULARY_DOC = REPO / "docs" / "farm-vocabulary.md"


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def document(*events: Event) -> dict[str, Any]:
    return {
        "@context": [STANDARD_CONTEXT, NAMESPACES],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-09T12:00:00+07:00",
        "epcisBody": {"eventList": list(events)},
    }


def example_entries() -> list[Any]:
    entries = [ENTRY_TYPES[kind](**common(**VALID[kind])) for kind in EntryKind]
    entries += [WaterEvent(**common(action=action, until=date(2026, 2, 20)))
                for action in WaterAction]
    entries.append(Harvest(**common(quantity=3.2, unit="t", lot="CF/26-01", at=time(7, 30),
                                    until=date(2026, 2, 14), note="hái chín 95%")))
    return entries


ENTRIES = example_entries()
ENTRY_IDS = [f"{e.kind.value}-{i}" for i, e in enumerate(ENTRIES)]


@needs_files
@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_every_event_is_valid_against_the_official_json_schema(
        entry: Any, schema_validator: jsonschema.Draft7Validator) -> None:
    doc = document(entry_to_event(entry, "key-1"))
    errors = [f"{list(e.path)}: {e.message}" for e in schema_validator.iter_errors(doc)]
    assert errors == []


@needs_files
def test_schema_check_is_not_vacuous(schema_validator: jsonschema.Draft7Validator) -> None:
    event = entry_to_event(ENTRIES[0], "key-1")
    del event["action"]
    assert list(schema_validator.iter_errors(document(event)))


@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_every_event_passes_our_epcis_validation(entry: Any) -> None:
    event = entry_to_event(entry, "key-1")
    assert [p.message() for p in validate_event(event, NAMESPACES)] == []
    # Undeclared, the agt prefix is caught: the check above is not vacuous.
    assert any(p.path.startswith("agt:") for p in validate_event(event, {}))


@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_event_reads_back_as_the_same_entry(entry: Any) -> None:
    assert event_to_entry(entry_to_event(entry, "key-1")) == entry


@pytest.mark.parametrize("entry", ENTRIES, ids=ENTRY_IDS)
def test_where_and_when(entry: Any) -> None:
    event = entry_to_event(entry, "key-1")
    assert event["readPoint"] == event["bizLocation"] == {"id": entry.plot_id}
    assert event["eventTimeZoneOffset"] == "+07:00"
    assert event["eventTime"].startswith(entry.on.isoformat() + "T")


def test_same_key_same_event_other_key_other_id() -> None:
    entry = ENTRIES[3]
    first = json.dumps(entry_to_event(entry, "phone-1:0007"), sort_keys=False)
    again = json.dumps(entry_to_event(entry, "phone-1:0007"), sort_keys=False)
    assert first == again
    other = entry_to_event(entry, "phone-1:0008")
    assert other["eventID"] != json.loads(first)["eventID"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", other["eventID"])


def test_empty_idempotency_key_is_refused() -> None:
    with pytest.raises(ValidationException):
        entry_to_event(ENTRIES[0], " ")


def test_diary_events_observe_the_season_crop() -> None:
    event = entry_to_event(Spraying(**common(**VALID[EntryKind.SPRAYING])), "k")
    assert event["epcList"] == [common()["season_id"]]
    assert event["action"] == "OBSERVE"
    assert event["bizStep"] == AGT_BIZSTEP + "spraying"
    assert event["agt:activeIngredients"] == ["Chlorantraniliprole", "Thiamethoxam"]
    assert (event["agt:dose"], event["agt:doseUnit"], event["agt:preHarvestIntervalDays"]) == (
        75, "g/ha", 7)


def test_harvest_commissions_a_lot_with_its_origin_in_ilmd() -> None:
    harvest = Harvest(**common(quantity=6.5, unit="t", lot="ST25-P7", gtin="8934588063060",
                               until=date(2026, 2, 12)))
    event = entry_to_event(harvest, "k")
    assert (event["action"], event["bizStep"], event["disposition"]) == (
        "ADD", "commissioning", "active")
    assert event["quantityList"] == [{
        "epcClass": "https://id.gs1.org/01/08934588063060/10/ST25-P7",
        "quantity": 6500.0, "uom": "KGM"}]
    assert event["ilmd"] == {
        "cbvmda:countryOfOrigin": "VN",
        "cbvmda:harvestStartDate": "2026-02-10",
        "cbvmda:harvestEndDate": "2026-02-12",
        "cbvmda:lotNumber": "ST25-P7",
        "agt:plot": common()["plot_id"],
        "agt:season": common()["season_id"],
    }


def test_lot_without_gtin_gets_an_escaped_agritrace_uri() -> None:
    event = entry_to_event(Harvest(**common(quantity=10, lot="CF/26-01")), "k")
    assert event["quantityList"][0]["epcClass"] == "https://agritrace.org/id/lot/CF%2F26-01"


def test_cbv_steps_are_cbv_words_and_the_rest_are_documented() -> None:
    steps = {*BIZ_STEPS.values(), *WATER_STEPS.values()}
    ours = {s for s in steps if s.startswith(AGT_BIZSTEP)}
    assert steps - ours <= CBV_BIZ_STEPS
    doc = VOCABULARY_DOC.read_text(encoding="utf-8")
    assert sorted(s for s in ours if f"`{s}`" not in doc) == []
    keys = {k for e in ENTRIES for k in _keys(entry_to_event(e, "k")) if k.startswith("agt:")}
    assert sorted(k for k in keys if f"`{k}`" not in doc) == []


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_foreign_event_is_refused_by_the_reader() -> None:
    with pytest.raises(ValidationException):
        event_to_entry({"type": "ObjectEvent", "action": "OBSERVE", "epcList": []})


@given(
    product=st.text(min_size=1, max_size=30).filter(str.strip),
    ingredients=st.lists(st.text(min_size=1, max_size=20).filter(str.strip), max_size=3),
    dose=st.floats(min_value=0.01, max_value=20),
    phi=st.one_of(st.none(), st.integers(min_value=0, max_value=365)),
    on=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 1, 1)),
    key=st.text(min_size=1).filter(str.strip),
)
def test_any_spraying_round_trips(product: str, ingredients: list[str], dose: float,
                                  phi: int | None, on: date, key: str) -> None:
    entry = Spraying(**common(product=product, active_ingredients=tuple(ingredients), dose=dose,
                              phi_days=phi, on=on))
    event = entry_to_event(entry, key)
    assert event["eventID"] == event_id(key)
    assert event_to_entry(json.loads(json.dumps(event))) == entry
