"""org_write_positions: each organization's last write position, out of organizations

Revision ID: 0044
Revises: 0040
Create Date: 2026-12-05

With read replicas, the primary's WAL position after each organization's write was kept in
``organizations.wrote_lsn`` (migration 0025). ``organizations`` is one of the tables whose writes
bump the consumer pages' generation (migration 0020), so every write by anybody (a capture, a
diary entry, an offer, a page form) dropped every kept consumer page (issue 19/21). The position
now has its own table, which no trigger watches; the positions kept are moved across.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0044'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'org_write_positions',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('wrote_lsn', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                                name=op.f('fk_org_write_positions_org_id_organizations')),
        sa.PrimaryKeyConstraint('org_id', name=op.f('pk_org_write_positions')),
    )
    op.execute("INSERT INTO org_write_positions (org_id, wrote_lsn) "
               "SELECT id, wrote_lsn FROM organizations WHERE wrote_lsn IS NOT NULL")
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would copy and drop organizations, which
    # the tokens' and grants' foreign keys refuse
    op.execute("ALTER TABLE organizations DROP COLUMN wrote_lsn")


def downgrade() -> None:
    op.add_column('organizations', sa.Column('wrote_lsn', sa.BigInteger(), nullable=True))
    op.execute("UPDATE organizations SET wrote_lsn = (SELECT p.wrote_lsn FROM org_write_positions p "
               "WHERE p.org_id = organizations.id) "
               "WHERE id IN (SELECT org_id FROM org_write_positions)")
    op.drop_table('org_write_positions')
