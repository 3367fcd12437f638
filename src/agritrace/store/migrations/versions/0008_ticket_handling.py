"""scans: when and by whom a consumer's report was handled

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01

The province counts complaints and how fast they were handled; the producer closes each one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.add_column(sa.Column('handled_us', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('handled_by', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('answer', sa.Text(), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.drop_column('answer')
        batch_op.drop_column('handled_by')
        batch_op.drop_column('handled_us')
