"""member.may_host_events: who may create events is a permission weavers grant, not a role members tick

Ticking the Network Catalyst/Facilitator weaving role on one's own profile used to let a member create
events and so mail announcements to everyone who asked for them. Weaving roles now only describe a
member; weavers and admins grant and take back this permission (hub.members.set_event_host, audited).
Nobody has it to begin with, the members who ticked the role included: weavers and admins, who may
always create events, grant it to the members they trust.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('member', sa.Column('may_host_events', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later), as in 0007: a batch copy would lose member's triggers.
    op.drop_column('member', 'may_host_events')
