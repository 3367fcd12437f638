"""Rate limits every worker process and server shares: counters in the database.

A limit allows ``most`` hits per ``window_s`` seconds to one client (a salted digest of its
address, never the address). Its counter is one row of ``rate_limits`` holding the hits of the
current fixed window and of the one before; the allowance is a sliding window estimated from the
two (the previous window's hits weighted by how much of it the sliding window still covers), so
a client cannot double its share across a window's edge.

One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement counts a hit and reads the counter
back: atomic on SQLite and PostgreSQL, so two workers (or two servers) counting the same client
at the same moment each see the other's hit. A refused hit counts too: a client that keeps
trying stays refused until it slows down. Rows whose two windows have passed are deleted, at
most once a minute per process (:func:`prune`).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, text

from agritrace.limits.tables import rate_limits

_PRUNE_EVERY_US = 60_000_000
_pruned = {"at_us": 0}
_pruned_lock = threading.Lock()

# The old row's values on the right of SET, on both engines.
_HIT = text(
    "INSERT INTO rate_limits (key, window_us, hits, prev_hits, expires_us) "
    "VALUES (:key, :window, 1, 0, :expires) ON CONFLICT (key) DO UPDATE SET "
    "prev_hits = CASE WHEN rate_limits.window_us = excluded.window_us "
    "THEN rate_limits.prev_hits WHEN rate_limits.window_us = excluded.window_us - :width "
    "THEN rate_limits.hits ELSE 0 END, "
    "hits = CASE WHEN rate_limits.window_us = excluded.window_us "
    "THEN rate_limits.hits + 1 ELSE 1 END, "
    "window_us = excluded.window_us, expires_us = excluded.expires_us "
    "RETURNING hits, prev_hits")


@dataclass(frozen=True)
class Limit:
    """At most ``most`` hits per ``window_s`` seconds, per client, of the limit ``name``."""

    name: str
    most: int
    window_s: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    used: float  # the sliding window's estimated hits, this one included
    retry_after_s: int  # seconds to the end of the current window


def _now_us() -> int:
    return time.time_ns() // 1000


def hit(engine: Engine, limit: Limit, client: str, now_us: int | None = None) -> Verdict:
    """Count one hit of ``client`` against ``limit`` and say whether it is allowed."""
    with engine.begin() as conn:
        return hit_in(conn, limit, client, now_us)


def hit_in(conn: Connection, limit: Limit, client: str, now_us: int | None = None) -> Verdict:
    """:func:`hit` in the caller's transaction, which then writes what the hit allows in the
    same commit (on PostgreSQL the counter's row stays locked until then, so a client's racing
    requests are counted one after the other)."""
    now_us = _now_us() if now_us is None else now_us
    width = limit.window_s * 1_000_000
    window = now_us - now_us % width
    hits, prev = conn.execute(_HIT, {
        "key": _key(limit, client), "window": window, "width": width,
        "expires": window + 2 * width}).one()
    prune(conn, now_us)
    return _verdict(limit, int(hits), int(prev), now_us - window, width)


def peek(engine: Engine, limit: Limit, client: str, now_us: int | None = None) -> Verdict:
    """Whether one more hit would be allowed, counting nothing (a form that limits only its
    failures asks first, and counts a failure with :func:`hit`)."""
    now_us = _now_us() if now_us is None else now_us
    width = limit.window_s * 1_000_000
    window = now_us - now_us % width
    with engine.connect() as conn:
        row = conn.execute(select(rate_limits.c.window_us, rate_limits.c.hits,
                                  rate_limits.c.prev_hits).where(
            rate_limits.c.key == _key(limit, client))).first()
    hits = prev = 0
    if row is not None and row.window_us == window:
        hits, prev = row.hits, row.prev_hits
    elif row is not None and row.window_us == window - width:
        prev = row.hits
    return _verdict(limit, hits + 1, prev, now_us - window, width)


def _verdict(limit: Limit, hits: int, prev: int, into_us: int, width: int) -> Verdict:
    """The sliding window's count: this window's hits and the part of the previous window's
    that it still covers (assumed spread evenly)."""
    used = hits + prev * (width - into_us) / width
    # Refused: told to come back when this window ends (the earliest a window starts afresh).
    return Verdict(used <= limit.most, used, math.ceil((width - into_us) / 1_000_000))


def prune(conn: Connection, now_us: int) -> None:
    """Delete the counters whose windows have both passed, at most once a minute per process."""
    with _pruned_lock:
        if now_us - _pruned["at_us"] < _PRUNE_EVERY_US:
            return
        _pruned["at_us"] = now_us
    conn.execute(delete(rate_limits).where(rate_limits.c.expires_us < now_us))


def _key(limit: Limit, client: str) -> str:
    return f"{limit.name}:{client}"[:200]
