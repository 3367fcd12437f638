"""Write the EPCIS 2.0 XML binding from the JSON-LD compact form, streaming.

The inverse of ``xml_read``: standard fields in the XSD's order, CBV bare words written as the
URNs the XML binding uses (``shipping`` -> ``urn:epcglobal:cbv:bizstep:shipping``; sensor
measurement types as ``gs1:Temperature``), ``prefix:local`` keys as elements in that namespace,
``@name`` members of extension objects as attributes and ``@value`` as text. Every prefix an
event uses must be declared in ``namespaces`` (``cbvmda`` and ``gs1`` are known), because the
root element, which declares them, is written before the first event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from agritrace.epcis import cbv
from agritrace.epcis.document import Event
from agritrace.errors import Problem, ValidationException, describe

EPCIS_NS = "urn:epcglobal:epcis:xsd:2"
QUERY_NS = "urn:epcglobal:epcis-query:xsd:2"
KNOWN_NAMESPACES = {"cbvmda": "urn:epcglobal:cbv:mda", "gs1": "https://gs1.org/voc/"}
SBDH_KEY = "sbdh:StandardBusinessDocumentHeader"
#: The JSON binding's IRI base for its own terms (``certificationInfo`` is
#: ``https://ref.gs1.org/epcis/certificationInfo``): the namespace in which the certificates
#: beyond the XSD's one ``certificationInfo`` are written, as extension elements.
EPCIS_TERMS_NS = "https://ref.gs1.org/epcis/"

_HEAD = ("eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration",
         "certificationInfo")
_TAIL = ("bizStep", "disposition", "readPoint", "bizLocation")
_ORDER: dict[str, tuple[str, ...]] = {
    "ObjectEvent": (*_HEAD, "epcList", "action", *_TAIL, "bizTransactionList", "quantityList",
                    "sourceList", "destinationList", "sensorElementList",
                    "persistentDisposition", "ilmd"),
    "AggregationEvent": (*_HEAD, "parentID", "childEPCs", "action", *_TAIL, "bizTransactionList",
                         "childQuantityList", "sourceList", "destinationList",
                         "sensorElementList", "persistentDisposition"),
    "TransactionEvent": (*_HEAD, "bizTransactionList", "parentID", "epcList", "action", *_TAIL,
                         "quantityList", "sourceList", "destinationList", "sensorElementList",
                         "persistentDisposition"),
    "TransformationEvent": (*_HEAD, "inputEPCList", "inputQuantityList", "outputEPCList",
                            "outputQuantityList", "transformationID", *_TAIL,
                            "bizTransactionList", "sourceList", "destinationList",
                            "sensorElementList", "persistentDisposition", "ilmd"),
    "AssociationEvent": (*_HEAD, "parentID", "childEPCs", "childQuantityList", "action", *_TAIL,
                         "bizTransactionList", "sourceList", "destinationList",
                         "sensorElementList", "persistentDisposition"),
}
_VOCABULARY_OF = {"bizStep": "bizStep", "disposition": "disposition"}


class _UnwritableError(Exception):
    def __init__(self, path: str, expected: str, found: object) -> None:
        super().__init__(path)
        self.path, self.expected, self.found = path, expected, describe(found)


def iter_xml(
    events: Iterable[Event], *, header: dict[str, Any] | None = None,
    namespaces: dict[str, str] | None = None, kind: str = "EPCISDocument",
    query_name: str | None = None, subscription_id: str | None = None,
    cbv_urns: bool = True, name: str = "document",
) -> Iterator[bytes]:
    """Render a document or query document as chunks of UTF-8 XML, one event at a time."""
    # Not copied: a streaming reader adds trailing root extensions once its events are read.
    header = header if header is not None else {}
    spaces = {**KNOWN_NAMESPACES, **(namespaces or {})}
    writer = _Writer(spaces, namespaces if namespaces is not None else {}, cbv_urns)
    root = "epcisq:EPCISQueryDocument" if kind == "EPCISQueryDocument" else "epcis:EPCISDocument"
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        raise ValueError(f"kind must be EPCISDocument or EPCISQueryDocument, not {kind!r}")
    try:
        yield writer.opening(root, header, query_name, subscription_id).encode()
    except _UnwritableError as exc:
        raise _problem(name, f"header.{exc.path}", exc, None) from None
    for index, event in enumerate(events):
        try:
            yield writer.scoped(writer.event(event)).encode()
        except _UnwritableError as exc:
            raise _problem(name, f"eventList[{index}].{exc.path}", exc, index) from None
    closing = "</EventList>"
    closing += "</resultsBody></epcisq:QueryResults>" if kind == "EPCISQueryDocument" else ""
    extras = "".join(writer.scoped(writer.value(k, v)) for k, v in header.items()
                     if _extension_member(k, v))
    yield f"{closing}</EPCISBody>{extras}</{root}>".encode()


def write_xml(events: Iterable[Event], **options: Any) -> bytes:
    """The whole document as bytes; see ``iter_xml`` for the options."""
    return b"".join(iter_xml(events, **options))


def _problem(name: str, path: str, exc: _UnwritableError, index: int | None) -> ValidationException:
    problem = Problem(path=path, expected=exc.expected, found=exc.found, document=name,
                      event_index=index)
    return ValidationException(f"{name}: cannot be written as EPCIS XML", [problem])


def _extension_member(key: str, value: Any) -> bool:
    return ":" in key and not isinstance(value, str)


class _Writer:
    def __init__(self, namespaces: dict[str, str], live: dict[str, str], cbv_urns: bool) -> None:
        self.namespaces = namespaces
        # A reader may still be discovering prefixes while its events stream through here; one
        # first seen after the root was written is declared on the element that uses it.
        self.live = live
        self.pending: dict[str, str] = {}
        self.cbv_urns = cbv_urns

    def scoped(self, text: str) -> str:
        """Declare on the outermost element of ``text`` the prefixes it needed."""
        if not self.pending:
            return text
        declarations = "".join(f" xmlns:{p}={quoteattr(u)}" for p, u in self.pending.items())
        self.pending = {}
        end = min(i for i in (text.find(" "), text.find(">"), text.find("/>")) if i > 0)
        return text[:end] + declarations + text[end:]

    # -- document --------------------------------------------------------------------------

    def opening(self, root: str, header: dict[str, Any], query_name: str | None,
                subscription_id: str | None) -> str:
        declarations = {"epcis": EPCIS_NS, **self.namespaces}
        if root.startswith("epcisq"):
            declarations["epcisq"] = QUERY_NS
        if SBDH_KEY in header.get("epcisHeader", {}):
            declarations.setdefault("sbdh", _SBDH_NS)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        attributes = {"schemaVersion": "2.0", "creationDate": now}
        for key, value in header.items():
            if key == "epcisHeader" or _extension_member(key, value):
                continue
            if not isinstance(value, str | int | float):
                raise _UnwritableError(key, "a text value or a prefix:name extension", value)
            attributes[self.attribute_name(key)] = _scalar(value)
        text = "".join(f" xmlns:{p}={quoteattr(u)}" for p, u in declarations.items())
        text += "".join(f" {k}={quoteattr(v)}" for k, v in attributes.items())
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{text}>']
        if "epcisHeader" in header:
            parts.append(self.epcis_header(header["epcisHeader"]))
        parts.append("<EPCISBody>")
        if root.startswith("epcisq"):
            parts.append("<epcisq:QueryResults>")
            parts.append(f"<queryName>{escape(query_name or 'SimpleEventQuery')}</queryName>")
            if subscription_id is not None:
                parts.append(f"<subscriptionID>{escape(subscription_id)}</subscriptionID>")
            parts.append("<resultsBody>")
        parts.append("<EventList>")
        return "".join(parts)

    def epcis_header(self, value: Any) -> str:
        if not isinstance(value, dict):
            raise _UnwritableError("epcisHeader", "an object", value)
        parts = ["<EPCISHeader>"]
        if SBDH_KEY in value:
            parts.append(self.value(SBDH_KEY, value[SBDH_KEY]))
        master = value.get("epcisMasterData")
        if master is not None:
            vocabularies = master.get("vocabularyList", []) if isinstance(master, dict) else None
            if not isinstance(vocabularies, list):
                raise _UnwritableError("epcisHeader.epcisMasterData", "a vocabularyList", master)
            body = "".join(self.vocabulary(v) for v in vocabularies)
            parts.append(f"<extension><EPCISMasterData><VocabularyList>{body}</VocabularyList>"
                         "</EPCISMasterData></extension>")
        parts.append("</EPCISHeader>")
        return "".join(parts)

    def vocabulary(self, vocabulary: Any) -> str:
        if not isinstance(vocabulary, dict) or "type" not in vocabulary:
            raise _UnwritableError("vocabularyList", "a vocabulary with a type", vocabulary)
        elements = "".join(self.vocabulary_element(e)
                           for e in vocabulary.get("vocabularyElementList", []))
        return (f"<Vocabulary type={quoteattr(str(vocabulary['type']))}>"
                f"<VocabularyElementList>{elements}</VocabularyElementList></Vocabulary>")

    def vocabulary_element(self, element: Any) -> str:
        if not isinstance(element, dict) or "id" not in element:
            raise _UnwritableError("vocabularyElementList", "an element with an id", element)
        parts = [f"<VocabularyElement id={quoteattr(str(element['id']))}>"]
        for attribute in element.get("attributes", []):
            value = attribute.get("attribute", "")
            content = self.content(value) if isinstance(value, dict) else escape(_scalar(value))
            parts.append(f"<attribute id={quoteattr(str(attribute.get('id', '')))}>"
                         f"{content}</attribute>")
        if "children" in element:
            ids = "".join(f"<id>{escape(str(c))}</id>" for c in element["children"])
            parts.append(f"<children>{ids}</children>")
        for key, value in element.items():
            if key not in ("id", "attributes", "children"):
                parts.append(self.value(key, value))
        parts.append("</VocabularyElement>")
        return "".join(parts)

    # -- events ----------------------------------------------------------------------------

    def event(self, event: Event) -> str:
        kind = event.get("type")
        order = _ORDER.get(kind) if isinstance(kind, str) else None
        if order is None:
            raise _UnwritableError("type", "an EPCIS 2.0 event type", kind)
        parts = [f"<{kind}>"]
        for field in order:
            if field in event:
                parts.append(_FIELDS[field](self, field, event[field]))
        for key, value in event.items():
            if key in order or key in ("type", "@context"):
                continue
            if ":" not in key:
                raise _UnwritableError(key, f"a field of {kind} or a prefix:name extension", key)
            parts.append(self.value(key, value))
        parts.append(_more_certifications(event.get("certificationInfo")))
        parts.append(f"</{kind}>")
        return "".join(parts)

    def element_name(self, key: str) -> str:
        prefix, _, local = key.partition(":")
        if not local:
            return key
        uri = self.live.get(prefix)
        if uri is not None and uri != self.namespaces.get(prefix):
            self.pending[prefix] = uri
        elif prefix not in self.namespaces:
            raise _UnwritableError(key, "a namespace prefix declared in the document", prefix)
        return key

    def attribute_name(self, key: str) -> str:
        return self.element_name(key)

    def value(self, key: str, value: Any) -> str:
        """An extension member as element(s): lists repeat the element, objects nest."""
        name = self.element_name(key)
        if isinstance(value, list):
            if any(isinstance(v, list) for v in value):
                raise _UnwritableError(key, "a list of values or objects", "a list inside a list")
            return "".join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            attributes = "".join(f" {self.attribute_name(k[1:])}={quoteattr(_scalar(v))}"
                                 for k, v in value.items() if k.startswith("@") and k != "@value")
            return f"<{name}{attributes}>{self.content(value)}</{name}>"
        return f"<{name}>{escape(_scalar(value))}</{name}>"

    def content(self, value: dict[str, Any]) -> str:
        text = escape(_scalar(value["@value"])) if "@value" in value else ""
        return text + "".join(self.value(k, v) for k, v in value.items() if k[0] != "@")

    def cbv_value(self, vocabulary: str, value: Any) -> str:
        text = _scalar(value)
        return cbv.to_urn(vocabulary, text) if self.cbv_urns else text


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise _UnwritableError("", "a text value", value)
    return str(value)


_SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
Field = Callable[[_Writer, str, Any], str]


def _text(writer: _Writer, field: str, value: Any) -> str:
    vocabulary = _VOCABULARY_OF.get(field)
    text = writer.cbv_value(vocabulary, value) if vocabulary else _scalar(value)
    return f"<{field}>{escape(text)}</{field}>"


def _many(items: Any, field: str) -> list[Any]:
    if not isinstance(items, list):
        raise _UnwritableError(field, "a list", items)
    return items


def _objects(items: Any, field: str) -> list[dict[str, Any]]:
    out = _many(items, field)
    for item in out:
        if not isinstance(item, dict):
            raise _UnwritableError(field, "a list of objects", item)
    return out


def _epcs(writer: _Writer, field: str, value: Any) -> str:
    epcs = "".join(f"<epc>{escape(_scalar(e))}</epc>" for e in _many(value, field))
    return f"<{field}>{epcs}</{field}>"


def _certification(writer: _Writer, field: str, value: Any) -> str:
    """The first certificate in the XSD's one ``certificationInfo``; the JSON binding allows a
    list, whose other members :func:`_more_certifications` writes where extensions go."""
    values = value if isinstance(value, list) else [value]
    return _text(writer, field, values[0]) if values else ""


def _more_certifications(value: Any) -> str:
    if not isinstance(value, list) or len(value) < 2:
        return ""
    name = "epcisterms:certificationInfo"
    declaration = f"xmlns:epcisterms={quoteattr(EPCIS_TERMS_NS)}"
    return "".join(f"<{name} {declaration}>{escape(_scalar(v))}</{name}>" for v in value[1:])


def _quantities(writer: _Writer, field: str, value: Any) -> str:
    parts = [f"<{field}>"]
    for item in _objects(value, field):
        parts.append(f"<quantityElement><epcClass>{escape(_scalar(item.get('epcClass')))}"
                     "</epcClass>")
        if "quantity" in item:
            parts.append(f"<quantity>{escape(_scalar(item['quantity']))}</quantity>")
            if "uom" in item:
                parts.append(f"<uom>{escape(_scalar(item['uom']))}</uom>")
        parts.append("</quantityElement>")
    parts.append(f"</{field}>")
    return "".join(parts)


def _location(writer: _Writer, field: str, value: Any) -> str:
    if not isinstance(value, dict) or "id" not in value:
        raise _UnwritableError(field, "an object with an id", value)
    rest = "".join(writer.value(k, v) for k, v in value.items() if k != "id")
    return f"<{field}><id>{escape(_scalar(value['id']))}</id>{rest}</{field}>"


def _typed_list(item: str, vocabulary: str) -> Field:
    def render(writer: _Writer, field: str, value: Any) -> str:
        if not _objects(value, field):
            return ""  # the XML binding has no empty form of these lists; absent says the same
        parts = [f"<{field}>"]
        for entry in _objects(value, field):
            kind = entry.get("type")
            typed = "" if kind is None else writer.cbv_value(vocabulary, kind)
            attribute = "" if kind is None else f" type={quoteattr(typed)}"
            parts.append(f"<{item}{attribute}>{escape(_scalar(entry.get(item)))}</{item}>")
        parts.append(f"</{field}>")
        return "".join(parts)
    return render


def _error_declaration(writer: _Writer, field: str, value: Any) -> str:
    if not isinstance(value, dict):
        raise _UnwritableError(field, "an object", value)
    parts = ["<errorDeclaration>"]
    if "declarationTime" in value:
        parts.append(_text(writer, "declarationTime", value["declarationTime"]))
    if "reason" in value:
        reason = writer.cbv_value("errorReason", value["reason"])
        parts.append(f"<reason>{escape(reason)}</reason>")
    if "correctiveEventIDs" in value:
        ids = "".join(f"<correctiveEventID>{escape(_scalar(i))}</correctiveEventID>"
                      for i in _many(value["correctiveEventIDs"], "correctiveEventIDs"))
        parts.append(f"<correctiveEventIDs>{ids}</correctiveEventIDs>")
    for key, member in value.items():
        if key not in ("declarationTime", "reason", "correctiveEventIDs"):
            parts.append(writer.value(key, member))
    parts.append("</errorDeclaration>")
    return "".join(parts)


def _persistent_disposition(writer: _Writer, field: str, value: Any) -> str:
    if not isinstance(value, dict):
        raise _UnwritableError(field, "an object with set and unset", value)
    parts = [f"<{field}>"]
    for name in ("unset", "set"):
        for item in _many(value.get(name, []), f"{field}.{name}"):
            parts.append(f"<{name}>{escape(writer.cbv_value('disposition', item))}</{name}>")
    parts.append(f"</{field}>")
    return "".join(parts)


def _ilmd(writer: _Writer, field: str, value: Any) -> str:
    if not isinstance(value, dict):
        raise _UnwritableError(field, "an object", value)
    return f"<ilmd>{''.join(writer.value(k, v) for k, v in value.items())}</ilmd>"


def _sensor_attributes(writer: _Writer, tag: str, value: Any) -> str:
    if not isinstance(value, dict):
        raise _UnwritableError(tag, "an object", value)
    attributes = []
    for key, member in value.items():
        text = _scalar(member)
        if key == "type" and writer.cbv_urns and cbv.bare_word("measurementType", text) == text:
            text = f"gs1:{text}"
        attributes.append(f" {writer.attribute_name(key)}={quoteattr(text)}")
    return f"<{tag}{''.join(attributes)}/>"


def _sensor_elements(writer: _Writer, field: str, value: Any) -> str:
    parts = [f"<{field}>"]
    for element in _objects(value, field):
        parts.append("<sensorElement>")
        if "sensorMetadata" in element:
            parts.append(_sensor_attributes(writer, "sensorMetadata", element["sensorMetadata"]))
        for report in _many(element.get("sensorReport", []), "sensorReport"):
            parts.append(_sensor_attributes(writer, "sensorReport", report))
        for key, member in element.items():
            if key not in ("sensorMetadata", "sensorReport"):
                parts.append(writer.value(key, member))
        parts.append("</sensorElement>")
    parts.append(f"</{field}>")
    return "".join(parts)


_FIELDS: dict[str, Field] = {
    **dict.fromkeys(("eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "action",
                     "bizStep", "disposition", "parentID", "transformationID"), _text),
    **dict.fromkeys(("epcList", "childEPCs", "inputEPCList", "outputEPCList"), _epcs),
    **dict.fromkeys(("quantityList", "childQuantityList", "inputQuantityList",
                     "outputQuantityList"), _quantities),
    "certificationInfo": _certification,
    "readPoint": _location,
    "bizLocation": _location,
    "bizTransactionList": _typed_list("bizTransaction", "bizTransactionType"),
    "sourceList": _typed_list("source", "sourceDestType"),
    "destinationList": _typed_list("destination", "sourceDestType"),
    "errorDeclaration": _error_declaration,
    "persistentDisposition": _persistent_disposition,
    "ilmd": _ilmd,
    "sensorElementList": _sensor_elements,
}
