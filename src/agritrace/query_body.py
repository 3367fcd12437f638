"""Query conditions on what only an event's stored JSON body holds (ILMD fields, the error
declaration, persistent dispositions): one SQL construct, written for each engine.

These are read from the body at query time rather than indexed: on PostgreSQL each candidate
row's body is parsed (``body::jsonb``), on SQLite ``json_extract`` reads it. Combine them with
an indexed parameter (time, bizStep, EPC) on a large store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    String,
    cast,
    column,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, JSONPATH, TIMESTAMP
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from agritrace.store.tables import events


class BodyText(FunctionElement[str]):
    """The text at a JSON path of the event body (None where absent)."""

    type = String()
    inherit_cache = False  # the path and values are not part of a cache key
    name = "body_text"

    def __init__(self, *path: str) -> None:
        self.path = path
        super().__init__()


class BodyMillis(FunctionElement[int]):
    """The date-time at a JSON path of the event body, in milliseconds since 1970 (UTC)."""

    type = BigInteger()
    inherit_cache = False  # the path is not part of a cache key
    name = "body_millis"

    def __init__(self, *path: str) -> None:
        self.path = path
        super().__init__()


class BodyHas(FunctionElement[bool]):
    """True when the JSON array at a path of the event body holds one of some strings."""

    type = Boolean()
    inherit_cache = False  # the path and values are not part of a cache key
    name = "body_has"

    def __init__(self, path: tuple[str, ...], values: list[str]) -> None:
        self.path = path
        self.values = values
        super().__init__()


class ReportHas(FunctionElement[bool]):
    """True when one sensor report (sensorElementList[*].sensorReport[*]) of the event body has
    ``field`` equal to one of some values."""

    type = Boolean()
    inherit_cache = False  # the field and values are not part of a cache key
    name = "report_has"

    def __init__(self, field: str, values: list[str]) -> None:
        self.field = field
        self.values = values
        super().__init__()


def _sqlite_path(path: tuple[str, ...]) -> str:
    return "$" + "".join('."' + part.replace('"', "") + '"' for part in path)


@compiles(BodyText, "sqlite")
def _text_sqlite(element: BodyText, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(func.json_extract(events.c.body, _sqlite_path(element.path)),
                                **kw))


@compiles(BodyText, "postgresql")
def _text_pg(element: BodyText, compiler: Any, **kw: Any) -> str:
    document = cast(events.c.body, JSONB)
    return str(compiler.process(document[element.path].astext, **kw))


def _sqlite_millis(text: Any) -> Any:
    # julianday reads ISO 8601 with a zone offset; a double, so rounded to the millisecond
    # EPCIS times are written with.
    return func.round((func.julianday(text) - 2440587.5) * 86_400_000.0)


def _pg_millis(text: Any) -> Any:
    return func.round(func.extract("epoch", cast(text, TIMESTAMP(timezone=True))) * 1000)


@compiles(BodyMillis, "sqlite")
def _millis_sqlite(element: BodyMillis, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(_sqlite_millis(
        func.json_extract(events.c.body, _sqlite_path(element.path))), **kw))


@compiles(BodyMillis, "postgresql")
def _millis_pg(element: BodyMillis, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(_pg_millis(
        cast(events.c.body, JSONB)[element.path].astext), **kw))


@compiles(BodyHas, "sqlite")
def _has_sqlite(element: BodyHas, compiler: Any, **kw: Any) -> str:
    items = func.json_each(events.c.body, _sqlite_path(element.path)).table_valued("value")
    found = select(literal(1)).select_from(items).where(items.c.value.in_(element.values))
    return str(compiler.process(found.exists(), **kw))


@compiles(BodyHas, "postgresql")
def _has_pg(element: BodyHas, compiler: Any, **kw: Any) -> str:
    document = cast(events.c.body, JSONB)
    wanted = cast(element.values, ARRAY(String()))
    return str(compiler.process(document[element.path].op("?|")(wanted), **kw))


def text_in(path: tuple[str, ...], values: list[str]) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = BodyText(*path).in_(values)
    return condition


def has_any(path: tuple[str, ...], values: list[str]) -> ColumnElement[bool]:
    return BodyHas(path, values)


def time_compared(path: tuple[str, ...], micros: int, lower: bool) -> ColumnElement[bool]:
    """The body's date-time at ``path`` at or after (``lower``) or before ``micros``."""
    millis = -(-micros // 1000)  # the first millisecond at or after the bound
    at = BodyMillis(*path)
    return at >= millis if lower else at < millis


@compiles(ReportHas, "sqlite")
def _report_sqlite(element: ReportHas, compiler: Any, **kw: Any) -> str:
    sensors = func.json_each(events.c.body, "$.sensorElementList").table_valued(
        "value").alias("sensor")
    reports = func.json_each(sensors.c.value, "$.sensorReport").table_valued("value").alias(
        "report")
    found = func.json_extract(reports.c.value, _sqlite_path((element.field,)))
    wanted: list[Any] = element.values
    if element.field == "booleanValue":  # json_extract reads JSON true/false as 1/0
        wanted = [{"true": 1, "false": 0}.get(v, v) for v in element.values]
    match = select(literal(1)).select_from(sensors).join(reports, literal(True)).where(
        found.in_(wanted))
    return str(compiler.process(match.exists(), **kw))


@compiles(ReportHas, "postgresql")
def _report_pg(element: ReportHas, compiler: Any, **kw: Any) -> str:
    sensors = func.jsonb_array_elements(cast(events.c.body, JSONB)["sensorElementList"]
                                        ).table_valued(column("value", JSONB)).alias("sensor")
    reports = func.jsonb_array_elements(sensors.c.value["sensorReport"]).table_valued(
        column("value", JSONB)).alias("report")
    match = select(literal(1)).select_from(sensors).join(reports, literal(True)).where(
        reports.c.value[element.field].astext.in_(element.values))
    return str(compiler.process(match.exists(), **kw))


def report_has(field: str, values: list[str]) -> ColumnElement[bool]:
    return ReportHas(field, values)


class SensorTime(FunctionElement[bool]):
    """True when one sensor element's metadata (sensorElementList[*].sensorMetadata) has a
    date-time ``field`` at or after (``lower``) or before a bound in milliseconds (UTC)."""

    type = Boolean()
    inherit_cache = False  # the field and bound are not part of a cache key
    name = "sensor_time"

    def __init__(self, field: str, millis: int, lower: bool) -> None:
        self.field = field
        self.millis = millis
        self.lower = lower
        super().__init__()


@compiles(SensorTime, "sqlite")
def _sensor_time_sqlite(element: SensorTime, compiler: Any, **kw: Any) -> str:
    sensors = func.json_each(events.c.body, "$.sensorElementList").table_valued(
        "value").alias("sensor")
    at = _sqlite_millis(func.json_extract(sensors.c.value,
                                          _sqlite_path(("sensorMetadata", element.field))))
    test = at >= element.millis if element.lower else at < element.millis
    return str(compiler.process(select(literal(1)).select_from(sensors).where(test).exists(),
                                **kw))


@compiles(SensorTime, "postgresql")
def _sensor_time_pg(element: SensorTime, compiler: Any, **kw: Any) -> str:
    sensors = func.jsonb_array_elements(cast(events.c.body, JSONB)["sensorElementList"]
                                        ).table_valued(column("value", JSONB)).alias("sensor")
    at = _pg_millis(sensors.c.value[("sensorMetadata", element.field)].astext)
    test = at >= element.millis if element.lower else at < element.millis
    return str(compiler.process(select(literal(1)).select_from(sensors).where(test).exists(),
                                **kw))


def sensor_time(field: str, micros: int, lower: bool) -> ColumnElement[bool]:
    """Events with a sensor element whose metadata ``field`` is at/after or before ``micros``."""
    return SensorTime(field, -(-micros // 1000), lower)


class InnerHas(FunctionElement[bool]):
    """True when a field named ``name`` nested inside one of the body's top-level ``section``
    elements (an ILMD extension element) holds one of some strings."""

    type = Boolean()
    inherit_cache = False  # the names and values are not part of a cache key
    name = "inner_has"

    def __init__(self, section: str, field: str, values: list[str]) -> None:
        self.section = section
        self.field = field
        self.values = values
        super().__init__()


@compiles(InnerHas, "sqlite")
def _inner_sqlite(element: InnerHas, compiler: Any, **kw: Any) -> str:
    tree = func.json_tree(events.c.body, _sqlite_path((element.section,))).table_valued(
        "key", "atom", "path").alias("node")
    top = f"$.{element.section}"  # json_tree's path of the top-level elements (their parent)
    match = select(literal(1)).select_from(tree).where(
        tree.c.key == element.field, tree.c.atom.in_(element.values), tree.c.path != top)
    return str(compiler.process(match.exists(), **kw))


@compiles(InnerHas, "postgresql")
def _inner_pg(element: InnerHas, compiler: Any, **kw: Any) -> str:
    # Lax jsonpath: ".*" a top-level element, ".**" anything below it (arrays unwrapped).
    path = f'$."{element.section}".*.**."{element.field}" ? (@ == $v)'
    document = cast(events.c.body, JSONB)
    tests = [func.jsonb_path_exists(document, cast(literal(path), JSONPATH),
                                    func.jsonb_build_object("v", value))
             for value in element.values]
    return str(compiler.process(or_(*tests), **kw))


def inner_has(section: str, field: str, values: list[str]) -> ColumnElement[bool]:
    if any(c in field for c in '"\\'):
        raise ValueError(field)  # not a name a JSON-LD document gives a field
    return InnerHas(section, field, values)
