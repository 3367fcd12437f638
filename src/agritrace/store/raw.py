"""Fixed SQL strings straight to the driver, on a SQLAlchemy connection.

A page answering a thousand requests a second runs a handful of small queries each time; building,
caching and compiling SQLAlchemy statements for them costs more than the database does. Statements
are written once with ``?`` marks, which become psycopg's ``%s`` on PostgreSQL, where psycopg
prepares a statement run a few times. A list of values goes in through :meth:`Raw.among` as
``IN (?, …)``, one parameter per value, on both engines: PostgreSQL then settles on one generic
plan for a prepared statement, while for a single array parameter (``= ANY(?)``) it plans anew on
every call, three times the cost of the query itself here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine

from agritrace.store.engine import SQLITE_BUSY_TIMEOUT_S


class Raw:
    """Runs fixed statements on ``conn``'s driver connection; commits are the caller's."""

    def __init__(self, conn: Connection) -> None:
        self._driver: Any = conn.connection.driver_connection
        self.postgres = conn.dialect.name == "postgresql"
        self.database = conn.engine.url.render_as_string(hide_password=True)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of ``sql`` (``?`` marks) as tuples."""
        cursor = self._driver.execute(_psycopg(sql) if self.postgres else sql, params)
        try:
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Execute ``sql`` (``?`` marks) for its effect."""
        self._driver.execute(_psycopg(sql) if self.postgres else sql, params).close()

    def insert_unless_locked(self, sql: str, rows: Sequence[Sequence[Any]],
                             wait_ms: int) -> bool:
        """Insert ``rows`` in one SQLite transaction (on an :func:`autocommitting` connection),
        unless the write lock stays taken for ``wait_ms``; then nothing is written: False.

        SQLite has one writer at a time, and a capture holds the lock for its whole document;
        a caller that must not wait (a consumer page) keeps what it could not write. PostgreSQL
        inserts never wait for other writers, so its callers insert as usual.
        """
        assert not self.postgres, "PostgreSQL inserts do not wait: insert as usual"
        if self.rows_unless_locked("BEGIN IMMEDIATE", (), wait_ms) is None:
            return False
        try:
            self._driver.executemany(sql, rows)
        except BaseException:
            self.run("ROLLBACK")
            raise
        self.run("COMMIT")
        return True

    def rows_unless_locked(self, sql: str, params: Sequence[Any],
                           wait_ms: int) -> list[tuple[Any, ...]] | None:
        """The rows of one writing statement, or None if SQLite's write lock stayed taken for
        ``wait_ms`` (nothing written then)."""
        if self.postgres:
            return self.rows(sql, params)
        self.run(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            return self.rows(sql, params)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return None
        finally:
            self.run(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")

    def among(self, column: str, values: Collection[Any]) -> tuple[str, list[Any]]:
        """The condition "``column`` is one of ``values``" (not empty) and its parameters."""
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)


@lru_cache(maxsize=256)
def _psycopg(sql: str) -> str:
    return sql.replace("?", "%s")


@contextmanager
def autocommitting(engine: Engine) -> Iterator[Raw]:
    """A pooled connection on which each statement commits by itself, for the block's duration.

    Reads then see what is committed, as in PostgreSQL's default read-committed transaction, and
    a request pays no BEGIN and COMMIT round trips. The driver's own switch is flipped and put
    back: SQLAlchemy's ``isolation_level="AUTOCOMMIT"`` option costs more than the queries (it
    resets the level with a statement when the connection goes back to the pool).
    """
    with engine.connect() as conn:
        raw = Raw(conn)
        switch, on = ("autocommit", True) if raw.postgres else ("isolation_level", None)
        before = getattr(raw._driver, switch)
        setattr(raw._driver, switch, on)
        try:
            yield raw
        finally:
            setattr(raw._driver, switch, before)
