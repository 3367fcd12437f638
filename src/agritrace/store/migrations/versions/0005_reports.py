"""reports: per-plot deforestation-risk results imported from an outside tool (Whisp)

Revision ID: 0005
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0001'
branch_labels = ('reports',)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('plot_risks',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('plot_uri', sa.String(length=300), nullable=False),
    sa.Column('commodity', sa.String(length=20), nullable=False),
    sa.Column('risk', sa.String(length=20), nullable=True),
    sa.Column('risk_column', sa.String(length=60), nullable=True),
    sa.Column('area_ha', sa.Float(), nullable=True),
    sa.Column('country', sa.String(length=60), nullable=True),
    sa.Column('disturbance_after_cutoff', sa.Integer(), nullable=True),
    sa.Column('indicators', sa.Text(), server_default='{}', nullable=False),
    sa.Column('document', sa.String(length=300), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('imported_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                            name=op.f('fk_plot_risks_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plot_risks'))
    )
    op.create_index('ix_plot_risks_org_id_plot_uri', 'plot_risks', ['org_id', 'plot_uri'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_plot_risks_org_id_plot_uri', table_name='plot_risks')
    op.drop_table('plot_risks')
