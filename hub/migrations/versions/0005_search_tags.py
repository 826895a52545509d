"""directory search by tag through the full-text index: member.search_tags, member_fts version 2

Joins the two heads (0004 and 0004b). member.search_tags holds the ids of the tags a member is
found by (interests, and the tags of open posts that have not expired), filled here from the
tables. member_fts is rebuilt with them (hub.search_index, version 2), so that a word-and-tag
search intersects posting lists inside one index and ranks only the intersection.

Revision ID: 0005
Revises: 0004, 0004b
Create Date: 2026-11-23 16:10:00
"""
from alembic import op
import sqlalchemy as sa

from hub.search_index import DROP, FILL, V1_CREATE, V1_FILL, V2_CREATE


revision = '0005'
down_revision = ('0004', '0004b')
branch_labels = None
depends_on = None

_TAGS_OF_MEMBER = """
    SELECT member_id, tag_id FROM member_interest
    UNION
    SELECT post.member_id, post_tag.tag_id FROM post JOIN post_tag ON post_tag.post_id = post.id
    WHERE post.status = 'open' AND (post.expires_on IS NULL OR post.expires_on >= CURRENT_DATE)
"""
_BACKFILL = {
    "sqlite": f"""UPDATE member SET search_tags = coalesce((
        SELECT group_concat(tag_id, ' ') FROM (
            SELECT tag_id FROM ({_TAGS_OF_MEMBER}) AS t WHERE t.member_id = member.id ORDER BY tag_id)), '')""",
    "postgresql": f"""UPDATE member SET search_tags = t.ids FROM (
        SELECT member_id, string_agg(tag_id::text, ' ' ORDER BY tag_id) AS ids FROM ({_TAGS_OF_MEMBER}) AS u
        GROUP BY member_id) AS t WHERE t.member_id = member.id""",
}


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    _run(DROP[dialect])
    with op.batch_alter_table('member') as batch_op:
        batch_op.add_column(sa.Column('search_tags', sa.Text(), server_default='', nullable=False))
    op.execute(_BACKFILL[dialect])
    _run(V2_CREATE[dialect] + FILL[dialect])


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    _run(DROP[dialect])
    with op.batch_alter_table('member') as batch_op:
        batch_op.drop_column('search_tags')
    _run(V1_CREATE[dialect] + V1_FILL[dialect])
