"""province: the dashboard's kept figures

Revision ID: 0033
Revises: 0030
Create Date: 2026-12-05

One row per regulator, period and ticket deadline: every figure of the province dashboard as
computed at computed_us (JSON), so a request reads a row instead of judging every plot of the
area; `agritrace province refresh` recomputes them (agritrace.province.kept).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'province_figures',
        sa.Column('regulator_id', sa.Integer(), nullable=False),
        sa.Column('period_from', sa.String(length=10), nullable=False),
        sa.Column('period_to', sa.String(length=10), nullable=False),
        sa.Column('deadline_days', sa.Integer(), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('computed_us', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['regulator_id'], ['organizations.id'],
                                name=op.f('fk_province_figures_regulator_id_organizations')),
        sa.PrimaryKeyConstraint('regulator_id', 'period_from', 'period_to', 'deadline_days',
                                name='pk_province_figures'),
    )


def downgrade() -> None:
    op.drop_table('province_figures')
