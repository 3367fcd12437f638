"""Sensor reports flattened into index rows (table ``sensor_reports``), and the units they are
compared in.

One row per sensor report (``sensorElementList[*].sensorReport[*]``; an element without
reports gets one row of its metadata alone), carrying the element's metadata beside the
report's own fields. A report's ``deviceID``, ``dataProcessingMethod``, ``bizRules`` and
``time`` stand for it over the metadata's (EPCIS 2.0 section 7.3.8: a report's attribute
overrides the element's), so the row keeps the one that applies. Fields outside the standard
(extensions such as ``example:cv``) are kept as JSON in ``extensions`` for the
``EQ_SENSORREPORT_*`` / ``EQ_SENSORMETADATA_*`` / ``EQ_SENSORELEMENT_*`` parameters.

Capture writes the rows with the event (agritrace.capture); migration 0030 back-filled the
events captured before it with this same function.
"""

from __future__ import annotations

from typing import Any

import orjson

from agritrace.epcis.times import parse_time

# The standard's fields of sensorMetadata, sensorReport and sensorElement (EPCIS 2.0 7.3.8).
METADATA_FIELDS = frozenset({"time", "startTime", "endTime", "deviceID", "deviceMetadata",
                             "rawData", "dataProcessingMethod", "bizRules"})
REPORT_FIELDS = frozenset({
    "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
    "bizRules", "time", "microorganism", "chemicalSubstance", "value", "component",
    "stringValue", "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue",
    "meanValue", "sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem"})
ELEMENT_FIELDS = frozenset({"sensorMetadata", "sensorReport"})

# Report fields kept as text, numbers and the column each goes to.
TEXT_FIELDS = {"type": "type", "microorganism": "microorganism",
               "chemicalSubstance": "chemical_substance", "stringValue": "string_value",
               "hexBinaryValue": "hex_binary_value", "uriValue": "uri_value", "uom": "uom"}
# A report's own value, else its element's metadata's.
SHARED_TEXT_FIELDS = {"deviceID": "device_id", "dataProcessingMethod": "data_processing_method",
                      "bizRules": "biz_rules"}
NUMBER_FIELDS = {"value": "value", "minValue": "min_value", "maxValue": "max_value",
                 "meanValue": "mean_value", "sDev": "s_dev", "percRank": "perc_rank",
                 "percValue": "perc_value"}

SENSOR_COLUMNS = (
    "event_pk", *TEXT_FIELDS.values(), *SHARED_TEXT_FIELDS.values(), "boolean_value",
    *NUMBER_FIELDS.values(), "time_us", "start_time_us", "end_time_us", "extensions")


def sensor_rows(event_pk: int, event: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The ``sensor_reports`` rows of one event (in SENSOR_COLUMNS order); none without
    sensor data."""
    rows: list[tuple[Any, ...]] = []
    for element in event.get("sensorElementList") or ():
        if not isinstance(element, dict):
            continue
        metadata = element.get("sensorMetadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        reports = [r for r in element.get("sensorReport") or () if isinstance(r, dict)]
        for report in reports or [{}]:
            rows.append(_row(event_pk, element, metadata, report))
    return rows


def _row(event_pk: int, element: dict[str, Any], metadata: dict[str, Any],
         report: dict[str, Any]) -> tuple[Any, ...]:
    texts = [_text(report.get(name)) for name in TEXT_FIELDS]
    shared = [_text(report.get(name, metadata.get(name))) for name in SHARED_TEXT_FIELDS]
    flag = report.get("booleanValue")
    numbers = [_number(report.get(name)) for name in NUMBER_FIELDS]
    times = [_micros(report.get("time", metadata.get("time"))),
             _micros(metadata.get("startTime")), _micros(metadata.get("endTime"))]
    return (event_pk, *texts, *shared, int(flag) if isinstance(flag, bool) else None, *numbers,
            *times, _extensions(element, metadata, report))


def _extensions(element: dict[str, Any], metadata: dict[str, Any],
                report: dict[str, Any]) -> str | None:
    """The fields outside the standard, by where they sit: e(lement), m(etadata), r(eport)."""
    found = {part: extra for part, fields, known in (
        ("e", element, ELEMENT_FIELDS), ("m", metadata, METADATA_FIELDS),
        ("r", report, REPORT_FIELDS))
        if (extra := {k: v for k, v in fields.items() if k not in known})}
    return orjson.dumps(found).decode() if found else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _micros(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:  # not a date-time with a zone: validation refuses it, old data aside
        return None


# Units of measure (UN/ECE Recommendation 20 codes) that convert into one another: per unit,
# its quantity and (factor, offset) such that base = value * factor + offset. A comparison
# given in one of them (GE_value_CEL) is made in the unit each report was written in, the
# bound converted; a unit not listed here is compared only with reports in that same unit.
UNITS: dict[str, tuple[str, float, float]] = {
    # temperature, base kelvin
    "KEL": ("temperature", 1.0, 0.0), "CEL": ("temperature", 1.0, 273.15),
    "FAH": ("temperature", 5 / 9, 459.67 * 5 / 9),
    # mass concentration, base kilogram per cubic metre (A93 g/m3 = M1 mg/l)
    "KMQ": ("mass concentration", 1.0, 0.0), "GL": ("mass concentration", 1.0, 0.0),
    "M1": ("mass concentration", 1e-3, 0.0), "A93": ("mass concentration", 1e-3, 0.0),
    # mass, base kilogram
    "KGM": ("mass", 1.0, 0.0), "GRM": ("mass", 1e-3, 0.0), "MGM": ("mass", 1e-6, 0.0),
    "TNE": ("mass", 1e3, 0.0), "LBR": ("mass", 0.45359237, 0.0),
    # length, base metre
    "MTR": ("length", 1.0, 0.0), "CMT": ("length", 1e-2, 0.0), "MMT": ("length", 1e-3, 0.0),
    "KMT": ("length", 1e3, 0.0), "INH": ("length", 0.0254, 0.0),
    "FOT": ("length", 0.3048, 0.0),
    # speed, base metre per second
    "MTS": ("speed", 1.0, 0.0), "KMH": ("speed", 1 / 3.6, 0.0),
    # pressure, base pascal
    "PAL": ("pressure", 1.0, 0.0), "KPA": ("pressure", 1e3, 0.0), "BAR": ("pressure", 1e5, 0.0),
    "MBR": ("pressure", 1e2, 0.0),
    # volume, base cubic metre
    "MTQ": ("volume", 1.0, 0.0), "LTR": ("volume", 1e-3, 0.0), "MLT": ("volume", 1e-6, 0.0),
    # ratios, base one: percent, per mille (NX, salinity in ppt), parts per million
    "C62": ("ratio", 1.0, 0.0), "P1": ("ratio", 1e-2, 0.0), "NX": ("ratio", 1e-3, 0.0),
    "59": ("ratio", 1e-6, 0.0),
    # time, base second
    "SEC": ("time", 1.0, 0.0), "MIN": ("time", 60.0, 0.0), "HUR": ("time", 3600.0, 0.0),
}


def in_units(amount: float, uom: str, *, spread: bool = False) -> dict[str, float]:
    """``amount`` (in ``uom``) in every unit it converts to, ``uom`` itself unchanged. A
    ``spread`` (a standard deviation) is a difference: it scales, the offset does not apply.

    >>> in_units(25.0, "CEL")["KEL"]
    298.15
    >>> round(in_units(9.0, "FAH", spread=True)["CEL"], 9)
    5.0
    >>> in_units(3.0, "XYZ")
    {'XYZ': 3.0}
    """
    if uom not in UNITS:
        return {uom: amount}
    quantity, factor, offset = UNITS[uom]
    shift = 0.0 if spread else 1.0
    base = amount * factor + offset * shift
    return {other: amount if other == uom else (base - to_offset * shift) / to_factor
            for other, (kind, to_factor, to_offset) in UNITS.items() if kind == quantity}
