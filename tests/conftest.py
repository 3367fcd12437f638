"""Fixtures: a migrated database on each engine, real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from agritrace.settings import get_settings
from agritrace.store.engine import make_engine
from agritrace.store.migrate import upgrade
from tests.pgserver import postgres_server

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server_url: str) -> str:
    admin = make_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE agritrace_template"))
    admin.dispose()
    engine = make_engine(pg_server_url.rsplit("/", 1)[0] + "/agritrace_template")
    upgrade(engine)
    engine.dispose()
    return "agritrace_template"


def _sqlite_url(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "agritrace.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _pg_url(server_url: str, template: str) -> str:
    name = f"test_{next(_counter)}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template}'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database on each engine, by URL."""
    if request.param == "sqlite":
        return _sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path)
    return _pg_url(request.getfixturevalue("pg_server_url"), request.getfixturevalue("pg_template"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """``environment(database_url=…, base_url=…)`` sets AGRITRACE_* for the commands under test."""

    def set_settings(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"AGRITRACE_{name.upper()}", value)
        get_settings.cache_clear()

    yield set_settings
    get_settings.cache_clear()


@pytest.fixture
def cli_database(tmp_path: Path, environment: Callable[..., None]) -> Path:
    """A SQLite file the ``agritrace`` commands use (they migrate it themselves)."""
    path = tmp_path / "cli.db"
    environment(database_url=f"sqlite:///{path}")
    return path
