"""weaving: rounds, suggestions, introductions, timebank, connections

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:09:50.266861
"""
from alembic import op
import sqlalchemy as sa
import hub.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('introduction', 'event_group')", name=op.f('ck_connection_kind')),
    sa.CheckConstraint('a_id < b_id', name=op.f('ck_connection_ordered')),
    sa.ForeignKeyConstraint(['a_id'], ['member.id'], name=op.f('fk_connection_a_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['b_id'], ['member.id'], name=op.f('fk_connection_b_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection')),
    sa.UniqueConstraint('a_id', 'b_id', 'kind', 'source_id', name='uq_connection_once')
    )
    op.create_index('ix_connection_b', 'connection', ['b_id'], unique=False)
    op.create_table('match_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_value', sa.String(length=160), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('scheduled', sa.Boolean(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_match_round_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_match_round_created_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_round'))
    )
    op.create_table('member_preference',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('intro_consent', sa.String(length=20), nullable=False),
    sa.Column('on_map', sa.Boolean(), nullable=False),
    sa.CheckConstraint("intro_consent IN ('direct', 'ask_first')", name=op.f('ck_member_preference_intro_consent')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_preference_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_preference'))
    )
    op.create_table('suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('round', 'self_service', 'triangle')", name=op.f('ck_suggestion_source')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'declined', 'skipped', 'superseded')", name=op.f('ck_suggestion_status')),
    sa.CheckConstraint('a_id <> b_id', name=op.f('ck_suggestion_not_self')),
    sa.ForeignKeyConstraint(['a_id'], ['member.id'], name=op.f('fk_suggestion_a_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ask_id'], ['post.id'], name=op.f('fk_suggestion_ask_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['b_id'], ['member.id'], name=op.f('fk_suggestion_b_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['member.id'], name=op.f('fk_suggestion_decided_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['post.id'], name=op.f('fk_suggestion_offer_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['member.id'], name=op.f('fk_suggestion_requested_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['match_round.id'], name=op.f('fk_suggestion_round_id_match_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion'))
    )
    op.create_index('ix_suggestion_pair', 'suggestion', ['a_id', 'b_id'], unique=False)
    op.create_index('ix_suggestion_status_round', 'suggestion', ['status', 'round_id'], unique=False)
    op.create_table('introduction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=True),
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('a_consent', sa.String(length=10), nullable=False),
    sa.Column('b_consent', sa.String(length=10), nullable=False),
    sa.Column('introduced_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('follow_up_due_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('follow_up_sent_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("a_consent IN ('pending', 'yes', 'no', 'auto')", name=op.f('ck_introduction_a_consent')),
    sa.CheckConstraint("b_consent IN ('pending', 'yes', 'no', 'auto')", name=op.f('ck_introduction_b_consent')),
    sa.CheckConstraint("status IN ('awaiting_consent', 'sent', 'met', 'not_yet', 'did_not_happen', 'declined')", name=op.f('ck_introduction_status')),
    sa.CheckConstraint('a_id <> b_id', name=op.f('ck_introduction_not_self')),
    sa.ForeignKeyConstraint(['a_id'], ['member.id'], name=op.f('fk_introduction_a_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ask_id'], ['post.id'], name=op.f('fk_introduction_ask_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['b_id'], ['member.id'], name=op.f('fk_introduction_b_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introduced_by_id'], ['member.id'], name=op.f('fk_introduction_introduced_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['post.id'], name=op.f('fk_introduction_offer_id_post'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestion.id'], name=op.f('fk_introduction_suggestion_id_suggestion'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introduction')),
    sa.UniqueConstraint('suggestion_id', name=op.f('uq_introduction_suggestion_id'))
    )
    op.create_index('ix_introduction_follow_up', 'introduction', ['status', 'follow_up_due_at'], unique=False)
    op.create_index('ix_introduction_pair', 'introduction', ['a_id', 'b_id'], unique=False)
    op.create_table('suggestion_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['member.id'], name=op.f('fk_suggestion_decision_actor_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestion.id'], name=op.f('fk_suggestion_decision_suggestion_id_suggestion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_decision'))
    )
    op.create_index(op.f('ix_suggestion_decision_suggestion_id'), 'suggestion_decision', ['suggestion_id'], unique=False)
    op.create_table('exchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=True),
    sa.Column('receiver_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Double(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('giver_id IS NULL OR receiver_id IS NULL OR giver_id <> receiver_id', name=op.f('ck_exchange_not_self')),
    sa.CheckConstraint('hours > 0 AND hours <= 200', name=op.f('ck_exchange_hours')),
    sa.ForeignKeyConstraint(['giver_id'], ['member.id'], name=op.f('fk_exchange_giver_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['introduction_id'], ['introduction.id'], name=op.f('fk_exchange_introduction_id_introduction'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['receiver_id'], ['member.id'], name=op.f('fk_exchange_receiver_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['member.id'], name=op.f('fk_exchange_recorded_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange')),
    sa.UniqueConstraint('introduction_id', 'giver_id', name='uq_exchange_introduction_giver')
    )
    op.create_index(op.f('ix_exchange_giver_id'), 'exchange', ['giver_id'], unique=False)
    op.create_index(op.f('ix_exchange_receiver_id'), 'exchange', ['receiver_id'], unique=False)
    op.create_table('follow_up_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('met', sa.String(length=20), nullable=False),
    sa.Column('helped', sa.Boolean(), nullable=True),
    sa.Column('hours', sa.Double(), nullable=False),
    sa.Column('answered_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("met IN ('met', 'not_yet', 'did_not_happen')", name=op.f('ck_follow_up_answer_met')),
    sa.CheckConstraint('hours >= 0 AND hours <= 200', name=op.f('ck_follow_up_answer_hours')),
    sa.ForeignKeyConstraint(['introduction_id'], ['introduction.id'], name=op.f('fk_follow_up_answer_introduction_id_introduction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_follow_up_answer_member_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_answer')),
    sa.UniqueConstraint('introduction_id', 'member_id', name='uq_follow_up_answer_once')
    )
    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_ledger_entry_exchange_id_exchange'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_ledger_entry_member_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry'))
    )
    op.create_index(op.f('ix_ledger_entry_exchange_id'), 'ledger_entry', ['exchange_id'], unique=False)
    op.create_index('ix_ledger_entry_member', 'ledger_entry', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ledger_entry_member', table_name='ledger_entry')
    op.drop_index(op.f('ix_ledger_entry_exchange_id'), table_name='ledger_entry')
    op.drop_table('ledger_entry')
    op.drop_table('follow_up_answer')
    op.drop_index(op.f('ix_exchange_receiver_id'), table_name='exchange')
    op.drop_index(op.f('ix_exchange_giver_id'), table_name='exchange')
    op.drop_table('exchange')
    op.drop_index(op.f('ix_suggestion_decision_suggestion_id'), table_name='suggestion_decision')
    op.drop_table('suggestion_decision')
    op.drop_index('ix_introduction_pair', table_name='introduction')
    op.drop_index('ix_introduction_follow_up', table_name='introduction')
    op.drop_table('introduction')
    op.drop_index('ix_suggestion_status_round', table_name='suggestion')
    op.drop_index('ix_suggestion_pair', table_name='suggestion')
    op.drop_table('suggestion')
    op.drop_table('member_preference')
    op.drop_table('match_round')
    op.drop_index('ix_connection_b', table_name='connection')
    op.drop_table('connection')
