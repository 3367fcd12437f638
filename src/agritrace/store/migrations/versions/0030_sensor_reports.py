"""sensor_reports: each sensor report of an event as a row, for the EPCIS 2.0 sensor parameters

Revision ID: 0030
Revises: 0026
Create Date: 2026-12-05

GE_value_CEL, LT_minValue_M1, EQ_uom, GE_time … (issue 12) compare a sensor report's numbers
and fields, one report at a time. Reading them out of every event's JSON at query time would
parse each candidate body; this table holds one row per report with its element's metadata
(agritrace.store.sensors). Events captured before this revision are back-filled here with the
same function capture uses, in batches of 1,000 events.
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

from agritrace.store.sensors import SENSOR_COLUMNS, sensor_rows

revision = '0030'
down_revision = '0026'
branch_labels = None
depends_on = None

_TEXTS = ('type', 'microorganism', 'chemical_substance', 'string_value', 'hex_binary_value',
          'uri_value', 'uom', 'device_id', 'data_processing_method', 'biz_rules')
_NUMBERS = ('value', 'min_value', 'max_value', 'mean_value', 's_dev', 'perc_rank', 'perc_value')
_TIMES = ('time_us', 'start_time_us', 'end_time_us')
_BATCH = 1000


def upgrade() -> None:
    table = op.create_table(
        'sensor_reports',
        sa.Column('event_pk', sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=True) for name in _TEXTS),
        sa.Column('boolean_value', sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Float(), nullable=True) for name in _NUMBERS),
        *(sa.Column(name, sa.BigInteger(), nullable=True) for name in _TIMES),
        sa.Column('extensions', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['event_pk'], ['events.id'],
                                name=op.f('fk_sensor_reports_event_pk_events')),
    )
    with op.batch_alter_table('sensor_reports', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_reports_event_pk', ['event_pk'], unique=False)
        batch_op.create_index('ix_sensor_reports_value', ['value'], unique=False)
    assert table is not None
    _back_fill(table)


def _back_fill(table: sa.Table) -> None:
    """Rows for the events already stored that carry sensor data."""
    conn = op.get_bind()
    events = sa.table('events', sa.column('id', sa.BigInteger()), sa.column('body', sa.Text()))
    last = 0
    while True:
        batch = conn.execute(
            sa.select(events.c.id, events.c.body)
            .where(events.c.id > last, events.c.body.contains('"sensorElementList"'))
            .order_by(events.c.id).limit(_BATCH)).all()
        rows = [dict(zip(SENSOR_COLUMNS, row, strict=True))
                for pk, body in batch for row in sensor_rows(pk, orjson.loads(body))]
        if rows:
            conn.execute(table.insert(), rows)
        if len(batch) < _BATCH:
            return
        last = batch[-1].id


def downgrade() -> None:
    op.drop_table('sensor_reports')
