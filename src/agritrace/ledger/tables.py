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

# Cosignatures witnesses sent for a head (C2SP tlog-cosignature, Ed25519): the log serves them
# with the head. One per witness key and head; a witness cosigning the same head again replaces
# its older one.
ledger_cosignatures = Table(
    "ledger_cosignatures",
    metadata,
    # ledger_heads.id, without a foreign key (migration 0024 may run before 0016's tables exist)
    Column("head_id", BigInteger, primary_key=True, autoincrement=False),
    Column("witness", String(200), primary_key=True),
    Column("key_id", String(8), primary_key=True),
    Column("timestamp_s", BigInteger, nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)

# What this instance, as a witness, last cosigned of each log it watches (by the log's origin):
# a later head must extend it (a consistency proof), or it is refused as a split view.
ledger_witnessed = Table(
    "ledger_witnessed",
    metadata,
    Column("origin", String(200), primary_key=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("head_timestamp_ms", BigInteger, nullable=False),
    Column("cosigned_s", BigInteger, nullable=False),
)
