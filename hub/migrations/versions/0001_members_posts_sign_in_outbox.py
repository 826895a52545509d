"""members, posts, sign-in, outbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 07:44:06.628718
"""
from alembic import op
import sqlalchemy as sa
import hub.db
from hub.search_index import DROP, V1_CREATE


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_token_token_hash'))
    )
    op.create_index(op.f('ix_login_token_email'), 'login_token', ['email'], unique=False)
    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('pronouns', sa.String(length=40), nullable=True),
    sa.Column('organisation', sa.String(length=160), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=True),
    sa.Column('nation', sa.String(length=40), nullable=True),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('hours_per_month', sa.Integer(), nullable=False),
    sa.Column('prefers', sa.String(length=20), nullable=False),
    sa.Column('visibility', sa.String(length=20), nullable=False),
    sa.Column('matching', sa.String(length=20), nullable=False),
    sa.Column('matching_paused_until', sa.Date(), nullable=True),
    sa.Column('hub_role', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("hub_role IN ('member', 'weaver', 'admin')", name=op.f('ck_member_hub_role')),
    sa.CheckConstraint("matching IN ('active', 'paused', 'opted_out')", name=op.f('ck_member_matching')),
    sa.CheckConstraint("prefers IN ('online', 'in_person', 'either')", name=op.f('ck_member_prefers')),
    sa.CheckConstraint("status IN ('active', 'pending', 'suspended')", name=op.f('ck_member_status')),
    sa.CheckConstraint("visibility IN ('members', 'weavers')", name=op.f('ck_member_visibility')),
    sa.CheckConstraint('hours_per_month >= 0 AND hours_per_month <= 200', name=op.f('ck_member_hours_per_month')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('email', name=op.f('uq_member_email'))
    )
    op.create_index('ix_member_directory', 'member', ['status', 'visibility', 'name'], unique=False, postgresql_include=['id'])
    op.create_index(op.f('ix_member_nation'), 'member', ['nation'], unique=False)
    op.create_index(op.f('ix_member_sector'), 'member', ['sector'], unique=False)
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'retry', 'failed')", name=op.f('ck_outbox_message_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_message_id'))
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['status', 'next_attempt_at'], unique=False)
    op.create_table('rate_limit_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hit'))
    )
    op.create_index('ix_rate_limit_hit_key_at', 'rate_limit_hit', ['key', 'at'], unique=False)
    op.create_table('tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
    sa.UniqueConstraint('slug', name=op.f('uq_tag_slug'))
    )
    op.create_table('invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['member.id'], name=op.f('fk_invite_invited_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite')),
    sa.UniqueConstraint('email', name=op.f('uq_invite_email'))
    )
    op.create_table('member_interest',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_interest_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_member_interest_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'tag_id', name=op.f('pk_member_interest'))
    )
    op.create_index('ix_member_interest_tag_id_member_id', 'member_interest', ['tag_id', 'member_id'], unique=False)
    op.create_table('member_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_link_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_link'))
    )
    op.create_index(op.f('ix_member_link_member_id'), 'member_link', ['member_id'], unique=False)
    op.create_table('member_weaving_role',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.CheckConstraint("role IN ('connector', 'project_coordinator', 'network_catalyst', 'network_guardian')", name=op.f('ck_member_weaving_role_role')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_weaving_role_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'role', name=op.f('pk_member_weaving_role'))
    )
    op.create_index(op.f('ix_member_weaving_role_role'), 'member_weaving_role', ['role'], unique=False)
    op.create_table('post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('offer', 'ask')", name=op.f('ck_post_kind')),
    sa.CheckConstraint("status IN ('open', 'fulfilled', 'withdrawn')", name=op.f('ck_post_status')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_post_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post'))
    )
    op.create_index('ix_post_member_kind', 'post', ['member_id', 'kind', 'status'], unique=False)
    op.create_index('ix_post_open_id_member_id', 'post', ['id', 'member_id'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
    op.create_table('web_session',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_web_session_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_session'))
    )
    op.create_index(op.f('ix_web_session_member_id'), 'web_session', ['member_id'], unique=False)
    op.create_table('post_tag',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_tag_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_post_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'tag_id', name=op.f('pk_post_tag'))
    )
    op.create_index('ix_post_tag_tag_id_post_id', 'post_tag', ['tag_id', 'post_id'], unique=False)
    _create_search_index()


def downgrade() -> None:
    _drop_search_index()
    op.drop_index('ix_post_tag_tag_id_post_id', table_name='post_tag')
    op.drop_table('post_tag')
    op.drop_index(op.f('ix_web_session_member_id'), table_name='web_session')
    op.drop_table('web_session')
    op.drop_index('ix_post_open_id_member_id', table_name='post')
    op.drop_index('ix_post_member_kind', table_name='post')
    op.drop_table('post')
    op.drop_index(op.f('ix_member_weaving_role_role'), table_name='member_weaving_role')
    op.drop_table('member_weaving_role')
    op.drop_index(op.f('ix_member_link_member_id'), table_name='member_link')
    op.drop_table('member_link')
    op.drop_index('ix_member_interest_tag_id_member_id', table_name='member_interest')
    op.drop_table('member_interest')
    op.drop_table('invite')
    op.drop_table('tag')
    op.drop_index('ix_rate_limit_hit_key_at', table_name='rate_limit_hit')
    op.drop_table('rate_limit_hit')
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_table('outbox_message')
    op.drop_index(op.f('ix_member_sector'), table_name='member')
    op.drop_index(op.f('ix_member_nation'), table_name='member')
    op.drop_index('ix_member_directory', table_name='member')
    op.drop_table('member')
    op.drop_index(op.f('ix_login_token_email'), table_name='login_token')
    op.drop_table('login_token')


def _create_search_index() -> None:
    """member_fts and its triggers (hub.search_index): FTS5 on SQLite, a tsvector table on PostgreSQL."""
    for statement in V1_CREATE[op.get_context().dialect.name]:
        op.execute(statement)


def _drop_search_index() -> None:
    for statement in DROP[op.get_context().dialect.name]:
        op.execute(statement)
