"""An organization's named queries (migration 0018, event log branch)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from agritrace.store.tables import metadata

named_queries = Table(
    "named_queries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("name", String(200), nullable=False),
    # the query object as posted (query-schema.json), JSON text
    Column("query", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("org_id", "name", name="uq_named_queries_org_id"),
)
