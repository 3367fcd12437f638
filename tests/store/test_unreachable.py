"""Which database errors are a 503 (try again in a moment) and which are a bug (500)."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.exc import OperationalError, ProgrammingError

from agritrace.store.engine import PG_CONNECT_TIMEOUT_S, make_engine, unreachable
from agritrace.store.raw import awaiting
from agritrace.store.replicas import Replicas


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


def test_a_postgresql_url_gets_a_connect_timeout_unless_it_names_one() -> None:
    assert make_engine("postgresql://u@db.example/agritrace").url.query["connect_timeout"] == str(
        PG_CONNECT_TIMEOUT_S)
    named = make_engine("postgresql://u@db.example/agritrace?connect_timeout=2")
    assert named.url.query["connect_timeout"] == "2"


@pytest.mark.postgres
def test_a_replica_whose_host_never_answers_holds_one_read_for_the_timeout_only(
        pg_server_url: str) -> None:
    """A host that takes the connection and never speaks (a machine gone, a cut network
    behind a load balancer): the read that tries it waits the connect timeout, not the kernel's
    minutes, goes to the primary, and the reads after it do not try again."""
    primary = make_engine(pg_server_url)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        port = silent.getsockname()[1]
        replicas = Replicas.from_urls(
            primary, [f"postgresql://postgres@127.0.0.1:{port}/agritrace?connect_timeout=2"])
        try:
            started = time.monotonic()
            assert replicas.reader() is primary
            assert time.monotonic() - started < 8
            started = time.monotonic()
            assert asyncio.run(replicas.at_generation(1)) is primary
            assert replicas.reader() is primary
            assert time.monotonic() - started < 1  # left alone for retry_s
        finally:
            replicas.dispose()
            primary.dispose()


@pytest.mark.postgres
def test_postgresql_connections_compile_no_plan(pg_server_url: str) -> None:
    """JIT is off on every connection, the pages' awaited ones too, whatever options the URL
    brings: a trace's short look-ups were compiled once their estimates grew with the store."""
    engine = make_engine(pg_server_url + "?options=-c%20work_mem%3D8MB")

    async def awaited() -> list[str]:
        async with awaiting(engine) as raw:
            return [str((await raw.rows(f"SHOW {name}"))[0][0]) for name in ("jit", "work_mem")]

    try:
        with engine.connect() as conn:
            assert [conn.exec_driver_sql(f"SHOW {name}").scalar()
                    for name in ("jit", "work_mem")] == ["off", "8MB"]
        assert asyncio.run(awaited()) == ["off", "8MB"]
    finally:
        engine.dispose()
