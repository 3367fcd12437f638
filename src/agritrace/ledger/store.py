"""The log in the database: the outbox that appends stored events, proofs, and signed heads.

Capture does not write the log (its transaction stays as fast as it was); the outbox reads the
events table in primary-key order from the last logged event and appends each as a leaf. It must
never skip one, and on PostgreSQL a sequence value can commit after a higher one: transaction A
takes id 10, B takes 11 and commits, the outbox logs 11, A commits 10 — behind the log for ever.
So the outbox logs only up to a *settled* id (:func:`settled_limit`):

- PostgreSQL: read the sequence's last value M (every id handed out so far), then the
  transactions holding a writer's lock on ``events`` (an INSERT or COPY takes it before it draws
  an id, and keeps it to its end), and wait until each of them has ended. Every id <= M then
  belongs to a committed event or to none: a later transaction draws ids above M. The sequence
  must hand ids out one at a time (CACHE 1, PostgreSQL's default), which is checked.
- SQLite: one writer at a time, its rows invisible until it commits and later ids higher, so
  every committed id is settled.

The outbox itself runs one at a time (an advisory lock on PostgreSQL, the single writer on
SQLite; a second concurrent append would fail on the leaf index's primary key and leave nothing).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, Row, func, insert, select, text

from agritrace.errors import AgritraceError, NoSuchResourceException, Problem
from agritrace.ledger import merkle
from agritrace.ledger.heads import Head, sign
from agritrace.ledger.tables import ledger_heads, ledger_leaves, ledger_nodes
from agritrace.store.bulk import bulk_insert, references_trusted
from agritrace.store.tables import events

LEAF_FORMAT = "agritrace-leaf/1"
NODE_SHIFT = 48
BATCH = 10_000
ADVISORY_KEY = 0x6167_7269_6C6F_67  # "agrilog"


@dataclass(frozen=True)
class Entry:
    """One leaf: an event's CBV 2.0 hash ID and its capture record."""

    index: int
    event_pk: int
    hash_id: str
    org_id: int
    record_time_us: int

    def data(self) -> bytes:
        return leaf_data(self.event_pk, self.hash_id, self.org_id, self.record_time_us)

    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.data())

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "hash_id": self.hash_id, "org": self.org_id,
                "capture": self.event_pk, "record_time_us": self.record_time_us}


def leaf_data(event_pk: int, hash_id: str, org_id: int, record_time_us: int) -> bytes:
    """The leaf's bytes (RFC 9162's d[i]): five lines, no trailing newline."""
    return f"{LEAF_FORMAT}\n{hash_id}\n{org_id}\n{event_pk}\n{record_time_us}".encode()


def node_key(level: int, index: int) -> int:
    return (level << NODE_SHIFT) | index


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# -- the outbox --------------------------------------------------------------------------------

class LogBusy(AgritraceError):
    status = 503
    title = "Capture transactions are still open"


def settled_limit(engine: Engine, wait_s: float = 10.0) -> int | None:
    """The highest event id below which no event can still appear (None: no event yet)."""
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            last = conn.scalar(select(func.max(events.c.id)))
            return None if last is None else int(last)
        return _pg_settled(conn, wait_s)


def _pg_settled(conn: Connection, wait_s: float) -> int | None:
    seq = conn.scalar(text("SELECT pg_get_serial_sequence('events', 'id')"))
    cache = conn.scalar(text("SELECT seqcache FROM pg_sequence WHERE seqrelid = "
                             "CAST(:s AS regclass)"), {"s": seq})
    if cache != 1:
        raise AgritraceError(f"The events' sequence {seq} caches {cache} ids per session: the "
                             "log needs them handed out in order (CACHE 1)")
    last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
    conn.commit()
    writers = _event_writers(conn)
    deadline = time.monotonic() + wait_s
    while writers:
        if time.monotonic() > deadline:
            raise LogBusy(f"{len(writers)} capture transaction(s) open for more than {wait_s} s; "
                          "the log waits for them (it never skips an event)")
        time.sleep(0.02)
        writers &= _event_writers(conn)
    return int(last) if called else None


def _event_writers(conn: Connection) -> set[str]:
    """The transactions (virtual ids) holding a writer's lock on ``events`` now."""
    rows = conn.execute(text(
        "SELECT virtualtransaction FROM pg_locks WHERE relation = CAST('events' AS regclass) "
        "AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid()")).scalars()
    found = set(rows)
    conn.commit()
    return found


def append_settled(engine: Engine, wait_s: float = 10.0) -> int:
    """Append every settled event not yet logged, in id order; how many were appended."""
    limit = settled_limit(engine, wait_s)
    if limit is None:
        return 0
    appended = 0
    # One connection for every batch; the leaves refer only to events just read, so SQLite
    # need not check each reference (nor keep a statement journal for it).
    with engine.connect() as conn, references_trusted(conn):
        while True:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY})
                count = _append_batch(conn, limit)
            appended += count
            if count < BATCH:
                return appended


def _append_batch(conn: Connection, limit: int) -> int:
    # max, not count: both read one end of an index, at any size
    size = tree_size(conn)
    last_pk = conn.scalar(select(func.coalesce(func.max(ledger_leaves.c.event_pk), 0)))
    rows = _unlogged(conn, int(last_pk or 0), limit)
    if not rows:
        return 0
    tree = _frontier(conn, size)
    leaves = [(size + offset, *row) for offset, row in enumerate(rows)]
    done = tree.extend([merkle.leaf_hash(leaf_data(*row)) for row in rows])
    nodes = [((level << NODE_SHIFT) | index, digest) for level, index, digest in done]
    bulk_insert(conn, ledger_leaves, ["leaf_index", "event_pk", "hash_id", "org_id",
                                      "record_time_us"], leaves)
    bulk_insert(conn, ledger_nodes, ["node", "hash"], nodes)
    return len(rows)


def _unlogged(conn: Connection, after: int, limit: int) -> list[tuple[Any, ...]]:
    """(id, hash ID, organization, record time) of the next events after ``after``, up to
    ``limit``: tuples straight from the driver (SQLAlchemy's rows cost more than the query)."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"SELECT id, hash_id, org_id, record_time_us FROM events WHERE id > "
                       f"{mark} AND id <= {mark} ORDER BY id LIMIT {BATCH}", (after, limit))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _frontier(conn: Connection, size: int) -> merkle.CompactRange:
    """The compact range of the first ``size`` leaves, from their stored perfect subtrees."""
    keys = []
    start = 0
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            keys.append(node_key(level, start >> level))
            start += 1 << level
    found = _nodes(conn, keys)
    tree = merkle.CompactRange()
    tree.size = size
    tree.stack = [found[key] for key in keys]
    return tree


def _nodes(conn: Connection, keys: Iterable[int]) -> dict[int, bytes]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = {key: bytes(digest) for key, digest in conn.execute(
        select(ledger_nodes.c.node, ledger_nodes.c.hash).where(ledger_nodes.c.node.in_(wanted)))}
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - set(found))[:3]
        raise AgritraceError(f"The log's stored subtrees are incomplete (e.g. node {missing})")
    return found


# -- sizes, roots and proofs -------------------------------------------------------------------

def tree_size(conn: Connection) -> int:
    last = conn.scalar(select(func.max(ledger_leaves.c.leaf_index)))
    return 0 if last is None else int(last) + 1


def _perfect_parts(start: int, end: int) -> Iterator[int]:
    """The stored nodes MTH(D[start:end]) is made of (RFC 9162's split, right edge apart)."""
    level = merkle.perfect(start, end)
    if level is not None:
        yield node_key(level, start >> level)
        return
    k = merkle.split(end - start)
    yield from _perfect_parts(start, start + k)
    yield from _perfect_parts(start + k, end)


def _stored_subtree(conn: Connection, ranges: list[tuple[int, int]]) -> merkle.SubtreeHash:
    found = _nodes(conn, (key for start, end in ranges for key in _perfect_parts(start, end)))

    def subtree(start: int, end: int) -> bytes:
        level = merkle.perfect(start, end)
        if level is not None:
            return found[node_key(level, start >> level)]
        k = merkle.split(end - start)
        return merkle.node_hash(subtree(start, start + k), subtree(start + k, end))

    return subtree


def root(conn: Connection, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return _stored_subtree(conn, [(0, size)])(0, size)


def _recorder(ranges: list[tuple[int, int]]) -> merkle.SubtreeHash:
    """A subtree function that notes what a proof asks for (the first of two walks: the
    second is answered from the nodes read in one query)."""

    def note(start: int, end: int) -> bytes:
        ranges.append((start, end))
        return b""

    return note


def inclusion(conn: Connection, index: int, size: int) -> list[bytes]:
    ranges: list[tuple[int, int]] = []
    merkle.inclusion_path(index, size, _recorder(ranges))
    return merkle.inclusion_path(index, size, _stored_subtree(conn, ranges))


def consistency(conn: Connection, old: int, new: int) -> list[bytes]:
    ranges: list[tuple[int, int]] = []
    merkle.consistency_path(old, new, _recorder(ranges))
    return merkle.consistency_path(old, new, _stored_subtree(conn, ranges))


def entry_of(conn: Connection, hash_id: str, org_id: int | None = None) -> Entry:
    """The leaf of an event by hash ID: the organization's own copy when ``org_id`` names one
    that holds it, else the first recording of it."""
    query = select(ledger_leaves).where(ledger_leaves.c.hash_id == hash_id)
    if org_id is not None:
        own = conn.execute(query.where(ledger_leaves.c.org_id == org_id)
                           .order_by(ledger_leaves.c.leaf_index).limit(1)).first()
        if own is not None:
            return Entry(*own)
    row = conn.execute(query.order_by(ledger_leaves.c.leaf_index).limit(1)).first()
    if row is None:
        raise NoSuchResourceException("No event with this hash ID is in the log (yet)", [
            Problem("event", "the CBV 2.0 hash ID of a logged event", repr(hash_id))])
    return Entry(*row)


def entries(conn: Connection, start: int = 0) -> Iterator[Entry]:
    """Every leaf from ``start`` on, in order, read in batches."""
    while True:
        rows = conn.execute(select(ledger_leaves).where(ledger_leaves.c.leaf_index >= start)
                            .order_by(ledger_leaves.c.leaf_index).limit(BATCH)).all()
        for row in rows:
            yield Entry(*row)
        if len(rows) < BATCH:
            return
        start = rows[-1][0] + 1


# -- heads -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Published:
    head: Head
    appended: int
    waiting: str | None  # why events stored were left for the next publish, if they were


def publish(engine: Engine, origin: str, key: Ed25519PrivateKey,
            wait_s: float = 10.0) -> Published:
    """Append what is settled, then sign and store the head of the whole log. A capture left
    open past ``wait_s`` holds back only the newest events: the head of what is logged is
    still signed, so the log's heads stay fresh at their interval."""
    waiting = None
    try:
        appended = append_settled(engine, wait_s)
    except LogBusy as exc:
        appended, waiting = 0, exc.detail
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY})
        size = tree_size(conn)
        head = sign(Head(origin, size, root(conn, size), int(time.time() * 1000)), key)
        conn.execute(insert(ledger_heads).values(
            origin=head.origin, tree_size=head.tree_size, root_hash=head.root_hash,
            timestamp_ms=head.timestamp_ms, key_id=head.key_id, signature=head.signature))
    return Published(head, appended, waiting)


def _head(row: Row[Any]) -> Head:
    r = row._mapping
    return Head(r["origin"], r["tree_size"], bytes(r["root_hash"]), r["timestamp_ms"],
                r["key_id"], bytes(r["signature"]))


def latest_head(conn: Connection, size: int | None = None) -> Head:
    """The newest head (of ``size`` leaves, when given)."""
    query = select(ledger_heads)
    if size is not None:
        query = query.where(ledger_heads.c.tree_size == size)
    row = conn.execute(query.order_by(ledger_heads.c.id.desc()).limit(1)).first()
    if row is None:
        raise NoSuchResourceException(
            "No signed head yet" if size is None else f"No signed head of size {size}",
            [Problem("size", "the size of a published head", str(size))] if size else [])
    return _head(row)


def heads(conn: Connection, size: int | None = None) -> list[Head]:
    query = select(ledger_heads).order_by(ledger_heads.c.id)
    if size is not None:
        query = query.where(ledger_heads.c.tree_size == size)
    return [_head(row) for row in conn.execute(query)]
