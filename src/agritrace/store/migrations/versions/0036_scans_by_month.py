"""scans: partitioned by month on PostgreSQL (native range partitions on scanned_us)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05

The scan log grows with every consumer's scan and is read only near its newest rows; by month,
old months are detached and archived without a long DELETE (agritrace.store.partitions,
`agritrace db partitions`). The primary key becomes (id, scanned_us), as PostgreSQL requires of
a partitioned table; ids still come from the same sequence. Each month from the oldest scan's
(at most two years back) to three months ahead gets its partition, and the rows are copied
over. SQLite: unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import op
from sqlalchemy import text

from agritrace.store.partitions import MONTHS_AHEAD, create_month, month_after

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

_COLUMNS = ("id BIGINT NOT NULL DEFAULT nextval('scans_id_seq'), code VARCHAR(300) NOT NULL, "
            "scanned_us BIGINT NOT NULL, lat FLOAT, lon FLOAT, "
            "user_agent VARCHAR(200) DEFAULT '' NOT NULL, device VARCHAR(32) DEFAULT '' NOT NULL, "
            "client VARCHAR(64) DEFAULT '' NOT NULL")
_INDEXES = (
    "CREATE INDEX ix_scans_code_scanned_us ON scans (code, scanned_us)",
    "CREATE INDEX ix_scans_client_scanned_us ON scans (client, scanned_us)",
    "CREATE INDEX ix_scans_device_code ON scans (device, code, scanned_us)",
    "CREATE INDEX ix_scans_code_located ON scans (code, lat, lon) WHERE lat IS NOT NULL",
)


def _set_aside() -> None:
    """Rename the table and drop its indexes, whose names the new table takes."""
    op.execute("ALTER TABLE scans RENAME TO scans_before")
    op.execute("ALTER TABLE scans_before RENAME CONSTRAINT pk_scans TO pk_scans_before")
    for statement in _INDEXES:
        op.execute("DROP INDEX " + statement.split()[2])
    op.execute("ALTER SEQUENCE scans_id_seq OWNED BY NONE")


def _move_in() -> None:
    op.execute("INSERT INTO scans SELECT id, code, scanned_us, lat, lon, user_agent, device, "
               "client FROM scans_before")
    op.execute("DROP TABLE scans_before")
    op.execute("ALTER SEQUENCE scans_id_seq OWNED BY scans.id")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    conn = op.get_bind()
    _set_aside()
    op.execute(f"CREATE TABLE scans ({_COLUMNS}, CONSTRAINT pk_scans PRIMARY KEY "
               "(id, scanned_us)) PARTITION BY RANGE (scanned_us)")
    op.execute("CREATE TABLE scans_default PARTITION OF scans DEFAULT")
    oldest = conn.execute(text("SELECT min(scanned_us) FROM scans_before")).scalar()
    now = datetime.now(UTC).date().replace(day=1)
    # at most two years back: a scan from a phone whose clock was years off stays in the
    # default partition rather than making a partition for every month since
    month = max(month_after(now, -24), datetime.fromtimestamp(oldest / 1e6, UTC).date()
                .replace(day=1)) if oldest is not None else now
    while month <= month_after(now, MONTHS_AHEAD):
        create_month(conn, month)
        month = month_after(month)
    for statement in _INDEXES:
        op.execute(statement)
    _move_in()


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    _set_aside()
    op.execute(f"CREATE TABLE scans ({_COLUMNS}, CONSTRAINT pk_scans PRIMARY KEY (id))")
    for statement in _INDEXES:
        op.execute(statement)
    _move_in()
