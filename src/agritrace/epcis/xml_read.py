"""Read the EPCIS 2.0 XML binding into the JSON-LD compact form, streaming.

Mapping rules (the XML binding to the JSON binding, as the standard pairs them):

* ``<extension>`` and ``<baseExtension>`` wrappers are flattened into the element holding them.
* Values are kept verbatim (``urn:epcglobal:cbv:bizstep:shipping`` stays a URN); only what the
  JSON binding types as numbers or booleans is converted (``quantity``; sensorReport ``value``,
  ``minValue``, ``maxValue``, ``meanValue``, ``sDev``, ``percRank``, ``percValue``,
  ``booleanValue``).
* An extension element becomes a ``prefix:local`` key (a bare ``local`` key when the element is
  unqualified), its prefix recorded in ``Document.namespaces``. Leaf elements become strings,
  elements with children nested objects, repeated siblings lists. ``xsi:*`` attributes are
  dropped (the JSON binding has no typing); any other attribute of an extension element becomes
  an ``@prefix:local`` (or ``@local``) member of its object, and the element's own text then goes
  to ``@value``, so that writing XML again restores the attribute.
* Extension elements directly under the root after ``EPCISBody`` are added to the header once
  the events have been read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree

from agritrace.epcis.document import Document, Event
from agritrace.epcis.xml_write import EPCIS_TERMS_NS
from agritrace.errors import Problem, ValidationException

Source = bytes | str | Path | IO[bytes]

EPCIS_NS = ("urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis:xsd:1")
QUERY_NS = ("urn:epcglobal:epcis-query:xsd:2", "urn:epcglobal:epcis-query:xsd:1")
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
               "AssociationEvent")
_ROOTS = {f"{{{ns}}}EPCISDocument": "EPCISDocument" for ns in EPCIS_NS} | {
    f"{{{ns}}}EPCISQueryDocument": "EPCISQueryDocument" for ns in QUERY_NS}
_WRAPPERS = frozenset({"extension", "baseExtension"})
_TEXT = frozenset({"eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "certificationInfo",
                   "action", "bizStep", "disposition", "parentID", "transformationID",
                   "declarationTime", "reason"})
_EPC_LISTS = frozenset({"epcList", "childEPCs", "inputEPCList", "outputEPCList"})
_QUANTITY_LISTS = frozenset({"quantityList", "childQuantityList", "inputQuantityList",
                             "outputQuantityList"})
_NUMBERS = frozenset({"value", "minValue", "maxValue", "meanValue", "sDev", "percRank",
                      "percValue"})
_INTEGER = re.compile(r"[-+]?[0-9]+")
_MORE_CERTIFICATION = f"{{{EPCIS_TERMS_NS}}}certificationInfo"
# Each element level may become two JSON levels (an object and a list of repeated siblings);
# 100 stays well inside what the store's JSON writer takes (254) and Python's recursion.
MAX_NESTING = 100


def read_xml(source: Source, name: str, *, strict: bool = True) -> Document:
    """Read an EPCIS XML document or query document; events are converted as they are read.

    ``strict`` refuses what the XSD refuses and the mapping would otherwise pass over: standard
    elements out of the schema's order, a document without its EPCISBody. Capture is strict;
    the hash command is not, as the reference hash generator is not (an event's hash ID does
    not depend on the order of its elements).
    """
    reader = _Reader(source, name, strict)
    return reader.start()


class _Reader:
    """One pass over one document: header first, then events on demand."""

    def __init__(self, source: Source, name: str, strict: bool = True) -> None:
        if isinstance(source, str):
            source = source.encode()
        stream: Path | IO[bytes] | _BytesReader
        stream = _BytesReader(source) if isinstance(source, bytes) else source
        self.name = name
        self.strict = strict
        self.namespaces: dict[str, str] = {}
        self._prefix_of: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self.header: dict[str, Any] = {}
        self.results: dict[str, str] = {}
        self._parser = etree.iterparse(
            stream, events=("end",), tag=[*EVENT_TYPES, "QuantityEvent", "EPCISHeader",
                                          "queryName", "subscriptionID"],
            resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
        self._root: Any = None

    def start(self) -> Document:
        events = self._events()
        first = next(events, None)
        kind = self._check_root()
        self._root_attributes()

        def stream() -> Iterator[Event]:
            if first is not None:
                yield first
                yield from events
            if self.strict:
                self._check_body()
            self._trailing_extensions()
            # queryName may follow resultsBody in documents that do not keep the XSD's order.
            doc.query_name = self.results.get("queryName")
            doc.subscription_id = self.results.get("subscriptionID")

        doc = Document(kind=kind, namespaces=self.namespaces, header=self.header, binding="xml",
                       events=stream(), name=self.name,
                       query_name=self.results.get("queryName"),
                       subscription_id=self.results.get("subscriptionID"))
        return doc

    # -- parsing ---------------------------------------------------------------------------

    def _events(self) -> Iterator[Event]:
        index = 0
        try:
            for _, element in self._parser:
                if self._root is None:
                    self._root = element.getroottree().getroot()
                    self._check_root()
                tag = element.tag
                parent = element.getparent()
                parent_name = etree.QName(parent).localname if parent is not None else ""
                if tag in EVENT_TYPES and parent_name == "EventList":
                    yield self._event(element, index)
                    index += 1
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del parent[0]
                elif tag == "QuantityEvent" and parent_name == "EventList":
                    raise self._problem(element, f"EventList[{index}]",
                                        "an EPCIS 2.0 event type", "QuantityEvent", index)
                elif tag == "EPCISHeader" and parent is not None and parent.getparent() is None:
                    self.header["epcisHeader"] = self._epcis_header(element)
                elif tag in ("queryName", "subscriptionID") and parent_name == "QueryResults":
                    self.results[tag] = element.text or ""
        except etree.XMLSyntaxError as exc:
            expected = "well-formed XML"
            if "depth" in exc.msg:  # libxml2's own limit, far past ours for extensions
                expected = f"XML with extension elements nested at most {MAX_NESTING} deep"
            problem = Problem(path="", expected=expected, found=exc.msg,
                              document=self.name, line=exc.lineno, event_index=index)
            raise ValidationException(f"{self.name} is not well-formed XML", [problem]) from None

    def _check_root(self) -> str:
        root = self._root = self._root if self._root is not None else self._parser.root
        if root is not None and _declares_dtd(root.getroottree().docinfo):
            # A DTD's entities would be emptied silently (they are not resolved, by design):
            # EPCIS has no DTD, so a DOCTYPE that declares anything is refused before anything
            # is read. A bare ``<!DOCTYPE name>`` declares nothing (GS1's own examples have one).
            problem = Problem(path="(DOCTYPE)", expected="no DTD: a DOCTYPE without internal "
                              "subset or external identifier, or none (EPCIS XML uses none)",
                              found="a DOCTYPE declaring a DTD (entities or a DTD file)",
                              document=self.name, line=1)
            raise ValidationException(f"{self.name} declares a DOCTYPE", [problem])
        kind = _ROOTS.get(root.tag) if root is not None else None
        if kind is None:
            found = etree.QName(root).text if root is not None else "no root element"
            problem = Problem(path="(root)", expected="an EPCISDocument or EPCISQueryDocument "
                              "element in the EPCIS 2.0 namespace", found=found,
                              document=self.name, line=root.sourceline if root is not None else 1)
            raise ValidationException(f"{self.name} is not an EPCIS document", [problem])
        return kind

    def _check_body(self) -> None:
        """The XSD requires the EPCISBody (read to the end by now): a document without it is
        no EPCIS document, not one that holds no events."""
        root = self._root if self._root is not None else self._parser.root
        if _child(root, "EPCISBody") is None:
            raise self._problem(root, "EPCISBody", "an EPCISBody element holding the EventList",
                                "nothing")
        try:
            _check_order(root, _DOCUMENT_ORDER, "")
        except _UnmappableError as exc:
            raise self._problem(exc.element, exc.path, exc.expected, exc.found) from None

    def _problem(self, element: Any, path: str, expected: str, found: str,
                 index: int | None = None) -> ValidationException:
        problem = Problem(path=path, expected=expected, found=found, document=self.name,
                          line=element.sourceline, event_index=index)
        return ValidationException(f"{self.name}: cannot map {path}", [problem])

    # -- names -----------------------------------------------------------------------------

    def key(self, element_or_tag: Any, hint: str | None = None) -> str:
        """The JSON key of a (qualified) element or attribute name, recording its prefix."""
        tag = element_or_tag if isinstance(element_or_tag, str) else element_or_tag.tag
        known = self._keys.get(tag)
        if known is not None:
            return known
        if tag[0] != "{":
            key = tag
        else:
            uri, local = tag[1:].split("}", 1)
            if hint is None and not isinstance(element_or_tag, str):
                hint = element_or_tag.prefix
            key = f"{self._prefix(uri, hint)}:{local}"
        self._keys[tag] = key
        return key

    def _prefix(self, uri: str, hint: str | None) -> str:
        prefix = self._prefix_of.get(uri)
        if prefix is not None:
            return prefix
        prefix = hint or "ns"
        if prefix in self.namespaces:
            count = 1
            while f"{prefix}{count}" in self.namespaces:
                count += 1
            prefix = f"{prefix}{count}"
        self.namespaces[prefix] = uri
        self._prefix_of[uri] = prefix
        return prefix

    def attribute_key(self, element: Any, name: str) -> str:
        if name[0] != "{":
            return name
        uri = name[1:].split("}", 1)[0]
        hints = [p for p, u in element.nsmap.items() if u == uri and p]
        return self.key(name, hints[0] if hints else None)

    # -- header ----------------------------------------------------------------------------

    def _root_attributes(self) -> None:
        for name, value in self._root.attrib.items():
            if name.startswith(f"{{{XSI_NS}}}"):
                continue
            self.header[self.attribute_key(self._root, name)] = value

    def _trailing_extensions(self) -> None:
        for child in self._root:
            if isinstance(child.tag, str) and child.tag[0] == "{":
                _add(self.header, self.key(child), self.extension_value(child))

    def _epcis_header(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in _children(element):
            local = etree.QName(child).localname
            if local in _WRAPPERS:
                out.update(self._epcis_header(child))
            elif local == "EPCISMasterData":
                found = _children(_child(child, "VocabularyList"))
                out["epcisMasterData"] = {"vocabularyList": [self._vocabulary(v) for v in found]}
            else:
                _add(out, self.key(child), self.extension_value(child))
        return out

    def _vocabulary(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"type": element.get("type", "")}
        elements = _child(element, "VocabularyElementList")
        out["vocabularyElementList"] = [self._vocabulary_element(e) for e in _children(elements)]
        return out

    def _vocabulary_element(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"id": element.get("id", "")}
        attributes = []
        for child in _children(element):
            local = etree.QName(child).localname
            if local == "attribute":
                value = self.extension_value(child)
                if isinstance(value, dict):
                    value.pop("@id", None)
                    value = value.get("@value", "") if list(value) == ["@value"] else value
                attributes.append({"id": child.get("id", ""), "attribute": value})
            elif local == "children":
                out["children"] = [c.text or "" for c in _children(child)]
            else:
                _add(out, self.key(child), self.extension_value(child))
        if attributes:
            out["attributes"] = attributes
        return out

    # -- events ----------------------------------------------------------------------------

    def _event(self, element: Any, index: int) -> Event:
        event: Event = {"type": element.tag}
        try:
            if self.strict:
                _check_order(element, _EVENT_ORDER[element.tag], "")
            self.fill(event, element)
        except _UnmappableError as exc:
            raise self._problem(exc.element, f"{element.tag}.{exc.path}", exc.expected,
                                exc.found, index) from None
        return event

    def fill(self, target: dict[str, Any], element: Any) -> None:
        """Map the children of an event (or of a wrapper inside it) into ``target``."""
        for child in _children(element):
            tag = child.tag
            if tag == _MORE_CERTIFICATION:  # written by xml_write: one list, as in JSON
                _add(target, "certificationInfo", child.text or "")
            elif tag[0] == "{":
                _add(target, self.key(child), self.extension_value(child))
            elif tag in _WRAPPERS:
                self.fill(target, child)
            else:
                mapper = _FIELDS.get(tag)
                target[tag] = mapper(self, child) if mapper else self.extension_value(child)

    def extension_value(self, element: Any, depth: int = 1) -> Any:
        children = _children(element)
        if children and depth >= MAX_NESTING:
            raise _UnmappableError(children[0], etree.QName(children[0]).localname,
                                   f"extension elements nested at most {MAX_NESTING} deep",
                                   "a deeper element")
        attributes = {self.attribute_key(element, k): v for k, v in element.attrib.items()
                      if not k.startswith(f"{{{XSI_NS}}}")}
        text = element.text or ""
        if not children and not attributes:
            return text if text.strip() else ""
        out: dict[str, Any] = {f"@{k}": v for k, v in attributes.items()}
        for child in children:
            _add(out, self.key(child), self.extension_value(child, depth + 1))
        if not children and text.strip():
            out["@value"] = text
        return out

    def extensions_into(self, target: dict[str, Any], element: Any,
                        fields: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
        """Known children by ``fields``, wrappers flattened, anything qualified as extensions."""
        for child in _children(element):
            tag = child.tag
            if tag in fields:
                target[tag] = fields[tag](child)
            elif tag in _WRAPPERS:
                self.extensions_into(target, child, fields)
            else:
                _add(target, self.key(child), self.extension_value(child))
        return target


class _UnmappableError(Exception):
    def __init__(self, element: Any, path: str, expected: str, found: str) -> None:
        super().__init__(path)
        self.element, self.path, self.expected, self.found = element, path, expected, found


class _BytesReader:
    """A minimal file object over bytes, so iterparse reads bytes without a copy."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._at + size
        chunk = self._view[self._at:end].tobytes()
        self._at += len(chunk)
        return chunk


def _declares_dtd(info: Any) -> bool:
    """Whether the DOCTYPE names a DTD file or declares entities or elements."""
    if info.public_id or info.system_url:
        return True
    dtd = info.internalDTD
    return dtd is not None and (any(dtd.iterentities()) or any(dtd.iterelements()))


# The order of an event's elements, as the XSD's sequences give it: the base event type's
# (EPCISEventType, ending in its ``baseExtension`` wrapper), then each event type's own, then its
# ``extension`` wrapper, then extension elements of other namespaces (``xsd:any
# namespace="##other"``, written here as _OTHER). Inside a wrapper (EPCIS 1.x nests the newer
# fields in one) the same order applies again, from the start. The XSD itself is not read at run
# time: tests/epcis/test_document_rules.py holds these tables to it.
_OTHER = "##other"
_BASE_ORDER = ("eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration",
               "certificationInfo", "baseExtension")
_WHERE_WHY = ("bizStep", "disposition", "readPoint", "bizLocation")
_PARTIES = ("sourceList", "destinationList", "sensorElementList", "persistentDisposition")


def _ranks(*names: str) -> dict[str, int]:
    return {name: rank for rank, name in enumerate(names)}


def _event_ranks(*names: str) -> dict[str, int]:
    return _ranks(*_BASE_ORDER, *names, "extension", _OTHER)


_EVENT_ORDER = {
    "ObjectEvent": _event_ranks("epcList", "action", *_WHERE_WHY, "bizTransactionList",
                                "quantityList", *_PARTIES, "ilmd"),
    "AggregationEvent": _event_ranks("parentID", "childEPCs", "action", *_WHERE_WHY,
                                     "bizTransactionList", "childQuantityList", *_PARTIES),
    "TransactionEvent": _event_ranks("bizTransactionList", "parentID", "epcList", "action",
                                     *_WHERE_WHY, "quantityList", *_PARTIES),
    "TransformationEvent": _event_ranks("inputEPCList", "inputQuantityList", "outputEPCList",
                                        "outputQuantityList", "transformationID", *_WHERE_WHY,
                                        "bizTransactionList", *_PARTIES, "ilmd"),
    "AssociationEvent": _event_ranks("parentID", "childEPCs", "childQuantityList", "action",
                                     *_WHERE_WHY, "bizTransactionList", *_PARTIES),
}
_QUANTITY_ORDER = _ranks("epcClass", "quantity", "uom")
_DISPOSITION_ORDER = _ranks("unset", "set")
_DOCUMENT_ORDER = _ranks("EPCISHeader", "EPCISBody", "extension", _OTHER)
_SENSOR_ORDER = _ranks("sensorMetadata", "sensorReport", "extension", _OTHER)


def _check_order(element: Any, order: dict[str, int], path: str) -> None:
    """Refuse an element found after one the XSD's sequence puts after it."""
    last, last_name = -1, ""
    for child in _children(element):
        tag = child.tag
        if tag in _WRAPPERS:
            _check_order(child, order, f"{path}{tag}.")
        qualified = tag[0] == "{"
        # An element of another namespace is named as written (ex:temperature), not in
        # Clark notation.
        name = f"{child.prefix}:{etree.QName(child).localname}" if (
            qualified and child.prefix) else tag
        rank = order.get(_OTHER if qualified else tag)
        if rank is None:  # one the mapping reports on its own (or an unqualified unknown)
            continue
        if rank < last:
            raise _UnmappableError(child, f"{path}{name}", f"{name} before {last_name}, as "
                                   "the EPCIS XML schema (XSD) orders them",
                                   f"{name} after {last_name}")
        last, last_name = rank, name


def _children(element: Any) -> list[Any]:
    if element is None:
        return []
    # Element children only (no comments or processing instructions), filtered in C.
    return list(element.iterchildren(etree.Element))


def _child(element: Any, local: str) -> Any:
    for child in _children(element):
        if etree.QName(child).localname == local:
            return child
    return None


def _add(target: dict[str, Any], key: str, value: Any) -> None:
    """Set a key; a repeated key becomes a list, as the JSON binding writes repeated elements."""
    if key not in target:
        target[key] = value
    elif isinstance(target[key], list):
        target[key].append(value)
    else:
        target[key] = [target[key], value]


# -- standard fields -----------------------------------------------------------------------

def _text(reader: _Reader, element: Any) -> str:
    return str(element.text or "").strip()


def _number(element: Any, text: str, path: str) -> int | float:
    text = text.strip()
    try:
        return int(text) if _INTEGER.fullmatch(text) else float(text)
    except ValueError:
        raise _UnmappableError(element, path, "a number", repr(text)) from None


def _boolean(element: Any, text: str, path: str) -> bool:
    if text.strip() in ("true", "1"):
        return True
    if text.strip() in ("false", "0"):
        return False
    raise _UnmappableError(element, path, "true or false", repr(text))


def _epcs(reader: _Reader, element: Any) -> list[str]:
    return [str(c.text or "").strip() for c in _children(element)]


def _quantities(reader: _Reader, element: Any) -> list[dict[str, Any]]:
    out = []
    for n, item in enumerate(_children(element)):
        if reader.strict:
            _check_order(item, _QUANTITY_ORDER, f"{element.tag}[{n}].")
        entry: dict[str, Any] = {}
        for child in _children(item):
            tag = etree.QName(child).localname
            if tag == "quantity" and child.get(f"{{{XSI_NS}}}nil") == "true":
                continue  # a nil quantity is an absent one in the JSON binding
            if tag == "quantity":
                entry[tag] = _number(child, child.text or "", f"{element.tag}.quantity")
            else:
                entry[tag] = _text(reader, child)
        out.append(entry)
    return out


def _location(reader: _Reader, element: Any) -> dict[str, Any]:
    return reader.extensions_into({}, element, {"id": lambda c: _text(reader, c)})


def _typed_list(item: str) -> Callable[[_Reader, Any], list[dict[str, Any]]]:
    def mapper(reader: _Reader, element: Any) -> list[dict[str, Any]]:
        out = []
        for child in _children(element):
            entry: dict[str, Any] = {}
            if child.get("type") is not None:
                entry["type"] = child.get("type")
            entry[item] = _text(reader, child)
            out.append(entry)
        return out
    return mapper


def _error_declaration(reader: _Reader, element: Any) -> dict[str, Any]:
    # No order check: the XSD's ErrorDeclarationType is an unbounded choice, any order is valid
    # (GS1's ErrorDeclarationAndCorrectiveEvent.xml opens it with a vendor extension).
    return reader.extensions_into({}, element, {
        "declarationTime": lambda c: _text(reader, c),
        "reason": lambda c: _text(reader, c),
        "correctiveEventIDs": lambda c: _epcs(reader, c),
    })


def _persistent_disposition(reader: _Reader, element: Any) -> dict[str, Any]:
    if reader.strict:
        _check_order(element, _DISPOSITION_ORDER, "persistentDisposition.")
    out: dict[str, Any] = {}
    for child in _children(element):
        out.setdefault(child.tag, []).append(_text(reader, child))
    return out


def _ilmd(reader: _Reader, element: Any) -> dict[str, Any]:
    return reader.extensions_into({}, element, {})


def _sensor_attributes(reader: _Reader, element: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in element.attrib.items():
        key = reader.attribute_key(element, name)
        if key in _NUMBERS:
            out[key] = _number(element, value, f"sensorReport.{key}")
        elif key == "booleanValue":
            out[key] = _boolean(element, value, "sensorReport.booleanValue")
        else:
            out[key] = value
    return out


def _sensor_elements(reader: _Reader, element: Any) -> list[dict[str, Any]]:
    out = []
    for n, sensor in enumerate(_children(element)):
        if sensor.tag in _WRAPPERS:
            continue
        if reader.strict:
            _check_order(sensor, _SENSOR_ORDER, f"sensorElementList[{n}].")
        entry: dict[str, Any] = {}
        reports: list[dict[str, Any]] = []
        for child in _children(sensor):
            if child.tag == "sensorMetadata":
                entry["sensorMetadata"] = _sensor_attributes(reader, child)
            elif child.tag == "sensorReport":
                reports.append(_sensor_attributes(reader, child))
                entry["sensorReport"] = reports
            elif child.tag in _WRAPPERS:
                reader.extensions_into(entry, child, {})
            else:
                _add(entry, reader.key(child), reader.extension_value(child))
        out.append(entry)
    return out


_FIELDS: dict[str, Callable[[_Reader, Any], Any]] = {
    **dict.fromkeys(_TEXT, _text),
    **dict.fromkeys(_EPC_LISTS, _epcs),
    **dict.fromkeys(_QUANTITY_LISTS, _quantities),
    "readPoint": _location,
    "bizLocation": _location,
    "bizTransactionList": _typed_list("bizTransaction"),
    "sourceList": _typed_list("source"),
    "destinationList": _typed_list("destination"),
    "errorDeclaration": _error_declaration,
    "persistentDisposition": _persistent_disposition,
    "ilmd": _ilmd,
    "sensorElementList": _sensor_elements,
}
