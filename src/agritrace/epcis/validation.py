"""EPCIS 2.0 event and document validation: the official JSON schema, plus the standard's rules.

:func:`validate_event` accepts exactly the events the official ``EPCIS-JSON-Schema.json`` accepts
inside an EPCIS document (its ``uri`` and ``date-time`` formats enforced), without running a schema
engine, and then applies the rules of the EPCIS 2.0 standard that the schema cannot express (see
:mod:`agritrace.epcis.rules`). Every problem of an event is reported (up to 100), each with a path
relative to the event, what was expected and what was found; the capture layer adds the document
and event index with :meth:`agritrace.errors.Problem.located`.

Where we differ from the schema on purpose (each has a named test):

* a trailing newline after a date-time, URI, offset, version or code is rejected (the schema's
  ``$`` lets it through), and so is a ``schemaVersion`` written with non-ASCII digits;
* with ``binding="xml"`` (events read from XML) we accept what the official XSD accepts where
  it is looser than the JSON schema: the URN form of a *standard* CBV word (e.g.
  ``urn:epcglobal:cbv:bizstep:shipping``; JSON writes the bare word), a persistentDisposition
  on every event type (the JSON schema has it only on ObjectEvent and TransformationEvent) and
  a sensorReport without a type (the XSD makes it optional).

Extension fields are ``prefix:name`` keys (or absolute-URI keys) wherever the schema allows a URI
key; with ``semantic=True`` (the default) the prefix must be declared in ``namespaces`` or by the
standard context (``cbvmda``, ``gs1``, …).

>>> event = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-05-01 08:30",
...          "eventTimeZoneOffset": "+07:00", "epcList": ["urn:epc:id:sgtin:0614141.107346.1"]}
>>> [p.message() for p in validate_event(event, {})]
["eventTime: expected an ISO 8601 date-time with a time zone, e.g. 2026-05-01T08:30:00+07:00, found '2026-05-01 08:30'"]
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from agritrace.epcis import parts, rules
from agritrace.epcis.document import Event
from agritrace.epcis.formats import is_time_zone_offset, is_uri, is_version
from agritrace.epcis.shapes import (
    Check,
    Checker,
    check_biz_step,
    check_disposition,
    check_object,
    check_time,
    check_uri,
    closest,
)
from agritrace.errors import Problem

EVENT_TYPES = (
    "ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
    "AssociationEvent",
)
DOCUMENT_KINDS = ("EPCISDocument", "EPCISQueryDocument")
ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})


def _check_offset(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str or not is_time_zone_offset(value):
        c.add(path, "a time zone offset ±hh:mm from -14:00 to +14:00, e.g. +07:00", value)


def _check_action(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str or value not in ACTIONS:
        c.add(path, "ADD, OBSERVE or DELETE", value)


def _check_type(c: Checker, value: Any, path: str) -> None:
    """The type field is dispatched on before the fields are walked."""


_COMMON: dict[str, Check] = {
    "@context": parts.check_context, "type": _check_type, "eventTime": check_time,
    "recordTime": check_time, "eventTimeZoneOffset": _check_offset, "eventID": check_uri,
    "certificationInfo": parts.check_certification_info,
    "errorDeclaration": parts.check_error_declaration,
}
_WHY_WHERE: dict[str, Check] = {
    "bizStep": check_biz_step, "disposition": check_disposition,
    "readPoint": parts.check_location, "bizLocation": parts.check_location,
    "bizTransactionList": parts.check_biz_transaction_list,
    "sourceList": parts.check_source_list, "destinationList": parts.check_destination_list,
    "sensorElementList": parts.check_sensor_element_list,
}
_PARENT_CHILD: dict[str, Check] = {
    **_COMMON, **_WHY_WHERE, "action": _check_action, "parentID": check_uri,
    "childEPCs": parts.check_uri_array, "childQuantityList": parts.check_quantity_list,
}
_FIELDS: dict[str, dict[str, Check]] = {
    "ObjectEvent": {
        **_COMMON, **_WHY_WHERE, "action": _check_action, "epcList": parts.check_epc_list,
        "quantityList": parts.check_quantity_list,
        "persistentDisposition": parts.check_persistent_disposition, "ilmd": parts.check_ilmd,
    },
    "AggregationEvent": _PARENT_CHILD,
    "AssociationEvent": _PARENT_CHILD,
    "TransactionEvent": {
        **_COMMON, **_WHY_WHERE, "action": _check_action,
        "bizTransactionList": parts.check_biz_transaction_list_required,
        "parentID": check_uri, "epcList": parts.check_uri_array,
        "quantityList": parts.check_quantity_list,
    },
    "TransformationEvent": {
        **_COMMON, **_WHY_WHERE, "inputEPCList": parts.check_epc_list,
        "inputQuantityList": parts.check_quantity_list, "outputEPCList": parts.check_epc_list,
        "outputQuantityList": parts.check_quantity_list, "transformationID": check_uri,
        "persistentDisposition": parts.check_persistent_disposition, "ilmd": parts.check_ilmd,
    },
}
_XML_FIELDS: dict[str, dict[str, Check]] = {
    kind: {**fields, "persistentDisposition": parts.check_persistent_disposition}
    for kind, fields in _FIELDS.items()
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "ObjectEvent": ("eventTime", "eventTimeZoneOffset", "action"),
    "AggregationEvent": ("eventTime", "eventTimeZoneOffset", "action"),
    "AssociationEvent": ("eventTime", "eventTimeZoneOffset", "action", "parentID"),
    "TransactionEvent": ("eventTime", "eventTimeZoneOffset", "action", "bizTransactionList"),
    "TransformationEvent": ("eventTime", "eventTimeZoneOffset"),
}
_REQUIRED_HINT = {
    "eventTime": "eventTime (required), e.g. 2026-05-01T08:30:00+07:00",
    "eventTimeZoneOffset": "eventTimeZoneOffset (required), e.g. +07:00",
    "action": "action (required): ADD, OBSERVE or DELETE",
    "parentID": "parentID (required), the URI of the parent",
    "bizTransactionList": "bizTransactionList (required), at least one business transaction",
}


def validate_event(
    event: Any, namespaces: Collection[str], *, semantic: bool = True, binding: str = "json",
) -> list[Problem]:
    """Every problem with one EPCIS 2.0 event, with paths relative to the event.

    ``namespaces`` holds the extension prefixes the document declares (a dict prefix -> URI
    works). ``semantic=False`` checks only what the official JSON schema checks; ``binding``
    is ``"json"`` or ``"xml"``, the binding the event was read from (see above).
    """
    if type(event) is not dict:
        return [Problem(path="", expected="an event object", found=type(event).__name__)]
    own = event.get("@context")
    if own is not None:
        namespaces = {*namespaces, *_declared_in(own)}
    if binding not in ("json", "xml"):
        raise ValueError(f"binding must be 'json' or 'xml', not {binding!r}")
    xml = binding == "xml"
    c = Checker(namespaces, semantic=semantic, xml=xml)
    kind = event.get("type")
    if type(kind) is not str or kind not in _FIELDS:
        _check_extended_event(c, event, kind)
        return c.problems
    fields = (_XML_FIELDS if xml else _FIELDS)[kind]
    for key, value in event.items():
        check = fields.get(key)
        if check is None:
            c.extension_key(key, key, f"a field of {kind}", fields)
        else:
            check(c, value, key)
    for key in _REQUIRED[kind]:
        if key not in event:
            c.add(key, _REQUIRED_HINT[key], None)
    _WHAT[kind](c, event)
    if semantic:
        rules.apply(c, event, kind)
    return c.problems


def _check_extended_event(c: Checker, event: Event, kind: Any) -> None:
    """A type the standard does not define: a URI type and the common fields, anything else."""
    if kind is None:
        c.add("type", f"type (required): one of {', '.join(EVENT_TYPES)}", None)
    elif type(kind) is not str or not is_uri(kind):
        near = closest(kind, EVENT_TYPES) if type(kind) is str else None
        hint = f" (closest: {near!r})" if near else ""
        c.add("type", f"one of {', '.join(EVENT_TYPES)}{hint}, or a URI for an extension "
              "event type", kind)
    elif c.semantic:
        c.declared_prefix(kind, "type")
    for key, value in event.items():
        check = _COMMON.get(key)
        if check is not None:
            check(c, value, key)
        elif c.semantic and ":" in key and is_uri(key):
            c.declared_prefix(key, key)
    for key in ("eventTime", "eventTimeZoneOffset"):
        if key not in event:
            c.add(key, _REQUIRED_HINT[key], None)


def _filled(event: Event, key: str) -> bool:
    value = event.get(key)
    return type(value) is list and bool(value)


def _what_object(c: Checker, event: Event) -> None:
    if not ("epcList" in event or _filled(event, "quantityList")
            or (_filled(event, "sensorElementList") and "readPoint" in event)):
        c.add("epcList", "epcList or a non-empty quantityList (or sensorElementList with a "
              "readPoint)", None)
    action = event.get("action")
    if "ilmd" in event and action in ("OBSERVE", "DELETE"):
        c.add("ilmd", f"no ilmd when action is {action}: instance/lot master data is only "
              "given when objects are commissioned (ADD)", event["ilmd"])


def _what_parent_child(c: Checker, event: Event) -> None:
    if not (_filled(event, "childEPCs") or _filled(event, "childQuantityList")
            or event.get("action") == "DELETE"):
        c.add("childEPCs", "a non-empty childEPCs or childQuantityList (they may be omitted "
              "only when action is DELETE)", event.get("childEPCs"))


def _what_transaction(c: Checker, event: Event) -> None:
    if not ("epcList" in event or _filled(event, "quantityList")
            or event.get("action") == "DELETE"):
        c.add("epcList", "epcList or a non-empty quantityList (they may be omitted only when "
              "action is DELETE)", None)


def _what_transformation(c: Checker, event: Event) -> None:
    inputs = _filled(event, "inputEPCList") or _filled(event, "inputQuantityList")
    outputs = _filled(event, "outputEPCList") or _filled(event, "outputQuantityList")
    if inputs and outputs:
        return
    if not (inputs or outputs):
        c.add("inputEPCList", "at least one input or output (inputEPCList, inputQuantityList, "
              "outputEPCList, outputQuantityList)", None)
    elif "transformationID" not in event:
        missing = "outputs" if inputs else "inputs"
        c.add("transformationID", f"a transformationID, or {missing} too: a transformation "
              "with only inputs or only outputs must name its transformationID", None)


_WHAT = {
    "ObjectEvent": _what_object,
    "AggregationEvent": _what_parent_child,
    "AssociationEvent": _what_parent_child,
    "TransactionEvent": _what_transaction,
    "TransformationEvent": _what_transformation,
}


def validate_document(
    header: dict[str, Any], kind: str, *, namespaces: Collection[str] = (),
    semantic: bool = True,
) -> list[Problem]:
    """Every problem with a document's own fields: type, schemaVersion, creationDate, @context,
    epcisHeader and the rest of the top level (the events are checked one by one apart).

    ``header`` is the top-level object without its body, as the JSON codec gives it; ``@context``
    is checked when present (the codec that consumed it reports a missing one).

    >>> [p.message() for p in validate_document({"schemaVersion": "2.0"}, "EPCISDocument")]
    ['creationDate: expected creationDate (required), e.g. 2026-05-01T08:30:00+07:00, found nothing']
    """  # noqa: E501
    if type(header) is not dict:
        return [Problem(path="", expected="a document object", found=type(header).__name__)]
    context = header.get("@context")
    c = Checker({*namespaces, *_declared_in(context)}, semantic=semantic, xml=False)
    if kind not in DOCUMENT_KINDS:
        c.add("type", " or ".join(DOCUMENT_KINDS), kind)
        return c.problems
    if "type" in header and header["type"] != kind:
        c.add("type", kind, header["type"])
    fields = _DOCUMENT_FIELDS[kind]
    for key, value in header.items():
        check = fields.get(key)
        if check is None:
            c.extension_key(key, key, f"a field of {kind}")
        else:
            check(c, value, key)
    if kind == "EPCISDocument":
        for key, hint in (("schemaVersion", "e.g. 2.0"),
                          ("creationDate", "e.g. 2026-05-01T08:30:00+07:00")):
            if key not in header:
                c.add(key, f"{key} (required), {hint}", None)
    return c.problems


def _check_version(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str or not is_version(value):
        c.add(path, "a version such as 2.0", value)


def _check_string(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str:
        c.add(path, "a string", value)


def _check_attributes(c: Checker, value: Any, path: str) -> None:
    if type(value) is not list:
        c.add(path, "a list", value)
        return
    for i, item in enumerate(value):
        if check_object(c, item, f"{path}[{i}]"):
            _require_uri_id(c, item, f"{path}[{i}]")
            if "attribute" in item and type(item["attribute"]) not in (int, float, str, dict):
                c.add(f"{path}[{i}].attribute", "a number, a string or an object",
                      item["attribute"])


def _require_uri_id(c: Checker, value: dict[str, Any], path: str, key: str = "id") -> None:
    if key in value:
        check_uri(c, value[key], f"{path}.{key}")
    else:
        c.add(f"{path}.{key}", f"{key} (required), a URI", None)


def _check_vocabulary_list(c: Checker, value: Any, path: str) -> None:
    if type(value) is not list:
        c.add(path, "a list", value)
        return
    for i, vocabulary in enumerate(value):
        where = f"{path}[{i}]"
        if not check_object(c, vocabulary, where):
            continue
        _require_uri_id(c, vocabulary, where, "type")
        elements = vocabulary.get("vocabularyElementList")
        if elements is None and "vocabularyElementList" not in vocabulary:
            continue
        if type(elements) is not list:
            c.add(f"{where}.vocabularyElementList", "a list", elements)
            continue
        for j, element in enumerate(elements):
            at = f"{where}.vocabularyElementList[{j}]"
            if check_object(c, element, at):
                _require_uri_id(c, element, at)
                if "attributes" in element:
                    _check_attributes(c, element["attributes"], f"{at}.attributes")
                if "children" in element:
                    parts.check_uri_array(c, element["children"], f"{at}.children")


def _check_master_data(c: Checker, value: Any, path: str) -> None:
    if check_object(c, value, path) and "vocabularyList" in value:
        _check_vocabulary_list(c, value["vocabularyList"], f"{path}.vocabularyList")


def _check_epcis_header(c: Checker, value: Any, path: str) -> None:
    if not check_object(c, value, path):
        return
    for key, item in value.items():
        if key == "epcisMasterData":
            _check_master_data(c, item, f"{path}.{key}")
        else:
            c.extension_key(key, f"{path}.{key}", "epcisMasterData")


def _check_nothing(c: Checker, value: Any, path: str) -> None:
    """The body and type are handled by the caller."""


_QUERY_DOCUMENT_FIELDS: dict[str, Check] = {
    "@context": parts.check_context, "id": check_uri, "type": _check_nothing,
    "schemaVersion": _check_version, "creationDate": check_time, "epcisBody": _check_nothing,
}
_DOCUMENT_FIELDS: dict[str, dict[str, Check]] = {
    "EPCISQueryDocument": _QUERY_DOCUMENT_FIELDS,
    "EPCISDocument": {
        **_QUERY_DOCUMENT_FIELDS, "instanceIdentifier": _check_string, "sender": _check_string,
        "receiver": _check_string, "epcisHeader": _check_epcis_header,
    },
}


def _declared_in(context: Any) -> set[str]:
    entries = context if type(context) is list else [context]
    return {key for entry in entries if type(entry) is dict
            for key, value in entry.items() if type(value) is str}
