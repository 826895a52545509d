"""Find people: words, tags and filters over members and their open offers and asks.

Words and tags go to the database's own full-text index, the member_fts table (hub.search_index):
PostgreSQL GIN on a stored tsvector ranked with ts_rank, SQLite FTS5 ranked with bm25. A tag is
part of that index (member.search_tags, the ids of a member's interests and open posts' tags), so
"word and tag" is one index lookup that intersects two posting lists, and only the members in the
intersection are ranked. Ranking every member who has a common word (86% of members have
"network") and only then dropping those without the tag was most of a search's time.

A ranked search finds a page and the total in one statement (count(*) OVER ()), since ranking
scores every match anyway; a page ordered by name (no words) is a LIMIT and a count, which spares
sorting every match in full.
The shapes are chosen so that neither database can pick a slow plan (bench/directory_search.py
measures them at 50,000 members):
- on PostgreSQL, member_fts also holds each member's status, visibility and name, so a word or tag
  search without other filters never reads member (joining 8,000 matches back to member cost
  more than finding and ranking them);
- on SQLite the FTS5 table is joined as `member.id = +member_fts.rowid`: the unary + stops the
  planner from probing FTS5 once per member by rowid (each probe re-runs the whole MATCH; 4 s for
  one count at 50,000 members), so the MATCH runs once and drives the join.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, cast, column, exists, func, literal_column, or_, select, table
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from hub import tags
from hub.directory_page import MemberRow, load_members
from hub.models import Member, MemberWeavingRole, Post
from hub.search_index import FTS_TABLE, TS_CONFIG, fts5_query, tag_tsquery_text, tsquery_text, words

PER_PAGE = 20
_fts = table(
    FTS_TABLE, column("rowid"), column("search_vector"), column("name"), column("status"), column("visibility")
)
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
    members: list[MemberRow]
    total: int
    per_page: int = PER_PAGE
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class _Matches:
    """The matching members' ids, with what a page is ordered by."""
    stmt: Select
    id: object  # the column the ids come from
    name: object
    relevance: object | None = None  # smaller is better; None: no words, order by name


def _visible_to(viewer: Member, row=Member.__table__.c, member_id=Member.id):  # noqa: ANN001, ANN202
    """`row`: the columns status and visibility are read from (member's, or on PostgreSQL
    member_fts's copy), `member_id` the id beside them."""
    conditions = [row.status == "active"]
    if not viewer.is_weaver:
        conditions.append(or_(row.visibility == "members", member_id == viewer.id))
    return and_(*conditions)


def _needs_member_row(query: DirectoryQuery) -> bool:
    return bool(query.nation or query.sector)


def _filters(stmt: Select, query: DirectoryQuery, member_id) -> Select:  # noqa: ANN001
    """`member_id`: the matches' own id column, which the role and has filters look up from, so
    that they need no join to member (on PostgreSQL, a join of 37,000 matches for a common word)."""
    if query.nation:
        stmt = stmt.where(Member.nation == query.nation)
    if query.sector:
        stmt = stmt.where(Member.sector == query.sector)
    if query.role:
        stmt = stmt.where(
            exists().where(MemberWeavingRole.member_id == member_id, MemberWeavingRole.role == query.role)
        )
    if query.has in ("offers", "asks"):
        stmt = stmt.where(
            exists().where(Post.member_id == member_id, Post.kind == query.has[:-1], Post.status == "open")
        )
    return stmt


def _all_members(viewer: Member) -> _Matches:
    return _Matches(select(Member.id).where(_visible_to(viewer)), Member.id, Member.name)


def _postgresql_matches(viewer: Member, query: DirectoryQuery, tag_id: int | None) -> _Matches:
    word_text = tsquery_text(query.q)
    if word_text is None and tag_id is None:
        return _all_members(viewer)
    word_query = func.to_tsquery(literal_column(f"'{TS_CONFIG}'"), word_text) if word_text is not None else None
    tag_query = cast(tag_tsquery_text(tag_id), TSQUERY) if tag_id is not None else None
    first, *rest = [q for q in (word_query, tag_query) if q is not None]
    wanted = first.op("&&")(rest[0]) if rest else first
    stmt = select(_fts.c.rowid.label("id")).where(
        _fts.c.search_vector.op("@@")(wanted), _visible_to(viewer, _fts.c, _fts.c.rowid)
    )
    if _needs_member_row(query):
        stmt = stmt.join(Member, Member.id == _fts.c.rowid)
    # Ranked by the words alone, so a tag filter does not change the order of what it keeps.
    relevance = -func.ts_rank(_fts.c.search_vector, word_query) if word_query is not None else None
    return _Matches(stmt, _fts.c.rowid, _fts.c.name, relevance)


def _sqlite_matches(viewer: Member, query: DirectoryQuery, tag_id: int | None) -> _Matches:
    match = fts5_query(query.q, tag_id)
    if match is None:
        return _all_members(viewer)
    stmt = (
        select(Member.id)
        .join(_fts, Member.id == _fts_rowid_value)
        .where(literal_column(FTS_TABLE).op("MATCH")(match), _visible_to(viewer))
    )
    # bm25 weights: the words column counts, the tags column (only ever an exact filter) does not.
    relevance = func.bm25(literal_column(FTS_TABLE), 1.0, 0.0) if words(query.q) else None
    return _Matches(stmt, Member.id, Member.name, relevance)


async def search(session: AsyncSession, viewer: Member, query: DirectoryQuery, detail: str = "full") -> DirectoryPage:
    """`detail`: what the page's members are read with, "full" or "card" (hub.directory_page)."""
    tag_id = None
    if query.tag:
        tag = await tags.find(session, query.tag)
        if tag is None:  # nobody has a tag that does not exist
            return DirectoryPage(query=query, members=[], total=0)
        tag_id = tag.id
    matches = (_postgresql_matches if session.bind.dialect.name == "postgresql" else _sqlite_matches)(
        viewer, query, tag_id
    )
    base = _filters(matches.stmt, query, matches.id)
    page = max(1, query.page)
    if matches.relevance is None:
        ids, total = await _page_by_name(session, base, matches.name, page)
    else:
        ids, total = await _page_by_relevance(session, base, matches, page)
    if not ids:
        return DirectoryPage(query=query, members=[], total=total)
    return DirectoryPage(query=query, members=await load_members(session, viewer, ids, detail), total=total)


async def _count(session: AsyncSession, base: Select) -> int:
    return await session.scalar(select(func.count()).select_from(base.subquery()))


async def _page_by_name(session: AsyncSession, base: Select, name: object, page: int) -> tuple[list[int], int]:
    """A page ordered by name, and the total in a second statement: with a LIMIT the database keeps
    only the first rows while it reads (a top-N sort), and the count reads an index alone. One
    statement with count(*) OVER () sorted every match in full: the unfiltered directory took
    40 ms rather than 11 ms on SQLite, 35 ms rather than 27 ms on PostgreSQL, at 50,000 members."""
    hits = base.add_columns(name.label("name")).subquery("hits")
    ids = list((await session.scalars(
        select(hits.c.id).order_by(hits.c.name, hits.c.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    )).all())
    total = await _count(session, base) if ids or page > 1 else 0
    return ids, total


async def _page_by_relevance(session: AsyncSession, base: Select, matches: _Matches, page: int) -> tuple[list[int], int]:
    """A ranked page and the total in one statement (count(*) OVER ()): ranking has to score every
    match anyway, and a second statement would find them all again."""
    # The matches with what they are ordered by, computed inside the subquery: OFFSET 0 keeps
    # PostgreSQL from pulling the subquery up and computing ts_rank above the window, which would
    # drag every match's tsvector through it (and spill it to disk).
    hits = (
        base.add_columns(matches.name.label("name"), matches.relevance.label("relevance")).offset(0).subquery("hits")
    )
    rows = (
        await session.execute(
            select(hits.c.id, func.count().over())
            .order_by(hits.c.relevance, hits.c.name, hits.c.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    ).all()
    if rows:
        return [member_id for member_id, _ in rows], rows[0][1]
    # past the last page, the window had no row to report the total on
    return [], (await _count(session, base) if page > 1 else 0)
