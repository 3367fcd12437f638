"""Capture's work on one event, done in the checking processes: validate, normalise, hash.

An event becomes what the store keeps of it (:class:`Prepared`: dedupe key, its columns, its
identifier terms) or the problems that reject it. This is the part of capture that costs most per
event, which is why it is a module of its own: :mod:`agritrace.speedups` compiles it with the
checking and hashing modules it calls.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from typing import Any

import orjson

from agritrace.epcis.document import Event
from agritrace.epcis.hashing import event_hash_id
from agritrace.epcis.times import parse_time
from agritrace.epcis.validation import validate_event
from agritrace.errors import AgritraceError, Problem, ValidationException
from agritrace.ids.epc import canonical_id
from agritrace.store.terms import EPC_LISTS, QUANTITY_LISTS, Term, vocabulary_value
from agritrace.store.terms import event_terms as terms_of

# The longest identifier or word the index columns keep (String(500) on both engines), and the
# longest bizTransaction, source or destination type (String(300)): the same limits on both
# engines, where SQLite would otherwise keep what PostgreSQL refuses.
MAX_STORED = 500
MAX_TYPE = 300


@dataclass
class Prepared:
    """An event ready to store: its dedupe key, its own columns (the first of EVENT_COLUMNS),
    and its terms."""

    key: str
    row: tuple[Any, ...]
    terms: list[Term]


Examined = tuple[int, str | None, "Prepared | list[Problem]"]
"""(index in the document, eventID if any, the prepared event or its problems)"""

Ready = tuple[int, str | None, str, tuple[Any, ...], list[Term]]
"""An event ready to store, as the store takes it and a chunk travels back marshalled: (index
in the document, eventID if any, dedupe key, its own columns, its terms)."""


def ready_to_store(index: int, event_id: str | None, prepared: Prepared) -> Ready:
    return index, event_id, prepared.key, prepared.row, prepared.terms


def examine_marshalled(data: bytes, start: int, namespaces: dict[str, str],
                        binding: str) -> bytes | list[Examined]:
    """A chunk checked in a worker; all-valid answers go back marshalled, others as objects."""
    examined = examine_chunk(list(enumerate(marshal.loads(data), start)), namespaces, binding)
    if not all(isinstance(result, Prepared) for _, _, result in examined):
        return examined
    return marshal.dumps([ready_to_store(index, event_id, result)
                          for index, event_id, result in examined
                          if isinstance(result, Prepared)])


def examine_chunk(
    chunk: list[tuple[int, Any]], namespaces: dict[str, str], binding: str
) -> list[Examined]:
    return [examine(event, index, namespaces, binding) for index, event in chunk]


def examine(event: Any, index: int, namespaces: dict[str, str], binding: str) -> Examined:
    if not isinstance(event, dict):
        return index, None, [Problem("", "an event object", type(event).__name__)]
    event_id = event.get("eventID")
    event_id = event_id if isinstance(event_id, str) else None
    problems = validate_event(event, namespaces, binding=binding)
    if problems:
        return index, event_id, problems
    try:
        return index, event_id, normalise(event, namespaces)
    except AgritraceError as exc:
        return index, event_id, exc.problems or [Problem("", "a valid event", exc.detail)]


def normalise(event: Event, namespaces: dict[str, str]) -> Prepared:
    body = {k: v for k, v in event.items() if k != "recordTime"}
    hash_id = event_hash_id(body, namespaces)
    key = hash_id + "#declared" if "errorDeclaration" in event else hash_id
    read_point = (event.get("readPoint") or {}).get("id")
    biz_location = (event.get("bizLocation") or {}).get("id")
    indexed: tuple[str | None, ...] = (
        event.get("eventID"),
        vocabulary_value("bizStep", event["bizStep"]) if "bizStep" in event else None,
        vocabulary_value("disposition", event["disposition"]) if "disposition" in event else None,
        canonical_id(read_point) if read_point else None,
        canonical_id(biz_location) if biz_location else None,
    )
    terms = terms_of(event, canonical_id)
    if any(len(value or "") > MAX_STORED for value in indexed) or any(
            len(term[1]) > MAX_STORED or len(term[2] or "") > MAX_TYPE for term in terms):
        raise ValidationException("An identifier is too long", [_too_long(event)])
    event_id, biz_step, disposition, read_point_id, biz_location_id = indexed
    row = (hash_id, key, event_id, event["type"], event.get("action"),
           parse_time(event["eventTime"]), event["eventTimeZoneOffset"], biz_step, disposition,
           read_point_id, biz_location_id, 1 if "errorDeclaration" in event else 0,
           _body_text(body))
    return Prepared(key, row, terms)


def _too_long(event: Event) -> Problem:
    """Which identifier of ``event`` is past MAX_STORED characters once canonical."""
    fields: list[tuple[str, Any]] = [
        (name, event.get(name)) for name in ("eventID", "bizStep", "disposition", "parentID",
                                             "transformationID")]
    fields += [(f"{name}.id", (event.get(name) or {}).get("id"))
               for name in ("readPoint", "bizLocation")]
    for name in (*EPC_LISTS, *QUANTITY_LISTS, "bizTransactionList", "sourceList",
                 "destinationList"):
        for n, item in enumerate(event.get(name) or ()):
            values = item.items() if isinstance(item, dict) else [("", item)]
            fields += [(f"{name}[{n}]" + (f".{key}" if key else ""), value)
                       for key, value in values]
    declaration = event.get("errorDeclaration")
    correctives = declaration.get("correctiveEventIDs") if isinstance(declaration, dict) else None
    fields += [(f"errorDeclaration.correctiveEventIDs[{n}]", value)
               for n, value in enumerate(correctives or ())]
    for path, value in fields:
        if not isinstance(value, str):
            continue
        if path.endswith(".type") and len(value) > MAX_TYPE:
            return Problem(path, f"a type of at most {MAX_TYPE} characters",
                           f"{len(value)} characters")
        if max(len(value), len(canonical_id(value))) > MAX_STORED:
            return Problem(path, f"an identifier of at most {MAX_STORED} characters",
                           f"{len(value)} characters")
    return Problem("", f"identifiers of at most {MAX_STORED} characters", "a longer one")


_INT64 = range(-(2**63), 2**64)


def _body_text(body: Event) -> str:
    try:
        return orjson.dumps(body).decode()
    except TypeError:
        path, value = _out_of_range(body, "")
        if not path:  # no number too large: orjson's nesting limit (a streamed document)
            raise ValidationException("An event is nested too deeply", [Problem(
                "", "an event nested at most 253 objects or arrays deep",
                "a deeper one")]) from None
        # Past 64 bits a number would come back from the store rounded (I-JSON, RFC 7493).
        raise ValidationException("A number is too large to keep exactly", [Problem(
            path, "an integer within 64 bits (at most 18446744073709551615), or the number "
            "as a string", str(value))]) from None


def _out_of_range(value: Any, path: str) -> tuple[str, Any]:
    """The first integer in ``value`` that orjson cannot write, with its field path."""
    items: Any = (value.items() if isinstance(value, dict)
                  else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
        if isinstance(item, int) and not isinstance(item, bool) and item not in _INT64:
            return where, item
        found = _out_of_range(item, where)
        if found[0]:
            return found
    return "", None
