"""Officers' organizations and their areas; the province's targets (migration 0012).

A regulator is an organization (kind ``regulator``) bound to a province, or to one commune of it.
Areas are named by the codes of :mod:`agritrace.province.areas`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from agritrace.store.tables import metadata

regulators = Table(
    "regulators",
    metadata,
    Column("org_id", Integer, ForeignKey("organizations.id"), primary_key=True),
    Column("province", String(40), nullable=False),
    Column("commune", String(100), nullable=False, server_default=""),
    Column("created_by", String(200), nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

targets = Table(
    "province_targets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("province", String(40), nullable=False),
    # "" for the whole province (migration 0023)
    Column("commune", String(100), nullable=False, server_default=""),
    Column("indicator", String(60), nullable=False),
    Column("crop", String(40), nullable=False, server_default=""),
    Column("value", Float, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_us", BigInteger, nullable=False),
    UniqueConstraint("province", "commune", "indicator", "crop", name="uq_province_targets_area"),
)
