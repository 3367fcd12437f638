"""farm: members, places, products, certificates, seasons, diary keys, registry history

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0001'
branch_labels = ('farm',)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('farm_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('subject_kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_farm_certificates_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farm_certificates'))
    )
    op.create_index(op.f('ix_farm_certificates_org_id'), 'farm_certificates', ['org_id'], unique=False)
    op.create_table('farm_diary_keys',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_farm_diary_keys_org_id_organizations')),
    sa.PrimaryKeyConstraint('org_id', 'key', name=op.f('pk_farm_diary_keys'))
    )
    op.create_table('farm_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('phone', sa.String(length=30), server_default='', nullable=False),
    sa.Column('active', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_farm_members_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farm_members'))
    )
    op.create_index(op.f('ix_farm_members_org_id'), 'farm_members', ['org_id'], unique=False)
    op.create_table('farm_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('name_vi', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), server_default='', nullable=False),
    sa.Column('category', sa.String(length=100), server_default='', nullable=False),
    sa.Column('image_url', sa.String(length=500), server_default='', nullable=False),
    sa.Column('ocop_stars', sa.Integer(), nullable=True),
    sa.Column('ocop_certificate', sa.String(length=100), nullable=True),
    sa.Column('ocop_expires', sa.Date(), nullable=True),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_farm_products_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farm_products')),
    sa.UniqueConstraint('gtin', name=op.f('uq_farm_products_gtin'))
    )
    op.create_index(op.f('ix_farm_products_org_id'), 'farm_products', ['org_id'], unique=False)
    op.create_table('registry_history',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.Column('changed_us', sa.BigInteger(), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_registry_history_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_history'))
    )
    op.create_index('ix_registry_history_record', 'registry_history', ['table_name', 'record_id'], unique=False)
    op.create_table('farm_member_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['farm_members.id'], name=op.f('fk_farm_member_tokens_member_id_farm_members')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_farm_member_tokens'))
    )
    op.create_index(op.f('ix_farm_member_tokens_member_id'), 'farm_member_tokens', ['member_id'], unique=False)
    op.create_table('farm_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('farmer_id', sa.Integer(), nullable=True),
    sa.Column('technical_manager_id', sa.Integer(), nullable=True),
    sa.Column('geometry', sa.Text(), nullable=True),
    sa.Column('area_ha', sa.Float(), nullable=True),
    sa.Column('commune', sa.String(length=100), server_default='', nullable=False),
    sa.Column('district', sa.String(length=100), server_default='', nullable=False),
    sa.Column('province', sa.String(length=100), server_default='', nullable=False),
    sa.Column('crop', sa.String(length=40), server_default='', nullable=False),
    sa.Column('variety', sa.String(length=100), server_default='', nullable=False),
    sa.Column('market', sa.String(length=10), server_default='*', nullable=False),
    sa.Column('area_code', sa.String(length=60), nullable=True),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['farmer_id'], ['farm_members.id'], name=op.f('fk_farm_places_farmer_id_farm_members')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_farm_places_org_id_organizations')),
    sa.ForeignKeyConstraint(['technical_manager_id'], ['farm_members.id'], name=op.f('fk_farm_places_technical_manager_id_farm_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farm_places')),
    sa.UniqueConstraint('uri', name=op.f('uq_farm_places_uri'))
    )
    op.create_index(op.f('ix_farm_places_org_id'), 'farm_places', ['org_id'], unique=False)
    op.create_table('farm_seasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=300), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('crop', sa.String(length=40), nullable=False),
    sa.Column('variety', sa.String(length=100), server_default='', nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('sown_on', sa.Date(), nullable=True),
    sa.Column('created_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_farm_seasons_org_id_organizations')),
    sa.ForeignKeyConstraint(['place_id'], ['farm_places.id'], name=op.f('fk_farm_seasons_place_id_farm_places')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farm_seasons')),
    sa.UniqueConstraint('uri', name=op.f('uq_farm_seasons_uri'))
    )
    op.create_index(op.f('ix_farm_seasons_org_id'), 'farm_seasons', ['org_id'], unique=False)
    op.create_index(op.f('ix_farm_seasons_place_id'), 'farm_seasons', ['place_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_farm_seasons_place_id'), table_name='farm_seasons')
    op.drop_index(op.f('ix_farm_seasons_org_id'), table_name='farm_seasons')
    op.drop_table('farm_seasons')
    op.drop_index(op.f('ix_farm_places_org_id'), table_name='farm_places')
    op.drop_table('farm_places')
    op.drop_index(op.f('ix_farm_member_tokens_member_id'), table_name='farm_member_tokens')
    op.drop_table('farm_member_tokens')
    op.drop_index('ix_registry_history_record', table_name='registry_history')
    op.drop_table('registry_history')
    op.drop_index(op.f('ix_farm_products_org_id'), table_name='farm_products')
    op.drop_table('farm_products')
    op.drop_index(op.f('ix_farm_members_org_id'), table_name='farm_members')
    op.drop_table('farm_members')
    op.drop_table('farm_diary_keys')
    op.drop_index(op.f('ix_farm_certificates_org_id'), table_name='farm_certificates')
    op.drop_table('farm_certificates')
