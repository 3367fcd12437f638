"""feedback desk: acknowledged reports, ticket codes, photos, deadlines per category (issue 13)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05

A report may be acknowledged (by the code's owner or an officer) before it is forwarded or
answered; the reporter gets a ticket code, kept as its SHA-256 digest only; a report from the
public form may name a province instead of a code; a photo is kept beside its report; the
province's department sets the answer deadline of each category. Existing reports keep no code
(their reporters were told a number) and no photo.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('acknowledged_us', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('acknowledged_by', sa.String(length=200), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('code_digest', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('province', sa.String(length=40), nullable=False,
                                   server_default=''))
        batch.create_unique_constraint(op.f('uq_tickets_code_digest'), ['code_digest'])
    op.create_table(
        'ticket_photos',
        sa.Column('ticket_id', _BIG_ID, nullable=False),
        sa.Column('media_type', sa.String(length=20), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_ticket_photos_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_photos')),
    )
    op.create_table(
        'ticket_deadlines',
        sa.Column('province', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('set_by', sa.String(length=200), nullable=False),
        sa.Column('set_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('province', 'kind', name=op.f('pk_ticket_deadlines')),
    )


def downgrade() -> None:
    op.drop_table('ticket_deadlines')
    op.drop_table('ticket_photos')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint(op.f('uq_tickets_code_digest'), type_='unique')
        batch.drop_column('province')
        batch.drop_column('code_digest')
        batch.drop_column('acknowledged_by')
        batch.drop_column('acknowledged_us')
