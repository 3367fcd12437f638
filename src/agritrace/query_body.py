"""Query conditions on what only an event's stored JSON body holds (ILMD fields, the error
declaration, persistent dispositions): one SQL construct, written for each engine.

These are read from the body at query time rather than indexed: on PostgreSQL each candidate
row's body is parsed (``body::jsonb``), on SQLite ``json_extract`` reads it. Combine them with
an indexed parameter (time, bizStep, EPC) on a large store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, ColumnElement, String, cast, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP
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


@compiles(BodyMillis, "sqlite")
def _millis_sqlite(element: BodyMillis, compiler: Any, **kw: Any) -> str:
    # julianday reads ISO 8601 with a zone offset; a double, so rounded to the millisecond
    # EPCIS times are written with.
    days = func.julianday(func.json_extract(events.c.body, _sqlite_path(element.path)))
    return str(compiler.process(func.round((days - 2440587.5) * 86_400_000.0), **kw))


@compiles(BodyMillis, "postgresql")
def _millis_pg(element: BodyMillis, compiler: Any, **kw: Any) -> str:
    moment = cast(cast(events.c.body, JSONB)[element.path].astext, TIMESTAMP(timezone=True))
    return str(compiler.process(func.round(func.extract("epoch", moment) * 1000), **kw))


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
