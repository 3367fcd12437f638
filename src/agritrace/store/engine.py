"""Engines for the two supported databases, configured for our workload."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

# How long a SQLite connection waits for another's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30
# How long opening a PostgreSQL connection may take, unless the URL says (``connect_timeout``):
# without a bound, a server whose host stopped answering (a replica's machine gone, a network
# cut) holds the request that asked for it for the kernel's TCP timeout, minutes.
PG_CONNECT_TIMEOUT_S = 5
# No JIT compilation: our statements are short index look-ups, but the generic plans they run
# under (agritrace.store.raw, agritrace.trace.reader) cost an array parameter pessimistically,
# and past about 5 M events their estimates crossed jit_above_cost, so PostgreSQL compiled (and
# past 500,000 inlined and optimised) each one: 100-170 ms a trace of 2-10 ms of work at 10 M
# events. Measured at 1 M events with the threshold lowered tenfold: 27 ms a backward unit
# trace with JIT, 5 ms without.
_NO_JIT = "-c jit=off"


# sqlite3 binds None only after looking for an adapter, and a failed look-up raises and formats
# two AttributeErrors: about a tenth of a capture's insert work, with a NULL or two in every row.
# An adapter that is found answers at once; NULL is still what is bound. It is a C method (an
# empty dict's get answers None for None), not a Python function: about 2,000 instructions less
# per captured event in the process that writes (callgrind).
_NO_VALUES: dict[None, None] = {}
sqlite3.register_adapter(type(None), _NO_VALUES.get)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for a SQLite file (WAL, foreign keys on) or a PostgreSQL server (psycopg 3).

    A plain ``postgresql://`` URL is read as psycopg 3, the driver we ship.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed.render_as_string(hide_password=False), parsed.database, kwargs)
    # In the URL, so that the pages' own connections (agritrace.store.raw) have them too.
    if "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(PG_CONNECT_TIMEOUT_S)})
    options = str(parsed.query.get("options", ""))
    parsed = parsed.update_query_dict({"options": f"{options} {_NO_JIT}".strip()})
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, database: str | None, kwargs: dict[str, Any]) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False,
                                              "timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# SQLSTATEs of a server that is going away or not yet taking connections (admin shutdown, crash
# shutdown, starting up), and of a write that reached a standby (after a failover, through a
# connection opened before it)
_GOING_AWAY = {"57P01", "57P02", "57P03", "25006"}


def unreachable(exc: BaseException) -> bool:
    """Whether a database error means the store cannot be reached or written just now (a crashed
    or restarting server, a failover under way, SQLite's write lock held too long): the same
    request may succeed in a moment, so it is a 503, not a bug."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        return ((state is None and isinstance(exc, psycopg.OperationalError))
                or (state is not None and (state.startswith("08") or state in _GOING_AWAY)))
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    return False
