"""market: what a producer sells a product for (price, currency, availability)

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-05

The catalogue, the marketplace feeds and the share cards show the organization's own offer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('market_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), server_default='VND', nullable=False),
    sa.Column('availability', sa.String(length=20), server_default='in_stock', nullable=False),
    sa.Column('updated_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'],
                            name=op.f('fk_market_offers_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_offers')),
    sa.UniqueConstraint('org_id', 'gtin', name='uq_market_offers_org_id')
    )


def downgrade() -> None:
    op.drop_table('market_offers')
