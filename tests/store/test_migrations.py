"""The migrations are the schema: the metadata the code queries must match what they create."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from agritrace.store.migrate import load_table_modules
from agritrace.store.tables import metadata

load_table_modules()


def test_migrated_schema_matches_the_metadata(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"organizations", "tokens", "capture_jobs", "events", "event_terms"} <= tables
