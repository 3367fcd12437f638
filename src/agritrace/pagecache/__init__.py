"""Rendered consumer pages and linksets, kept for every worker until a write can change them.

A consumer page is a function of the code, the language, the day, the host it is served on and
the tables it is read from (events, the registry, grants, delegations, organizations), plus the
code's scan history, which only its verdict section shows. The page is kept here without that
section (:class:`Entry`: the parts before and after it), in the database so that every worker
shares it (table ``page_cache``, migration 0020), and the verdict is decided and rendered anew
for each request from the scan history (:mod:`agritrace.scans.log`).

Invalidation is one global generation counter (``page_generation``), bumped by a database trigger
on every write to those tables, whatever code path writes (capture, stamps issued, voided or
activated, a recall, a registry edit, a grant): an entry is served only while its generation is
the current one. Why global, and not per code or per organization: which codes an event changes
is the whole trust walk (an event of one organization can add a step to, or take belief from,
the pages of another's codes; a grant changes who is believed for every code under a prefix), so
a finer key would have to redo the walk to be right. A global counter is trivially right, and
the log is read far more than it is written: a write costs the cache one render per page asked
for again. Because the bump is in the writing transaction (SQLite) or its commit (PostgreSQL's
deferred trigger), and the generation is read before the facts, a page can be stored under an
older generation than its facts (it is then a miss), never under a newer one.

Each part is stored as raw deflate ending on a byte boundary, so a gzip answer is the stored
parts around the freshly compressed verdict, with the CRC of the whole: no page is compressed
per request. Entries are bounded (:data:`MAX_ENTRIES`, the oldest go first) and those of an old
generation are deleted with them. Each process keeps the decompressed parts of the entries it
served last (:data:`_FRONT`), checked against the database's generation on every request: a
page reads the generation in the statement that reads its scans (:data:`GENERATION`), and the
kept bytes only when this process does not hold them (:func:`fetch`), so a warm page is one
statement, and a recall or a void is seen by every worker's next request.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import orjson

from agritrace.store.raw import AsyncRaw

#: Pages and linksets kept (a page is 3–6 KB compressed).
MAX_ENTRIES = 5000
_EVICT_EVERY = 64  # stores per process between two deletions of old or surplus entries
# A consumer page never waits for SQLite's write lock (a capture holds it for its whole
# document): its entry is then not stored, and the next request renders it again.
_LOCK_WAIT_MS = 20
_FRONT_SIZE = 1024  # about 17 KB each
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time, unknown OS

#: The current generation, as a scalar expression to read in another statement.
GENERATION = "(SELECT n FROM page_generation WHERE id = 1)"
_LOOKUP = ("SELECT g.n, c.generation, c.created_us, c.meta, c.body FROM page_generation g "
           "LEFT JOIN page_cache c ON c.key = ? WHERE g.id = 1")
_FETCH = "SELECT created_us, meta, body FROM page_cache WHERE key = ? AND generation = ?"
# An entry of a newer generation is not overwritten by a slower request's older one. (Each
# writing statement returns rows: the awaited PostgreSQL connection fetches them.)
_STORE = ("INSERT INTO page_cache (key, generation, created_us, meta, body) "
          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
          "generation = excluded.generation, created_us = excluded.created_us, "
          "meta = excluded.meta, body = excluded.body "
          "WHERE page_cache.generation <= excluded.generation RETURNING generation")
_EVICT = ("DELETE FROM page_cache WHERE generation < ? OR created_us < (SELECT created_us "
          "FROM page_cache ORDER BY created_us DESC LIMIT 1 OFFSET ?) RETURNING 1")


def key(*parts: str) -> str:
    """The cache key of what a response varies on (kind, code, language, day, host…)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A response without its verdict section: ``head`` + verdict + ``tail``.

    ``meta``: ``status`` and ``media_type`` of the response, ``verdict`` (the
    :class:`agritrace.scans.verdict.Status` fields the verdict is decided from, or None when the
    response has no verdict section) and ``link`` (the Link header, if any).
    """

    generation: int
    created_us: int
    meta: dict[str, Any]
    head: bytes
    tail: bytes
    zhead: bytes
    ztail: bytes
    # digests of the kept parts, so a request's ETag hashes its middle alone (the whole page
    # again cost 30 us of a 0.6 ms page)
    parts: tuple[bytes, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", (_digest(self.head), _digest(self.tail)))

    @classmethod
    def make(cls, generation: int, meta: dict[str, Any], head: bytes, tail: bytes = b"") -> Entry:
        compress = zlib.compressobj(9, zlib.DEFLATED, -15)
        zhead = compress.compress(head) + compress.flush(zlib.Z_SYNC_FLUSH)
        compress = zlib.compressobj(9, zlib.DEFLATED, -15)
        ztail = compress.compress(tail) + compress.flush(zlib.Z_FINISH)
        return cls(generation, time.time_ns() // 1000, meta, head, tail, zhead, ztail)

    @classmethod
    def load(cls, generation: int, created_us: int, meta: str, body: bytes) -> Entry:
        info = orjson.loads(meta)
        zhead, ztail = body[:info["cut"]], body[info["cut"]:]
        head = zlib.decompressobj(-15).decompress(zhead)
        return cls(generation, created_us, info["meta"], head, zlib.decompress(ztail, -15),
                   zhead, ztail)

    @property
    def stored(self) -> tuple[str, bytes]:
        """The ``meta`` and ``body`` columns."""
        return (orjson.dumps({"cut": len(self.zhead), "meta": self.meta}).decode(),
                self.zhead + self.ztail)

    def tag(self, middle: bytes = b"") -> str:
        """A weak ETag: the same for the same bytes, whatever the encoding sent."""
        head, tail = self.parts
        return f'W/"{_digest(head + middle + tail).hex()}"'

    def body(self, middle: bytes = b"") -> bytes:
        return self.head + middle + self.tail

    def gzipped(self, middle: bytes = b"") -> bytes:
        """The body as a gzip member: the stored deflate parts around ``middle``'s."""
        zmiddle = b""
        if middle:
            # a 1 KB window and small state: the verdict is under 1 KB, and setting up the
            # default 32 KB window and its tables cost more than compressing (136 us against 9)
            compress = zlib.compressobj(6, zlib.DEFLATED, -10, 2)
            zmiddle = compress.compress(middle) + compress.flush(zlib.Z_SYNC_FLUSH)
        crc = zlib.crc32(self.tail, zlib.crc32(middle, zlib.crc32(self.head)))
        size = (len(self.head) + len(middle) + len(self.tail)) & 0xFFFFFFFF
        return _GZIP_HEADER + self.zhead + zmiddle + self.ztail + struct.pack("<II", crc, size)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=12).digest()


class _Front:
    """The decompressed entries this process served last, by database and key."""

    def __init__(self, size: int) -> None:
        self._size, self._items = size, OrderedDict[tuple[str, str], Entry]()
        self._lock = threading.Lock()

    def get(self, where: tuple[str, str], generation: int) -> Entry | None:
        """The entry kept at ``where`` if it is of ``generation``: nothing it was made from has
        changed since (an entry of the same generation stored by another worker is the same
        page)."""
        with self._lock:
            entry = self._items.get(where)
            if entry is None or entry.generation != generation:
                return None
            self._items.move_to_end(where)
            return entry

    def put(self, where: tuple[str, str], entry: Entry) -> None:
        with self._lock:
            self._items[where] = entry
            self._items.move_to_end(where)
            if len(self._items) > self._size:
                self._items.popitem(last=False)


_FRONT = _Front(_FRONT_SIZE)
_stores = 0


async def lookup(raw: AsyncRaw, cache_key: str) -> tuple[int, Entry | None]:
    """The current generation, and the entry of ``cache_key`` if it is of that generation."""
    rows = await raw.rows(_LOOKUP, (cache_key,))
    current, generation, created_us, meta, body = rows[0]
    if generation != current:
        return int(current), None
    where = (raw.database, cache_key)
    entry = _FRONT.get(where, generation)
    if entry is None:
        entry = Entry.load(int(generation), int(created_us), meta, bytes(body))
        _FRONT.put(where, entry)
    return int(current), entry


async def fetch(raw: AsyncRaw, cache_key: str, generation: int) -> Entry | None:
    """The entry of ``cache_key`` if it is of ``generation`` (the current one, read by the
    caller): this process's copy, else the database's."""
    where = (raw.database, cache_key)
    entry = _FRONT.get(where, generation)
    if entry is not None:
        return entry
    rows = await raw.rows(_FETCH, (cache_key, generation))
    if not rows:
        return None
    created_us, meta, body = rows[0]
    entry = Entry.load(generation, int(created_us), meta, bytes(body))
    _FRONT.put(where, entry)
    return entry


async def store(raw: AsyncRaw, cache_key: str, entry: Entry) -> None:
    """Keep ``entry`` (unless SQLite's write lock is taken); now and then drop entries of an
    older generation and the oldest past :data:`MAX_ENTRIES`."""
    global _stores
    meta, body = entry.stored
    params = (cache_key, entry.generation, entry.created_us, meta, body)
    if await raw.rows_unless_locked(_STORE, params, _LOCK_WAIT_MS) is None:
        return
    _FRONT.put((raw.database, cache_key), entry)
    _stores += 1
    if _stores % _EVICT_EVERY == 0:
        await raw.rows_unless_locked(_EVICT, (entry.generation, MAX_ENTRIES), _LOCK_WAIT_MS)
