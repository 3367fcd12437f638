"""Query answers as EPCIS 2.0 query documents, in JSON-LD or XML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from agritrace.epcis.document import Event
from agritrace.epcis.json_codec import write_json
from agritrace.epcis.xml_write import write_xml


class _Stored(Protocol):
    event: Event
    namespaces: dict[str, str]


def merged_namespaces(items: Sequence[_Stored]) -> tuple[dict[str, str], list[Event]]:
    """One context for the events of several documents, and the events to write under it.

    A prefix that two captured documents bound to different namespaces (``example`` in the
    official SensorDataExample12 and in the other examples) is renamed in the later event
    (``example2``), in its keys and its compact-IRI values, so each event keeps meaning what was
    captured rather than changing namespace under the first document's binding."""
    merged: dict[str, str] = {}
    out: list[Event] = []
    for item in items:
        renames: dict[str, str] = {}
        for prefix, uri in item.namespaces.items():
            bound = merged.setdefault(prefix, uri)
            if bound != uri:
                renames[prefix] = _free_prefix(merged, prefix, uri)
                merged[renames[prefix]] = uri
        out.append(_renamed(item.event, renames) if renames else item.event)
    return merged, out


def _free_prefix(merged: dict[str, str], prefix: str, uri: str) -> str:
    """``prefix`` with the lowest number making it unbound, or bound to ``uri`` already."""
    n = 2
    while merged.get(f"{prefix}{n}", uri) != uri:
        n += 1
    return f"{prefix}{n}"


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {_compact(k, renames): _renamed(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, renames) for v in value]
    if isinstance(value, str):
        return _compact(value, renames)
    return value


def _compact(term: str, renames: dict[str, str]) -> str:
    prefix, colon, rest = term.partition(":")
    if colon and prefix in renames and not rest.startswith("//"):
        return f"{renames[prefix]}:{rest}"
    return term


def render_query_document(
    items: Sequence[_Stored], *, xml: bool, query_name: str = "SimpleEventQuery"
) -> bytes:
    namespaces, events = merged_namespaces(items)
    header = {
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    writer = write_xml if xml else write_json
    return writer(events, header=header, namespaces=namespaces, kind="EPCISQueryDocument",
                  query_name=query_name)
