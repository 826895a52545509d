"""Profiles, offers and asks: the rules, independent of HTML or JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from hub import audit, mail, tags
from hub.db import mark_read_only
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.forms import PostInput, ProfileInput
from hub.models import HUB_ROLES, POST_STATUSES, WEAVING_ROLES, Ask, Member, MemberLink, MemberWeavingRole, Offer, Post
from hub.settings import Settings

POST_CLASSES = {"offer": Offer, "ask": Ask}
MEMBER_LOADS = (
    selectinload(Member.interests),
    selectinload(Member.weaving_roles),
    selectinload(Member.links),
    selectinload(Member.posts).selectinload(Post.tags),
)


def can_see(viewer: Member | None, member: Member) -> bool:
    if viewer is None or viewer.status != "active":
        return False
    if viewer.id == member.id:
        return True
    if member.status != "active":
        return viewer.is_weaver
    return member.visibility == "members" or viewer.is_weaver


async def load_member(session: AsyncSession, member_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.id == member_id).options(*MEMBER_LOADS))


async def visible_member(session: AsyncSession, viewer: Member, member_id: int) -> Member:
    member = await load_member(session, member_id)
    if member is None or not can_see(viewer, member):
        raise NotFound("No member with that id is visible to you.")
    return member


def build_search_text(member: Member, today: dt.date) -> str:
    parts = [member.name, member.organisation, member.region, member.bio]
    parts += [t.label for t in member.interests]
    parts += [WEAVING_ROLES[r.role] for r in member.weaving_roles]
    for post in member.posts:
        if post.is_open(today):
            parts += [post.title, post.description] + [t.label for t in post.tags]
    return "\n".join(p for p in parts if p)


def build_search_tags(member: Member, today: dt.date) -> str:
    """The ids of the tags the directory's tag filter finds the member by, as search_tags holds them."""
    ids = {t.id for t in member.interests}
    ids |= {t.id for post in member.posts if post.is_open(today) for t in post.tags}
    return " ".join(str(i) for i in sorted(ids))


def index_for_search(member: Member, today: dt.date) -> None:
    """Sets what the directory search reads, after any change to the profile or its posts."""
    member.search_text = build_search_text(member, today)
    member.search_tags = build_search_tags(member, today)
    member.search_indexed_on = today


async def refresh_search_text(session: AsyncSession, member_id: int, today: dt.date) -> None:
    index_for_search(await load_member(session, member_id), today)


#: How far back the expiry sweep looks: a worker that was down for up to this long still catches up.
EXPIRY_SWEEP_DAYS = 7


async def expired_posts_sweep(factory: async_sessionmaker[AsyncSession], clock: Callable[[], dt.datetime]) -> int:
    """The worker's periodic job: a post stops being found by its words and tags the day after it
    expires. Nothing else rewrites the member's search fields then, since expiry is a date
    passing, not a change. Idempotent: a member indexed today is not indexed again today. It
    looks first in a read-only transaction, so that an idle sweep never takes SQLite's write lock."""
    today = clock().date()
    due = (
        select(Post.member_id)
        .join(Member, Member.id == Post.member_id)
        .where(
            Post.status == "open", Post.expires_on < today,
            Post.expires_on >= today - dt.timedelta(days=EXPIRY_SWEEP_DAYS),
            or_(Member.search_indexed_on.is_(None), Member.search_indexed_on < today),
        )
        .distinct()
    )
    async with factory() as session:
        await mark_read_only(session)
        anyone_due = await session.scalar(due.limit(1))
        await session.rollback()
        if anyone_due is None:
            return 0
        member_ids = (await session.scalars(due)).all()  # again: another worker may have done them
        for member_id in member_ids:
            member = await load_member(session, member_id)
            index_for_search(member, today)  # sets search_indexed_on: what makes the sweep idempotent
        await session.commit()
    return len(member_ids)


async def update_profile(session: AsyncSession, member: Member, data: ProfileInput, today: dt.date) -> Member:
    member = await load_member(session, member.id)
    for field in (
        "name", "pronouns", "organisation", "sector", "nation", "region", "bio", "hours_per_month",
        "prefers", "visibility", "matching", "matching_paused_until",
    ):
        setattr(member, field, getattr(data, field))
    member.interests = await tags.get_or_create(session, data.interests)
    member.weaving_roles = [MemberWeavingRole(role=r) for r in data.weaving_roles]
    member.links = [MemberLink(label=link.label, url=link.url) for link in data.links]
    await session.flush()
    index_for_search(member, today)
    await session.commit()
    return member


def _require_active(member: Member) -> None:
    if member.status != "active":
        raise Forbidden("Your membership is waiting for a network weaver's approval.")


async def create_post(session: AsyncSession, member: Member, kind: str, data: PostInput, today: dt.date) -> Post:
    _require_active(member)
    post = POST_CLASSES[kind](
        member_id=member.id,
        title=data.title,
        description=data.description,
        expires_on=data.expires_on,
        tags=await tags.get_or_create(session, data.tags),
    )
    session.add(post)
    await session.flush()
    await refresh_search_text(session, member.id, today)
    await session.commit()
    return post


async def own_post(session: AsyncSession, viewer: Member, post_id: int) -> Post:
    """A post the viewer may change: their own. Others' posts look absent, not forbidden."""
    post = await session.scalar(select(Post).where(Post.id == post_id).options(selectinload(Post.tags)))
    if post is None or post.member_id != viewer.id:
        raise NotFound("You have no offer or ask with that id.")
    return post


async def update_post(session: AsyncSession, viewer: Member, post_id: int, data: PostInput, today: dt.date) -> Post:
    post = await own_post(session, viewer, post_id)
    post.title, post.description, post.expires_on = data.title, data.description, data.expires_on
    post.tags = await tags.get_or_create(session, data.tags)
    await session.flush()
    await refresh_search_text(session, viewer.id, today)
    await session.commit()
    return post


async def set_post_status(session: AsyncSession, viewer: Member, post_id: int, status: str, today: dt.date) -> Post:
    if status not in POST_STATUSES:
        raise InvalidInput("Unknown status.", {"status": f"Choose one of {', '.join(POST_STATUSES)}."})
    post = await own_post(session, viewer, post_id)
    if post.status != "open" and status != "open":
        raise Conflict(f"This {post.kind} is already {post.status}.")
    post.status = status
    await session.flush()
    await refresh_search_text(session, viewer.id, today)
    await session.commit()
    return post


async def set_hub_role(
    session: AsyncSession, actor: Member, member_id: int, role: str, now: dt.datetime
) -> Member:
    if not actor.is_admin:
        raise Forbidden("Only admins can change roles.")
    if role not in HUB_ROLES:
        raise InvalidInput("Unknown role.", {"role": f"Choose one of {', '.join(HUB_ROLES)}."})
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound("No member with that id.")
    if member.id == actor.id and role != "admin":
        admins = await session.scalar(select(func.count()).select_from(Member).where(Member.hub_role == "admin"))
        if admins <= 1:
            raise Conflict("You are the only admin; promote someone else before stepping down.")
    if member.hub_role != role:
        audit.record(session, actor.id, "role_change", f"member:{member.id}", now,
                     before=member.hub_role, after=role)
    member.hub_role = role
    await session.commit()
    return member


async def event_hosts(session: AsyncSession) -> list[Member]:
    """The members weavers have let host events (weavers and admins always may), for the admin page."""
    rows = await session.scalars(
        select(Member).where(Member.may_host_events.is_(True), Member.status != "deleted").order_by(Member.name)
    )
    return list(rows.all())


async def set_event_host(
    session: AsyncSession, actor: Member, member_id: int, allowed: bool, now: dt.datetime
) -> Member:
    """Let a member create events (and so send their announcements), or stop them: weavers and admins
    decide, and every change is in the audit log."""
    if not actor.is_weaver:
        raise Forbidden("Only network weavers and admins can let members host events.")
    member = await session.get(Member, member_id)
    if member is None or member.status == "deleted":
        raise NotFound("No member with that id.")
    if member.may_host_events != allowed:
        audit.record(session, actor.id, "event_host_change", f"member:{member.id}", now,
                     before=member.may_host_events, after=allowed)
    member.may_host_events = allowed
    await session.commit()
    return member


async def pending_members(session: AsyncSession) -> list[Member]:
    return list((await session.scalars(select(Member).where(Member.status == "pending").order_by(Member.created_at))).all())


async def approve_member(
    session: AsyncSession, settings: Settings, actor: Member, member_id: int, now: dt.datetime
) -> Member:
    if not actor.is_weaver:
        raise Forbidden("Only network weavers and admins can approve members.")
    member = await session.get(Member, member_id)
    if member is None or member.status != "pending":
        raise NotFound("No member is waiting for approval with that id.")
    member.status = "active"
    audit.record(session, actor.id, "member_approve", f"member:{member.id}", now)
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="member_approved", subject="You are now a member of the hub",
        context={"link": settings.base_url}, dedupe_key=f"member-approved:{member.id}",
    )
    await session.commit()
    return member
