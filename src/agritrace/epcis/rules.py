"""The EPCIS 2.0 rules a JSON schema cannot express, applied after the schema's own checks.

Each rule names its source by the section *title* of the EPCIS 2.0 standard (GS1, June 2022) or
CBV 2.0; section numbers are left out on purpose, as they were not checked against the text.

``aggregation-parent``
    An AggregationEvent whose action is ADD or DELETE has a parentID; only OBSERVE may omit it
    (EPCIS, "AggregationEvent": "a parent identifier is required when action is ADD or DELETE,
    but optional when action is OBSERVE"). The schema requires parentID only for
    AssociationEvent, where the standard always requires it ("AssociationEvent").
``object-what``
    An ObjectEvent names at least one object: a non-empty epcList or quantityList. Only an
    OBSERVE event may instead carry just sensor data at a readPoint (EPCIS, "ObjectEvent" and
    "Sensor data"). The schema accepts any ObjectEvent that merely has an epcList, even empty.
``quantity-non-negative``
    A QuantityElement's quantity says how many or how much, so it is never negative (EPCIS,
    "QuantityElement").
``uom-needs-quantity``
    A uom qualifies a quantity, so it is omitted when the quantity is (EPCIS, "QuantityElement").
``sensor-uom``
    A sensorReport's uom is a UN/ECE Recommendation 20 code like a QuantityElement's (EPCIS,
    "SensorReport"); the schema accepts any string there. Only the code's shape is checked.
``sensor-period``
    sensorMetadata startTime is not after its endTime: they bound the period the reports cover
    (EPCIS, "SensorMetadata").
``sensor-range``
    A sensorReport's minValue is not above its maxValue (EPCIS, "SensorReport").
``persistent-disposition-conflict``
    A persistentDisposition does not both set and unset the same disposition (EPCIS,
    "PersistentDisposition").
``extension-prefix``
    An extension field ``prefix:name`` uses a prefix the document's @context (or the event's
    own) declares, or one of the standard context's (EPCIS, "JSON/JSON-LD bindings": extension
    names are compact IRIs); checked in :mod:`.shapes`.

Checked by the schema itself (so by :mod:`.validation` with its own messages): TransformationEvent
inputs and outputs, ILMD only with action ADD, errorDeclaration declarationTime, the ±hh:mm
offset within ±14:00, and the CBV word lists (CBV 2.0; an unknown bare word is reported with the
closest CBV word).

Not enforced, on purpose: sensor times (sensorMetadata time, startTime, endTime, sensorReport
time) after eventTime. We found no such rule in the standard, and the official
``*_all_possible_fields`` examples have sensor times years after their eventTime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agritrace.epcis.formats import is_date_time, is_uom
from agritrace.epcis.shapes import UOM, Checker

_QUANTITY_LISTS = {
    "ObjectEvent": ("quantityList",),
    "TransactionEvent": ("quantityList",),
    "AggregationEvent": ("childQuantityList",),
    "AssociationEvent": ("childQuantityList",),
    "TransformationEvent": ("inputQuantityList", "outputQuantityList"),
}


def apply(c: Checker, event: dict[str, Any], kind: str) -> None:
    """Add a problem for each rule above that ``event`` (of standard type ``kind``) breaks."""
    action = event.get("action")
    if kind == "AggregationEvent" and action in ("ADD", "DELETE") and "parentID" not in event:
        c.add("parentID", f"parentID (required when action is {action}): the URI of the "
              "container the children are packed into or taken out of", None)
    elif kind == "ObjectEvent":
        _object_what(c, event, action)
    for key in _QUANTITY_LISTS[kind]:
        items = event.get(key)
        if type(items) is list:
            _quantities(c, items, key)
    if "sensorElementList" in event:
        _sensors(c, event["sensorElementList"])
    if "persistentDisposition" in event:
        _persistent(c, event["persistentDisposition"])


def _nonempty(value: Any) -> bool:
    return type(value) is list and len(value) > 0


def _object_what(c: Checker, event: dict[str, Any], action: Any) -> None:
    if _nonempty(event.get("epcList")) or _nonempty(event.get("quantityList")):
        return
    sensed = _nonempty(event.get("sensorElementList")) and "readPoint" in event
    if (action == "OBSERVE" and sensed) or ("epcList" not in event and not sensed):
        return  # fine, or already reported by the schema check as having no "what"
    c.add("epcList", "at least one EPC in epcList or one quantityList entry (an ObjectEvent "
          "without objects needs action OBSERVE, sensorElementList and readPoint)",
          event.get("epcList"))


def _quantities(c: Checker, items: list[Any], key: str) -> None:
    for i, item in enumerate(items):
        if type(item) is not dict:
            continue
        quantity = item.get("quantity")
        if isinstance(quantity, (int, float)) and quantity < 0:
            c.add(f"{key}[{i}].quantity", "a quantity of 0 or more", quantity)
        if "uom" in item and "quantity" not in item:
            c.add(f"{key}[{i}].quantity", f"a quantity for the uom {item['uom']!r} "
                  "(omit uom when quantity is unknown)", None)


def _sensors(c: Checker, elements: Any) -> None:
    if type(elements) is not list:
        return
    for i, element in enumerate(elements):
        if type(element) is not dict:
            continue
        meta = element.get("sensorMetadata")
        if type(meta) is dict and "startTime" in meta and "endTime" in meta:
            start, end = _moment(meta["startTime"]), _moment(meta["endTime"])
            if start is not None and end is not None and start > end:
                c.add(f"sensorElementList[{i}].sensorMetadata.endTime",
                      f"a time not before startTime {meta['startTime']}", meta["endTime"])
        reports = element.get("sensorReport")
        if type(reports) is list:
            _reports(c, reports, f"sensorElementList[{i}].sensorReport")


def _reports(c: Checker, reports: list[Any], path: str) -> None:
    for j, report in enumerate(reports):
        if type(report) is not dict:
            continue
        uom = report.get("uom")
        if type(uom) is str and not is_uom(uom):
            c.add(f"{path}[{j}].uom", UOM, uom)
        low: Any = report.get("minValue")
        high: Any = report.get("maxValue")
        if _is_number(low) and _is_number(high) and low > high:
            c.add(f"{path}[{j}].maxValue", f"a value not below minValue {low}", high)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _persistent(c: Checker, value: Any) -> None:
    if type(value) is not dict:
        return
    sets, unsets = value.get("set"), value.get("unset")
    if type(sets) is list and type(unsets) is list:
        for i, word in enumerate(unsets):
            if type(word) is str and word in sets:
                c.add(f"persistentDisposition.unset[{i}]",
                      "a disposition that this event does not also set", word)


def _moment(text: Any) -> datetime | None:
    if type(text) is not str or not is_date_time(text):
        return None  # reported by the schema check
    return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
