"""province: the open data kept per day, and leases for computing in the background

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-05

province_open_data: what a province publishes (growing areas per commune and crop) as of a day,
computed by `agritrace province refresh` (or once in the background), so a public request reads
a row instead of judging every plot. province_leases: one row per computation running in the
background (its name, who holds it, until when), so that of several web workers only one
computes the same figures at a time (agritrace.province.background).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'province_open_data',
        sa.Column('province', sa.String(length=40), nullable=False),
        sa.Column('as_of', sa.String(length=10), nullable=False),
        sa.Column('rows', sa.Text(), nullable=False),
        sa.Column('computed_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('province', 'as_of', name='pk_province_open_data'),
    )
    op.create_table(
        'province_leases',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('until_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_province_leases'),
    )


def downgrade() -> None:
    op.drop_table('province_leases')
    op.drop_table('province_open_data')
