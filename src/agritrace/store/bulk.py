"""Many rows at the driver's own speed: COPY on PostgreSQL, executemany of tuples on SQLite, and
look-ups of many keys in one statement.

Capture writes tens of thousands of rows a second; SQLAlchemy's per-row parameter handling costs
more than the database itself at that rate, so the hot path hands tuples straight to the driver,
inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table


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
    marks = ", ".join("?" for _ in columns)
    cursor = driver.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


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
