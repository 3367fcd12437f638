"""trace: index for reading an event's terms by role

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

A lineage walk reads only the roles it follows (backward from one of 500 bags packed by one
event it reads that event's input, not its 500 outputs): (event_pk, role) answers that from the
index alone.
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = ('trace',)
depends_on = None


def upgrade() -> None:
    op.create_index('ix_event_terms_event_pk_role', 'event_terms', ['event_pk', 'role'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_event_terms_event_pk_role', table_name='event_terms')
