"""member.search_indexed_on: the day a member's search fields were built, from the hub's clock

The expiry sweep used to compare member.updated_at, stamped by the wall clock, with the clock the
hub was given; a sweep run under any other clock (a test's, or a worker catching up) saw the
wrong members as done. The sweep now reads this column, which only hub.members.index_for_search
writes. Existing members start at NULL, which the sweep treats as "not yet indexed today".

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('member', sa.Column('search_indexed_on', sa.Date(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later) rather than a batch copy of the table, which
    # would lose the directory index's triggers on member.
    op.drop_column('member', 'search_indexed_on')
