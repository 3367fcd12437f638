"""The bulk load of a generated chain writes exactly the rows ordinary capture writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select, text
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.errors import ValidationException
from agritrace.generator.bulk import load_chain
from agritrace.generator.run import capture_chain
from agritrace.ledger.store import append_settled
from agritrace.store.engine import make_engine
from agritrace.store.tables import events
from tests.conftest import _pg_url, _sqlite_url

DAY = date(2026, 8, 7)
SEED = 11
SIZE = 3_000
PER_DOCUMENT = 700  # several documents per organization, some cut inside a batch

# The moment a row was written (and by which process or PostgreSQL transaction) and the capture
# job's own id differ between any two captures; the rows are compared without them (capture
# jobs by their order instead).
MOMENTS = {"created_us", "finished_us", "granted_us", "record_time_us", "runner", "xid"}


@pytest.fixture
def bulk_engine(database_url: str, request: pytest.FixtureRequest,
                tmp_path: Path) -> Iterator[Engine]:
    """A second new store on the same engine as ``engine``."""
    if database_url.startswith("sqlite"):
        (tmp_path / "bulk").mkdir()
        url = _sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path / "bulk")
    else:
        url = _pg_url(request.getfixturevalue("pg_server_url"),
                      request.getfixturevalue("pg_template"))
    eng = make_engine(url)
    yield eng
    eng.dispose()


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, without their moments, capture jobs named by their order."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        jobs = {job: n for n, job in enumerate(conn.scalars(text(
            "SELECT id FROM capture_jobs ORDER BY created_us, id")))}
        found: dict[str, list[tuple[Any, ...]]] = {}
        for table in meta.sorted_tables:
            columns = [c for c in table.c if c.name not in MOMENTS]
            rows = []
            for row in conn.execute(select(*columns)):
                values = dict(row._mapping)
                if table.name == "capture_jobs":
                    values["id"] = jobs[values["id"]]
                if table.name == "events":
                    values["job_id"] = jobs[values["job_id"]]
                if table.name == "ledger_nodes":
                    values.pop("hash")  # made from the leaves' record times (checked below)
                rows.append(tuple(sorted(values.items())))
            found[table.name] = sorted(rows, key=repr)
    return found


def _schema(engine: Engine) -> list[tuple[Any, ...]]:
    """The indexes and constraints of the loaded tables."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return [tuple(row) for row in conn.execute(text(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"))]
        return [tuple(row) for row in conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "ORDER BY 1, 2"))]


def test_bulk_load_writes_the_rows_capture_writes(engine: Engine, bulk_engine: Engine) -> None:
    schema = _schema(bulk_engine)
    captured = capture_chain(engine, SEED, SIZE, per_document=PER_DOCUMENT, progress=False,
                             today=DAY)
    loaded = load_chain(bulk_engine, SEED, SIZE, per_document=PER_DOCUMENT, progress=False,
                        today=DAY)
    assert (loaded.events, loaded.batches, loaded.units) == (
        captured.events, captured.batches, captured.units)
    assert loaded.first == captured.first and loaded.samples == captured.samples
    # the verifiable log's outbox appends the same leaves from either store
    assert append_settled(engine) == append_settled(bulk_engine) == captured.events
    ordinary, bulk = _tables(engine), _tables(bulk_engine)
    assert len(ordinary["events"]) == captured.events
    assert len(ordinary["capture_jobs"]) > 6
    assert ordinary["event_terms"]
    assert ordinary == bulk
    # the leaves carry each event's own record time, and the indexes and keys are all back
    for store in (engine, bulk_engine):
        with store.connect() as conn:
            assert conn.scalar(text(
                "SELECT count(*) FROM ledger_leaves JOIN events ON events.id = event_pk "
                "WHERE ledger_leaves.record_time_us <> events.record_time_us")) == 0
    assert _schema(bulk_engine) == schema


def test_bulk_load_refuses_a_store_that_holds_events(engine: Engine) -> None:
    capture_chain(engine, SEED, 10, progress=False, today=DAY)
    with engine.connect() as conn:
        before = conn.scalar(select(events.c.id).order_by(events.c.id.desc()).limit(1))
    with pytest.raises(ValidationException) as refused:
        load_chain(engine, SEED, 10, progress=False, today=DAY)
    assert refused.value.problems[0].path == "store"
    assert "kho này đã có sự kiện" in refused.value.detail
    with engine.connect() as conn:
        assert conn.scalar(select(events.c.id).order_by(events.c.id.desc()).limit(1)) == before


def test_generate_bulk_loads_a_new_store_and_refuses_it_once_filled(cli_database: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["generate", "--bulk", "--size", "300", "--seed", str(SEED)])
    assert made.exit_code == 0, made.output
    assert "events captured" in made.stdout
    again = runner.invoke(app, ["generate", "--bulk", "--size", "300"])
    assert again.exit_code != 0
    assert "Chỉ nạp hàng loạt (--bulk) vào kho mới" in again.output
    assert "A bulk load (--bulk) goes into a new store only" in again.output
