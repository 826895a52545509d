"""exchange.status, decided_by_id, decided_at: timebank transfers that wait for a confirmation

A transfer a member records as received waits for the giver to confirm it, and the hours from an
introduction's follow-up wait for a weaver when the two people's answers differ (each person's
answer is already its own follow_up_answer row). Only a confirmed exchange has ledger entries, so
balances, which sum the ledger, count confirmed exchanges only. Every existing exchange has its
ledger entries and starts as confirmed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import hub.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key or a CHECK to an existing table in place (it copies
    # the table; exchange has no triggers to lose). PostgreSQL alters it in place.
    with op.batch_alter_table('exchange') as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='confirmed', nullable=False))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', hub.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(op.f('fk_exchange_decided_by_id_member'), 'member', ['decided_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_exchange_status'), "status IN ('confirmed', 'pending', 'declined')")


def downgrade() -> None:
    # Exchanges still waiting or declined have no ledger entries; before 0009 every exchange counted.
    op.execute("DELETE FROM exchange WHERE status <> 'confirmed'")
    with op.batch_alter_table('exchange') as batch_op:
        batch_op.drop_constraint(op.f('ck_exchange_status'), type_='check')
        batch_op.drop_constraint(op.f('fk_exchange_decided_by_id_member'), type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('status')
