"""The shared rate-limit counters (migration 0034): one row per limit and client."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from agritrace.store.tables import metadata

# A sliding window kept as two fixed ones: the hits of the current window and of the one
# before it. Rows whose windows have both passed are pruned (agritrace.limits.prune).
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(200), primary_key=True),  # '{limit}:{salted client digest}'
    Column("window_us", BigInteger, nullable=False),  # start of the current window
    Column("hits", Integer, nullable=False),
    Column("prev_hits", Integer, nullable=False),  # of the window just before
    Column("expires_us", BigInteger, nullable=False),
    Index("ix_rate_limits_expires_us", "expires_us"),
)
