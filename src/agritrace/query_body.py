"""Query conditions on what only an event's stored JSON body holds (ILMD and extension fields,
the error declaration, persistent dispositions): one SQL construct, written for each engine.

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
    Float,
    String,
    case,
    cast,
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


class InnerHas(FunctionElement[bool]):
    """True when a field named ``name`` nested inside one of the top-level ``section``
    elements of a JSON text ``source`` (an ILMD extension element of the event body, a sensor
    report's extension element in a ``sensor_reports`` row) holds one of some strings."""

    type = Boolean()
    inherit_cache = False  # the names and values are not part of a cache key
    name = "inner_has"

    def __init__(self, source: Any, section: str, field: str, values: list[str]) -> None:
        self.source = source
        self.section = section
        self.field = field
        self.values = values
        super().__init__()


@compiles(InnerHas, "sqlite")
def _inner_sqlite(element: InnerHas, compiler: Any, **kw: Any) -> str:
    tree = func.json_tree(element.source, _sqlite_path((element.section,))).table_valued(
        "key", "atom", "path").alias("node")
    top = f"$.{element.section}"  # json_tree's path of the top-level elements (their parent)
    match = select(literal(1)).select_from(tree).where(
        tree.c.key == element.field, tree.c.atom.in_(element.values), tree.c.path != top)
    return str(compiler.process(match.exists(), **kw))


@compiles(InnerHas, "postgresql")
def _inner_pg(element: InnerHas, compiler: Any, **kw: Any) -> str:
    # Lax jsonpath: ".*" a top-level element, ".**" anything below it (arrays unwrapped).
    path = f'$."{element.section}".*.**."{element.field}" ? (@ == $v)'
    document = cast(element.source, JSONB)
    tests = [func.jsonb_path_exists(document, cast(literal(path), JSONPATH),
                                    func.jsonb_build_object("v", value))
             for value in element.values]
    # Parenthesised: an OR, which the caller may AND with other conditions.
    return "(" + str(compiler.process(or_(*tests), **kw)) + ")"


def inner_has(section: str, field: str, values: list[str],
              source: Any = events.c.body) -> ColumnElement[bool]:
    if any(c in field for c in '"\\'):
        raise ValueError(field)  # not a name a JSON-LD document gives a field
    return InnerHas(source, section, field, values)


Operand = str | float | bool


class JsonTest(FunctionElement[bool]):
    """A test on the JSON value at ``path`` of a JSON text ``source`` (the event body, or a
    sensor report row's extensions): ``op`` EQ (equal to one of ``values``), GT, GE, LT, LE
    (compared with one value) or EXISTS. A value tests only JSON values of its own kind: a
    float numbers, a bool true/false, a string strings (dates in ISO 8601 text order).
    Written so that no stored value can make the statement fail (PostgreSQL casts a string to
    a number only inside CASE on jsonb_typeof)."""

    type = Boolean()
    inherit_cache = False  # the path, operator and values are not part of a cache key
    name = "json_test"

    def __init__(self, source: Any, path: tuple[str, ...], op: str,
                 values: list[Operand]) -> None:
        self.source = source
        self.path = path
        self.operator = op
        self.values = values
        super().__init__()


_COMPARE = {"GT": "__gt__", "GE": "__ge__", "LT": "__lt__", "LE": "__le__"}


def _tests(element: JsonTest, kind: Any, read: Any, number: Any, kinds: dict[type, Any]) -> Any:
    """The element's test from the dialect's pieces: ``kind`` the JSON type, ``read`` the
    text of a string, ``number`` the number (None unless one), ``kinds`` per Python type the
    condition on ``kind``."""
    if element.operator == "EXISTS":
        return kind.isnot(None)
    tests = []
    for value in element.values:
        if isinstance(value, bool):
            tests.append(kind == kinds[bool][value])
            continue
        target = number if isinstance(value, float) else read
        compare = (target == value if element.operator == "EQ"
                   else getattr(target, _COMPARE[element.operator])(value))
        tests.append(kinds[type(value)] & compare)
    return or_(*tests)


@compiles(JsonTest, "sqlite")
def _json_test_sqlite(element: JsonTest, compiler: Any, **kw: Any) -> str:
    path = _sqlite_path(element.path)
    kind: Any = func.json_type(element.source, path)
    read = func.json_extract(element.source, path)
    kinds = {str: kind == "text", float: kind.in_(("integer", "real")),
             bool: {True: "true", False: "false"}}
    # Parenthesised: the test is an OR of ANDs, and the caller may AND it with others.
    return "(" + str(compiler.process(_tests(element, kind, read, read, kinds), **kw)) + ")"


@compiles(JsonTest, "postgresql")
def _json_test_pg(element: JsonTest, compiler: Any, **kw: Any) -> str:
    node = cast(element.source, JSONB)[element.path]
    kind: Any = func.jsonb_typeof(node)
    read = cast(element.source, JSONB)[element.path].astext
    number = case((kind == "number", cast(read, Float())))
    kinds = {str: kind == "string", float: kind == "number",
             bool: {True: "true", False: "false"}}
    if element.operator != "EXISTS" and any(isinstance(v, bool) for v in element.values):
        kind = case((kind == "boolean", read), else_=kind)  # "true"/"false" as SQLite says
    return "(" + str(compiler.process(_tests(element, kind, read, number, kinds), **kw)) + ")"


def json_test(source: Any, path: tuple[str, ...], op: str,
              values: list[Operand]) -> ColumnElement[bool]:
    if any(c in part for part in path for c in '"\\'):
        raise ValueError(path)  # not a name a JSON-LD document gives a field
    return JsonTest(source, path, op, values)
