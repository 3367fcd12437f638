"""named queries: an organization's saved EPCIS queries (/queries)

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-05

Each organization names its own queries: the names of two organizations never collide, and a
query runs under the reading rule of the organization that asks for its events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('named_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                            name=op.f('fk_named_queries_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_named_queries')),
    sa.UniqueConstraint('org_id', 'name', name='uq_named_queries_org_id')
    )


def downgrade() -> None:
    op.drop_table('named_queries')
