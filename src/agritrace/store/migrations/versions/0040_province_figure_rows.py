"""province: the rows behind each kept figure

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-05

province_figure_rows: the rows of each list behind a figure of the province desk (plots,
recalls, rice seasons, diary entries, products), computed with the kept figures
(province_figures) of the same regulator, period and deadline, so that following a figure's link
reads a page of rows filtered and counted in SQL instead of judging every plot of the area again
(agritrace.province.rows). The figures kept before are dropped: they had no rows, and are
computed again, with them, when next asked for.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'province_figure_rows',
        sa.Column('regulator_id', sa.Integer(), nullable=False),
        sa.Column('period_from', sa.String(length=10), nullable=False),
        sa.Column('period_to', sa.String(length=10), nullable=False),
        sa.Column('deadline_days', sa.Integer(), nullable=False),
        sa.Column('list', sa.String(length=20), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('tags', sa.Text(), nullable=False),
        sa.Column('quantity', sa.Float(), nullable=False),
        sa.Column('cells', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['regulator_id'], ['organizations.id'],
                                name=op.f('fk_province_figure_rows_regulator_id_organizations')),
        sa.PrimaryKeyConstraint('regulator_id', 'period_from', 'period_to', 'deadline_days',
                                'list', 'position', name='pk_province_figure_rows'),
    )
    # figures kept before have no rows: computed again (with them) on the next request
    op.execute("DELETE FROM province_figures")


def downgrade() -> None:
    op.drop_table('province_figure_rows')
