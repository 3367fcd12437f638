"""event_aliases: the eventIDs clients gave to events found to be duplicates by hash

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05

A client that sent an event again under its own eventID was told "duplicate", and that eventID
then found nothing (GET /events/{id}: 404; EQ_eventID: no hit), issue 12. The eventID is kept
here as an alias of the stored event, which both find. (0016 is the ledger's.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'event_aliases',
        sa.Column('event_pk', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['event_pk'], ['events.id'],
                                name=op.f('fk_event_aliases_event_pk_events')),
    )
    with op.batch_alter_table('event_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_event_aliases_event_id', ['event_id'], unique=False)
        batch_op.create_index('ix_event_aliases_event_pk', ['event_pk'], unique=False)


def downgrade() -> None:
    op.drop_table('event_aliases')
