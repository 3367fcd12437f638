"""Fixed SQL strings straight to the driver, on a SQLAlchemy connection or awaited on the loop.

A page answering a thousand requests a second runs a handful of small queries each time; building,
caching and compiling SQLAlchemy statements for them costs more than the database does. Statements
are written once with ``?`` marks, which become psycopg's ``%s`` on PostgreSQL, where psycopg
prepares a statement run a few times. A list of values goes in through :meth:`Raw.among` as
``IN (?, …)``, one parameter per value, on both engines: PostgreSQL then settles on one generic
plan for a prepared statement, while for a single array parameter (``= ANY(?)``) it plans anew on
every call, three times the cost of the query itself here.

:func:`awaiting` gives the same statements to be awaited by an async route (:class:`AsyncRaw`):
on PostgreSQL through psycopg's asyncio connections, on SQLite through :class:`Raw` at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, event

from agritrace.store.engine import SQLITE_BUSY_TIMEOUT_S

T = TypeVar("T")


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

    def writing_unless_locked(self, work: Callable[[Raw], T], wait_ms: int) -> T | None:
        """What ``work`` returns, its statements run in one SQLite transaction (on an
        :func:`autocommitting` connection), unless the write lock stays taken for ``wait_ms``;
        then nothing is written: None.

        SQLite has one writer at a time, and a capture holds the lock for its whole document;
        a caller that must not wait (a consumer page) gives up what it could not write.
        PostgreSQL writers never wait for the others' whole transactions: its callers write in
        one statement (a data-modifying ``WITH``) instead.
        """
        assert not self.postgres, "PostgreSQL writes do not wait: write in one statement"
        if self.rows_unless_locked("BEGIN IMMEDIATE", (), wait_ms) is None:
            return None
        try:
            done = work(self)
        except BaseException:
            self.run("ROLLBACK")
            raise
        self.run("COMMIT")
        return done

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

    @staticmethod
    def among(column: str, values: Collection[Any]) -> tuple[str, list[Any]]:
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


class AsyncRaw:
    """:class:`Raw`'s statements, to be awaited by an async route; from :func:`awaiting`.

    This one runs them at once through a :class:`Raw`: SQLite's statements take microseconds and
    wait on no network. :class:`_ServerRaw` awaits PostgreSQL's.
    """

    def __init__(self, raw: Raw) -> None:
        self._raw = raw
        self.postgres, self.database = raw.postgres, raw.database

    among = staticmethod(Raw.among)

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of ``sql`` (``?`` marks) as tuples."""
        return self._raw.rows(sql, params)

    async def rows_unless_locked(self, sql: str, params: Sequence[Any],
                                 wait_ms: int) -> list[tuple[Any, ...]] | None:
        """:meth:`Raw.rows_unless_locked`."""
        return self._raw.rows_unless_locked(sql, params, wait_ms)

    async def writing_unless_locked(self, work: Callable[[Raw], T], wait_ms: int) -> T | None:
        """:meth:`Raw.writing_unless_locked` (SQLite's alone)."""
        return self._raw.writing_unless_locked(work, wait_ms)


class _ServerRaw(AsyncRaw):
    """The statements awaited on an autocommitting psycopg connection from :class:`_Connections`.

    Awaited on the loop, a round trip frees the loop for other requests and its answer is taken
    as soon as the loop is free. On a worker thread, the thread had to win the GIL back from the
    loop after each round trip (up to the 5 ms switch interval while the loop parsed and rendered
    other requests), and the pages waited on each other.
    """

    def __init__(self, conn: psycopg.AsyncConnection[Any], pool: _Connections,
                 pooled: bool) -> None:
        self.conn, self._pool = conn, pool
        # A pooled connection may have been dropped by the server since its last use (a restart,
        # an idle timeout): its first statement then fails before it runs, and is run again on a
        # new connection. This replaces a ping before every checkout, one round trip a page.
        self._may_retry = pooled
        self.postgres, self.database = True, pool.database

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            cursor = await self.conn.execute(_psycopg(sql), params)
        except psycopg.OperationalError:
            if not (self._may_retry and self.conn.broken):
                raise
            self.conn = await self._pool.connect()
            cursor = await self.conn.execute(_psycopg(sql), params)
        self._may_retry = False
        try:
            return await cursor.fetchall()
        finally:
            await cursor.close()

    async def rows_unless_locked(self, sql: str, params: Sequence[Any],
                                 wait_ms: int) -> list[tuple[Any, ...]] | None:
        return await self.rows(sql, params)  # PostgreSQL inserts never wait for other writers

    async def writing_unless_locked(self, work: Callable[[Raw], T], wait_ms: int) -> T | None:
        raise AssertionError("PostgreSQL writes do not wait: write in one statement")


class _Connections:
    """Idle autocommitting psycopg asyncio connections to one PostgreSQL database.

    Shared by the process's event loops (a connection waits on whichever loop awaits it, and is
    used by one request at a time); closed when the engine is disposed.
    """

    # Requests of one process using the database at once, and idle connections kept. Measured
    # under the stamps benchmark: one made pages wait for each other; 2, 4 and 8 did the same.
    SIZE = 4

    def __init__(self, engine: Engine) -> None:
        self.database = engine.url.render_as_string(hide_password=True)
        self._params = engine.dialect.create_connect_args(engine.url)[1]
        # Generic plans: every statement awaited here is a fixed one served by indexes, run
        # thousands of times (prepared by psycopg after a few). On the partitioned scan log,
        # PostgreSQL kept judging a custom plan cheaper and planned the consumer page's
        # statement anew on each call: 6-9 ms of planning against 0.5 ms of running.
        options = self._params.get("options", "")
        self._params["options"] = f"{options} -c plan_cache_mode=force_generic_plan".strip()
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._lock = threading.Lock()
        self._slots: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            WeakKeyDictionary())

    def slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        with self._lock:
            slots = self._slots.get(loop)
            if slots is None:
                slots = self._slots[loop] = asyncio.Semaphore(self.SIZE)
            return slots

    async def connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(autocommit=True, **self._params)

    def take(self) -> psycopg.AsyncConnection[Any] | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def give(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Keep ``conn`` for the next request, unless it is broken, busy or one too many."""
        with self._lock:
            if (conn.info.transaction_status is TransactionStatus.IDLE
                    and len(self._idle) < self.SIZE):
                self._idle.append(conn)
                return
        conn.pgconn.finish()

    def close(self, *_: Any) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.pgconn.finish()  # closing needs no round trip, so no loop


_CONNECTIONS: WeakKeyDictionary[Engine, _Connections] = WeakKeyDictionary()
_CONNECTIONS_LOCK = threading.Lock()


def _connections(engine: Engine) -> _Connections:
    with _CONNECTIONS_LOCK:
        pool = _CONNECTIONS.get(engine)
        if pool is None:
            pool = _CONNECTIONS[engine] = _Connections(engine)
            event.listen(engine, "engine_disposed", pool.close)
        return pool


@asynccontextmanager
async def awaiting(engine: Engine) -> AsyncIterator[AsyncRaw]:
    """Statements to await, each committing by itself, as on :func:`autocommitting`."""
    if engine.dialect.name != "postgresql":
        with autocommitting(engine) as raw:
            yield AsyncRaw(raw)
        return
    pool = _connections(engine)
    async with pool.slots():
        conn = pool.take()
        server = _ServerRaw(conn or await pool.connect(), pool, pooled=conn is not None)
        try:
            yield server
        finally:
            pool.give(server.conn)
