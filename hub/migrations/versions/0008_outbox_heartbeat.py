"""outbox_message.claimed_by and heartbeat_at instead of claimed_until

A claim used to be a 5-minute lease: mail claimed by a worker that died waited out the lease. A claim
now names its worker and carries a heartbeat that the worker refreshes while it sends; another worker
takes over a claim whose heartbeat is older than hub.mail.HEARTBEAT_TIMEOUT. Rows claimed before the
upgrade keep their lease's end as their heartbeat, so they are taken over no sooner than before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

import hub.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbox_message', sa.Column('claimed_by', sa.String(length=100), nullable=True))
    op.add_column('outbox_message', sa.Column('heartbeat_at', hub.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbox_message SET heartbeat_at = claimed_until WHERE status = 'sending'")
    # Plain DROP COLUMN (SQLite 3.35 and later), as in 0007.
    op.drop_column('outbox_message', 'claimed_until')


def downgrade() -> None:
    op.add_column('outbox_message', sa.Column('claimed_until', hub.db.UTCDateTime(timezone=True), nullable=True))
    # The lease then ends at the last heartbeat: mail in flight is taken over at once, so stop the workers first.
    op.execute("UPDATE outbox_message SET claimed_until = heartbeat_at WHERE status = 'sending'")
    op.drop_column('outbox_message', 'heartbeat_at')
    op.drop_column('outbox_message', 'claimed_by')
