"""events: deduplicated per organization, and found by hash ID through an index

Revision ID: 0014
Revises: 0002
Create Date: 2026-12-05

The same event captured by two organizations was stored once, for whoever came first: the second
was told "duplicate" (learning that someone holds it) and its own queries returned nothing (issue
11, item 5). The dedupe key becomes "{org id}/{hash ID}" (plus "#declared" for an error
declaration), so each organization holds its own copy; looking an event up by hash ID goes
through a new index on hash_id. Downgrading fails if two organizations hold the same event.
"""

from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE events SET dedupe_key = CAST(org_id AS VARCHAR(20)) || '/' || dedupe_key")
    op.create_index("ix_events_hash_id", "events", ["hash_id"])


def downgrade() -> None:
    op.drop_index("ix_events_hash_id", table_name="events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE events SET dedupe_key = substr(dedupe_key, strpos(dedupe_key, '/') + 1)")
    else:
        op.execute("UPDATE events SET dedupe_key = substr(dedupe_key, instr(dedupe_key, '/') + 1)")
