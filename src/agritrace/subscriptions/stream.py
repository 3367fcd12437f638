"""A WebSocket subscription (EPCIS 2.0: ``GET /queries/{queryName}/events?stream=true`` with
``Upgrade: websocket``): each new event of the query the subscriber may read, one
EPCISQueryDocument a message, while the connection is open.

Nothing is written to the outbox: a WebSocket subscription lives as long as its connection (the
standard's), and a client that reconnects names where to start (``initialRecordTime``). The
connection reads under its organization's reading rule, the one ``GET /events`` applies
(:func:`.outbox.pages`), and checks its token again before each look, so a revoked token or a
deleted query ends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from agritrace.epcis.times import now_micros, parse_time
from agritrace.errors import Problem
from agritrace.named_queries import store as queries
from agritrace.store.orgs import Organization
from agritrace.subscriptions.outbox import OVERLAP_US, document, event_key, pages, record_us
from agritrace.subscriptions.store import SubscriptionControlsException

#: Parameters of a scheduled subscription, which this server serves by webhook only.
SCHEDULE = ("second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek", "reportIfEmpty")


def initial_record_us(params: Mapping[str, str]) -> int:
    """Where a stream starts, from the handshake's query (``stream=true``, optionally
    ``initialRecordTime``); SubscriptionControlsException naming every problem."""
    problems = []
    if params.get("stream") != "true":
        problems.append(Problem("stream", "stream=true", repr(params.get("stream"))[:80]))
    for name in params:
        if name in SCHEDULE:
            problems.append(Problem(name, "stream=true (a scheduled subscription is served by "
                                    "webhook: POST /queries/{queryName}/subscriptions)", name))
        elif name not in ("stream", "initialRecordTime"):
            problems.append(Problem(name, "only stream and initialRecordTime (the token goes in "
                                    "the Authorization header or the first message, never in "
                                    "the URL)", name[:80]))
    start = now_micros()
    if "initialRecordTime" in params:
        try:
            start = parse_time(params["initialRecordTime"])
        except ValueError:
            problems.append(Problem("initialRecordTime", "a date-time with its zone, e.g. "
                                    "2026-12-01T00:00:00Z", params["initialRecordTime"][:80]))
    if problems:
        raise SubscriptionControlsException(
            "Đăng ký không hợp lệ / The subscription is not valid", problems)
    return start


@dataclass
class Stream:
    """One open WebSocket subscription: what it has sent, by event, within the overlap a late
    commit may need (:data:`.outbox.OVERLAP_US`)."""

    engine: Engine
    org: Organization
    query_name: str
    start_us: int
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cursor_us: int = 0
    sent: dict[str, int] = field(default_factory=dict)

    def due(self) -> list[bytes]:
        """The messages of the events recorded since the last look, oldest first;
        NoSuchResourceException once the query is gone."""
        saved = queries.get(self.engine, self.org, self.query_name)
        low = max(self.start_us, self.cursor_us - OVERLAP_US)
        found = []
        for page in pages(self.engine, self.org, saved, low, now_micros() + 1):
            for stored in page:
                key = event_key(stored.event)
                if key not in self.sent:
                    self.sent[key] = record_us(stored)
                    found.append(document([stored], self.query_name, self.id))
        self.cursor_us = max(self.sent.values(), default=self.cursor_us)
        self.sent = {k: at for k, at in self.sent.items() if at >= self.cursor_us - OVERLAP_US}
        return found
