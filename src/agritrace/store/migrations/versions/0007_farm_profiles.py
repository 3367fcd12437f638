"""farm: an organization's public profile (address and contact for the consumer page)

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01

Circular 02/2024/TT-BKHCN asks a traced product to name its producer with an address; the
profile is what the consumer page shows beside the producer's name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('farm_profiles',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=300), server_default='', nullable=False),
    sa.Column('province', sa.String(length=100), server_default='', nullable=False),
    sa.Column('phone', sa.String(length=30), server_default='', nullable=False),
    sa.Column('email', sa.String(length=200), server_default='', nullable=False),
    sa.Column('website', sa.String(length=300), server_default='', nullable=False),
    sa.Column('updated_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                            name=op.f('fk_farm_profiles_org_id_organizations')),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_farm_profiles'))
    )


def downgrade() -> None:
    op.drop_table('farm_profiles')
