"""Find people: words, tags and filters over members and their open offers and asks.

Words go to the database's own full-text index, the member_fts table (hub.search_index):
PostgreSQL GIN on a stored tsvector ranked with ts_rank, SQLite FTS5 ranked with bm25.

One statement finds a page and the total (count(*) OVER ()), since ordering by relevance
or name has to look at every match anyway; a separate count runs only for a page past the end.
The shapes are chosen so that neither database can pick a slow plan (bench/directory_search.py
measures them at 50,000 members):
- a tag is "members in (who has it as an interest UNION who has an open post with it)", which
  both databases answer from the (tag_id, ...) indexes, instead of two correlated EXISTS per row;
- on SQLite the FTS5 table is joined as `member.id = +member_fts.rowid`: the unary + stops the
  planner from probing FTS5 once per member by rowid (each probe re-runs the whole MATCH; 4 s for
  one count at 50,000 members), so the MATCH runs once and drives the join.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, column, exists, func, literal_column, or_, select, table, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from hub.models import Member, MemberWeavingRole, Post, Tag, member_interest, post_tag
from hub.search_index import FTS_TABLE, TS_CONFIG, fts5_query, tsquery_text
from hub.tags import slugify

PER_PAGE = 20
_fts = table(FTS_TABLE, column("rowid"), column("rank"), column("search_vector"))
#: SQLite: the FTS5 rowid behind a unary +, usable as a value but not as a per-row FTS5 lookup.
_fts_rowid_value = literal_column(f"+{FTS_TABLE}.rowid")


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


def _tag_members(tag: str):  # noqa: ANN202
    """Ids of members who have the tag among their interests or on one of their open posts."""
    tag_id = select(Tag.id).where(Tag.slug == slugify(tag)).scalar_subquery()
    return union(
        select(member_interest.c.member_id).where(member_interest.c.tag_id == tag_id),
        select(Post.member_id)
        .join(post_tag, post_tag.c.post_id == Post.id)
        .where(post_tag.c.tag_id == tag_id, Post.status == "open"),
    )


def _filters(stmt: Select, query: DirectoryQuery, member_id=Member.id) -> Select:  # noqa: ANN001
    """`member_id` is the expression the tag filter tests: Member.id, or on SQLite with words the
    FTS5 rowid, so that the tag is checked before the member row is read."""
    if query.nation:
        stmt = stmt.where(Member.nation == query.nation)
    if query.sector:
        stmt = stmt.where(Member.sector == query.sector)
    if query.role:
        stmt = stmt.where(
            exists().where(MemberWeavingRole.member_id == Member.id, MemberWeavingRole.role == query.role)
        )
    if query.tag:
        stmt = stmt.where(member_id.in_(_tag_members(query.tag)))
    if query.has in ("offers", "asks"):
        stmt = stmt.where(
            exists().where(Post.member_id == Member.id, Post.kind == query.has[:-1], Post.status == "open")
        )
    return stmt


def _words(stmt: Select, query: DirectoryQuery, dialect: str) -> tuple[Select, object | None, object]:
    """Adds the word match. Returns the statement, a relevance (smaller is better; None: no words,
    order by name) and the member id expression for _filters."""
    if dialect == "postgresql":
        tsq = tsquery_text(query.q)
        if tsq is None:
            return stmt, None, Member.id
        tsquery = func.to_tsquery(literal_column(f"'{TS_CONFIG}'"), tsq)
        stmt = stmt.join(_fts, _fts.c.rowid == Member.id).where(_fts.c.search_vector.op("@@")(tsquery))
        return stmt, -func.ts_rank(_fts.c.search_vector, tsquery), Member.id
    match = fts5_query(query.q)
    if match is None:
        return stmt, None, Member.id
    stmt = stmt.join(_fts, Member.id == _fts_rowid_value).where(literal_column(FTS_TABLE).op("MATCH")(match))
    return stmt, _fts.c.rank, _fts_rowid_value


def _member_loads(viewer: Member, detail: str) -> tuple:
    """What the page of members is loaded with: only what the caller shows, since loading the 20
    members is most of a search's time outside SQL. Posts that nobody is shown are not loaded at
    all (a member's closed posts are shown only to that member, hub.web.api.member_out), so the
    collections hold a subset; these objects only feed the one response.
    - "full": everything hub.web.api.member_out reads (interests, roles, links, posts and their tags);
    - "card": what templates/hub/members/_card.html reads (interests and open posts, no post tags)."""
    if detail == "card":
        return selectinload(Member.interests), selectinload(Member.posts.and_(Post.status == "open"))
    shown_posts = Member.posts.and_(or_(Post.status == "open", Post.member_id == viewer.id))
    return (
        selectinload(Member.interests),
        selectinload(Member.weaving_roles),
        selectinload(Member.links),
        selectinload(shown_posts).selectinload(Post.tags),
    )


async def search(session: AsyncSession, viewer: Member, query: DirectoryQuery, detail: str = "full") -> DirectoryPage:
    """`detail`: what the page's members are loaded with, "full" or "card" (_member_loads)."""
    dialect = session.bind.dialect.name
    base, relevance, member_id = _words(select(Member.id).where(_visible_to(viewer)), query, dialect)
    base = _filters(base, query, member_id)
    # The matches with what they are ordered by, computed inside the subquery: OFFSET 0 keeps
    # PostgreSQL from pulling the subquery up and computing ts_rank above the window, which would
    # drag every match's tsvector through it (and spill it to disk).
    hits = (
        base.add_columns(Member.name, (relevance if relevance is not None else literal_column("0")).label("relevance"))
        .offset(0)
        .subquery("hits")
    )
    page = max(1, query.page)
    rows = (
        await session.execute(
            select(hits.c.id, func.count().over())
            .order_by(hits.c.relevance, hits.c.name, hits.c.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    ).all()
    ids = [member_id_ for member_id_, _ in rows]
    if rows:
        total = rows[0][1]
    elif page == 1:
        total = 0
    else:  # past the last page: the window had no row to report the total on
        total = await session.scalar(select(func.count()).select_from(base.subquery()))
    if not ids:
        return DirectoryPage(query=query, members=[], total=total)
    by_id = {
        m.id: m
        for m in (
            await session.scalars(select(Member).where(Member.id.in_(ids)).options(*_member_loads(viewer, detail)))
        ).all()
    }
    return DirectoryPage(query=query, members=[by_id[i] for i in ids], total=total)
