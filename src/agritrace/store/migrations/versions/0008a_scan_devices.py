"""scans: which device and which client made a scan, so that a page load is not a scan

Revision ID: 0008a
Revises: 0008
Create Date: 2026-12-05

One scan per device (the digest of a first-party cookie) per code per day is logged, and one
client (a salted digest of its address) logs a bounded number; the verdict counts devices and
places, not page loads. Rows logged before have neither ('').
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008a'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scans') as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=32), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('client', sa.String(length=64), server_default='',
                                      nullable=False))
    op.create_index('ix_scans_client_scanned_us', 'scans', ['client', 'scanned_us'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_scans_client_scanned_us', table_name='scans')
    with op.batch_alter_table('scans') as batch_op:
        batch_op.drop_column('client')
        batch_op.drop_column('device')
