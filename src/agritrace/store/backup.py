"""Backups of the whole store, and a fingerprint of the event log to prove a restore complete.

- SQLite: the online backup API copies a consistent snapshot while the platform keeps serving
  (readers and writers wait only for the pages being copied).
- PostgreSQL: ``pg_dump --format=custom``, restored by ``pg_restore`` through ``psql`` into an
  emptied schema in one transaction (the server's own tools, from PATH or
  ``/usr/lib/postgresql/*/bin``). Point-in-time recovery with ``pg_basebackup`` and WAL
  archiving is the server's business: docs/operations.md.

:func:`fingerprint` digests every stored event's organization, dedupe key and CBV 2.0 hash ID in
id order: the same fingerprint before the backup and after the restore means every event came
back, in order, with the same meaning.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from agritrace.errors import AgritraceError, ConflictException, Problem, ValidationException
from agritrace.store.tables import events

FINGERPRINT_BATCH = 10_000


@dataclass(frozen=True)
class Fingerprint:
    events: int
    digest: str

    def __str__(self) -> str:
        return f"{self.events:,} events, sha256 {self.digest}"


def fingerprint(engine: Engine) -> Fingerprint:
    """The count and a SHA-256 over (org, dedupe key, hash ID) of every event, in id order."""
    digest, count, after = hashlib.sha256(), 0, 0
    with engine.connect() as conn:
        while rows := conn.execute(
                select(events.c.id, events.c.org_id, events.c.dedupe_key, events.c.hash_id)
                .where(events.c.id > after).order_by(events.c.id).limit(FINGERPRINT_BATCH)).all():
            for _, org_id, key, hash_id in rows:
                digest.update(f"{org_id}\t{key}\t{hash_id}\n".encode())
            count += len(rows)
            after = rows[-1][0]
    return Fingerprint(count, digest.hexdigest())


def backup(database_url: str, out: Path) -> None:
    """Write a backup of the store at ``database_url`` to the file ``out`` (replaced)."""
    url = make_url(database_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(database_url)
        partial = out.with_name(out.name + ".partial")
        with sqlite3.connect(source) as src, sqlite3.connect(partial) as dest:
            src.backup(dest)
        partial.replace(out)
        return
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={out}",
          _libpq(database_url)], database_url)


def restore(backup_file: Path, database_url: str, *, replace: bool = False) -> None:
    """Restore ``backup_file`` into the store at ``database_url``; a store that holds events is
    replaced only with ``replace`` (ConflictException otherwise)."""
    if not backup_file.is_file():
        raise ValidationException("No such backup file", [
            Problem("FILE", "a backup written by 'agritrace backup'", str(backup_file))])
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    if not replace and (not sqlite or Path(_sqlite_path(database_url)).exists()) and (
            _has_events(database_url)):
        raise _occupied(database_url)
    if sqlite:
        with sqlite3.connect(backup_file) as src, \
                sqlite3.connect(_sqlite_path(database_url)) as dest:
            src.backup(dest)
        return
    _restore_pg(backup_file, database_url)


# The target's schema emptied first, in the restore's own transaction: pg_restore --clean drops
# object by object, and fails on a partitioned table's partitions (their primary keys are the
# parent's, which cannot be dropped from a partition).
_EMPTY = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"


def _restore_pg(backup_file: Path, database_url: str) -> None:
    """pg_restore writes the backup as SQL and psql runs it after emptying the schema, all in
    one transaction: a restore that fails leaves the store as it was."""
    env = _env(database_url)
    dump = subprocess.Popen([_pg_tool("pg_restore"), "--no-owner", "--file=-", str(backup_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert dump.stdout is not None and dump.stderr is not None
    load = subprocess.run([_pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
                           "--set=ON_ERROR_STOP=1", f"--command={_EMPTY}", "--file=-",
                           f"--dbname={_libpq(database_url)}"], stdin=dump.stdout,
                          capture_output=True, text=True, check=False, env=env)
    dump.stdout.close()
    failed = dump.stderr.read().decode(errors="replace")
    if dump.wait() != 0:
        raise AgritraceError(f"pg_restore failed: {failed.strip()[-500:] or dump.returncode}")
    if load.returncode != 0:
        raise AgritraceError(f"psql failed: {load.stderr.strip()[-500:] or load.returncode}")


def _occupied(database_url: str) -> ConflictException:
    return ConflictException("The target store is not empty", [Problem(
        "database", "an empty store, or --replace to overwrite it",
        make_url(database_url).render_as_string(hide_password=True))])


def _has_events(database_url: str) -> bool:
    from agritrace.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            exists = conn.dialect.has_table(conn, "events")
            return bool(exists and conn.execute(select(events.c.id).limit(1)).first())
    finally:
        engine.dispose()


def _sqlite_path(database_url: str) -> str:
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise ValidationException("An in-memory store has nothing to back up", [
            Problem("database_url", "sqlite:///path/to/file.db", database_url)])
    return path


def _libpq(database_url: str) -> str:
    """The URL as libpq takes it: no '+psycopg' driver name, and no password (it goes in the
    environment, not on a command line every user of the machine can read)."""
    url = make_url(database_url).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise ValidationException(f"{name} is not installed", [Problem(
            name, "PostgreSQL's client tools (Debian: apt-get install postgresql-client)",
            "not on PATH nor in /usr/lib/postgresql/*/bin")])
    return found


def _env(database_url: str) -> dict[str, str]:
    password = make_url(database_url).password
    return {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}


def _run(command: list[str], database_url: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          env=_env(database_url))
    if done.returncode != 0:
        raise AgritraceError(f"{Path(command[0]).name} failed: "
                             f"{done.stderr.strip()[-500:] or done.returncode}")
