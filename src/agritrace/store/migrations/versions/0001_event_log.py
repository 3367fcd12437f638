"""event log: organizations, tokens, capture jobs, events, terms

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('gln', sa.String(length=13), nullable=True),
    sa.Column('kind', sa.String(length=40), server_default='enterprise', nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('name', name=op.f('uq_organizations_name'))
    )
    op.create_table('capture_jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('document', sa.String(length=300), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.Column('finished_us', sa.BigInteger(), nullable=True),
    sa.Column('captured', sa.Integer(), server_default='0', nullable=False),
    sa.Column('duplicates', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('errors', sa.Text(), server_default='[]', nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_capture_jobs_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capture_jobs'))
    )
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('hash_id', sa.String(length=100), nullable=False),
    sa.Column('dedupe_key', sa.String(length=110), nullable=False),
    sa.Column('event_id', sa.String(length=500), nullable=True),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=True),
    sa.Column('event_time_us', sa.BigInteger(), nullable=False),
    sa.Column('event_tz', sa.String(length=6), nullable=False),
    sa.Column('record_time_us', sa.BigInteger(), nullable=False),
    sa.Column('biz_step', sa.String(length=500), nullable=True),
    sa.Column('disposition', sa.String(length=500), nullable=True),
    sa.Column('read_point', sa.String(length=500), nullable=True),
    sa.Column('biz_location', sa.String(length=500), nullable=True),
    sa.Column('declared_error', sa.Integer(), server_default='0', nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('namespaces', sa.Text(), server_default='{}', nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_events_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_events_dedupe_key'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_biz_location'), ['biz_location'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_biz_step'), ['biz_step'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_event_time_us'), ['event_time_us'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_read_point'), ['read_point'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_record_time_us'), ['record_time_us'], unique=False)

    op.create_table('tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.Column('revoked_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_tokens_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tokens_token_hash'))
    )
    op.create_table('event_terms',
    sa.Column('event_pk', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=300), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('uom', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['event_pk'], ['events.id'], name=op.f('fk_event_terms_event_pk_events'))
    )
    with op.batch_alter_table('event_terms', schema=None) as batch_op:
        batch_op.create_index('ix_event_terms_event_pk', ['event_pk'], unique=False)
        batch_op.create_index('ix_event_terms_value_role', ['value', 'role'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('event_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_event_terms_value_role')
        batch_op.drop_index('ix_event_terms_event_pk')

    op.drop_table('event_terms')
    op.drop_table('tokens')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_record_time_us'))
        batch_op.drop_index(batch_op.f('ix_events_read_point'))
        batch_op.drop_index(batch_op.f('ix_events_event_time_us'))
        batch_op.drop_index(batch_op.f('ix_events_event_id'))
        batch_op.drop_index(batch_op.f('ix_events_biz_step'))
        batch_op.drop_index(batch_op.f('ix_events_biz_location'))

    op.drop_table('events')
    op.drop_table('capture_jobs')
    op.drop_table('organizations')
