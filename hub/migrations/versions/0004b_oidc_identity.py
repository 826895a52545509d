"""oidc identity: a member's (issuer, subject) at an organisation's OpenID Connect provider

A branch off 0003 beside 0004 (privacy and audit); the hub upgrades to "heads".

Revision ID: 0004b
Revises: 0003
Create Date: 2026-11-23 11:45:00
"""
from alembic import op
import sqlalchemy as sa
import hub.db


revision = '0004b'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oidc_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_oidc_identity_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_identity')),
    sa.UniqueConstraint('issuer', 'subject', name='uq_oidc_identity_issuer_subject')
    )
    op.create_index(op.f('ix_oidc_identity_member_id'), 'oidc_identity', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_oidc_identity_member_id'), table_name='oidc_identity')
    op.drop_table('oidc_identity')
