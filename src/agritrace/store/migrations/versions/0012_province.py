"""province: regulators bound to an area, and the province's targets

Revision ID: 0012
Revises: 0001
Create Date: 2026-12-05

A province's (or commune's) officers read across every organization whose places lie in their
area, and may open a recall there; the province sets targets its indicators are compared with.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('regulators',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=40), nullable=False),
    sa.Column('commune', sa.String(length=100), server_default='', nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                            name=op.f('fk_regulators_org_id_organizations')),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_regulators'))
    )
    op.create_table('province_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=40), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('crop', sa.String(length=40), server_default='', nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('set_by', sa.String(length=200), nullable=False),
    sa.Column('set_us', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_province_targets')),
    sa.UniqueConstraint('province', 'indicator', 'crop', name='uq_province_targets_province')
    )


def downgrade() -> None:
    op.drop_table('province_targets')
    op.drop_table('regulators')
