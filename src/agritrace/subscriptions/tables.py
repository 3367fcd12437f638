"""Subscriptions and their outbox of deliveries (migration 0021, event log branch)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
)

from agritrace.store.tables import metadata

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),  # the subscriptionID, a UUID
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("query_name", String(200), nullable=False),
    Column("dest", String(2000), nullable=False),
    # kept as given: the server signs with it (HMAC), so it cannot be stored hashed
    Column("signature_token", String(500), nullable=True),
    Column("stream", Boolean, nullable=False),
    Column("schedule", Text, nullable=True),  # the schedule object as posted, JSON text
    Column("report_if_empty", Boolean, nullable=False),
    Column("initial_record_us", BigInteger, nullable=False),
    # events recorded from here on are still owed (the standard's minRecordTime)
    Column("min_record_us", BigInteger, nullable=False),
    Column("next_run_us", BigInteger, nullable=True),  # a schedule's next run
    Column("created_us", BigInteger, nullable=False),
    Column("last_notified_us", BigInteger, nullable=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    # derived from the subscription and what is delivered: enqueuing twice adds nothing, and a
    # receiver deduplicates by it (sent as the Idempotency-Key header)
    Column("id", String(36), primary_key=True),
    Column("subscription_id", String(36), nullable=False, index=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # events | recall
    Column("dest", String(2000), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(12), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_us", BigInteger, nullable=False),
    Column("last_error", String(500), nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("delivered_us", BigInteger, nullable=True),
    Index("ix_deliveries_state_next", "state", "next_attempt_us"),
)


def forget(conn: Connection, ids: list[str]) -> None:
    """Unsubscribe: the subscriptions and what they still owed go (delivered and dead-lettered
    deliveries stay, as their history). DELETE of a subscription, and of its named query."""
    conn.execute(delete(subscriptions).where(subscriptions.c.id.in_(ids)))
    conn.execute(delete(deliveries).where(deliveries.c.subscription_id.in_(ids),
                                          deliveries.c.state == "pending"))
