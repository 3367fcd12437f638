"""agritrace backup / restore: every event comes back (the same fingerprint), on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from agritrace.cli import app
from agritrace.demo import load_demo
from agritrace.errors import ConflictException
from agritrace.settings import get_settings
from agritrace.store.backup import backup, fingerprint, restore
from agritrace.store.engine import make_engine

runner = CliRunner()


def _empty_target(database_url: str, tmp_path: Path) -> str:
    """A second store on the same engine, with nothing in it."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    server, name = database_url.rsplit("/", 1)
    admin = make_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}_restored"'))
    admin.dispose()
    return f"{server}/{name}_restored"


def test_a_restored_backup_holds_every_event_and_refuses_to_overwrite(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    load_demo(engine)
    before = fingerprint(engine)
    assert before.events == 24
    saved = tmp_path / "demo.backup"
    backup(database_url, saved)
    target = _empty_target(database_url, tmp_path)
    restore(saved, target)
    restored = make_engine(target)
    try:
        assert fingerprint(restored) == before
        with pytest.raises(ConflictException):
            restore(saved, target)  # it holds events now
        restore(saved, target, replace=True)
        assert fingerprint(restored) == before
    finally:
        restored.dispose()


def test_the_commands_print_the_same_fingerprint(
        database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the commands are the same on both engines; the service test covers both")
    load_demo(engine)
    monkeypatch.setenv("AGRITRACE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        saved = runner.invoke(app, ["backup", "--out", str(tmp_path / "b" / "demo.backup")])
        assert saved.exit_code == 0, saved.output
        monkeypatch.setenv("AGRITRACE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
        get_settings.cache_clear()
        back = runner.invoke(app, ["restore", str(tmp_path / "b" / "demo.backup")])
        assert back.exit_code == 0, back.output
        missing = runner.invoke(app, ["restore", str(tmp_path / "nothing.backup")])
        assert missing.exit_code != 0 and "No such backup file" in missing.output
    finally:
        get_settings.cache_clear()
    assert saved.stdout.split("(")[1].rstrip(")\n") == back.stdout.split("restored: ")[1].strip()
