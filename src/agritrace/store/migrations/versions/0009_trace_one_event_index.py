"""trace: one index for reading an event's terms

Revision ID: 0009
Revises: 0002
Create Date: 2026-12-01

The event log's own index on event_terms.event_pk is a prefix of the trace branch's
(event_pk, role): every look-up by event is answered by the wider one, and the narrower one only
cost each capture three more index entries per event.
"""

from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_event_terms_event_pk', table_name='event_terms')


def downgrade() -> None:
    op.create_index('ix_event_terms_event_pk', 'event_terms', ['event_pk'], unique=False)
