"""Delivery state of an organization's subscriptions, as its cooperative page shows it: each
subscription, its last delivery, its last failure, its deliveries by state and its dead letters;
and sending one subscription's dead letters again (the page's retry button)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from agritrace.errors import NoSuchResourceException, Problem
from agritrace.subscriptions.notices import NOTICES_ONLY
from agritrace.subscriptions.outbox import Counts, counts, retry
from agritrace.subscriptions.tables import deliveries, subscriptions

DEAD_SHOWN = 20  # dead letters listed per subscription (the count says how many in all)


@dataclass(frozen=True)
class DeadLetter:
    id: str
    kind: str
    created_us: int
    attempts: int
    error: str


@dataclass(frozen=True)
class SubscriptionState:
    id: str
    query_name: str  # NOTICES_ONLY for a destination of notices only
    dest: str
    stream: bool
    last_delivered_us: int | None
    last_error: str | None
    counts: Counts
    dead: list[DeadLetter]

    @property
    def notices_only(self) -> bool:
        return self.query_name == NOTICES_ONLY


def delivery_state(engine: Engine, org_id: int) -> list[SubscriptionState]:
    """Each of the organization's subscriptions, oldest first, with its deliveries' state."""
    with engine.connect() as conn:
        rows = conn.execute(select(subscriptions).where(subscriptions.c.org_id == org_id)
                            .order_by(subscriptions.c.created_us, subscriptions.c.id)).all()
        ids = [row.id for row in rows]
        last = dict(conn.execute(select(deliveries.c.subscription_id,
                                        func.max(deliveries.c.delivered_us)).where(
            deliveries.c.subscription_id.in_(ids)).group_by(deliveries.c.subscription_id)).all())
        failed = conn.execute(select(deliveries.c.subscription_id, deliveries.c.last_error).where(
            deliveries.c.subscription_id.in_(ids), deliveries.c.last_error.is_not(None))
            .order_by(deliveries.c.created_us)).all()
        dead = conn.execute(select(deliveries).where(
            deliveries.c.subscription_id.in_(ids), deliveries.c.state == "dead").order_by(
            deliveries.c.created_us.desc(), deliveries.c.id)).all()
    errors = dict(failed)  # the latest failure of each (a later row wins)
    letters: dict[str, list[DeadLetter]] = {}
    for row in dead:
        shown = letters.setdefault(row.subscription_id, [])
        if len(shown) < DEAD_SHOWN:
            shown.append(DeadLetter(row.id, row.kind, row.created_us, row.attempts,
                                    row.last_error or ""))
    states = counts(engine, ids)
    return [SubscriptionState(row.id, row.query_name, row.dest, bool(row.stream),
                              last.get(row.id), errors.get(row.id), states[row.id],
                              letters.get(row.id, [])) for row in rows]


def retry_subscription(engine: Engine, org_id: int, subscription_id: str) -> int:
    """The subscription's dead letters pending again; NoSuchResourceException unless it is
    the organization's."""
    with engine.connect() as conn:
        mine = conn.scalar(select(subscriptions.c.id).where(
            subscriptions.c.id == subscription_id, subscriptions.c.org_id == org_id))
        dead = list(conn.scalars(select(deliveries.c.id).where(
            deliveries.c.subscription_id == subscription_id, deliveries.c.state == "dead")))
    if mine is None:
        raise NoSuchResourceException(
            "Không có đăng ký này / No such subscription", [Problem(
                "subscription", "one of your organization's subscriptions",
                subscription_id[:80])])
    return retry(engine, org_id, dead) if dead else 0
