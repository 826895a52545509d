"""privacy and audit: append-only audit_log, privacy settings, and a "deleted" member status

The audit log refuses UPDATE and DELETE in the database itself (a trigger on each database), so
no code path, bug or hand-written SQL can rewrite history. TRUNCATE and DROP remain, as they do
for any table owner; they are not statements the hub ever issues.

Widening the member status CHECK on SQLite: SQLite cannot ALTER a constraint, and rebuilding
`member` would drop its full-text triggers and, with foreign keys on, cascade-delete every row
that points at it. SQLite documents editing the stored CREATE TABLE text for changes that do not
touch stored data (such as changing a CHECK); adding an allowed value is one of those, since every
existing row still passes. The schema version is bumped so every connection re-reads the schema.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:20:21.713619
"""
from alembic import op
import sqlalchemy as sa
import hub.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD_STATUSES = "'active', 'pending', 'suspended'"
NEW_STATUSES = "'active', 'pending', 'suspended', 'deleted'"
APPEND_ONLY_MESSAGE = "audit_log is append-only: rows cannot be changed or deleted"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]


def _sqlite_member_status_check(old: str, new: str) -> None:
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'member'",
        (f"status IN ({old})", f"status IN ({new})"),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def _member_status_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_member_status_check(old, new)
    else:
        op.drop_constraint(op.f("ck_member_status"), "member", type_="check")
        op.create_check_constraint(op.f("ck_member_status"), "member", f"status IN ({new})")


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_action_at', 'audit_log', ['action', 'at'], unique=False)
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_table('privacy_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['member.id'], name=op.f('fk_privacy_setting_updated_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_privacy_setting'))
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    _member_status_check(OLD_STATUSES, NEW_STATUSES)


def downgrade() -> None:
    # Tombstones become suspended members so the narrower CHECK holds again.
    op.execute("UPDATE member SET status = 'suspended' WHERE status = 'deleted'")
    _member_status_check(NEW_STATUSES, OLD_STATUSES)
    op.drop_table('privacy_setting')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_index('ix_audit_log_action_at', table_name='audit_log')
    op.drop_table('audit_log')  # its triggers go with it
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
