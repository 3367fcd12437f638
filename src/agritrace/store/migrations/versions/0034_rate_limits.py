"""rate_limits: counters every worker process and server shares (issue 19)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05

The report form's and the sign-in form's limits were counted per process or read from the rows
they limit without a lock; a client spreading its requests over several workers or servers got
more than its share. One row per limit and client, updated in one statement
(agritrace.limits).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_limits',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('window_us', sa.BigInteger(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('prev_hits', sa.Integer(), nullable=False),
        sa.Column('expires_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits')),
    )
    op.create_index('ix_rate_limits_expires_us', 'rate_limits', ['expires_us'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_limits_expires_us', table_name='rate_limits')
    op.drop_table('rate_limits')
