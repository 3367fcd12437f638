"""The reports' own table (migration branch ``reports``, 0005): imported deforestation risks.

A risk result comes from an outside tool (FAO's Whisp) and is kept per organization and plot:
each import appends rows, and the newest row of a plot is its current result, so an earlier
result is never overwritten and the import that gave a value can always be named.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from agritrace.store.tables import BigId, metadata

plot_risks = Table(
    "plot_risks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    Column("plot_uri", String(300), nullable=False),
    Column("commodity", String(20), nullable=False),
    Column("risk", String(20), nullable=True),
    Column("risk_column", String(60), nullable=True),
    Column("area_ha", Float, nullable=True),
    Column("country", String(60), nullable=True),
    Column("disturbance_after_cutoff", Integer, nullable=True),
    Column("indicators", Text, nullable=False, server_default="{}"),
    Column("document", String(300), nullable=False),
    Column("line", Integer, nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("imported_us", BigInteger, nullable=False),
    Index("ix_plot_risks_org_id_plot_uri", "org_id", "plot_uri"),
)
