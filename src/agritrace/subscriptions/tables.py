"""Subscriptions and their outbox of deliveries (migration 0021, event log branch)."""

from __future__ import annotations

import uuid
from typing import Any

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
    insert,
    select,
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


#: Namespace of delivery ids (uuid5 of the subscription and what is delivered).
DELIVERY_NS = uuid.UUID("4f1c6a52-3a8e-4c57-9a3e-5d0f2f7c9b11")


def delivery_id(subscription_id: str, what: str) -> str:
    return str(uuid.uuid5(DELIVERY_NS, f"{subscription_id}/{what}"))


def write_deliveries(conn: Connection, row: Any, kind: str, owed: list[tuple[str, bytes]],
                     now: int) -> None:
    """Write the deliveries ``owed`` (id, body) to the subscription ``row``, due ``now``."""
    if owed:
        conn.execute(insert(deliveries), [{
            "id": key, "subscription_id": row.id, "org_id": row.org_id, "kind": kind,
            "dest": row.dest, "body": body.decode(), "state": "pending", "attempts": 0,
            "next_attempt_us": now, "created_us": now} for key, body in owed])


def insert_new(conn: Connection, row: Any, kind: str, owed: list[tuple[str, bytes]],
               now: int) -> int:
    """Write the deliveries not yet written (by id) for the subscription ``row``; how many."""
    have = written(conn, [key for key, _ in owed])
    new = [(key, body) for key, body in owed if key not in have]
    write_deliveries(conn, row, kind, new, now)
    return len(new)


def written(conn: Connection, ids: list[str]) -> set[str]:
    """Which of the delivery ids are written already."""
    return set(conn.scalars(select(deliveries.c.id).where(deliveries.c.id.in_(ids))))
