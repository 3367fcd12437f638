"""The EPCIS 2.0 query parameters on sensor data (section 8.2.7.1; the REST binding's
query-schema.json), as conditions on one row of ``sensor_reports`` (agritrace.store.sensors).

Every sensor parameter of a query must hold on the same sensor report (with its element's
metadata): ``EQ_chemicalSubstance=<oxygen>&LT_value_M1=4`` is "a dissolved-oxygen reading
under 4 mg/l", not "some oxygen reading, and some reading under 4 mg/l of anything".

A number compared with a unit (``GE_value_CEL=25``) is compared with each report in the unit
it was written in, the bound converted (store.sensors.UNITS); without a unit (``GE_value=25``,
an agritrace addition, with ``EQ_uom`` to name units) the report's number as written.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_

from agritrace import query_body
from agritrace.epcis.times import parse_time
from agritrace.query_body import Operand, json_test
from agritrace.store.sensors import NUMBER_FIELDS, in_units
from agritrace.store.tables import sensor_reports

_ROW = sensor_reports.c
# Text fields compared for equality with one of the |-separated values.
TEXT_PARAMS: dict[str, Any] = {
    "EQ_type": _ROW.type, "EQ_deviceID": _ROW.device_id,
    "EQ_dataProcessingMethod": _ROW.data_processing_method,
    "EQ_microorganism": _ROW.microorganism, "EQ_chemicalSubstance": _ROW.chemical_substance,
    "EQ_bizRules": _ROW.biz_rules, "EQ_stringValue": _ROW.string_value,
    "EQ_hexBinaryValue": _ROW.hex_binary_value, "EQ_uriValue": _ROW.uri_value,
    "EQ_uom": _ROW.uom,
}
TIME_PARAMS: dict[str, Any] = {
    "GE_time": _ROW.time_us, "LT_time": _ROW.time_us,
    "GE_startTime": _ROW.start_time_us, "LT_startTime": _ROW.start_time_us,
    "GE_endTime": _ROW.end_time_us, "LT_endTime": _ROW.end_time_us,
}
# GT_value_CEL, LE_percRank, EQ_minValue_M1, GE_value …: operator, field, optional unit.
NUMBER_PARAM = re.compile(
    r"(?P<op>EQ|GT|GE|LT|LE)_(?P<field>value|minValue|maxValue|meanValue|sDev|percValue"
    r"|percRank)(?:_(?P<uom>[A-Z0-9]{2,4}))?")
# EQ_SENSORREPORT_example:cv, GT_SENSORMETADATA_ex:x, EXISTS_SENSORELEMENT_ex:y, and a field
# nested in an extension element: EQ_INNER_SENSORREPORT_ex:z.
EXTENSION_PARAM = re.compile(
    r"(?P<op>EQ|GT|GE|LT|LE|EXISTS|EQ_INNER)_SENSOR(?P<part>ELEMENT|METADATA|REPORT)_(?P<name>"
    r"[a-z][a-zA-Z0-9]*:[\w.-]+)")
_PARTS = {"ELEMENT": "e", "METADATA": "m", "REPORT": "r"}
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "GT": lambda a, b: a > b, "GE": lambda a, b: a >= b, "LT": lambda a, b: a < b,
    "LE": lambda a, b: a <= b}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# How far a converted bound may be from a stored number for EQ_ to hold (relative).
EQUAL_WITHIN = 1e-9


def is_sensor_parameter(name: str) -> bool:
    return (name in TEXT_PARAMS or name in TIME_PARAMS or name == "EQ_booleanValue"
            or name == "EXISTS_sensorElementList" or bool(NUMBER_PARAM.fullmatch(name))
            or bool(EXTENSION_PARAM.fullmatch(name)))


def sensor_condition(name: str, raw: str) -> ColumnElement[bool]:
    """The condition on one sensor report row for parameter ``name``; ValueError if ``raw``
    is not the value it takes (``expected`` says what is)."""
    values = [v for v in raw.split("|") if v]
    extension = EXTENSION_PARAM.fullmatch(name)
    if extension and extension["op"] == "EQ_INNER":
        if not values:
            raise ValueError(raw)
        return query_body.inner_has(_PARTS[extension["part"]], extension["name"], values,
                                    _ROW.extensions)
    if extension:
        return extension_test(_ROW.extensions, (_PARTS[extension["part"]], extension["name"]),
                              extension["op"], raw)
    if name == "EXISTS_sensorElementList":
        return _ROW.event_pk.isnot(None)
    if not values:
        raise ValueError(name)
    if name == "EQ_type":  # a bare word, as a document may also write it
        values = [*values, *(f"{form}{v}" for v in values
                             for form in ("gs1:", "https://gs1.org/voc/"))]
    if name == "EQ_hexBinaryValue":  # hexBinary's digits are one value in either case
        hexes: ColumnElement[bool] = func.upper(_ROW.hex_binary_value).in_(
            [v.upper() for v in values])
        return hexes
    if name in TEXT_PARAMS:
        condition: ColumnElement[bool] = TEXT_PARAMS[name].in_(values)
        return condition
    if name in TIME_PARAMS:
        micros = parse_time(raw)
        column = TIME_PARAMS[name]
        moment: ColumnElement[bool] = column >= micros if name.startswith("GE_") else (
            column < micros)
        return moment
    if name == "EQ_booleanValue":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return _ROW.boolean_value == (1 if raw == "true" else 0)
    number = NUMBER_PARAM.fullmatch(name)
    assert number is not None, name
    return _number_condition(number["op"], number["field"], number["uom"], values)


def _number_condition(op: str, field: str, uom: str | None,
                      values: list[str]) -> ColumnElement[bool]:
    amounts = [finite(v) for v in values]
    if op != "EQ" and len(amounts) != 1:
        raise ValueError(values)
    column = _ROW[NUMBER_FIELDS[field]]
    if uom is None or field == "percRank":  # percRank is a rank, without a unit
        return compare(op, column, amounts, exact=True)
    return or_(*(and_(_ROW.uom == unit, compare(op, column, bounds, exact=unit == uom))
                 for unit, bounds in bounds(amounts, uom, field == "sDev").items()))


def bounds(amounts: list[float], uom: str, spread: bool) -> dict[str, list[float]]:
    """Per unit the amounts convert to, the amounts in it."""
    found: dict[str, list[float]] = {}
    for amount in amounts:
        for unit, bound in in_units(amount, uom, spread=spread).items():
            found.setdefault(unit, []).append(bound)
    return found


def compare(op: str, column: Any, amounts: list[float], *, exact: bool) -> ColumnElement[bool]:
    """``column`` against the amounts. A bound converted between units is a float computation
    (26 °C is 299.15 K, 299.15 K is 25.99999999999997 °C): unless ``exact``, numbers within
    EQUAL_WITHIN (relative) of a bound count as equal to it."""
    def near(a: float) -> float:  # a bound past a double once converted is infinite
        return 0.0 if exact or math.isinf(a) else EQUAL_WITHIN * max(1.0, abs(a))

    if op == "EQ" and exact:
        listed: ColumnElement[bool] = column.in_(amounts)
        return listed
    if op == "EQ":
        return or_(*(column.between(a - near(a), a + near(a)) for a in amounts))
    bound = amounts[0]
    shifted = bound - near(bound) if op in ("GE", "LT") else bound + near(bound)
    condition: ColumnElement[bool] = _OPS[op](column, shifted)
    return condition


def finite(text: str) -> float:
    """A finite number; ValueError for anything else (NaN and infinities included)."""
    amount = float(text)
    if not math.isfinite(amount):
        raise ValueError(text)
    return amount


def extension_test(source: Any, path: tuple[str, ...], op: str,
                   raw: str) -> ColumnElement[bool]:
    """``op`` on the extension field at ``path`` of JSON ``source``: EQ with |-separated
    values (each matching a string, and a number or true/false where it reads as one), GT …
    LE with a number or an ISO 8601 date (compared as text), EXISTS."""
    if op == "EXISTS":
        return json_test(source, path, op, [])
    values = [v for v in raw.split("|") if v]
    if not values:
        raise ValueError(raw)
    if op == "EQ":
        return json_test(source, path, op, [form for v in values for form in _forms(v)])
    if len(values) != 1:
        raise ValueError(raw)
    try:
        operand: Operand = finite(raw)
    except ValueError:
        if not _ISO_DATE.match(raw):
            raise
        operand = raw
    return json_test(source, path, op, [operand])


def _forms(value: str) -> list[Operand]:
    """The JSON values a query value may stand for: the string, and a number or a boolean."""
    forms: list[Operand] = [value]
    if value in ("true", "false"):
        forms.append(value == "true")
    else:
        with contextlib.suppress(ValueError):
            forms.append(finite(value))
    return forms


def expected(name: str) -> str:
    """What parameter ``name`` takes, in Vietnamese then English."""
    if name in TIME_PARAMS:
        return ("ngày giờ ISO 8601 có múi giờ / an ISO 8601 date-time with a time zone, "
                "e.g. 2026-05-01T08:30:00+07:00")
    if name == "EQ_booleanValue":
        return "true hoặc false / true or false"
    number = NUMBER_PARAM.fullmatch(name)
    if number and number["op"] == "EQ":
        return "các số cách nhau bởi | / numbers separated by |, e.g. 4.5|5"
    if number:
        return "một số hữu hạn / one finite number, e.g. 4.5"
    extension = EXTENSION_PARAM.fullmatch(name)
    if extension and extension["op"] in ("EQ", "EQ_INNER"):
        return "các giá trị cách nhau bởi | / values separated by |"
    if extension and extension["op"] != "EXISTS":
        return ("một số hoặc một ngày ISO 8601 / one number or one ISO 8601 date, "
                "e.g. 4.5 or 2026-05-01")
    if name == "EXISTS_sensorElementList":
        return "không có giá trị / no value"
    return "các giá trị cách nhau bởi | / values separated by |"
