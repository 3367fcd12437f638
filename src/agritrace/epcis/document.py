"""The in-memory form every codec produces and consumes.

An event is the EPCIS 2.0 JSON-LD event object exactly as the JSON binding writes it (compact
keys such as ``eventTime``, ``epcList``; extension keys as ``prefix:local``). Values are kept as
sent (a bizStep may be ``shipping`` or ``urn:epcglobal:cbv:bizstep:shipping``); numbers and
booleans are JSON numbers and booleans. The XML codec maps XML to this same form, so validation,
hashing, storage and query never care which binding a document came in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]

STANDARD_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


@dataclass
class Document:
    """An EPCIS document being read: its header, namespaces and a (possibly lazy) event stream.

    ``namespaces`` maps the prefixes the document declares for extensions (``example`` ->
    ``http://ns.example.com/epcis/``), beyond the standard context. ``context_extras`` holds any
    other @context entries (typed terms, @vocab) as sent, so a JSON document can be re-emitted.
    ``kind`` is ``EPCISDocument`` or ``EPCISQueryDocument``. ``header`` holds the document-level
    fields other than the body (schemaVersion, creationDate, id, epcisHeader, sender, …).
    """

    kind: str
    namespaces: dict[str, str]
    header: dict[str, Any]
    events: Iterator[Event]
    name: str = "document"
    context_extras: list[Any] = field(default_factory=list)
    query_name: str | None = None
    subscription_id: str | None = None
    binding: str = "json"
    """``json`` or ``xml``: the binding the document was read from (their rules differ slightly)."""
