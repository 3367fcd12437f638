"""Many rows at the driver's own speed: COPY on PostgreSQL, executemany of tuples on SQLite, and
look-ups of many keys in one statement.

Capture writes tens of thousands of rows a second; SQLAlchemy's per-row parameter handling costs
more than the database itself at that rate, so the hot path hands tuples straight to the driver,
inside the caller's transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table

# Parameters per SQLite statement: the limit of every SQLite build before 3.32 is 999.
SQLITE_PARAMETERS = 999


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` in the open transaction."""
    if not rows:
        return
    names = ", ".join(table.c[name].name for name in columns)
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({names}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Many rows per statement: SQLite's per-statement work (reset, halt, re-bind) then falls
    # on every few dozen rows instead of every row, about a sixth of the insert's instructions.
    per = max(1, SQLITE_PARAMETERS // len(columns))
    one = "(" + ", ".join("?" for _ in columns) + ")"
    head = f"INSERT OR FAIL INTO {table.name} ({names}) VALUES "
    full = head + ", ".join([one] * per)
    cursor = driver.cursor()
    try:
        for start in range(0, len(rows), per):
            part = rows[start:start + per]
            sql = full if len(part) == per else head + ", ".join([one] * len(part))
            cursor.execute(sql, list(itertools.chain.from_iterable(part)))
    finally:
        cursor.close()


@contextmanager
def references_trusted(conn: Connection) -> Iterator[None]:
    """On SQLite, the block runs with foreign keys unchecked on ``conn``; elsewhere, as is.

    For a writer whose rows refer only to rows it has just inserted or has just read (capture:
    terms to the ids of their events, events to their organization). With foreign keys on,
    SQLite must be able to undo a multi-row INSERT that breaks one, so each such statement
    keeps a statement journal: about a tenth of a capture's main process. The block must open
    its transaction inside (the pragma is ignored within one); it is restored afterwards.
    PostgreSQL checks every reference as usual.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    driver: Any = conn.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def rows_by_key(
    conn: Connection, table: Table, key: str, columns: Sequence[str], keys: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """``(key, *columns)`` of the rows of ``table`` whose ``key`` is one of ``keys``.

    Not :meth:`agritrace.store.raw.Raw.among`: for a capture batch of thousands of keys one
    array parameter is cheaper on PostgreSQL than thousands of ``IN`` marks (about 8 % of the
    capture's speed); ``among`` suits the small lists a page repeats.
    """
    if not keys:
        return []
    names = ", ".join(table.c[name].name for name in (key, *columns))
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cursor.execute(f"SELECT {names} FROM {table.name} WHERE {key} = ANY(%s)", (list(keys),))
        else:
            marks = ", ".join("?" for _ in keys)
            cursor.execute(f"SELECT {names} FROM {table.name} WHERE {key} IN ({marks})", keys)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def inserted_ids(conn: Connection, table: Table, key: str, keys: Sequence[Any]) -> list[int]:
    """The ids of the rows just inserted into ``table`` with ``keys``, in insertion order.

    On SQLite the rows of one insert inside a write transaction take consecutive ids ending at
    ``last_insert_rowid()``; that is checked on the first row, and anything else (ids past
    2**63, a table without a rowid) falls back to looking the keys up.
    """
    if not keys:
        return []
    if conn.dialect.name == "sqlite":
        driver: Any = conn.connection.driver_connection
        cursor = driver.cursor()
        try:
            last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
            first = last - len(keys) + 1
            row = cursor.execute(f"SELECT {table.c[key].name} FROM {table.name} WHERE id = ?",
                                 (first,)).fetchone()
        finally:
            cursor.close()
        if row is not None and row[0] == keys[0]:
            return list(range(first, last + 1))
    ids = dict(rows_by_key(conn, table, key, ("id",), keys))
    return [ids[k] for k in keys]
