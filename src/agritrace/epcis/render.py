"""Query answers as EPCIS 2.0 query documents, in JSON-LD or XML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from agritrace.epcis.document import Event
from agritrace.epcis.json_codec import write_json
from agritrace.epcis.xml_write import write_xml


class _Stored(Protocol):
    event: Event
    namespaces: dict[str, str]


def merged_namespaces(items: Sequence[_Stored]) -> dict[str, str]:
    """The extension prefixes of all events; a prefix bound to two URIs keeps the first."""
    merged: dict[str, str] = {}
    for item in items:
        for prefix, uri in item.namespaces.items():
            merged.setdefault(prefix, uri)
    return merged


def render_query_document(
    items: Sequence[_Stored], *, xml: bool, query_name: str = "SimpleEventQuery"
) -> bytes:
    namespaces = merged_namespaces(items)
    header = {
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    events = [item.event for item in items]
    writer = write_xml if xml else write_json
    return writer(events, header=header, namespaces=namespaces, kind="EPCISQueryDocument",
                  query_name=query_name)
