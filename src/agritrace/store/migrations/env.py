"""Alembic environment: the engine comes from agritrace.store.migrate, never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from agritrace.store.migrate import load_table_modules
from agritrace.store.tables import metadata

load_table_modules()

engine: Engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=engine.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
