"""province: the feedback desk's states, and targets per commune

Revision ID: 0023
Revises: 0019, 0008a, 0012
Create Date: 2026-12-05

A consumer's report goes new → assigned (an officer forwards it to the code's owner) → answered
(the owner answers from its inbox) → closed (the officer, having read the answer); who did each
step and when is kept on the report. Reports stored before were 'open' (now 'new') or 'closed'
by the producer with an answer (now 'answered'). A province's targets may name one commune.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
# Also a merge of the branches holding the tickets (0008a) and the province's targets (0012),
# so they exist before this runs; a depends_on would leave them as unreached heads for
# 'pending' (/readyz) since the version table records only 0023.
down_revision = ('0019', '0008a', '0012')
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('assigned_org_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('assigned_us', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('assigned_by', sa.String(length=200), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('closed_us', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('closed_by', sa.String(length=200), server_default='',
                                   nullable=False))
        batch.alter_column('status', existing_type=sa.String(length=20), server_default='new',
                           existing_nullable=False)
    op.execute("UPDATE tickets SET status = 'new' WHERE status = 'open'")
    op.execute("UPDATE tickets SET status = 'answered' WHERE status = 'closed'")
    with op.batch_alter_table('province_targets') as batch:
        batch.add_column(sa.Column('commune', sa.String(length=100), server_default='',
                                   nullable=False))
        batch.drop_constraint('uq_province_targets_province', type_='unique')
        batch.create_unique_constraint('uq_province_targets_area',
                                       ['province', 'commune', 'indicator', 'crop'])


def downgrade() -> None:
    op.execute("DELETE FROM province_targets WHERE commune <> ''")
    with op.batch_alter_table('province_targets') as batch:
        batch.drop_constraint('uq_province_targets_area', type_='unique')
        batch.create_unique_constraint('uq_province_targets_province',
                                       ['province', 'indicator', 'crop'])
        batch.drop_column('commune')
    op.execute("UPDATE tickets SET status = 'closed' WHERE status IN ('answered', 'closed')")
    op.execute("UPDATE tickets SET status = 'open' WHERE status IN ('new', 'assigned')")
    with op.batch_alter_table('tickets') as batch:
        batch.alter_column('status', existing_type=sa.String(length=20), server_default='open',
                           existing_nullable=False)
        batch.drop_column('closed_by')
        batch.drop_column('closed_us')
        batch.drop_column('assigned_by')
        batch.drop_column('assigned_us')
        batch.drop_column('assigned_org_id')
