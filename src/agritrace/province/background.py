"""Slow figures computed in a background thread, one computation of a name at a time across every
web worker (issue 13: a province of 50,000 plots takes 15-25 s to judge).

The "one at a time" is a lease in the database (table ``province_leases``, migration 0039), not
in process memory: each web worker is its own process, and all of them, plus the cron job, may
be asked for the same figures at once. A worker takes the lease for :data:`LEASE_S` before it
starts and gives it back when done; a worker that dies holding it only delays the next
computation until the lease ends.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from agritrace.epcis.times import now_micros
from agritrace.province.tables import leases

log = logging.getLogger(__name__)

#: How long a computation may hold its lease: well above the slowest measured (25 s at 50,000
#: plots on PostgreSQL), so a live computation is never doubled, and short enough that a
#: worker killed mid-way delays the figures by minutes, not hours.
LEASE_S = 300


def take(engine: Engine, name: str, holder: str, now_us: int | None = None) -> bool:
    """Take the lease ``name`` for :data:`LEASE_S`: True when free (or its holder's time is up)."""
    now = now_micros() if now_us is None else now_us
    until = now + LEASE_S * 1_000_000
    with engine.begin() as conn:
        # an ended lease is taken over by one worker: the WHERE is checked in the UPDATE itself
        if conn.execute(update(leases).where(leases.c.name == name, leases.c.until_us < now)
                        .values(holder=holder, until_us=until)).rowcount:
            return True
    try:
        with engine.begin() as conn:
            conn.execute(insert(leases).values(name=name, holder=holder, until_us=until))
    except IntegrityError:
        return False  # another worker holds it
    return True


def held(engine: Engine, name: str, now_us: int | None = None) -> bool:
    """True while a worker computes ``name`` (its lease has not ended)."""
    now = now_micros() if now_us is None else now_us
    with engine.connect() as conn:
        return conn.execute(select(leases.c.name).where(
            leases.c.name == name, leases.c.until_us >= now)).first() is not None


def give_back(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))


def start(engine: Engine, name: str, work: Callable[[], object]) -> threading.Thread | None:
    """Run ``work`` in a daemon thread under the lease ``name``; None (and nothing run) when
    another worker holds the lease, i.e. computes the same figures already."""
    holder = uuid.uuid4().hex
    if not take(engine, name, holder):
        return None

    def run() -> None:
        # a thread has no caller to tell: the log says what failed, and the next miss retries
        # (a lease not given back ends by itself after LEASE_S)
        for step in (work, lambda: give_back(engine, name, holder)):
            try:
                step()
            except Exception:
                log.exception("%s: failed in the background", name)

    thread = threading.Thread(target=run, name=f"agritrace {name}", daemon=True)
    thread.start()
    return thread
