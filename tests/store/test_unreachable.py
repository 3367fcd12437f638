"""Which database errors are a 503 (try again in a moment) and which are a bug (500)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.exc import OperationalError, ProgrammingError

from agritrace.store.engine import unreachable


@pytest.mark.parametrize("exc", [
    psycopg.OperationalError("connection to server at 127.0.0.1 failed: Connection refused"),
    errors.AdminShutdown("terminating connection due to administrator command"),
    errors.CannotConnectNow("the database system is starting up"),
    errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
    sqlite3.OperationalError("database is locked"),
    OperationalError("INSERT", {}, psycopg.OperationalError("server closed the connection")),
])
def test_a_server_away_or_busy_is_unreachable(exc: Exception) -> None:
    assert unreachable(exc)


@pytest.mark.parametrize("exc", [
    errors.UndefinedTable('relation "events" does not exist'),
    errors.UniqueViolation("duplicate key value violates unique constraint"),
    sqlite3.OperationalError("no such table: events"),
    ProgrammingError("SELECT", {}, errors.SyntaxError("syntax error at or near")),
    ValueError("not a database error"),
])
def test_a_mistake_is_not_unreachable(exc: Exception) -> None:
    assert not unreachable(exc)
