"""The tables, as SQLAlchemy Core metadata.

The Alembic migrations are the only source of the schema on disk; this metadata mirrors them for
queries, and a test checks the two agree. Times are integer microseconds since the Unix epoch (UTC)
so range queries and ordering are exact and identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# BigInteger primary keys autoincrement on PostgreSQL; SQLite only autoincrements INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")

organizations = Table(
    "organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("gln", String(13), nullable=True),
    Column("kind", String(40), nullable=False, server_default="enterprise"),
    Column("created_us", BigInteger, nullable=False),
)

# The primary's WAL position after each organization's last write (agritrace.store.replicas).
# Its own table, not a column of organizations: a write there bumps the consumer pages'
# generation (agritrace.pagecache), and this one is made after every write by anybody.
org_write_positions = Table(
    "org_write_positions",
    metadata,
    Column("org_id", Integer, ForeignKey("organizations.id"), primary_key=True),
    Column("wrote_lsn", BigInteger, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False, server_default=""),
    Column("created_us", BigInteger, nullable=False),
    Column("revoked_us", BigInteger, nullable=True),
    # organization (the full API), read (reads only) or member (a cooperative member's sign-in:
    # what it may do follows the member's role, see agritrace.trust).
    Column("role", String(20), nullable=False, server_default="organization"),
)

# A GS1 company prefix, GTIN or GLN an operator granted to an organization (migration 0009).
org_grants = Table(
    "org_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # prefix | gtin | gln
    Column("value", String(14), nullable=False, index=True),
    Column("granted_by", String(200), nullable=False),
    Column("granted_us", BigInteger, nullable=False),
    Column("revoked_us", BigInteger, nullable=True),
)

# An owner lets another organization speak for all of its codes, until revoked.
delegations = Table(
    "delegations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("delegate_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("revoked_us", BigInteger, nullable=True),
)

# A sign-in link carries a one-time code for a token, never the token itself.
login_codes = Table(
    "login_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("token_id", Integer, ForeignKey("tokens.id"), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("expires_us", BigInteger, nullable=False),
    Column("used_us", BigInteger, nullable=True),
)

capture_jobs = Table(
    "capture_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("document", String(300), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("finished_us", BigInteger, nullable=True),
    Column("captured", Integer, nullable=False, server_default="0"),
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
    Column("errors", Text, nullable=False, server_default="[]"),
    # "{host} {pid}" of the process running the job (migration 0015; capture.fail_abandoned_jobs).
    Column("runner", String(300), nullable=True),
    # JSON list of the stored events' IDs, the first capture.MAX_LISTED_IDS (migration 0019)
    Column("event_ids", Text, nullable=True),
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # The CBV 2.0 hash ID leaves errorDeclaration out, so an error declaration hashes like the event
    # it declares; the dedupe key tells the two apart ("{org id}/{hash ID}", plus "#declared" for
    # a declaration): an event is unique per capturing organization (migration 0014).
    Column("hash_id", String(100), nullable=False, index=True),
    # 110: an 89-character hash ID, "#declared" and an organization id of up to 11 digits
    Column("dedupe_key", String(110), nullable=False, unique=True),
    Column("event_id", String(500), nullable=True, index=True),
    Column("event_type", String(40), nullable=False),
    Column("action", String(10), nullable=True),
    Column("event_time_us", BigInteger, nullable=False, index=True),
    Column("event_tz", String(6), nullable=False),
    Column("record_time_us", BigInteger, nullable=False, index=True),
    Column("biz_step", String(500), nullable=True, index=True),
    Column("disposition", String(500), nullable=True),
    Column("read_point", String(500), nullable=True, index=True),
    Column("biz_location", String(500), nullable=True, index=True),
    Column("declared_error", Integer, nullable=False, server_default="0"),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("job_id", String(36), nullable=True),
    Column("body", Text, nullable=False),
    Column("namespaces", Text, nullable=False, server_default="{}"),
)

# One row per sensor report of an event, with its element's metadata (agritrace.store.sensors):
# what the EPCIS 2.0 sensor query parameters compare, one report at a time (migration 0030).
sensor_reports = Table(
    "sensor_reports",
    metadata,
    Column("event_pk", BigInteger, ForeignKey("events.id"), nullable=False),
    *(Column(name, Text, nullable=True) for name in (
        "type", "microorganism", "chemical_substance", "string_value", "hex_binary_value",
        "uri_value", "uom", "device_id", "data_processing_method", "biz_rules")),
    Column("boolean_value", Integer, nullable=True),
    *(Column(name, Float, nullable=True) for name in (
        "value", "min_value", "max_value", "mean_value", "s_dev", "perc_rank", "perc_value")),
    *(Column(name, BigInteger, nullable=True) for name in (
        "time_us", "start_time_us", "end_time_us")),
    Column("extensions", Text, nullable=True),
    Index("ix_sensor_reports_event_pk", "event_pk"),
    Index("ix_sensor_reports_value", "value"),
)

# The eventIDs a client gave to an event the store already held (the same hash ID): each
# finds the stored event, as its own eventID does (migration 0017).
event_aliases = Table(
    "event_aliases",
    metadata,
    Column("event_pk", BigInteger, ForeignKey("events.id"), nullable=False),
    Column("event_id", String(500), nullable=False),
    Index("ix_event_aliases_event_id", "event_id"),
    Index("ix_event_aliases_event_pk", "event_pk"),
)

# Every identifier or typed term an event names, with its role, canonicalised: the index that
# every MATCH_/EQ_ query and every lineage walk goes through.
event_terms = Table(
    "event_terms",
    metadata,
    Column("event_pk", BigInteger, ForeignKey("events.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("value", String(500), nullable=False),
    Column("type", String(300), nullable=True),
    Column("quantity", Float, nullable=True),
    Column("uom", String(10), nullable=True),
    Index("ix_event_terms_value_role", "value", "role"),
    Index("ix_event_terms_event_pk", "event_pk"),
)

# A recall followed to its close: who closed it (the organization and the person) and when
# (agritrace.trace.closing, migration 0038). The recall itself is its events (disposition
# ``recalled``, ``agt:recallID``); the close is no event of a code, so it is kept here.
recall_closures = Table(
    "recall_closures",
    metadata,
    Column("recall_id", String(100), primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("closed_by", String(200), nullable=False),
    Column("closed_us", BigInteger, nullable=False),
)
