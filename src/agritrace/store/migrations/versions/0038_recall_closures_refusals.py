"""recalls followed to a close; refused diary entries counted

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05

recall_closures: who closed a recall (its recording organization, the lots' owner, or the
area's regulator) and when, so the province desk counts recalls open and closed with their time
to close (issue 13). farm_diary_refusals: a diary entry the compliance rules refused (banned
ingredient, prophylactic antibiotic) is not saved, but that it was tried is kept, one row per
refused ingredient, once per entry key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recall_closures',
        sa.Column('recall_id', sa.String(length=100), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('closed_by', sa.String(length=200), nullable=False),
        sa.Column('closed_us', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                                name=op.f('fk_recall_closures_org_id_organizations')),
        sa.PrimaryKeyConstraint('recall_id', name=op.f('pk_recall_closures')),
    )
    op.create_table(
        'farm_diary_refusals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('plot', sa.String(length=500), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('ingredient', sa.String(length=200), nullable=False),
        sa.Column('product', sa.String(length=200), nullable=False),
        sa.Column('entry_on', sa.Date(), nullable=False),
        sa.Column('refused_us', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                                name=op.f('fk_farm_diary_refusals_org_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_farm_diary_refusals')),
        sa.UniqueConstraint('org_id', 'key', 'rule', 'ingredient',
                            name='uq_farm_diary_refusals'),
    )
    op.create_index('ix_farm_diary_refusals_org_id_refused_us', 'farm_diary_refusals',
                    ['org_id', 'refused_us'])


def downgrade() -> None:
    op.drop_index('ix_farm_diary_refusals_org_id_refused_us', 'farm_diary_refusals')
    op.drop_table('farm_diary_refusals')
    op.drop_table('recall_closures')
