"""capture_jobs: which process runs a job, so a job left running by a crash can be failed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05

A capture job whose process died (a crash, a killed worker, a restart) stayed "running" forever
(issue 12). The runner column names the host and process id running the job; a server starting
on that host fails the running jobs whose process is gone, and leaves other workers' alone.
Jobs from before this revision have no runner: they are failed at the next start-up.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("capture_jobs") as batch:
        batch.add_column(sa.Column("runner", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("capture_jobs") as batch:
        batch.drop_column("runner")
