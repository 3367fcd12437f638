"""capture jobs: the IDs of the events a job stored

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-05

A capture job's answer lists each stored event's ID (its own eventID, or else its hash ID), so a
client finds what it sent at GET /events/{id} (issue 12). Jobs recorded before say nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('capture_jobs') as batch:
        batch.add_column(sa.Column('event_ids', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('capture_jobs') as batch:
        batch.drop_column('event_ids')
