"""The members of one directory page, read as plain rows rather than ORM objects.

A page shows 20 members with their interests, roles, links and offers and asks: some 300 objects.
Building them as ORM instances (identity map, attribute instrumentation, a statement per
collection through the loader machinery) cost about 10 ms of a search's time; reading the same
rows with Core and filling small dataclasses costs about 5 ms (bench/directory_search.py). The
rows carry the attribute names the model has, and share its display logic (hub.models
MemberDisplay and PostState), so hub.web.api.member_out and templates/hub/members/_card.html read
either.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Member, MemberDisplay, MemberLink, MemberWeavingRole, Post, PostState, Tag, member_interest, post_tag

_member = Member.__table__
_post = Post.__table__
_POST_COLUMNS = [c for c in _post.c if c.key not in ("created_at", "updated_at")]


@dataclass(frozen=True)
class TagRow:
    slug: str
    label: str


@dataclass(frozen=True)
class RoleRow:
    role: str


@dataclass(frozen=True)
class LinkRow:
    label: str
    url: str


@dataclass
class PostRow(PostState):
    id: int
    member_id: int
    kind: str
    title: str
    description: str
    status: str
    expires_on: Optional[dt.date]
    tags: Optional[list[TagRow]]  # None where not loaded ("card"), so that reading it fails loudly


@dataclass
class MemberRow(MemberDisplay):
    id: int
    email: str
    name: str
    pronouns: Optional[str]
    organisation: str
    sector: Optional[str]
    nation: Optional[str]
    region: str
    bio: str
    hours_per_month: int
    prefers: str
    visibility: str
    matching: str
    matching_paused_until: Optional[dt.date]
    hub_role: str
    status: str
    interests: list[TagRow]
    posts: list[PostRow]
    weaving_roles: Optional[list[RoleRow]]  # None where not loaded ("card")
    links: Optional[list[LinkRow]]  # None where not loaded ("card")


#: The member columns a page shows: those MemberRow has (not the search index's copies, timestamps or
#: permissions), named from the row itself, so that a column added to the model is not read unasked.
_MEMBER_COLUMNS = [c for c in _member.c if c.key in MemberRow.__dataclass_fields__]


async def load_members(session: AsyncSession, viewer: Member, ids: list[int], detail: str) -> list[MemberRow]:
    """The members with these ids, in this order, with what the caller shows:
    - "full": everything hub.web.api.member_out reads (interests, roles, links, posts with tags);
    - "card": what templates/hub/members/_card.html reads (interests and open posts, no tags).
    Posts that nobody is shown are not read: a member's closed posts are shown only to that member
    (hub.web.api.member_out), so `posts` holds the open ones and, on the viewer's own row, the rest."""
    full = detail == "full"
    interests = await _tags_by_owner(session, member_interest.c.member_id, member_interest, ids)
    shown = _post.c.status == "open"
    if full:
        shown = or_(shown, _post.c.member_id == viewer.id)
    post_rows = (await session.execute(
        select(*_POST_COLUMNS).where(_post.c.member_id.in_(ids), shown).order_by(_post.c.id)
    )).all()
    post_tags = await _tags_by_owner(session, post_tag.c.post_id, post_tag, [p.id for p in post_rows]) if full else None
    posts: dict[int, list[PostRow]] = defaultdict(list)
    for p in post_rows:
        tags = post_tags.get(p.id, []) if post_tags is not None else None
        posts[p.member_id].append(PostRow(**p._mapping, tags=tags))
    roles = links = None
    if full:
        roles = await _grouped(session, select(MemberWeavingRole.member_id, MemberWeavingRole.role).where(
            MemberWeavingRole.member_id.in_(ids)).order_by(MemberWeavingRole.role), RoleRow)
        links = await _grouped(session, select(MemberLink.member_id, MemberLink.label, MemberLink.url).where(
            MemberLink.member_id.in_(ids)).order_by(MemberLink.id), LinkRow)
    by_id = {
        m.id: MemberRow(
            **m._mapping, interests=interests.get(m.id, []), posts=posts.get(m.id, []),
            weaving_roles=roles.get(m.id, []) if roles is not None else None,
            links=links.get(m.id, []) if links is not None else None,
        )
        for m in (await session.execute(select(*_MEMBER_COLUMNS).where(_member.c.id.in_(ids)))).all()
    }
    return [by_id[i] for i in ids if i in by_id]


async def _tags_by_owner(session: AsyncSession, owner, link_table, owner_ids: list[int]) -> dict[int, list[TagRow]]:  # noqa: ANN001
    """The tags of each owner (member or post) through a link table, ordered by label as the
    model's relationships are."""
    if not owner_ids:
        return {}
    stmt = (
        select(owner, Tag.slug, Tag.label)
        .join(Tag, Tag.id == link_table.c.tag_id)
        .where(owner.in_(owner_ids))
        .order_by(Tag.label)
    )
    return await _grouped(session, stmt, TagRow)


async def _grouped(session: AsyncSession, stmt, row_type) -> dict:  # noqa: ANN001
    """Rows of (owner id, *fields) as {owner id: [row_type(*fields), ...]}, in the statement's order."""
    out: dict[int, list] = defaultdict(list)
    for owner_id, *fields in (await session.execute(stmt)).all():
        out[owner_id].append(row_type(*fields))
    return out
