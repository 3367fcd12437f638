"""ledger: witnesses' cosignatures of the log's heads, and this instance's state as a witness

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-05

``ledger_cosignatures``: the C2SP tlog-cosignature lines witnesses sent for a signed head, served
with it. ``ledger_witnessed``: per watched log (its origin), the size and root this instance last
cosigned, so a head that does not extend it (a split view) is refused. See docs/ledger.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_cosignatures",
        sa.Column("head_id", sa.BigInteger, autoincrement=False),
        sa.Column("witness", sa.String(200)),
        sa.Column("key_id", sa.String(8)),
        sa.Column("timestamp_s", sa.BigInteger, nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        # no foreign key to ledger_heads: 0016 (which makes it) is on a sibling branch of 0019,
        # so on a fresh database this revision may run first; heads are never deleted
        sa.PrimaryKeyConstraint("head_id", "witness", "key_id", name="pk_ledger_cosignatures"),
    )
    op.create_table(
        "ledger_witnessed",
        sa.Column("origin", sa.String(200)),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("head_timestamp_ms", sa.BigInteger, nullable=False),
        sa.Column("cosigned_s", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("origin", name="pk_ledger_witnessed"),
    )


def downgrade() -> None:
    op.drop_table("ledger_witnessed")
    op.drop_table("ledger_cosignatures")
