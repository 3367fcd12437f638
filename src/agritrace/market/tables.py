"""What a producer sells a product for (migration branch ``farm``, 0011).

One offer per organization and GTIN: the price and availability the catalogue, the feeds and the
share cards show. Changes go through :mod:`agritrace.market.offers`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

from agritrace.store.tables import metadata

offers = Table(
    "market_offers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("price", Numeric(14, 2), nullable=True),
    Column("currency", String(3), nullable=False, server_default="VND"),
    Column("availability", String(20), nullable=False, server_default="in_stock"),
    Column("updated_us", BigInteger, nullable=False),
    UniqueConstraint("org_id", "gtin", name="uq_market_offers_org_id"),
)
