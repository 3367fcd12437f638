"""consumer page cache: rendered pages shared by the workers, and the generation that voids them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05

A consumer page is a function of the code, the language, the day and the tables below; a trigger
on each bumps ``page_generation``, and a cached page of an older generation is not served
(issue 21, :mod:`agritrace.pagecache`). On PostgreSQL the trigger is a deferred constraint
trigger: the generation row is locked only while the writing transaction commits (a capture
does not hold it for its whole document), and once per transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
# The registry's tables (farm branch) and the grants' (trust branch) must exist for their
# triggers, and the scan log (scans branch) for its totals.
depends_on = ('0007', '0009', '0008a')

# The tables a consumer page or linkset is made from (agritrace.scans.facts, .registry).
WATCHED = ("events", "organizations", "org_grants", "delegations", "farm_products",
           "farm_certificates", "farm_profiles", "farm_places")

_PG_BUMP = """CREATE FUNCTION page_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE page_generation SET n = n + 1, xid = txid_current()
    WHERE id = 1 AND xid IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        'page_generation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('xid', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.execute("INSERT INTO page_generation (id, n) VALUES (1, 0)")
    op.create_table(
        'page_cache',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('created_us', sa.BigInteger(), nullable=False),
        sa.Column('meta', sa.Text(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('key'))
    op.create_index('ix_page_cache_created_us', 'page_cache', ['created_us'])
    # A much-scanned code's count and places without reading each of its scans.
    op.create_table(
        'scan_totals',
        sa.Column('code', sa.String(length=300), nullable=False),
        sa.Column('scans', sa.BigInteger(), nullable=False),
        sa.Column('first_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('code'))
    op.execute("INSERT INTO scan_totals (code, scans, first_us) "
               "SELECT code, count(*), min(scanned_us) FROM scans GROUP BY code")
    op.create_index('ix_scans_code_located', 'scans', ['code', 'lat', 'lon'],
                    sqlite_where=sa.text('lat IS NOT NULL'),
                    postgresql_where=sa.text('lat IS NOT NULL'))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(_PG_BUMP)
    for table in WATCHED:
        if postgres:
            op.execute(f"CREATE CONSTRAINT TRIGGER page_generation_{table} AFTER INSERT OR "
                       f"UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
                       "FOR EACH ROW EXECUTE FUNCTION page_generation_bump()")
            continue
        for change in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER page_generation_{table}_{change.lower()} AFTER {change} "
                       f"ON {table} BEGIN UPDATE page_generation SET n = n + 1 WHERE id = 1; END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        if postgres:
            op.execute(f"DROP TRIGGER page_generation_{table} ON {table}")
            continue
        for change in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER page_generation_{table}_{change}")
    if postgres:
        op.execute("DROP FUNCTION page_generation_bump()")
    op.drop_index('ix_scans_code_located', table_name='scans')
    op.drop_table('scan_totals')
    op.drop_index('ix_page_cache_created_us', table_name='page_cache')
    op.drop_table('page_cache')
    op.drop_table('page_generation')
