"""Find people: words, tags and filters over members and their open offers and asks.

Words go to the database's own full-text index (PostgreSQL GIN tsvector, SQLite FTS5 with
bm25), so the first page stays fast at tens of thousands of members.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, column, exists, func, literal_column, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from hub.members import MEMBER_LOADS
from hub.models import Member, MemberWeavingRole, Post, Tag, member_interest, post_tag
from hub.search_index import FTS_TABLE, TS_CONFIG, fts5_query, tsquery_text
from hub.tags import slugify

PER_PAGE = 20
_fts = table(FTS_TABLE, column("rowid"), column("rank"))


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    tag: str = ""
    nation: str = ""
    sector: str = ""
    role: str = ""
    has: str = ""  # "", "offers" or "asks"
    page: int = 1


@dataclass
class DirectoryPage:
    query: DirectoryQuery
    members: list[Member]
    total: int
    per_page: int = PER_PAGE
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.per_page))


def _visible_to(viewer: Member):  # noqa: ANN202
    conditions = [Member.status == "active"]
    if not viewer.is_weaver:
        conditions.append(or_(Member.visibility == "members", Member.id == viewer.id))
    return and_(*conditions)


def _filters(stmt: Select, query: DirectoryQuery) -> Select:
    if query.nation:
        stmt = stmt.where(Member.nation == query.nation)
    if query.sector:
        stmt = stmt.where(Member.sector == query.sector)
    if query.role:
        stmt = stmt.where(
            exists().where(MemberWeavingRole.member_id == Member.id, MemberWeavingRole.role == query.role)
        )
    if query.tag:
        slug = slugify(query.tag)
        tag_id = select(Tag.id).where(Tag.slug == slug).scalar_subquery()
        stmt = stmt.where(
            or_(
                exists().where(member_interest.c.member_id == Member.id, member_interest.c.tag_id == tag_id),
                exists().where(
                    post_tag.c.tag_id == tag_id, Post.id == post_tag.c.post_id,
                    Post.member_id == Member.id, Post.status == "open",
                ),
            )
        )
    if query.has in ("offers", "asks"):
        stmt = stmt.where(
            exists().where(Post.member_id == Member.id, Post.kind == query.has[:-1], Post.status == "open")
        )
    return stmt


def _words(stmt: Select, query: DirectoryQuery, dialect: str) -> tuple[Select, object | None]:
    """Adds the word match; returns the statement and a relevance ordering (None: by name)."""
    if dialect == "postgresql":
        tsq = tsquery_text(query.q)
        if tsq is None:
            return stmt, None
        vector = literal_column(f"to_tsvector('{TS_CONFIG}', member.search_text)")
        tsquery = func.to_tsquery(literal_column(f"'{TS_CONFIG}'"), tsq)
        stmt = stmt.where(vector.op("@@")(tsquery))
        return stmt, func.ts_rank(vector, tsquery).desc()
    match = fts5_query(query.q)
    if match is None:
        return stmt, None
    stmt = stmt.join(_fts, _fts.c.rowid == Member.id).where(literal_column(FTS_TABLE).op("MATCH")(match))
    return stmt, _fts.c.rank


async def search(session: AsyncSession, viewer: Member, query: DirectoryQuery) -> DirectoryPage:
    dialect = session.bind.dialect.name
    base = _filters(select(Member.id).where(_visible_to(viewer)), query)
    base, relevance = _words(base, query, dialect)
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    order = [relevance] if relevance is not None else []
    page = max(1, query.page)
    ids_stmt = base.order_by(*order, Member.name, Member.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ids = list((await session.scalars(ids_stmt)).all())
    by_id = {
        m.id: m
        for m in (
            await session.scalars(
                select(Member)
                .where(Member.id.in_(ids))
                .options(*MEMBER_LOADS)
            )
        ).all()
    }
    return DirectoryPage(query=query, members=[by_id[i] for i in ids], total=total)
