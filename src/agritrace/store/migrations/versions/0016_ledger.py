"""ledger: a verifiable log of every stored event (issue 18)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05

Leaves (one per event, in primary-key order), the hashes of the Merkle tree's perfect subtrees
(so a proof reads O(log n) rows) and the signed tree heads. Events already stored are appended by
the next ``agritrace log publish``. See docs/ledger.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_leaves",
        sa.Column("leaf_index", sa.BigInteger, autoincrement=False),
        sa.Column("event_pk", sa.BigInteger, nullable=False),
        sa.Column("hash_id", sa.String(100), nullable=False),
        sa.Column("org_id", sa.Integer, nullable=False),
        sa.Column("record_time_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name="pk_ledger_leaves"),
        sa.ForeignKeyConstraint(["event_pk"], ["events.id"],
                                name="fk_ledger_leaves_event_pk_events"),
        sa.UniqueConstraint("event_pk", name="uq_ledger_leaves_event_pk"),
    )
    op.create_index("ix_ledger_leaves_hash_id", "ledger_leaves", ["hash_id"])
    op.create_table(
        "ledger_nodes",
        sa.Column("node", sa.BigInteger, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("node", name="pk_ledger_nodes"),
    )
    op.create_table(
        "ledger_heads",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_heads"),
    )
    op.create_index("ix_ledger_heads_tree_size", "ledger_heads", ["tree_size"])


def downgrade() -> None:
    op.drop_table("ledger_heads")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_leaves")
