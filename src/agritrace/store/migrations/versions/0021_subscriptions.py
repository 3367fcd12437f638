"""subscriptions: EPCIS 2.0 query subscriptions and their outbox of deliveries

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-05

A subscription belongs to the organization that made it, on one of its named queries; each
delivery it is owed is written to the outbox before it is sent, so nothing is lost in a restart.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('subscriptions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('query_name', sa.String(length=200), nullable=False),
    sa.Column('dest', sa.String(length=2000), nullable=False),
    sa.Column('signature_token', sa.String(length=500), nullable=True),
    sa.Column('stream', sa.Boolean(), nullable=False),
    sa.Column('schedule', sa.Text(), nullable=True),
    sa.Column('report_if_empty', sa.Boolean(), nullable=False),
    sa.Column('initial_record_us', sa.BigInteger(), nullable=False),
    sa.Column('min_record_us', sa.BigInteger(), nullable=False),
    sa.Column('next_run_us', sa.BigInteger(), nullable=True),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.Column('last_notified_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                            name=op.f('fk_subscriptions_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions'))
    )
    op.create_index(op.f('ix_subscriptions_org_id'), 'subscriptions', ['org_id'], unique=False)
    op.create_table('deliveries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('subscription_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('dest', sa.String(length=2000), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_us', sa.BigInteger(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.Column('delivered_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                            name=op.f('fk_deliveries_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    op.create_index(op.f('ix_deliveries_subscription_id'), 'deliveries', ['subscription_id'],
                    unique=False)
    op.create_index('ix_deliveries_state_next', 'deliveries', ['state', 'next_attempt_us'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_deliveries_state_next', table_name='deliveries')
    op.drop_index(op.f('ix_deliveries_subscription_id'), table_name='deliveries')
    op.drop_table('deliveries')
    op.drop_index(op.f('ix_subscriptions_org_id'), table_name='subscriptions')
    op.drop_table('subscriptions')
