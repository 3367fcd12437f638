"""Run the Alembic migrations programmatically: the only way the schema reaches a database."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

_HERE = Path(__file__).resolve().parent


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database up to ``revision`` (every branch's newest by default).

    Each part of the platform (event log, trace, scans, farm) owns a migration branch, so a
    part can add its tables without ordering itself against the others.
    """
    command.upgrade(alembic_config(engine), revision)


def pending(engine: Engine) -> set[str]:
    """The newest revisions of the migration scripts the database has not reached (empty when
    it is up to date)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return heads - current


def load_table_modules() -> None:
    """Import every ``agritrace.<part>.tables`` module so ``metadata`` knows all tables."""
    import agritrace

    for info in pkgutil.walk_packages(agritrace.__path__, "agritrace."):
        if info.name.endswith(".tables"):
            importlib.import_module(info.name)
