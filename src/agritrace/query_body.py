"""Query conditions on what only an event's stored JSON body holds (ILMD fields, the error
declaration, persistent dispositions): one SQL construct, written for each engine.

These are read from the body at query time rather than indexed: on PostgreSQL each candidate
row's body is parsed (``body::jsonb``), on SQLite ``json_extract`` reads it. Combine them with
an indexed parameter (time, bizStep, EPC) on a large store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, String, cast, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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
