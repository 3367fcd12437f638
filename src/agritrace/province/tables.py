"""Officers' organizations and their areas; the province's targets (migration 0012); the
dashboard's kept figures (migration 0033).

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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
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

#: The dashboard's figures for one officer's area and period, as computed at ``computed_us``
#: (JSON of :func:`agritrace.province.indicators.indicators`): a request reads one row instead
#: of judging every plot (:mod:`agritrace.province.kept`).
kept_figures = Table(
    "province_figures",
    metadata,
    Column("regulator_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("period_from", String(10), nullable=False),
    Column("period_to", String(10), nullable=False),
    Column("deadline_days", Integer, nullable=False),
    Column("figures", Text, nullable=False),
    Column("computed_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("regulator_id", "period_from", "period_to", "deadline_days",
                         name="pk_province_figures"),
)

#: The rows behind each kept figure (:mod:`agritrace.province.rows`, migration 0040): one row of
#: one list (plots, recalls, seasons, compliance, products) of the current period of a
#: ``province_figures`` row, computed with it; ``tags`` are the filters it answers to (one
#: ``key=value`` a line), ``quantity`` what it adds to the figure, ``cells`` its JSON cells.
kept_rows = Table(
    "province_figure_rows",
    metadata,
    Column("regulator_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("period_from", String(10), nullable=False),
    Column("period_to", String(10), nullable=False),
    Column("deadline_days", Integer, nullable=False),
    Column("list", String(20), nullable=False),
    Column("position", Integer, nullable=False),
    Column("tags", Text, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("cells", Text, nullable=False),
    PrimaryKeyConstraint("regulator_id", "period_from", "period_to", "deadline_days", "list",
                         "position", name="pk_province_figure_rows"),
)

#: The days the code's owner has to answer a report, per category, as the province's
#: department set them (migration 0037); a category without a row has the setting's
#: ``AGRITRACE_TICKET_DEADLINE_DAYS`` (:func:`agritrace.province.feedback.deadlines_of`).
ticket_deadlines = Table(
    "ticket_deadlines",
    metadata,
    Column("province", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("days", Integer, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("province", "kind", name="pk_ticket_deadlines"),
)

#: What a province publishes (:mod:`agritrace.province.open_data`) as of a day: the published
#: rows as JSON, kept by ``agritrace province refresh`` (migration 0039).
open_data_kept = Table(
    "province_open_data",
    metadata,
    Column("province", String(40), nullable=False),
    Column("as_of", String(10), nullable=False),
    Column("rows", Text, nullable=False),
    Column("computed_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("province", "as_of", name="pk_province_open_data"),
)

#: A computation running in the background and who runs it until when
#: (:mod:`agritrace.province.background`, migration 0039): one worker at a time per name.
leases = Table(
    "province_leases",
    metadata,
    Column("name", String(200), nullable=False),
    Column("holder", String(64), nullable=False),
    Column("until_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("name", name="pk_province_leases"),
)
