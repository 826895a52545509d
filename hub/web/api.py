"""The JSON API under /api: the same services as the pages, described by the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Literal, Optional

from litestar import Controller, Request, get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from hub import auth, directory, members, tags
from hub.directory_page import MemberRow, PostRow
from hub.forms import parse_post, parse_profile
from hub.models import Member, Post
from hub.settings import Settings
from hub.web.common import api_errors, require, visitor_of


@dataclass
class LinkOut:
    label: str
    url: str


@dataclass
class PostOut:
    id: int
    member_id: int
    kind: str
    title: str
    description: str
    status: str
    tags: list[str]
    expires_on: Optional[dt.date]


@dataclass
class MemberOut:
    id: int
    name: str
    pronouns: Optional[str]
    organisation: str
    sector: Optional[str]
    nation: Optional[str]
    region: str
    bio: str
    interests: list[str]
    weaving_roles: list[str]
    hours_per_month: int
    prefers: str
    links: list[LinkOut]
    visibility: str
    hub_role: str
    offers: list[PostOut]
    asks: list[PostOut]
    email: Optional[str] = None
    matching: Optional[str] = None
    matching_paused_until: Optional[dt.date] = None


@dataclass
class DirectoryOut:
    items: list[MemberOut]
    total: int
    page: int
    pages: int


@dataclass
class TagOut:
    slug: str
    label: str


@dataclass
class CsrfOut:
    csrf_token: str


@dataclass
class LinkIn:
    label: str
    url: str


@dataclass
class ProfileIn:
    name: str
    pronouns: Optional[str] = None
    organisation: str = ""
    sector: Optional[str] = None
    nation: Optional[str] = None
    region: str = ""
    bio: str = ""
    interests: list[str] = field(default_factory=list)
    weaving_roles: list[str] = field(default_factory=list)
    hours_per_month: int = 0
    prefers: str = "either"
    links: list[LinkIn] = field(default_factory=list)
    visibility: str = "members"
    matching: str = "active"
    matching_paused_until: Optional[str] = None


@dataclass
class PostIn:
    title: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    expires_on: Optional[str] = None


@dataclass
class StatusIn:
    status: Literal["open", "fulfilled", "withdrawn"]


@dataclass
class RoleIn:
    role: Literal["member", "weaver", "admin"]


def post_out(post: Post | PostRow) -> PostOut:
    return PostOut(
        id=post.id, member_id=post.member_id, kind=post.kind, title=post.title, description=post.description,
        status=post.status, tags=[t.label for t in post.tags], expires_on=post.expires_on,
    )


def member_out(member: Member | MemberRow, viewer: Member, today: dt.date) -> MemberOut:
    """From the model (one member) or a directory row (a page of them): both read alike."""
    private = viewer.id == member.id or viewer.is_weaver
    posts = [p for p in member.posts if p.is_open(today) or viewer.id == member.id]
    return MemberOut(
        id=member.id, name=member.display_name, pronouns=member.pronouns, organisation=member.organisation,
        sector=member.sector, nation=member.nation, region=member.region, bio=member.bio,
        interests=[t.label for t in member.interests], weaving_roles=member.role_names,
        hours_per_month=member.hours_per_month, prefers=member.prefers,
        links=[LinkOut(label=link.label, url=link.url) for link in member.links], visibility=member.visibility,
        hub_role=member.hub_role,
        offers=[post_out(p) for p in posts if p.kind == "offer"], asks=[post_out(p) for p in posts if p.kind == "ask"],
        email=member.email if private else None, matching=member.matching if private else None,
        matching_paused_until=member.matching_paused_until if private else None,
    )


class Api(Controller):
    path = "/api"
    tags = ["hub"]

    @get("/csrf", summary="A CSRF token for this client's cookie; send it as X-CSRF-Token")
    async def csrf(self, request: Request, settings: Settings) -> CsrfOut:
        return CsrfOut(csrf_token=auth.csrf_token(settings, visitor_of(request)))

    @get("/me", responses=api_errors(401))
    async def me(self, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> MemberOut:
        me = await members.load_member(db, require(viewer, allow_pending=True).id)
        return member_out(me, me, now.date())

    @put("/me", responses=api_errors(401, 403, 422))
    async def update_me(self, data: ProfileIn, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> MemberOut:
        me = require(viewer, allow_pending=True)
        values = asdict(data)
        member = await members.update_profile(db, me, parse_profile(values, now.date()), now.date())
        return member_out(member, member, now.date())

    @get("/members", responses=api_errors(401, 403))
    async def search(
        self,
        db: AsyncSession,
        viewer: Member | None,
        now: dt.datetime,
        q: str = Parameter(default="", max_length=200),
        tag: str = Parameter(default="", max_length=80),
        nation: str = Parameter(default="", max_length=40),
        sector: str = Parameter(default="", max_length=40),
        role: str = Parameter(default="", max_length=40),
        has: Literal["", "offers", "asks"] = "",
        page: int = Parameter(default=1, ge=1, le=100000),
    ) -> DirectoryOut:
        me = require(viewer)
        query = directory.DirectoryQuery(q=q, tag=tag, nation=nation, sector=sector, role=role, has=has, page=page)
        result = await directory.search(db, me, query)
        return DirectoryOut(
            items=[member_out(m, me, now.date()) for m in result.members], total=result.total, page=page,
            pages=result.pages,
        )

    @get("/members/{member_id:int}", responses=api_errors(401, 404))
    async def member(self, db: AsyncSession, viewer: Member | None, member_id: int, now: dt.datetime) -> MemberOut:
        me = require(viewer, allow_pending=True)
        return member_out(await members.visible_member(db, me, member_id), me, now.date())

    @post(["/offers", "/asks"], responses=api_errors(401, 403, 422))
    async def create_post(
        self, request: Request, data: PostIn, db: AsyncSession, viewer: Member | None, now: dt.datetime
    ) -> PostOut:
        kind = "offer" if request.url.path.endswith("/offers") else "ask"
        created = await members.create_post(db, require(viewer), kind, parse_post(asdict(data), now.date()), now.date())
        return post_out(await members.own_post(db, require(viewer), created.id))

    @put("/posts/{post_id:int}", responses=api_errors(401, 403, 404, 422))
    async def update_post(
        self, data: PostIn, db: AsyncSession, viewer: Member | None, post_id: int, now: dt.datetime
    ) -> PostOut:
        me = require(viewer)
        await members.update_post(db, me, post_id, parse_post(asdict(data), now.date()), now.date())
        return post_out(await members.own_post(db, me, post_id))

    @post("/posts/{post_id:int}/status", status_code=200, responses=api_errors(401, 403, 404, 409, 422))
    async def set_status(
        self, data: StatusIn, db: AsyncSession, viewer: Member | None, post_id: int, now: dt.datetime
    ) -> PostOut:
        me = require(viewer)
        await members.set_post_status(db, me, post_id, data.status, now.date())
        return post_out(await members.own_post(db, me, post_id))

    @get("/tags", responses=api_errors(401, 403))
    async def popular_tags(self, db: AsyncSession, viewer: Member | None) -> list[TagOut]:
        require(viewer)
        return [TagOut(slug=t.slug, label=t.label) for t in await tags.popular(db)]

    @put("/admin/members/{member_id:int}/role", responses=api_errors(401, 403, 404, 409, 422))
    async def set_role(
        self, data: RoleIn, db: AsyncSession, viewer: Member | None, member_id: int, now: dt.datetime
    ) -> MemberOut:
        me = require(viewer, "admin")
        await members.set_hub_role(db, me, member_id, data.role, now)
        return member_out(await members.load_member(db, member_id), me, now.date())

    @post("/admin/members/{member_id:int}/approve", status_code=200, responses=api_errors(401, 403, 404, 429))
    async def approve(
        self, db: AsyncSession, settings: Settings, viewer: Member | None, member_id: int, now: dt.datetime
    ) -> MemberOut:
        me = require(viewer, "weaver")
        await members.approve_member(db, settings, me, member_id, now)
        return member_out(await members.load_member(db, member_id), me, now.date())
