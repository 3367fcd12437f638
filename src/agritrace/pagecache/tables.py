"""The consumer pages' shared cache (migration 0020): see :mod:`agritrace.pagecache`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

from agritrace.store.tables import metadata

# One row (id 1): bumped by a trigger on every write to a table a consumer page is made from
# (events, the registry, grants and delegations, organizations). On PostgreSQL ``xid`` holds the
# transaction that bumped it last, so a transaction bumps it once, however many rows it writes.
page_generation = Table(
    "page_generation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False, server_default="0"),
    Column("xid", BigInteger, nullable=True),
)

# A rendered page or linkset: ``body`` is raw deflate (the page's parts before and after its
# verdict, each ending on a byte boundary), ``meta`` JSON says how to cut and serve it.
# Valid while ``generation`` is page_generation's; oldest rows go first past the bound.
page_cache = Table(
    "page_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("generation", BigInteger, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("meta", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Index("ix_page_cache_created_us", "created_us"),
)
