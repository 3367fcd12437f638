"""The scan log partitioned by month on PostgreSQL (issue 19): native range partitions on
``scanned_us``, created ahead of time, and old months detached to be archived.

A month's partition is ``scans_yYYYYmMM``; ``scans_default`` takes a row no month's partition
covers (a clock far off), and its rows move into their month's partition when that is created.
A detached month is a plain table again: dump it (``pg_dump -t scans_y2025m01``) and drop it.
What scans counted stays counted: each code's scans, distinct devices and places
(``scan_totals``, ``scan_devices``, ``scan_places``; migration 0045) are not partitioned, so the
verdict still weighs a detached month's devices and places; its first scan and newest scans then
come from the months still attached.

The event log is not partitioned: the event terms, aliases and the verifiable log refer to
events by their id alone, and PostgreSQL requires a partitioned table's keys to hold the
partition column (docs/operations.md, "Partitions").
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, text

MONTHS_AHEAD = 3
_NAME = "scans_y{:04d}m{:02d}"


def month_after(month: date, months: int = 1) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _micros(month: date) -> int:
    return int(datetime(month.year, month.month, 1, tzinfo=UTC).timestamp() * 1_000_000)


def partitioned(conn: Connection) -> bool:
    """Whether the scan log is partitioned here (PostgreSQL after migration 0036)."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(text(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = 'scans' AND c.relnamespace = current_schema()::regnamespace"))
        .first())


def months(conn: Connection) -> list[date]:
    """The months that have a partition attached, oldest first."""
    names = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'scans' "
        "AND p.relnamespace = current_schema()::regnamespace")).scalars()
    return sorted(date(int(n[7:11]), int(n[12:14]), 1) for n in names if n != "scans_default")


def create_month(conn: Connection, month: date) -> str:
    """Attach ``month``'s partition, moving its rows out of the default partition."""
    name = _NAME.format(month.year, month.month)
    low, high = _micros(month), _micros(month_after(month))
    # the default partition may hold rows of this month; PostgreSQL refuses the new partition
    # until they are out of it, so it is detached while they move
    conn.execute(text("ALTER TABLE scans DETACH PARTITION scans_default"))
    conn.execute(text(f"CREATE TABLE {name} PARTITION OF scans "
                      f"FOR VALUES FROM ({low}) TO ({high})"))
    moved = f"scanned_us >= {low} AND scanned_us < {high}"
    conn.execute(text(f"INSERT INTO scans SELECT * FROM scans_default WHERE {moved}"))
    conn.execute(text(f"DELETE FROM scans_default WHERE {moved}"))
    conn.execute(text("ALTER TABLE scans ATTACH PARTITION scans_default DEFAULT"))
    return name


def ensure_ahead(engine: Engine, today: date | None = None,
                 ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create the partitions of this month and the next ``ahead`` months that are missing;
    their names. Nothing on SQLite or an unpartitioned store."""
    this_month = (today or datetime.now(UTC).date()).replace(day=1)
    with engine.begin() as conn:
        if not partitioned(conn):
            return []
        have = set(months(conn))
        return [create_month(conn, month) for n in range(ahead + 1)
                if (month := month_after(this_month, n)) not in have]


def detach_before(engine: Engine, month: date) -> list[str]:
    """Detach every month's partition before ``month``; the detached tables' names."""
    with engine.begin() as conn:
        if not partitioned(conn):
            return []
        old = [m for m in months(conn) if m < month.replace(day=1)]
        names = [_NAME.format(m.year, m.month) for m in old]
        for name in names:
            conn.execute(text(f"ALTER TABLE scans DETACH PARTITION {name}"))
        return names
