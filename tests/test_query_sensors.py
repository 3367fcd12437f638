"""The EPCIS 2.0 query parameters on sensor data and extension fields (issue 12): every
parameter against the official examples that carry sensorElementList and against events made
here with boundary values, the SQL filter against a plain-Python one over the same events, the
400 each wrong value gets, the back-fill of migration 0030, and the farm's pond readings."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, insert, select, text

from agritrace.farm.journal import query_events
from agritrace.farm.places import add_place
from agritrace.farm.record import record_entry
from agritrace.farm.registry import org_actor
from agritrace.farm.seasons import open_season
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from agritrace.store.orgs import create_organization
from agritrace.store.sensors import UNITS
from agritrace.store.tables import events, organizations, sensor_reports
from tests.conformance import GS1, PRESENT, needs_files
from tests.conftest import ENGINES
from tests.helpers import Api, make_api, without_record_time

# --- a plain-Python reading of the standard's parameters, report by report -------------------

TEXTS = {"EQ_type": "type", "EQ_microorganism": "microorganism",
         "EQ_chemicalSubstance": "chemicalSubstance", "EQ_stringValue": "stringValue",
         "EQ_uriValue": "uriValue", "EQ_uom": "uom"}
SHARED = {"EQ_deviceID": "deviceID", "EQ_dataProcessingMethod": "dataProcessingMethod",
          "EQ_bizRules": "bizRules"}
NUMBERS = ("value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue")
TIMES = {"GE_time": "time", "LT_time": "time", "GE_startTime": "startTime",
         "LT_startTime": "startTime", "GE_endTime": "endTime", "LT_endTime": "endTime"}
OPS = {"GT": lambda a, b: a > b, "GE": lambda a, b: a >= b, "LT": lambda a, b: a < b,
       "LE": lambda a, b: a <= b}


def _convert(amount: float, given: str, into: str, spread: bool) -> float | None:
    """``amount`` in unit ``given`` expressed in unit ``into``; None if they do not convert."""
    if given == into:
        return amount
    if given not in UNITS or into not in UNITS or UNITS[given][0] != UNITS[into][0]:
        return None
    _, factor, offset = UNITS[given]
    _, to_factor, to_offset = UNITS[into]
    keep = 0.0 if spread else 1.0
    return (amount * factor + offset * keep - to_offset * keep) / to_factor


def _micros(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    moment = datetime.fromisoformat(text) - datetime.fromisoformat("1970-01-01T00:00:00+00:00")
    return (moment.days * 86_400 + moment.seconds) * 1_000_000 + moment.microseconds


def _number_holds(name: str, raw: str, report: dict[str, Any]) -> bool:
    op, field, *unit = name.split("_")
    stored = report.get(field)
    if isinstance(stored, bool) or not isinstance(stored, int | float):
        return False
    for written in raw.split("|"):
        amount = float(written)
        bound: float | None = amount
        if unit and field != "percRank":
            bound = _convert(amount, unit[0], report.get("uom") or "", field == "sDev")
        if bound is None:
            continue
        exact = not unit or unit[0] == report.get("uom") or field == "percRank"
        near = 0.0 if exact or math.isinf(bound) else 1e-9 * max(1.0, abs(bound))
        if op == "EQ" and bound - near <= stored <= bound + near:
            return True
        if op != "EQ" and OPS[op](stored, bound - near if op in ("GE", "LT") else bound + near):
            return True
    return False


def _holds(name: str, raw: str, element: dict[str, Any], report: dict[str, Any]) -> bool:
    metadata = element.get("sensorMetadata") or {}
    values = raw.split("|")
    if name == "EQ_type":
        forms = {f"{p}{v}" for v in values for p in ("", "gs1:", "https://gs1.org/voc/")}
        return report.get("type") in forms
    if name in TEXTS:
        return report.get(TEXTS[name]) in values
    if name in SHARED:
        return report.get(SHARED[name], metadata.get(SHARED[name])) in values
    if name == "EQ_hexBinaryValue":
        return str(report.get("hexBinaryValue", "")).upper() in {v.upper() for v in values}
    if name == "EQ_booleanValue":
        return report.get("booleanValue") is (raw == "true")
    if name in TIMES:
        where = report if TIMES[name] == "time" and "time" in report else metadata
        at = _micros(where.get(TIMES[name]))
        bound = _micros(raw)
        return at is not None and bound is not None and (
            at >= bound if name.startswith("GE_") else at < bound)
    if name.startswith("EQ_SENSORREPORT_"):
        found = report.get(name[len("EQ_SENSORREPORT_"):])
        return any(found == v or (isinstance(found, int | float) and not isinstance(found, bool)
                                  and _is_number(v) and found == float(v)) for v in values)
    if name.startswith("EQ_SENSORMETADATA_"):
        return metadata.get(name[len("EQ_SENSORMETADATA_"):]) in values
    if name == "EXISTS_sensorElementList":
        return True
    return _number_holds(name, raw, report)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def matches(event: dict[str, Any], params: dict[str, str]) -> bool:
    """Whether some one sensor report of ``event`` meets every parameter."""
    for element in event.get("sensorElementList") or ():
        for report in element.get("sensorReport") or [{}]:
            if all(_holds(name, raw, element, report) for name, raw in params.items()):
                return True
    return False


# --- helpers -----------------------------------------------------------------------------------


def _document(*found: dict[str, Any]) -> bytes:
    return orjson.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"example": "https://example.org/ns/"}],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-05-01T00:00:00Z",
        "epcisBody": {"eventList": list(found)}})


def _event(n: int, elements: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    event = {"type": "ObjectEvent", "eventTime": f"2026-05-01T08:{n % 60:02d}:00+07:00",
             "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
             "epcList": [f"urn:epc:id:sgtin:8931234.012345.S{n}"],
             "readPoint": {"id": "urn:epc:id:sgln:8931234.00001.0"}, **fields}
    if elements is not None:
        event["sensorElementList"] = elements
    return event


def _all(api: Api, query: str = "") -> list[dict[str, Any]]:
    answer = api.get(f"/events?perPage=1000{query}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"]
    return found


def _key(event: dict[str, Any]) -> bytes:
    return orjson.dumps(without_record_time(event), option=orjson.OPT_SORT_KEYS)


def _agrees(api: Api, stored: list[dict[str, Any]], params: dict[str, str]) -> list[bytes]:
    """The SQL answer to ``params`` equals the Python filter over ``stored``; its keys."""
    query = "".join(f"&{name}={value.replace('+', '%2B')}" for name, value in params.items())
    sql = sorted(_key(e) for e in _all(api, query))
    plain = sorted(_key(e) for e in stored if matches(e, params))
    assert sql == plain, (params, len(sql), len(plain))
    return sql


def _serials(api: Api, query: str) -> list[int]:
    return sorted(int(e["epcList"][0].rsplit(".S", 1)[1]) for e in _all(api, "&" + query))


# --- the official examples ---------------------------------------------------------------------


def _sensor_examples() -> list[Path]:
    if not PRESENT:
        return []
    return sorted(p for p in [*(GS1 / "JSON").rglob("*.jsonld"), *(GS1 / "XML").rglob("*.xml")]
                  if b"sensorElementList" in p.read_bytes() and "Query" not in p.name)


def _queries_from(stored: list[dict[str, Any]]) -> list[dict[str, str]]:
    """For every field of every report the examples hold, the parameters that ask for it:
    each one alone, and each number in its unit and in a unit it converts to."""
    queries: list[dict[str, str]] = [{"EXISTS_sensorElementList": ""}] if stored else []
    for event in stored:
        for element in event.get("sensorElementList") or ():
            metadata = element.get("sensorMetadata") or {}
            for name, field in TIMES.items():
                if isinstance(metadata.get(field), str):
                    queries.append({name: metadata[field]})
            for field, value in metadata.items():
                if ":" in field and isinstance(value, str):
                    queries.append({f"EQ_SENSORMETADATA_{field}": value})
            for report in element.get("sensorReport") or ():
                queries += _report_queries(report)
    # One query per set of parameter names: the first value met (a test stays fast).
    unique = {tuple(sorted(q)): q for q in reversed(queries)}
    return list(unique.values())


def _report_queries(report: dict[str, Any]) -> list[dict[str, str]]:
    queries: list[dict[str, str]] = []
    for name, field in (TEXTS | SHARED | {"EQ_hexBinaryValue": "hexBinaryValue"}).items():
        if isinstance(report.get(field), str):
            queries.append({name: report[field]})
    if isinstance(report.get("booleanValue"), bool):
        queries.append({"EQ_booleanValue": str(report["booleanValue"]).lower()})
    for field, value in report.items():
        if ":" in field and isinstance(value, str | int | float):
            queries.append({f"EQ_SENSORREPORT_{field}": str(value).lower()
                            if isinstance(value, bool) else str(value)})
    uom = report.get("uom")
    for field in NUMBERS:
        value = report.get(field)
        if not isinstance(value, int | float):
            continue
        suffix = f"_{uom}" if uom and field != "percRank" else ""
        for op in ("EQ", "GT", "GE", "LT", "LE"):
            queries.append({f"{op}_{field}{suffix}": repr(float(value))})
            queries.append({f"{op}_{field}": repr(float(value)), "EQ_type": report["type"]})
        if uom in UNITS and field != "percRank":
            other = next(u for u, spec in UNITS.items() if spec[0] == UNITS[uom][0] and u != uom)
            bound = _convert(float(value), uom, other, field == "sDev")
            assert bound is not None
            queries.append({f"GE_{field}_{other}": repr(bound), "EQ_type": report["type"]})
            queries.append({f"EQ_{field}_{other}": repr(bound)})
    return queries


@pytest.mark.slow
@needs_files
def test_every_sensor_parameter_on_the_official_examples(engine: Engine) -> None:
    """Each example document in an organization of its own: one document binds each prefix
    once, and extension parameters name a field with the prefix its document gave it."""
    paths = _sensor_examples()
    assert len(paths) >= 20, paths
    asked: set[str] = set()
    seen: set[tuple[str, ...]] = set()  # the sets of names asked: each once, over all files
    for number, path in enumerate(paths):
        api = make_api(engine, f"Example holder {number}")
        kind = "application/xml" if path.suffix == ".xml" else "application/ld+json"
        answer = api.capture(path.read_bytes(), kind)
        assert answer.status_code == 202, (path.name, answer.text)
        stored = _all(api)
        for params in _queries_from(stored):
            if tuple(sorted(params)) in seen:
                continue
            seen.add(tuple(sorted(params)))
            found = _agrees(api, stored, params)
            if not any(name.startswith(("GT_", "LT_")) for name in params):
                assert found, (path.name, params)  # each asks for a value an example holds
            asked |= {"_".join(name.split("_")[:2]) for name in params}
    # The parameters the examples exercise (a unit suffix aside).
    assert {"EQ_type", "EQ_deviceID", "EQ_dataProcessingMethod", "EQ_microorganism",
            "EQ_chemicalSubstance", "EQ_bizRules", "EQ_stringValue", "EQ_booleanValue",
            "EQ_hexBinaryValue", "EQ_uriValue", "EQ_uom", "GE_time", "LT_startTime",
            "GE_endTime", "GT_value", "LE_minValue", "EQ_maxValue", "GE_meanValue", "LT_sDev",
            "GE_percRank", "LT_percValue", "EQ_SENSORREPORT", "EQ_SENSORMETADATA",
            "EXISTS_sensorElementList"} <= asked, asked


@needs_files
def test_the_standard_example_one_by_value_unit_and_time(engine: Engine) -> None:
    api = make_api(engine)
    example = GS1 / "JSON" / "WithSensorData" / "SensorDataExample1.jsonld"
    assert api.capture(example.read_bytes()).status_code == 202
    # One event; its three elements read 26.0, 26.1 and 26.2 CEL at 14:05, 14:35 and
    # 14:55+01:00, and 160, 161 and 162 KMH.
    assert len(_all(api, "&GE_value_CEL=26&EQ_type=Temperature")) == 1
    assert _all(api, "&GT_value_CEL=26.2&EQ_type=Temperature") == []
    assert len(_all(api, "&GE_value_FAH=79.16&EQ_type=Temperature")) == 1  # 26.2 °C
    assert _all(api, "&GT_value_FAH=79.16&EQ_type=Temperature") == []
    assert _all(api, "&LT_value_KEL=299.15&EQ_type=Temperature") == []  # 26 °C = 299.15 K
    assert len(_all(api, "&LE_value_KEL=299.15&EQ_type=Temperature")) == 1
    assert len(_all(api, "&LT_value_MTS=44.5&EQ_type=Speed")) == 1  # 160 km/h = 44.4 m/s
    assert _all(api, "&GT_value_MTS=45&EQ_type=Speed") == []  # 162 km/h = 45 m/s
    assert _all(api, "&GE_value_CEL=26&EQ_type=Speed") == []  # not the same report
    assert _all(api, "&GE_value_XYZ=0") == []  # nothing is written in an unknown unit
    assert len(_all(api, "&GE_time=2019-04-02T13:55:00Z&LT_time=2019-04-02T13:55:00.001Z")) == 1
    assert _all(api, "&GE_time=2019-04-02T13:55:00.001Z") == []


# --- events made here, with boundary values ----------------------------------------------------


def _report(**fields: Any) -> dict[str, Any]:
    return {"type": "Temperature", **fields}


def _element(*reports: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"sensorReport": list(reports)}
    if metadata:
        element["sensorMetadata"] = metadata
    return element


@pytest.fixture
def bounded(engine: Engine) -> Api:
    """Events 1-6 with one number each at a boundary, and 7 without sensor data."""
    api = make_api(engine)
    made = [
        _event(1, [_element(_report(value=4.0, uom="CEL"))]),
        _event(2, [_element(_report(value=3.9999, uom="CEL", minValue=1, maxValue=5,
                                    meanValue=3, sDev=0.5, percRank=50, percValue=3.5))]),
        _event(3, [_element(_report(value=39.2, uom="FAH"))]),  # 4 °C
        _event(4, [_element(_report(type="MassConcentration", value=4, uom="M1",
                                    chemicalSubstance="inchikey:O2", hexBinaryValue="0aff",
                                    **{"example:cv": "abc", "example:n": 7,
                                       "example:probeInfo": {"example:serial": "S-9"}}),
                            time="2026-05-01T00:00:00Z", deviceID="urn:epc:id:giai:893.1",
                            **{"example:probe": "p1"})]),
        _event(5, [_element(_report(type="example:Alarm", booleanValue=False,
                                    uriValue="https://example.org/alarm/1", stringValue="OK"),
                            startTime="2026-05-01T00:00:00+07:00",
                            endTime="2026-05-01T01:00:00+07:00")]),
        _event(6, [_element(_report(value=-40, uom="CEL", deviceID="urn:epc:id:giai:893.2",
                                    time="2026-05-01T00:00:00.001Z"),
                            deviceID="urn:epc:id:giai:893.1", time="2026-05-01T00:00:00Z")]),
        _event(7),
    ]
    answer = api.capture(_document(*made))
    assert answer.status_code == 202, answer.text
    return api


def test_value_boundaries_in_one_unit(bounded: Api) -> None:
    assert _serials(bounded, "GE_value_CEL=4") == [1, 3]
    assert _serials(bounded, "GT_value_CEL=4") == []
    assert _serials(bounded, "LT_value_CEL=4") == [2, 6]
    assert _serials(bounded, "LE_value_CEL=4") == [1, 2, 3, 6]
    assert _serials(bounded, "EQ_value_CEL=4|-40") == [1, 3, 6]
    assert _serials(bounded, "EQ_value_CEL=4.0000001") == []
    assert _serials(bounded, "LE_value_CEL=-40") == [6]


def test_value_in_another_unit_is_converted(bounded: Api) -> None:
    assert _serials(bounded, "EQ_value_FAH=-40") == [6]  # -40 °F is -40 °C
    assert _serials(bounded, "GE_value_KEL=277.15") == [1, 3]
    assert _serials(bounded, "LT_value_FAH=39.2") == [2, 6]
    assert _serials(bounded, "GE_value_M1=4") == [4]  # not the temperatures
    assert _serials(bounded, "GE_value_GL=0.004") == [4]  # 4 mg/l = 0.004 g/l
    assert _serials(bounded, "GT_value_A93=4") == []  # 4 mg/l = 4 g/m³
    # Bounds that overflow once converted (1.7e308 K is past a double in °F) answer, not fail.
    assert _serials(bounded, "EQ_value_KEL=1.7e308") == []
    assert _serials(bounded, "LT_value_KEL=1.7e308") == [1, 2, 3, 6]
    assert _serials(bounded, "GE_value_FAH=-1.7e308") == [1, 2, 3, 6]


def test_value_without_a_unit_and_eq_uom(bounded: Api) -> None:
    assert _serials(bounded, "GE_value=39") == [3]  # as written: 39.2 (°F)
    assert _serials(bounded, "GE_value=4&EQ_uom=CEL") == [1]
    assert _serials(bounded, "EQ_uom=FAH|M1") == [3, 4]


def test_statistics_and_rank(bounded: Api) -> None:
    assert _serials(bounded, "LE_minValue_CEL=1&GE_maxValue_CEL=5") == [2]
    assert _serials(bounded, "GT_minValue_CEL=1") == []
    assert _serials(bounded, "EQ_meanValue_CEL=3&GE_percValue_CEL=3.5") == [2]
    assert _serials(bounded, "GE_sDev_FAH=0.9&LE_sDev_FAH=0.9") == [2]  # 0.5 K = 0.9 °F spread
    assert _serials(bounded, "GE_percRank=50&LE_percRank=50") == [2]
    assert _serials(bounded, "GT_percRank=50") == []


def test_text_fields_booleans_and_hex(bounded: Api) -> None:
    assert _serials(bounded, "EQ_chemicalSubstance=inchikey:O2") == [4]
    assert _serials(bounded, "EQ_hexBinaryValue=0AFF") == [4]
    assert _serials(bounded, "EQ_booleanValue=false") == [5]
    assert _serials(bounded, "EQ_booleanValue=true") == []
    assert _serials(bounded, "EQ_stringValue=OK&EQ_uriValue=https://example.org/alarm/1") == [5]
    assert _serials(bounded, "EQ_stringValue=ok") == []
    assert _serials(bounded, "EXISTS_sensorElementList=") == [1, 2, 3, 4, 5, 6]


def test_a_reports_own_device_and_time_stand_for_it(bounded: Api) -> None:
    assert _serials(bounded, "EQ_deviceID=urn:epc:id:giai:893.1") == [4]
    assert _serials(bounded, "EQ_deviceID=urn:epc:id:giai:893.2") == [6]
    assert _serials(bounded, "GE_time=2026-05-01T00:00:00.001Z") == [6]
    assert _serials(bounded, "LT_time=2026-05-01T07:00:00.001%2B07:00") == [4]  # 6's own time
    assert _serials(bounded, "LT_time=2026-05-01T00:00:00Z") == []
    assert _serials(bounded, "GE_startTime=2026-04-30T17:00:00Z") == [5]
    assert _serials(bounded, "LT_endTime=2026-04-30T18:00:00Z") == []
    assert _serials(bounded, "LT_endTime=2026-04-30T18:00:00.001Z") == [5]


def test_sensor_extension_attributes(bounded: Api) -> None:
    assert _serials(bounded, "EQ_SENSORREPORT_example:cv=abc|x") == [4]
    assert _serials(bounded, "EQ_SENSORREPORT_example:n=7") == [4]
    assert _serials(bounded, "GT_SENSORREPORT_example:n=6.5&LE_SENSORREPORT_example:n=7") == [4]
    assert _serials(bounded, "GT_SENSORREPORT_example:n=7") == []
    assert _serials(bounded, "EQ_SENSORMETADATA_example:probe=p1") == [4]
    assert _serials(bounded, "EXISTS_SENSORMETADATA_example:probe=") == [4]
    assert _serials(bounded, "EXISTS_SENSORREPORT_example:probe=") == []
    assert _serials(bounded, "EQ_INNER_SENSORREPORT_example:serial=S-9|S-1") == [4]
    assert _serials(bounded, "EQ_SENSORREPORT_example:serial=S-9") == []  # nested: inner
    assert _serials(bounded, "EQ_INNER_SENSORREPORT_example:serial=S-1") == []


def test_all_sensor_parameters_hold_on_one_report(engine: Engine) -> None:
    api = make_api(engine)
    two = _element(_report(value=30, uom="CEL"), _report(type="RelativeHumidity", value=4,
                                                          uom="P1"))
    assert api.capture(_document(_event(1, [two]))).status_code == 202
    assert _serials(api, "EQ_type=Temperature&GE_value_CEL=25") == [1]
    assert _serials(api, "EQ_type=Temperature&LT_value=5") == []  # 4 is the humidity's
    assert _serials(api, "EQ_type=RelativeHumidity&LT_value_P1=5") == [1]


def test_extension_fields_of_the_event_and_its_ilmd(engine: Engine) -> None:
    api = make_api(engine)
    made = [_event(1, **{"example:grade": "A", "example:weight": 12.5,
                         "example:organic": True, "example:packed": "2026-05-01"}),
            _event(2, action="ADD", **{"example:grade": "B", "example:weight": 13},
                   ilmd={"example:bestBefore": "2026-10-01", "example:lotSize": 200,
                         "example:origin": {"example:farm": "F1"}}),
            _event(3, quantityList=[{"epcClass": "urn:epc:class:lgtin:8931234.012345.L1",
                                     "quantity": 1500, "uom": "GRM"}]),
            _event(4, errorDeclaration={"declarationTime": "2026-05-02T00:00:00Z",
                                        "example:issuer": "Employee 7"})]
    answer = api.capture(_document(*made))
    assert answer.status_code == 202, answer.text
    assert _serials(api, "EQ_example:grade=A|C") == [1]
    assert _serials(api, "EQ_example:weight=13") == [2]
    assert _serials(api, "GT_example:weight=12.5") == [2]
    assert _serials(api, "GE_example:weight=12.5&LT_example:weight=13") == [1]
    assert _serials(api, "EQ_example:organic=true") == [1]
    assert _serials(api, "GE_example:packed=2026-05-01") == [1]
    assert _serials(api, "EXISTS_example:grade=") == [1, 2]
    assert _serials(api, "EQ_ILMD_example:lotSize=200") == [2]
    assert _serials(api, "GE_ILMD_example:bestBefore=2026-09-30") == [2]
    assert _serials(api, "LT_ILMD_example:lotSize=200") == []
    assert _serials(api, "EXISTS_ILMD_example:bestBefore=") == [2]
    assert _serials(api, "GE_quantity_KGM=1.5&LE_quantity_KGM=1.5") == [3]
    assert _serials(api, "EQ_quantity=1500") == [3]
    assert _serials(api, "GT_quantity_GRM=1500") == []
    assert _serials(api, "EQ_ERROR_DECLARATION_example:issuer=Employee 7") == [4]
    assert _serials(api, "EQ_INNER_ILMD_example:lotSize=200") == []  # top level: not inner
    assert _serials(api, "EQ_INNER_ILMD_example:farm=F1|F2") == [2]
    # Its OR stays whole beside another condition (PostgreSQL wrote it bare before).
    assert _serials(api, "EQ_INNER_ILMD_example:farm=F1|F2&EQ_example:grade=A") == []


WRONG = {
    "GE_value_CEL": "warm", "LT_value": "nan", "EQ_value_M1": "4|x", "GT_minValue_CEL": "1|2",
    "LE_percRank": "inf", "GE_sDev_FAH": "", "EQ_booleanValue": "yes", "GE_time": "yesterday",
    "LT_time": "2026-05-01T00:00:00", "GE_startTime": "1 May", "EQ_type": "",
    "GT_SENSORREPORT_example:n": "big", "GT_example:weight": "heavy",
    "LT_ILMD_example:lotSize": "1|2", "GE_quantity_KGM": "much", "EQ_quantity": "x",
    "GE_value_cel": "4", "GE_colour": "4", "EQ_INNER_SENSORREPORT_example:n": "",
}


@pytest.mark.parametrize("name", WRONG)
def test_a_wrong_value_is_a_400_naming_the_parameter_in_vietnamese_and_english(
        engine: Engine, name: str) -> None:
    api = make_api(engine)
    answer = api.get(f"/events?{name}={WRONG[name]}")
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith("QueryParameterException")
    assert body["detail"].startswith("Tham số truy vấn không hợp lệ / ")
    [problem] = body["errors"]
    assert problem["path"] == name
    assert problem["found"] == repr(WRONG[name])
    assert " / " in problem["expected"], problem  # Vietnamese / English


# --- the SQL filter agrees with the plain-Python one ------------------------------------------

POOL_VALUES = (-40.0, 0.0, 3.9999, 4.0, 4.0001, 26.0, 78.8, 299.15)
POOL_UNITS = ("CEL", "FAH", "KEL", "M1", "GL", "XYZ", None)
POOL_TYPES = ("Temperature", "gs1:Temperature", "MassConcentration", "example:Abc")
POOL_TIMES = ("2026-05-01T00:00:00Z", "2026-05-01T07:00:00.001+07:00", "2026-05-02T00:00:00Z")


def _made_events(seed: int, count: int) -> list[dict[str, Any]]:
    """Events whose reports draw on small pools, so that queries meet boundaries."""
    pick = random.Random(seed)
    made = []
    for n in range(count):
        elements = []
        for _ in range(pick.randint(1, 2)):
            reports = []
            for _ in range(pick.randint(1, 3)):
                report: dict[str, Any] = {"type": pick.choice(POOL_TYPES)}
                for field in ("value", "minValue", "sDev", "percRank"):
                    if pick.random() < 0.6:
                        report[field] = pick.choice(POOL_VALUES)
                if "minValue" in report:
                    report["maxValue"] = report["minValue"] + 1
                unit = pick.choice(POOL_UNITS)
                if unit:
                    report["uom"] = unit
                if pick.random() < 0.3:
                    report["booleanValue"] = pick.random() < 0.5
                if pick.random() < 0.3:
                    report["time"] = pick.choice(POOL_TIMES)
                if pick.random() < 0.3:
                    report["example:cv"] = pick.choice(("a", 4, 4.5))
                reports.append(report)
            element: dict[str, Any] = {"sensorReport": reports}
            if pick.random() < 0.7:
                element["sensorMetadata"] = {"time": pick.choice(POOL_TIMES)}
            elements.append(element)
        made.append(_event(n, elements))
    return made


def _parameter() -> st.SearchStrategy[tuple[str, str]]:
    number = st.sampled_from(POOL_VALUES).map(repr)
    unit = st.sampled_from(("", "_CEL", "_FAH", "_KEL", "_M1", "_GL", "_XYZ"))
    compared = st.tuples(st.sampled_from(("EQ", "GT", "GE", "LT", "LE")),
                         st.sampled_from(("value", "minValue", "sDev", "percRank")), unit)
    return st.one_of(
        st.tuples(compared.map(lambda c: f"{c[0]}_{c[1]}{c[2]}"), number),
        st.tuples(st.just("EQ_value_CEL"), st.lists(number, min_size=2, max_size=3)
                  .map("|".join)),
        st.tuples(st.just("EQ_type"), st.sampled_from(("Temperature", "MassConcentration",
                                                        "example:Abc"))),
        st.tuples(st.just("EQ_uom"), st.sampled_from(("CEL", "FAH|M1", "XYZ"))),
        st.tuples(st.just("EQ_booleanValue"), st.sampled_from(("true", "false"))),
        st.tuples(st.sampled_from(("GE_time", "LT_time")), st.sampled_from(POOL_TIMES)),
        st.tuples(st.just("EQ_SENSORREPORT_example:cv"), st.sampled_from(("a", "4", "4.5|a"))),
    )


def test_the_sql_filter_agrees_with_a_plain_python_filter(engine: Engine) -> None:
    api = make_api(engine)
    answer = api.capture(_document(*_made_events(12, 60)))
    assert answer.status_code == 202, answer.text
    stored = _all(api)
    assert len(stored) == 60

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(range(3)), _parameter(), min_size=1, max_size=3))
    def agree(drawn: dict[int, tuple[str, str]]) -> None:
        _agrees(api, stored, dict(drawn.values()))

    agree()


# --- migration 0030 back-fills the events stored before it -------------------------------------


@pytest.fixture(params=ENGINES)
def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on each engine, not migrated yet."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        server: str = request.getfixturevalue("pg_server_url")
        name = f"unmigrated_{uuid.uuid4().hex[:12]}"
        admin = make_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_migration_0030_back_fills_sensor_rows(unmigrated: Engine) -> None:
    engine = unmigrated
    upgrade(engine, "0026")
    event = _event(1, [_element(_report(value=4.5, uom="CEL"), _report(value=1, uom="M1"),
                                time="2026-05-01T00:00:00Z")])
    with engine.begin() as conn:
        org = conn.execute(insert(organizations).values(
            name="Old coop", created_us=0)).inserted_primary_key[0]
        conn.execute(insert(events).values(
            hash_id="ni:///x", dedupe_key=f"{org}/ni:///x", event_type="ObjectEvent",
            event_time_us=0, event_tz="+07:00", record_time_us=0, org_id=org,
            body=orjson.dumps(event).decode()))
        conn.execute(insert(events).values(
            hash_id="ni:///y", dedupe_key=f"{org}/ni:///y", event_type="ObjectEvent",
            event_time_us=0, event_tz="+07:00", record_time_us=0, org_id=org,
            body=orjson.dumps(_event(2)).decode()))
    upgrade(engine, "0030")
    with engine.connect() as conn:
        rows = conn.execute(select(sensor_reports.c.value, sensor_reports.c.uom,
                                   sensor_reports.c.time_us)).all()
        assert sorted(rows) == [(1.0, "M1", 1777593600000000), (4.5, "CEL", 1777593600000000)]
        assert conn.execute(select(func.count()).select_from(sensor_reports)).scalar_one() == 2


# --- the farm's pond readings (issue 17) -------------------------------------------------------

OXYGEN = "https://identifiers.org/inchikey:MYMOFIZGZYHOMD-UHFFFAOYSA-N"


def test_ponds_with_dissolved_oxygen_below_4_mg_per_litre(engine: Engine) -> None:
    org = create_organization(engine, "HTX Tôm Năm Căn")
    manager = org_actor(org, "Lê Văn Ao")
    ponds = []
    for name, code in (("Ao A1", "VN-CM-NC-0001"), ("Ao A2", "VN-CM-NC-0002")):
        pond = add_place(engine, manager, {"name": name, "kind": "pond", "area_ha": 0.4,
                                           "crop": "shrimp_whiteleg", "area_code": code}).place
        open_season(engine, manager, {"plot": pond.uri, "start": date(2026, 6, 1)})
        ponds.append(pond)
    low, good = ponds
    record_entry(engine, manager, "water_quality", {
        "plot_id": low.uri, "on": "2026-08-03", "dissolved_oxygen_mg_l": "3.2",
        "ammonia_mg_l": "0.4"}, "r1")
    record_entry(engine, manager, "water_quality", {
        "plot_id": good.uri, "on": "2026-08-03", "dissolved_oxygen_mg_l": "5.5",
        "ammonia_mg_l": "0.3", "temperature_c": "29"}, "r2")
    record_entry(engine, manager, "water_quality", {
        "plot_id": low.uri, "on": "2026-08-04", "dissolved_oxygen_mg_l": "4.0"}, "r3")
    below = query_events(engine, org, {"EQ_chemicalSubstance": OXYGEN, "LT_value_M1": "4"})
    assert [(e["bizLocation"]["id"], e["eventTime"][:10]) for e in below] == [
        (low.uri, "2026-08-03")]
    # Both ponds' ammonia is under 4 mg/l: the oxygen condition is on the same report.
    assert len(query_events(engine, org, {"LT_value_M1": "4"})) == 2
    assert len(query_events(engine, org, {"EQ_chemicalSubstance": OXYGEN,
                                          "GE_value": "4", "EQ_uom": "M1"})) == 2
    assert len(query_events(engine, org, {"GE_value_FAH": "84", "EQ_type": "Temperature"})) == 1


# --- named queries take the same parameters ----------------------------------------------------


def test_a_named_query_on_sensor_values(bounded: Api) -> None:
    saved = bounded.client.post("/queries", headers=bounded.auth, json={
        "name": "warm", "query": {"GE_value_KEL": 277.15, "EQ_type": ["Temperature"]}})
    assert saved.status_code == 201, saved.text
    answer = bounded.get("/queries/warm/events")
    assert answer.status_code == 200, answer.text
    found = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert sorted(int(e["epcList"][0].rsplit(".S", 1)[1]) for e in found) == [1, 3]
    refused = bounded.client.post("/queries", headers=bounded.auth, json={
        "name": "bad", "query": {"GE_value_CEL": "warm"}})
    assert refused.status_code == 400, refused.text
    [problem] = refused.json()["errors"]
    assert problem["path"] == "query.GE_value_CEL" and " / " in problem["expected"]
