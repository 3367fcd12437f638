"""The migrations are the schema: the metadata the code queries must match what they create."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, select, text

from agritrace.store.migrate import alembic_config, load_table_modules
from agritrace.store.orgs import ensure_organization
from agritrace.store.tables import metadata, org_write_positions

load_table_modules()


def test_migrated_schema_matches_the_metadata(engine: Engine) -> None:
    with engine.connect() as conn:
        # a partition (PostgreSQL's months of the scan log) is its parent table's, not the
        # metadata's; partitions made by agritrace.store.partitions have their own tests
        months = set(conn.execute(text("SELECT relname FROM pg_class WHERE relispartition"))
                     .scalars()) if conn.dialect.name == "postgresql" else set()
        context = MigrationContext.configure(conn, opts={"include_name": lambda name, kind, _: (
            kind != "table" or name not in months)})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"organizations", "tokens", "capture_jobs", "events", "event_terms"} <= tables


def test_the_migrations_form_one_line(engine: Engine) -> None:
    # a second head means two migrations were written in parallel: the later one must name the
    # other as its parent (or a merge revision join them) so the order of upgrades is the file's
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    assert scripts.get_heads() == [scripts.get_current_head()]
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(scripts.get_heads())


def test_the_write_positions_move_out_of_organizations_and_back(engine: Engine) -> None:
    # migration 0044: the positions kept on organizations (0025) have their own table, which
    # does not drop the kept consumer pages when written; a downgrade puts them back
    org = ensure_organization(engine, "HTX Cà phê Mường Ảng")
    with engine.begin() as conn:
        conn.execute(insert(org_write_positions).values(org_id=org.id, wrote_lsn=123456))
    config = alembic_config(engine)
    command.downgrade(config, "0044-1")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, wrote_lsn FROM organizations")).all() == [
            (org.id, 123456)]
    command.upgrade(config, "heads")
    with engine.connect() as conn:
        assert conn.execute(select(org_write_positions)).all() == [(org.id, 123456)]
    assert "wrote_lsn" not in {c["name"] for c in inspect(engine).get_columns("organizations")}
