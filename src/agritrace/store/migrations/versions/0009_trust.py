"""trust: who owns which GS1 codes, who speaks for an owner, what a token may do

Revision ID: 0009
Revises: 0001
Create Date: 2026-12-05

An operator grants a GS1 company prefix (or a single GTIN or GLN) to an organization; the owner
names delegates (a contract packer, a cooperative packing for a brand). Tokens carry a role, and a
sign-in link carries a one-time code instead of the token itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('org_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=14), nullable=False),
    sa.Column('granted_by', sa.String(length=200), nullable=False),
    sa.Column('granted_us', sa.BigInteger(), nullable=False),
    sa.Column('revoked_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_org_grants_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_grants'))
    )
    op.create_index('ix_org_grants_value', 'org_grants', ['value'], unique=False)
    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.Column('revoked_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['organizations.id'], name=op.f('fk_delegations_owner_id_organizations')),
    sa.ForeignKeyConstraint(['delegate_id'], ['organizations.id'], name=op.f('fk_delegations_delegate_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    op.create_index('ix_delegations_owner_id', 'delegations', ['owner_id'], unique=False)
    with op.batch_alter_table('tokens') as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=20), server_default='organization',
                                      nullable=False))
    op.create_table('login_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.Column('expires_us', sa.BigInteger(), nullable=False),
    sa.Column('used_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], name=op.f('fk_login_codes_token_id_tokens')),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_login_codes'))
    )


def downgrade() -> None:
    op.drop_table('login_codes')
    with op.batch_alter_table('tokens') as batch_op:
        batch_op.drop_column('role')
    op.drop_index('ix_delegations_owner_id', table_name='delegations')
    op.drop_table('delegations')
    op.drop_index('ix_org_grants_value', table_name='org_grants')
    op.drop_table('org_grants')
