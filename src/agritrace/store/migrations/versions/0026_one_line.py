"""one line of migrations from here on

Revision ID: 0026
Revises: 0005, 0011, 0013, 0016, 0017, 0018, 0020, 0021, 0023, 0024, 0025
Create Date: 2026-12-05

Parallel work left eleven heads, which `upgrade heads` applied in an order alembic chose. This
merge joins them, so every later migration has one parent and the order is the file order.
Nothing in the schema changes.
"""

from __future__ import annotations

revision = '0026'
down_revision = ('0005', '0011', '0013', '0016', '0017', '0018', '0020', '0021', '0023', '0024',
                 '0025')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
