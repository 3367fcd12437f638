"""The official EPCIS 2.0 JSON schema run by jsonschema: the oracle our validator must match."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from tests.conformance import JSON_SCHEMA, require_files

require_files()
_SCHEMA: dict[str, Any] = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))


def _validator(definition: str | None) -> Draft7Validator:
    schema = _SCHEMA if definition is None else {
        "$schema": _SCHEMA["$schema"], "definitions": _SCHEMA["definitions"],
        "$ref": f"#/definitions/{definition}",
    }
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


# An event as the schema checks it inside a document's eventList (no @context needed there).
EVENT = _validator("EPCIS-Document-Event")
DOCUMENT = _validator(None)


def schema_accepts_event(event: Any) -> bool:
    return bool(EVENT.is_valid(event))


def schema_accepts_header(header: dict[str, Any], kind: str) -> bool:
    """The schema's verdict on a document with this header and an empty body."""
    body: dict[str, Any] = {"eventList": []}
    if kind == "EPCISQueryDocument":
        body = {"queryResults": {"queryName": "q", "resultsBody": body}}
    return bool(DOCUMENT.is_valid({**header, "type": kind, "epcisBody": body}))


def namespaces_of(context: Any) -> dict[str, str]:
    """The prefixes a document's @context declares."""
    entries = context if isinstance(context, list) else [context]
    return {key: value for entry in entries if isinstance(entry, dict)
            for key, value in entry.items() if isinstance(value, str)}


@cache
def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def events_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    body = document.get("epcisBody", {})
    if "queryResults" in body:
        events: list[dict[str, Any]] = body["queryResults"]["resultsBody"]["eventList"]
        return events
    return list(body["eventList"])


def header_of(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "epcisBody"}
