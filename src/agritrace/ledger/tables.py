"""The log's tables (migration 0016): its leaves, the hashes of its perfect subtrees, its heads."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, LargeBinary, String, Table

from agritrace.store.tables import BigId, metadata

# One leaf per stored event, in the order the outbox appended them (events' primary key order).
ledger_leaves = Table(
    "ledger_leaves",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("event_pk", BigInteger, ForeignKey("events.id"), nullable=False, unique=True),
    Column("hash_id", String(100), nullable=False, index=True),
    Column("org_id", Integer, nullable=False),
    Column("record_time_us", BigInteger, nullable=False),
)

# The hash of every perfect subtree: leaves [index * 2**level, (index + 1) * 2**level), keyed
# by level * 2**48 + index, so a proof reads its O(log n) hashes in one query.
ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("node", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# Signed tree heads, as published; the signed text is rebuilt from these columns.
ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("origin", String(200), nullable=False),
    Column("tree_size", BigInteger, nullable=False, index=True),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("timestamp_ms", BigInteger, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)
