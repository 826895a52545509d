"""directory search on SQLite: prefix indexes in member_fts (version 3 of hub.search_index)

Every typed word is searched as a word start. FTS5 then merges, on every search, the lists of all
the words that start alike; with prefix indexes it keeps those merged lists. PostgreSQL is left
as it is: its GIN index finds word starts by walking its sorted entries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:30:00
"""
from alembic import op

from hub.search_index import CREATE, DROP, FILL, V2_CREATE


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _rebuild(create: dict[str, list[str]]) -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for statement in DROP["sqlite"] + create["sqlite"] + FILL["sqlite"]:
        op.execute(statement)


def upgrade() -> None:
    _rebuild(CREATE)


def downgrade() -> None:
    _rebuild(V2_CREATE)
