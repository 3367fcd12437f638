"""The scan log by month on PostgreSQL (issue 19): scans land in their month's partition, months
ahead are created (moving what the default partition caught), old months are detached for
archiving, and the consumer page's scan history reads across the months still attached."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.scans.log import ScanQueue
from agritrace.settings import get_settings
from agritrace.store.migrate import alembic_config, upgrade
from agritrace.store.partitions import detach_before, ensure_ahead, month_after, months

runner = CliRunner()
CODE = "/01/08931234000356/21/PART1"


@pytest.fixture
def postgres(engine: Engine) -> Iterator[Engine]:
    if engine.dialect.name != "postgresql":
        pytest.skip("the scan log is partitioned on PostgreSQL only")
    yield engine


def _log(engine: Engine, *days: date) -> None:
    """Scans of ``days`` written as the consumer page's queue writes them."""
    queue = ScanQueue(engine)
    for n, day in enumerate(days):
        at = int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp() * 1e6)
        assert queue.add((CODE, at, None, None, "ua", f"d{n}", f"c{n}"))
    assert queue.flush() == len(days)


def _logged_before_0045(engine: Engine, *days: date) -> None:
    """Scans of ``days`` written into the scan log of an older schema (no scan_devices yet)."""
    with engine.begin() as conn:
        for n, day in enumerate(days):
            at = int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp() * 1e6)
            conn.execute(text("INSERT INTO scans (code, scanned_us, device, client) "
                              "VALUES (:code, :at, :device, :client)"),
                         {"code": CODE, "at": at, "device": f"d{n}", "client": f"c{n}"})


def _where(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text(  # type: ignore[arg-type]
            "SELECT tableoid::regclass::text, count(*) FROM scans GROUP BY 1")).all())


def test_a_scan_lands_in_its_months_partition(postgres: Engine) -> None:
    this_month = datetime.now(UTC).date().replace(day=1)
    with postgres.connect() as conn:
        attached = months(conn)
    assert this_month in attached and month_after(this_month, 3) in attached
    _log(postgres, this_month)
    assert _where(postgres) == {f"scans_y{this_month:%Y}m{this_month:%m}": 1}


def test_a_month_created_later_takes_its_rows_from_the_default_partition(
        postgres: Engine) -> None:
    far = month_after(datetime.now(UTC).date().replace(day=1), 6)
    _log(postgres, far)
    assert _where(postgres) == {"scans_default": 1}
    created = ensure_ahead(postgres, today=month_after(far, -1), ahead=1)
    assert f"scans_y{far:%Y}m{far:%m}" in created
    assert _where(postgres) == {f"scans_y{far:%Y}m{far:%m}": 1}
    assert ensure_ahead(postgres, today=month_after(far, -1), ahead=1) == []  # once


def test_old_months_are_detached_with_their_rows(postgres: Engine) -> None:
    this_month = datetime.now(UTC).date().replace(day=1)
    old = month_after(this_month, -1)
    ensure_ahead(postgres, today=old, ahead=0)
    _log(postgres, old, this_month)
    name = f"scans_y{old:%Y}m{old:%m}"
    assert name in detach_before(postgres, this_month)
    assert list(_where(postgres)) == [f"scans_y{this_month:%Y}m{this_month:%m}"]
    with postgres.connect() as conn:  # kept as a table of its own, to archive
        assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() == 1
        # what the detached month counted stays counted: scans, devices (d0 and d1)
        assert conn.execute(text("SELECT scans, devices FROM scan_totals WHERE code = :c"),
                            {"c": CODE}).one() == (2, 2)


def test_the_command_creates_and_detaches_months(database_url: str, engine: Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGRITRACE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        bad = runner.invoke(app, ["db", "partitions", "--detach-before", "2026-13"])
        result = runner.invoke(app, ["db", "partitions", "--ahead", "5",
                                     "--detach-before", "2000-01"])
    finally:
        get_settings.cache_clear()
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    assert result.exit_code == 0, result.output
    if engine.dialect.name == "sqlite":
        assert "partitions are PostgreSQL's" in result.output
        return
    later = month_after(datetime.now(UTC).date().replace(day=1), 5)
    assert f"created scans_y{later:%Y}m{later:%m}" in result.output


def test_the_migration_keeps_every_scan_both_ways(postgres: Engine) -> None:
    this_month = datetime.now(UTC).date().replace(day=1)
    two_ago = month_after(this_month, -2)
    command.downgrade(alembic_config(postgres), "0035")
    assert _where(postgres) == {}
    _logged_before_0045(postgres, two_ago, date(2001, 1, 1), this_month)  # a wrong clock
    upgrade(postgres)
    assert _where(postgres) == {f"scans_y{two_ago:%Y}m{two_ago:%m}": 1, "scans_default": 1,
                                f"scans_y{this_month:%Y}m{this_month:%m}": 1}
    command.downgrade(alembic_config(postgres), "0035")
    assert _where(postgres) == {"scans": 3}
    upgrade(postgres)
    _log(postgres, this_month)  # ids still come from the sequence: no clash
    assert sum(_where(postgres).values()) == 4
