"""Reads from PostgreSQL streaming replicas, with read-your-writes.

PostgreSQL's physical replication keeps each replica an exact copy of the primary, a few
milliseconds behind. Writes always go to the primary; a read-only route may read a replica
when the replica has replayed everything the reader must see:

- an organization that wrote reads a replica only once the replica's replay position (its WAL
  LSN) has passed the primary's position right after that organization's last write, which is
  kept in the database (table ``org_write_positions``), so the rule holds across worker
  processes and servers without sticky sessions; not on the organization's row, whose every
  write would drop every kept consumer page (:mod:`agritrace.pagecache`);
- and every reader (the public pages too) reads a replica only if it has replayed what the
  primary had written at most ``refresh_s`` ago: a replica that fell behind is not read.

A page that shows a verdict (the consumer page, its linkset, a product page, the badge) needs
more than a bound: a recall or a void committed on the primary must show on the very next
request. Such a page reads its facts (:meth:`Replicas.at_generation`) only from a replica whose
page cache generation (``page_generation``, bumped in the commit of every write to the tables a
verdict is made from: :mod:`agritrace.pagecache`) has reached the primary's, read just before on
the primary; a replica that lags is not waited for: the primary renders the page.

A replica that cannot be reached is left alone for ``retry_s``; with no usable replica every read
goes to the primary. Nothing here changes data on a replica (it is read-only anyway).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg
from sqlalchemy import ColumnClause, Connection, Engine, TextClause, literal_column, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from agritrace.store.engine import make_engine
from agritrace.store.raw import awaiting
from agritrace.store.tables import org_write_positions

ASK_EVERY_S = 0.05  # a replica that was behind is asked again at most this often


def _wal_bytes(position: str) -> str:
    """A WAL position (pg_lsn) as the number of bytes since the start: an integer to compare
    and store."""
    return f"({position}() - '0/0'::pg_lsn)::bigint"


_PRIMARY_NOW = _wal_bytes("pg_current_wal_lsn")
_PRIMARY_LSN = text(f"SELECT {_PRIMARY_NOW}")
_REPLAY_LSN = text(f"SELECT {_wal_bytes('pg_last_wal_replay_lsn')}")
_GENERATION = "SELECT n FROM page_generation WHERE id = 1"


@dataclass
class _Replica:
    name: str
    engine: Engine
    replayed: int = -1  # the replay position last seen; it only grows, so it is a safe bound
    generation: int = -1  # the page cache generation last seen; it only grows too
    seen_at: float = 0.0
    down_until: float = 0.0


@dataclass
class Replicas:
    """The primary and its replicas; :meth:`reader` chooses where a read goes."""

    primary: Engine
    replicas: list[_Replica]
    refresh_s: float = 1.0
    retry_s: float = 5.0
    served: Counter[str] = field(default_factory=Counter)  # reads per target (diagnostics)
    _primary_lsn: int = -1
    _primary_seen: float = 0.0
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_urls(cls, primary: Engine, urls: list[str]) -> Replicas:
        return cls(primary, [_Replica(f"replica-{n}", make_engine(url))
                             for n, url in enumerate(urls, start=1)])

    def reader(self, after_lsn: int | None = None) -> Engine:
        """An engine that has everything up to ``after_lsn`` (the reader's own last write) and
        what the primary held at most ``refresh_s`` ago; the primary when no replica does."""
        if self.replicas:
            recent = self._recent_primary_lsn()
            # with the primary unreachable, a replica still serves the public pages
            wanted = max(after_lsn or 0, recent if recent is not None else 0)
            for _ in range(len(self.replicas)):
                replica = self._round_robin()
                if self._has_replayed(replica, wanted):
                    self.served[replica.name] += 1
                    return replica.engine
        self.served["primary"] += 1
        return self.primary

    async def at_generation(self, generation: int | None = None) -> Engine:
        """Where the facts of a page with a verdict are read: a replica whose page cache
        generation has reached ``generation`` (the primary's, read by the caller; None: read
        now), so its facts hold every write the primary had committed; else the primary."""
        if not self.replicas:
            return self.primary
        if generation is None:
            async with awaiting(self.primary) as raw:
                generation = int((await raw.rows(_GENERATION))[0][0])
        for _ in range(len(self.replicas)):
            replica = self._round_robin()
            if await self._has_generation(replica, generation):
                self.served[replica.name] += 1
                return replica.engine
        self.served["primary"] += 1
        return self.primary

    def mark_written(self, org_id: int) -> None:
        """Remember where the primary's log stands now, after ``org_id``'s write committed:
        that organization's reads wait for a replica to get there."""
        if not self.replicas:
            return
        position: ColumnClause[int] = literal_column(_PRIMARY_NOW)
        with self.primary.begin() as conn:
            conn.execute(insert(org_write_positions).values(org_id=org_id, wrote_lsn=position)
                         .on_conflict_do_update(index_elements=["org_id"],
                                                set_={"wrote_lsn": position}))

    def dispose(self) -> None:
        for replica in self.replicas:
            replica.engine.dispose()

    def _round_robin(self) -> _Replica:
        with self._lock:
            replica = self.replicas[self._next % len(self.replicas)]
            self._next += 1
        return replica

    def _recent_primary_lsn(self) -> int | None:
        now = time.monotonic()
        if now - self._primary_seen > self.refresh_s:
            try:
                with self.primary.connect() as conn:
                    self._primary_lsn = _lsn(conn, _PRIMARY_LSN)
            except SQLAlchemyError:
                return None
            self._primary_seen = now
        return self._primary_lsn

    def _has_replayed(self, replica: _Replica, wanted: int) -> bool:
        now = time.monotonic()
        if now < replica.down_until:
            return False
        if replica.replayed >= wanted:
            return True
        if now - replica.seen_at < ASK_EVERY_S:  # asked a moment ago: not on every request
            return False
        try:
            with replica.engine.connect() as conn:
                replica.replayed = _lsn(conn, _REPLAY_LSN)
        except SQLAlchemyError:
            replica.down_until = now + self.retry_s
            return False
        replica.seen_at = now
        return replica.replayed >= wanted


    async def _has_generation(self, replica: _Replica, wanted: int) -> bool:
        if replica.generation >= wanted:
            return True
        now = time.monotonic()
        if now < replica.down_until:
            return False
        try:
            async with awaiting(replica.engine) as raw:
                replica.generation = int((await raw.rows(_GENERATION))[0][0])
        except (psycopg.Error, SQLAlchemyError, OSError):
            replica.down_until = now + self.retry_s
            return False
        return replica.generation >= wanted


def _lsn(conn: Connection, query: TextClause) -> int:
    value = conn.execute(query).scalar()
    return int(value) if value is not None else -1
