"""scans: scan log and consumer problem reports

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0001'
branch_labels = ('scans',)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('scans',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=300), nullable=False),
    sa.Column('scanned_us', sa.BigInteger(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('user_agent', sa.String(length=200), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scans'))
    )
    op.create_index('ix_scans_code_scanned_us', 'scans', ['code', 'scanned_us'], unique=False)
    op.create_table('tickets',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets'))
    )
    op.create_index('ix_tickets_client_key_created_us', 'tickets', ['client_key', 'created_us'],
                    unique=False)
    op.create_index('ix_tickets_code', 'tickets', ['code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_code', table_name='tickets')
    op.drop_index('ix_tickets_client_key_created_us', table_name='tickets')
    op.drop_table('tickets')
    op.drop_index('ix_scans_code_scanned_us', table_name='scans')
    op.drop_table('scans')
