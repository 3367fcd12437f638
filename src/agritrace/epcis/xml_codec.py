"""One entry point for both bindings: read by content type or by sniffing, write XML.

The XML binding itself lives in ``xml_read`` (XML -> the JSON-LD compact form) and
``xml_write`` (the compact form -> XML); the JSON binding in ``json_codec``.

>>> doc = read_document(b'  <epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" '
...                     b'schemaVersion="2.0"><EPCISBody/></epcis:EPCISDocument>', "d.xml")
>>> doc.kind, doc.header, list(doc.events)
('EPCISDocument', {'schemaVersion': '2.0'}, [])
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from agritrace.epcis.document import Document
from agritrace.epcis.json_codec import read_json
from agritrace.epcis.xml_read import read_xml
from agritrace.epcis.xml_write import iter_xml, write_xml
from agritrace.errors import Problem, UnsupportedMediaTypeException, ValidationException

__all__ = ["document_to_xml", "iter_xml", "read_document", "read_xml", "write_xml"]

Source = bytes | str | Path | IO[bytes]

_JSON_TYPES = ("application/json", "application/ld+json")
_XML_TYPES = ("application/xml", "text/xml")


def read_document(source: Source, name: str, content_type: str | None = None, *,
                  strict: bool = True) -> Document:
    """Read either binding, chosen by ``content_type`` or else by the first non-blank byte
    (``strict``: see :func:`read_xml`)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _JSON_TYPES or media.endswith("+json"):
        return read_json(source, name)
    if media in _XML_TYPES or media.endswith("+xml"):
        return read_xml(source, name, strict=strict)
    if media:
        raise UnsupportedMediaTypeException(
            f"{name}: content type {content_type!r} is neither JSON nor XML")
    first, source = _first_byte(source)
    if first in (b"{", b"["):
        return read_json(source, name)
    if first == b"<":
        return read_xml(source, name, strict=strict)
    problem = Problem(path="", expected="a JSON object or an XML document",
                      found=repr(first) if first else "an empty document", document=name, line=1)
    raise ValidationException(f"{name} is neither JSON nor XML", [problem])


def _first_byte(source: Source) -> tuple[bytes, Source]:
    """The first non-blank byte, and the source to read from (a stream is not consumed)."""
    if isinstance(source, str):
        source = source.encode()
    if isinstance(source, bytes):
        return _first_in(source[:4096]), source
    if isinstance(source, Path):
        with source.open("rb") as handle:
            return _first_in(handle.read(4096)), source
    head = source.peek(4096) if hasattr(source, "peek") else b""
    if head:
        return _first_in(head), source
    here = source.tell()
    head = source.read(4096)
    source.seek(here)
    return _first_in(head), source


def _first_in(head: bytes) -> bytes:
    stripped = head.lstrip(b" \t\r\n\xef\xbb\xbf")
    return stripped[:1]


def document_to_xml(doc: Document, **options: Any) -> Iterator[bytes]:
    """Render a read Document (of either binding) as XML chunks."""
    return iter_xml(doc.events, header=doc.header, namespaces=doc.namespaces, kind=doc.kind,
                    query_name=doc.query_name, subscription_id=doc.subscription_id,
                    name=doc.name, **options)
