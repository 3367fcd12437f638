"""The farm registry's tables (migration branch ``farm``, 0003).

Master data lives beside the event log: members, places, products, certificates and seasons.
Rows are changed only through :mod:`agritrace.farm.registry`, which writes a
``registry_history`` row with the old and new values for every change, so nothing is silently
overwritten. ``diary_keys`` maps a phone's idempotency key to the event it produced, so an entry
re-sent after a network failure is stored once.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from agritrace.store.tables import BigId, metadata

members = Table(
    "farm_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(30), nullable=False),
    Column("phone", String(30), nullable=False, server_default=""),
    Column("active", Integer, nullable=False, server_default="1"),
    Column("created_us", BigInteger, nullable=False),
)

# A login token bound to one member (the token row itself lives in ``tokens``, bound to the org).
member_tokens = Table(
    "farm_member_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("member_id", Integer, ForeignKey("farm_members.id"), nullable=False, index=True),
)

places = Table(
    "farm_places",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("uri", String(300), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("farmer_id", Integer, ForeignKey("farm_members.id"), nullable=True),
    Column("technical_manager_id", Integer, ForeignKey("farm_members.id"), nullable=True),
    Column("geometry", Text, nullable=True),
    Column("area_ha", Float, nullable=True),
    Column("commune", String(100), nullable=False, server_default=""),
    Column("district", String(100), nullable=False, server_default=""),
    Column("province", String(100), nullable=False, server_default=""),
    Column("crop", String(40), nullable=False, server_default=""),
    Column("variety", String(100), nullable=False, server_default=""),
    Column("market", String(10), nullable=False, server_default="*"),
    Column("area_code", String(60), nullable=True),
    Column("created_us", BigInteger, nullable=False),
)

products = Table(
    "farm_products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("gtin", String(14), nullable=False, unique=True),
    Column("name_vi", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, server_default=""),
    Column("category", String(100), nullable=False, server_default=""),
    Column("image_url", String(500), nullable=False, server_default=""),
    Column("ocop_stars", Integer, nullable=True),
    Column("ocop_certificate", String(100), nullable=True),
    Column("ocop_expires", Date, nullable=True),
    Column("created_us", BigInteger, nullable=False),
)

certificates = Table(
    "farm_certificates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("issuer", String(200), nullable=False),
    Column("number", String(100), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("subject_kind", String(20), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

# One row per organization: what its products' pages say about who made them.
profiles = Table(
    "farm_profiles",
    metadata,
    Column("org_id", Integer, ForeignKey("organizations.id"), primary_key=True),
    Column("address", String(300), nullable=False, server_default=""),
    Column("province", String(100), nullable=False, server_default=""),
    Column("phone", String(30), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("website", String(300), nullable=False, server_default=""),
    Column("updated_us", BigInteger, nullable=False),
)

seasons = Table(
    "farm_seasons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True),
    Column("uri", String(300), nullable=False, unique=True),
    Column("place_id", Integer, ForeignKey("farm_places.id"), nullable=False, index=True),
    Column("crop", String(40), nullable=False),
    Column("variety", String(100), nullable=False, server_default=""),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=True),
    Column("sown_on", Date, nullable=True),
    Column("created_us", BigInteger, nullable=False),
)

diary_keys = Table(
    "farm_diary_keys",
    metadata,
    Column("org_id", Integer, ForeignKey("organizations.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("event_id", String(100), nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

# A diary entry the compliance rules refused (a banned ingredient, a prophylactic antibiotic):
# the entry is not saved, but that it was tried is a fact the province counts (issue 13). One row
# per refused ingredient; the entry's idempotency key makes a phone's re-sent entry count once
# (migration 0038). No free text: who, which plot, what and why, when.
diary_refusals = Table(
    "farm_diary_refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("plot", String(500), nullable=False),
    Column("member_id", Integer, nullable=True),
    Column("recorded_by", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("ingredient", String(200), nullable=False),
    Column("product", String(200), nullable=False),
    Column("entry_on", Date, nullable=False),
    Column("refused_us", BigInteger, nullable=False),
    UniqueConstraint("org_id", "key", "rule", "ingredient", name="uq_farm_diary_refusals"),
    Index("ix_farm_diary_refusals_org_id_refused_us", "org_id", "refused_us"),
)

registry_history = Table(
    "registry_history",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("table_name", String(40), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("action", String(10), nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("changed_us", BigInteger, nullable=False),
    Column("old", Text, nullable=True),
    Column("new", Text, nullable=False),
    Index("ix_registry_history_record", "table_name", "record_id"),
)
