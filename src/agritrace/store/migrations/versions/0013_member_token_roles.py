"""member tokens: the sign-ins issued before tokens had roles become member tokens

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-05

Migration 0009 gave every existing token the role 'organization', the whole API; a cooperative
member's sign-in (a row in farm_member_tokens) reaches only the farm once its role says so.
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0009'
branch_labels = None
depends_on = '0003'


def upgrade() -> None:
    op.execute("UPDATE tokens SET role = 'member' WHERE token_hash IN "
               "(SELECT token_hash FROM farm_member_tokens)")


def downgrade() -> None:
    op.execute("UPDATE tokens SET role = 'organization' WHERE role = 'member'")
