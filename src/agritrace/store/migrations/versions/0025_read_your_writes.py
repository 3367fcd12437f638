"""organizations: where the primary's log stood after each organization's last write

Revision ID: 0025
Revises: 0019
Create Date: 2026-12-05

With read replicas (AGRITRACE_REPLICA_URLS), an organization's reads go to a replica only once
the replica has replayed past this position (issue 19: read-your-writes across workers and
servers). Empty on SQLite and without replicas.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: SQLite's batch mode would copy and drop organizations, which the
    # tokens' and grants' foreign keys refuse
    op.add_column('organizations', sa.Column('wrote_lsn', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE organizations DROP COLUMN wrote_lsn")  # SQLite 3.35+ and PostgreSQL
