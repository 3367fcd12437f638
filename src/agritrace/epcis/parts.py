"""Checks for the parts of an EPCIS 2.0 event: quantities, where, why, sensor data, ILMD, errors.

One function per definition of the official JSON schema (``quantityElement``, ``bizTransaction``,
``source``, ``sensorElement``, …), each reporting what that definition rejects.
"""

from __future__ import annotations

from typing import Any

from agritrace.epcis import cbv
from agritrace.epcis.formats import is_repeated_uri, is_uom, is_uri
from agritrace.epcis.shapes import (
    UOM,
    URI,
    Check,
    Checker,
    check_alert_type,
    check_boolean,
    check_btt,
    check_closed,
    check_component,
    check_disposition,
    check_error_reason,
    check_hex,
    check_list,
    check_measurement_type,
    check_number,
    check_object,
    check_open,
    check_repeated_uri,
    check_sdt,
    check_string,
    check_time,
    check_unique,
    check_uri,
    check_uri_list,
)

# URIs that recur from event to event (places, classes, devices): checked through a cache.
_place = check_repeated_uri


def check_uom(c: Checker, value: Any, path: str) -> None:
    if type(value) is not str or not is_uom(value):
        c.add(path, UOM, value)


_QUANTITY: dict[str, Check] = {"epcClass": _place, "quantity": check_number, "uom": check_uom}


_QUANTITY_KEYS = frozenset(_QUANTITY)


def _good_quantity(item: Any) -> bool:
    """The common case, decided without building paths; anything else is examined in full."""
    if type(item) is not dict or not item.keys() <= _QUANTITY_KEYS:
        return False
    epc_class, quantity, uom = item.get("epcClass"), item.get("quantity", 0), item.get("uom", "KGM")
    return (type(epc_class) is str and is_repeated_uri(epc_class)
            and type(quantity) in (int, float) and type(uom) is str and is_uom(uom))


def check_quantity_list(c: Checker, value: Any, path: str) -> None:
    if check_list(c, value, path):
        for i, item in enumerate(value):
            if not _good_quantity(item):
                check_closed(c, item, f"{path}[{i}]", _QUANTITY, ("epcClass",))


def check_epc_list(c: Checker, value: Any, path: str) -> None:
    check_uri_list(c, value, path, unique=True)


def check_uri_array(c: Checker, value: Any, path: str) -> None:
    check_uri_list(c, value, path)


def check_location(c: Checker, value: Any, path: str) -> None:
    """readPoint / bizLocation: an ``id`` URI; the schema leaves other keys open."""
    if type(value) is dict and len(value) == 1 and type(value.get("id")) is str \
            and is_repeated_uri(value["id"]):
        return
    if not check_object(c, value, path):
        return
    if "id" not in value:
        c.add(f"{path}.id", "id (required), a location URI such as urn:epc:id:sgln:…", None)
    else:
        _place(c, value["id"], f"{path}.id")
    if c.semantic:
        for key in value:
            if ":" in key:
                c.declared_prefix(key, f"{path}.{key}")


_BIZ_TRANSACTION: dict[str, Check] = {"type": check_btt, "bizTransaction": _place}
_SOURCE: dict[str, Check] = {"type": check_sdt, "source": _place}
_DESTINATION: dict[str, Check] = {"type": check_sdt, "destination": _place}


def _closed_list(
    fields: dict[str, Check], uri_key: str, vocabulary: str, *, type_required: bool,
    min_items: int = 0,
) -> Check:
    """A list of {type, <uri_key>} objects: bizTransactionList, sourceList, destinationList."""
    keys, words = frozenset(fields), cbv.VOCABULARIES[vocabulary]
    required = ("type", uri_key) if type_required else (uri_key,)

    def fine(item: Any) -> bool:  # the common case, decided without building paths
        if type(item) is not dict or not item.keys() <= keys:
            return False
        uri, kind = item.get(uri_key), item.get("type")
        return (type(uri) is str and is_repeated_uri(uri)
                and ((type(kind) is str and kind in words)
                     or ("type" not in item and not type_required)))

    def check(c: Checker, value: Any, path: str) -> None:
        if type(value) is list and len(value) >= min_items and all(map(fine, value)):
            return
        if check_list(c, value, path, min_items):
            for i, item in enumerate(value):
                check_closed(c, item, f"{path}[{i}]", fields, required)
    return check


check_biz_transaction_list: Check = _closed_list(
    _BIZ_TRANSACTION, "bizTransaction", "bizTransactionType", type_required=False)
check_biz_transaction_list_required: Check = _closed_list(
    _BIZ_TRANSACTION, "bizTransaction", "bizTransactionType", type_required=False, min_items=1)
check_source_list: Check = _closed_list(_SOURCE, "source", "sourceDestType", type_required=True)
check_destination_list: Check = _closed_list(
    _DESTINATION, "destination", "sourceDestType", type_required=True)


def _check_disposition_set(c: Checker, value: Any, path: str) -> None:
    if check_list(c, value, path, 1):
        for i, item in enumerate(value):
            check_disposition(c, item, f"{path}[{i}]")
        check_unique(c, value, path)


_PERSISTENT: dict[str, Check] = {"set": _check_disposition_set, "unset": _check_disposition_set}


def check_persistent_disposition(c: Checker, value: Any, path: str) -> None:
    check_closed(c, value, path, _PERSISTENT, ())
    if type(value) is dict and "set" not in value and "unset" not in value:
        c.add(f"{path}.set", "set or unset (at least one)", None)


_SENSOR_METADATA: dict[str, Check] = {
    "time": check_time, "deviceID": _place, "deviceMetadata": _place,
    "rawData": _place, "startTime": check_time, "endTime": check_time,
    "dataProcessingMethod": _place, "bizRules": _place,
}

_SENSOR_REPORT: dict[str, Check] = {
    "type": check_measurement_type, "exception": check_alert_type, "deviceID": _place,
    "deviceMetadata": _place, "rawData": _place, "dataProcessingMethod": _place,
    "bizRules": _place, "time": check_time, "microorganism": _place,
    "chemicalSubstance": _place, "coordinateReferenceSystem": _place,
    "value": check_number, "component": check_component, "stringValue": check_string,
    "booleanValue": check_boolean, "hexBinaryValue": check_hex, "uriValue": _place,
    "minValue": check_number, "maxValue": check_number, "meanValue": check_number,
    "sDev": check_number, "percRank": check_number, "percValue": check_number,
    "uom": check_string,
}


def _check_metadata(c: Checker, value: Any, path: str) -> None:
    check_open(c, value, path, _SENSOR_METADATA, (), "a sensorMetadata field")


def _check_reports(c: Checker, value: Any, path: str) -> None:
    if check_list(c, value, path, 1):
        for i, item in enumerate(value):
            check_open(c, item, f"{path}[{i}]", _SENSOR_REPORT, () if c.xml else ("type",),
                       "a sensorReport field")


_SENSOR_ELEMENT: dict[str, Check] = {
    "sensorMetadata": _check_metadata, "sensorReport": _check_reports,
}


def check_sensor_element_list(c: Checker, value: Any, path: str) -> None:
    if check_list(c, value, path):
        for i, item in enumerate(value):
            check_open(c, item, f"{path}[{i}]", _SENSOR_ELEMENT, ("sensorReport",),
                       "sensorMetadata, sensorReport")


def check_ilmd(c: Checker, value: Any, path: str) -> None:
    if not check_object(c, value, path):
        return
    for key in value:
        c.extension_key(key, f"{path}.{key}", "an ILMD field")


def _check_corrective_ids(c: Checker, value: Any, path: str) -> None:
    check_uri_list(c, value, path)


_ERROR_DECLARATION: dict[str, Check] = {
    "declarationTime": check_time, "reason": check_error_reason,
    "correctiveEventIDs": _check_corrective_ids,
}


def check_error_declaration(c: Checker, value: Any, path: str) -> None:
    check_open(c, value, path, _ERROR_DECLARATION, ("declarationTime",),
               "declarationTime, reason, correctiveEventIDs")


def check_certification_info(c: Checker, value: Any, path: str) -> None:
    if type(value) is list:
        check_uri_list(c, value, path)
    elif type(value) is not str or not is_uri(value):
        c.add(path, f"{URI}, or a list of them", value)


def check_context(c: Checker, value: Any, path: str) -> None:
    """@context: a URI, an object, or a list of distinct URIs and objects."""
    if type(value) is dict:
        return
    if type(value) is str:
        check_uri(c, value, path)
        return
    if type(value) is not list:
        c.add(path, "a context URI, an object, or a list of them", value)
        return
    for i, item in enumerate(value):
        if type(item) is str:
            check_uri(c, item, f"{path}[{i}]")
        elif type(item) is not dict:
            c.add(f"{path}[{i}]", "a context URI or an object", item)
    check_unique(c, value, path)
