"""Mutations of every official event: our verdict equals the official JSON schema's on each.

Systematic mutations (drop each field, replace each value by values of other types and of
near-miss formats, empty and duplicate lists, unknown and extension keys) are derived from every
event of every official JSON example; hypothesis then builds events from scratch. With
``semantic=False`` we must agree with the schema exactly; with the standard's extra rules on we
may only reject more.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agritrace.epcis.validation import validate_event
from tests.conformance import ids, json_examples
from tests.epcis.schema_oracle import events_of, load, namespaces_of, schema_accepts_event

# Values of every JSON type and near misses of every format the schema checks.
POOL: list[Any] = [
    None, 42, -1.5, True, "", "x", "not a uri", "urn:x", "http://[::1]:80/a?b#c",
    "2026-05-01 08:30", "2026-05-01T08:30:00+07:00", "2026-02-30T08:30:00Z", "+07:00",
    "+14:30", "ADD", "add", "DELETE", "shipping", "shiping", "in_transit",
    "urn:epcglobal:cbv:bizstep:shipping", "https://ns.gs1.org/cbv/x",
    "https://gs1.org/voc/Temperature", "Temperature", "owning_party", "KGM", "kg", "0A1B",
    "2.0", "%zz:a", [], {}, ["urn:x"], ["urn:x", "urn:x"], [{}], [42], {"id": "urn:x"},
    {"epcClass": "urn:x", "quantity": 1}, {"set": ["active"]},
]
EXTRA_KEYS = ["foo", "example:foo", "a b", "https://example.com/f", "type"]
# What each of the standard's extra rules says it expected: the only problems we may report on
# an event the official schema accepts.
RULES = (
    "parentID (required when action is", "at least one EPC in epcList", "a quantity of 0 or more",
    "a quantity for the uom", "a UN/ECE Recommendation 20", "a time not before startTime",
    "a value not below minValue", "a disposition that this event does not also set",
    "a namespace prefix declared",
)
# jsonschema needs ~10 ms for a large event, so a large event gets a fixed random sample.
MAX_MUTATIONS = 200


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nodes(item, (*path, i))


def _set(event: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(event)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def _drop(event: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    out = copy.deepcopy(event)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return out


Mutation = tuple[str, Callable[[], dict[str, Any]]]


def mutations(event: dict[str, Any]) -> Iterator[Mutation]:
    """Each mutation with a label. Each node gets a rotating handful of pool values (more at
    the top level), so the run stays short while every kind of value reaches every depth."""
    for n, (path, value) in enumerate(_nodes(event)):
        if not path:
            continue
        if not isinstance(path[-1], int) or isinstance(value, (dict, list)):
            yield f"drop {path}", partial(_drop, event, path)
        width = 14 if len(path) == 1 else 4
        picks = [POOL[(n * width + k) % len(POOL)] for k in range(width)]
        for replacement in picks:
            if replacement != value:
                yield f"{path} = {replacement!r}", partial(_set, event, path, replacement)
        if isinstance(value, list) and value:
            yield f"{path} doubled", partial(_set, event, path, [*value, value[0]])
            yield f"{path} emptied", partial(_set, event, path, [])
        if isinstance(value, dict):
            for key in EXTRA_KEYS:
                if key not in value:
                    yield f"{path} + {key}", partial(_set, event, (*path, key), 1)
    for key in EXTRA_KEYS:
        if key not in event:
            yield f"+ {key}", partial(_set, event, (key,), "urn:x")


def _cases() -> list[tuple[Path, int]]:
    return [(path, i) for path in json_examples() for i in range(len(events_of(load(path))))]


CASES = _cases()


@pytest.mark.parametrize(("path", "index"), CASES,
                         ids=[f"{name}#{i}" for name, (_, i) in zip(
                             ids([p for p, _ in CASES]), CASES, strict=True)])
def test_mutations_agree_with_the_official_schema(path: Path, index: int) -> None:
    document = load(path)
    event = events_of(document)[index]
    namespaces = namespaces_of(document["@context"])
    disagreements = []
    count = 0
    every = list(mutations(event))
    sample = random.Random(f"{path.name}#{index}").sample(every, min(len(every), MAX_MUTATIONS))
    for label, make in sample:
        mutant = make()
        count += 1
        official = schema_accepts_event(mutant)
        ours = not validate_event(mutant, namespaces, semantic=False)
        if ours != official:
            disagreements.append((label, official, validate_event(mutant, namespaces)))
        _only_rules_beyond_the_schema(mutant, namespaces, official)
    assert count > 20
    assert not disagreements, disagreements[:5]


_GOOD_URIS = ["urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/1", "urn:x",
              "example:z", "http://[::1]/a"]
_BAD_URIS = ["x y", "", "https://a b", "1:x", "urn:x\u00e9"]
_GOOD_TIMES = ["2026-05-01T08:30:00+07:00", "2026-05-01T08:30:00Z", "2026-05-01t08:30:00.123z"]
_BAD_TIMES = ["2026-05-01T08:30:00", "2026-05-01", "0000-01-01T00:00:00Z", "2026-02-29T00:00:00Z"]


def _mostly(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, so that accepted and rejected events are both common."""
    return st.integers(0, 11).flatmap(
        lambda n: st.sampled_from(good) if n else st.sampled_from(bad))


def _uris() -> st.SearchStrategy[Any]:
    return _mostly(_GOOD_URIS, [*_BAD_URIS, 42, None])


def _times() -> st.SearchStrategy[Any]:
    return _mostly(_GOOD_TIMES, [*_BAD_TIMES, 0])


def _any_json() -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-2, 2),
                       st.text(max_size=4), _uris(), _times())
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=2)),
        max_leaves=4)


def _quantity() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"epcClass": _uris()},
        optional={"quantity": _mostly([0, 1, 2.5], [-1, "2", True]),
                  "uom": _mostly(["KGM", "A93"], ["kg", "ABCD"])})


def _value_for(key: str) -> st.SearchStrategy[Any]:
    uri_lists = st.lists(_uris(), max_size=3)
    by_key: dict[str, st.SearchStrategy[Any]] = {
        "eventTime": _times(), "recordTime": _times(), "eventID": _uris(),
        "eventTimeZoneOffset": _mostly(["+07:00", "-14:00", "+00:00"],
                                       ["+14:01", "7:00", "+07:60"]),
        "action": _mostly(["ADD", "OBSERVE", "DELETE"], ["add", "X"]),
        "bizStep": _mostly(["shipping", "https://example.com/drying"],
                           ["shiping", "urn:epcglobal:cbv:bizstep:shipping"]),
        "disposition": _mostly(["in_transit", "example:d"], ["in transit"]),
        "readPoint": st.fixed_dictionaries({"id": _uris()}, optional={"x": _any_json()}),
        "parentID": _uris(), "transformationID": _uris(),
        "bizTransactionList": st.lists(st.fixed_dictionaries(
            {"bizTransaction": _uris()}, optional={"type": _mostly(["po", "urn:x"], ["p0"])}),
            max_size=2),
        "sourceList": st.lists(st.fixed_dictionaries(
            {"type": _mostly(["location", "owning_party"], ["x"]), "source": _uris()}),
            max_size=2),
        "ilmd": st.dictionaries(_mostly(["example:lot", "https://x.org/a"], ["lot"]),
                                _any_json(), max_size=2),
        "example:ext": _any_json(),
        "sensorElementList": st.lists(st.fixed_dictionaries(
            {"sensorReport": st.lists(st.fixed_dictionaries(
                {"type": _mostly(["Temperature", "example:T"],
                                 ["https://gs1.org/voc/Temperature"])},
                optional={"value": _mostly([1.5], ["1.5"]), "uom": st.just("CEL")}),
                min_size=0, max_size=2)},
            optional={"sensorMetadata": st.fixed_dictionaries({}, optional={"time": _times()})}),
            max_size=2),
    }
    for lists in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        by_key[lists] = uri_lists
    by_key["childEPCs"] = st.lists(_uris(), min_size=1, max_size=3)
    for lists in ("quantityList", "childQuantityList", "inputQuantityList",
                  "outputQuantityList"):
        by_key[lists] = st.lists(_quantity(), max_size=2)
    return st.integers(0, 24).flatmap(
        lambda n: by_key.get(key, _any_json()) if n else _any_json())


_COMMON_KEYS = ["eventID", "recordTime", "bizStep", "disposition", "readPoint",
                "bizTransactionList", "sourceList", "sensorElementList", "example:ext"]
_KEYS = {
    "ObjectEvent": ["action", "epcList", "quantityList", "ilmd"],
    "AggregationEvent": ["action", "parentID", "childEPCs", "childQuantityList"],
    "AssociationEvent": ["action", "parentID", "childEPCs", "childQuantityList"],
    "TransactionEvent": ["action", "parentID", "epcList", "quantityList"],
    "TransformationEvent": ["inputEPCList", "outputEPCList", "inputQuantityList",
                            "outputQuantityList", "transformationID", "ilmd"],
    "example:Custom": ["epcList", "anything"],
    "objectEvent": ["action", "epcList"],
}


_WHAT = {
    "ObjectEvent": ["epcList"], "AggregationEvent": ["childEPCs"],
    "AssociationEvent": ["childEPCs"], "TransactionEvent": ["epcList", "bizTransactionList"],
    "TransformationEvent": ["inputEPCList", "outputEPCList"],
}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(_KEYS)))
    pool = _KEYS[kind] + _COMMON_KEYS
    if not draw(st.integers(0, 4)):
        pool += ["nonsense", "childEPCs", "epcList"]
    chosen = draw(st.lists(st.sampled_from(pool), unique=True, max_size=6))
    required = [k for k in ("action", "parentID") if k in _KEYS[kind]]
    required += _WHAT.get(kind, [])
    if kind == "AggregationEvent" and draw(st.booleans()):
        required.remove("parentID")
    if draw(st.integers(0, 5)):
        chosen = ["eventTime", "eventTimeZoneOffset", *required,
                  *(key for key in chosen if key not in required)]
    event: dict[str, Any] = {"type": kind}
    for key in chosen:
        event[key] = draw(_value_for(key))
    return event


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_generated_events_agree_with_the_official_schema(event: dict[str, Any]) -> None:
    namespaces = {"example": "http://ns.example.com/epcis/"}
    official = schema_accepts_event(event)
    ours = validate_event(event, namespaces, semantic=False)
    assert (not ours) == official, (json.dumps(event), ours)
    _only_rules_beyond_the_schema(event, namespaces, official)


def _only_rules_beyond_the_schema(
    event: dict[str, Any], namespaces: dict[str, str], official: bool,
) -> None:
    """With the rules on we reject everything the schema rejects, and beyond that only what a
    named rule rejects."""
    problems = validate_event(event, namespaces)
    if not official:
        assert problems, event
    else:
        assert all(p.expected.startswith(RULES) for p in problems), problems
