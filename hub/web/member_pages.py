"""Pages for members: home, profile, directory, offers and asks."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory, members, tags, timebank
from hub.errors import InvalidInput
from hub.forms import parse_post, parse_profile
from hub.markup import render_markdown
from hub.models import Member
from hub.web.common import form_dict, page, require, see_other

KIND_PATHS = {"offers": "offer", "asks": "ask"}


def profile_form_values(member: Member) -> dict:
    return {
        "name": member.name, "pronouns": member.pronouns or "", "organisation": member.organisation,
        "sector": member.sector or "", "nation": member.nation or "", "region": member.region, "bio": member.bio,
        "interests": ", ".join(t.label for t in member.interests), "weaving_roles": member.role_names,
        "hours_per_month": member.hours_per_month, "prefers": member.prefers,
        "links": "\n".join(f"{link.label}: {link.url}" for link in member.links),
        "visibility": member.visibility, "matching": member.matching,
        "matching_paused_until": member.matching_paused_until.isoformat() if member.matching_paused_until else "",
    }


def post_form_values(post) -> dict:  # noqa: ANN001
    return {
        "title": post.title, "description": post.description, "tags": ", ".join(t.label for t in post.tags),
        "expires_on": post.expires_on.isoformat() if post.expires_on else "",
    }


class MemberPages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> Template:
        if viewer is None:
            return page(request, "hub/home/landing.html", viewer)
        me = await members.load_member(db, viewer.id)
        return page(
            request, "hub/home/dashboard.html", viewer, me=me, today=now.date(),
            timebank=await timebank.dashboard_summary(db, me.id),
        )

    @get("/about")
    async def about(self, request: Request, viewer: Member | None) -> Template:
        return page(request, "hub/home/about.html", viewer)

    @get("/profile")
    async def profile_form(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        # The viewer comes without the profile's collections (hub.auth.member_for_session).
        me = await members.load_member(db, require(viewer, allow_pending=True).id)
        suggestions = await tags.popular(db)
        return page(
            request, "hub/members/profile_form.html", viewer, values=profile_form_values(me), errors={},
            tag_suggestions=suggestions,
        )

    @post("/profile")
    async def save_profile(
        self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime
    ) -> Template | Redirect:
        me = require(viewer, allow_pending=True)
        values = form_dict(await request.form(), lists=("weaving_roles",))
        try:
            await members.update_profile(db, me, parse_profile(values, now.date()), now.date())
        except InvalidInput as exc:
            await db.rollback()
            return page(
                request, "hub/members/profile_form.html", viewer, status_code=422, values=values,
                errors=exc.errors, problem=exc.message, tag_suggestions=await tags.popular(db),
            )
        return see_other(f"/members/{me.id}", notice="profile-saved")

    @get("/members")
    async def directory_page(
        self,
        request: Request,
        db: AsyncSession,
        viewer: Member | None,
        now: dt.datetime,
        q: str = "",
        tag: str = "",
        nation: str = "",
        sector: str = "",
        role: str = "",
        has: str = "",
        page_number: int = Parameter(query="page", default=1, ge=1, le=100000),
    ) -> Template:
        me = require(viewer)
        query = directory.DirectoryQuery(
            q=q[:200], tag=tag[:80], nation=nation[:40], sector=sector[:40], role=role[:40], has=has[:10],
            page=page_number,
        )
        result = await directory.search(db, me, query, detail="card")
        return page(
            request, "hub/members/directory.html", viewer, result=result, today=now.date(),
            tag_suggestions=await tags.popular(db),
        )

    @get("/members/{member_id:int}")
    async def member_page(
        self, request: Request, db: AsyncSession, viewer: Member | None, member_id: int, now: dt.datetime
    ) -> Template:
        member = await members.visible_member(db, require(viewer, allow_pending=True), member_id)
        return page(
            request, "hub/members/member.html", viewer, member=member, bio_html=render_markdown(member.bio),
            today=now.date(), hours=await timebank.balance(db, member.id),
        )

    @get(["/offers/new", "/asks/new"])
    async def new_post_form(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        require(viewer)
        kind = KIND_PATHS[request.url.path.split("/")[1]]
        return page(
            request, "hub/members/post_form.html", viewer, kind=kind, post=None, values={}, errors={},
            tag_suggestions=await tags.popular(db),
        )

    @post(["/offers", "/asks"])
    async def create_post(
        self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime
    ) -> Template | Redirect:
        me = require(viewer)
        kind = KIND_PATHS[request.url.path.strip("/")]
        values = form_dict(await request.form())
        try:
            await members.create_post(db, me, kind, parse_post(values, now.date()), now.date())
        except InvalidInput as exc:
            await db.rollback()
            return page(
                request, "hub/members/post_form.html", viewer, status_code=422, kind=kind, post=None,
                values=values, errors=exc.errors, problem=exc.message, tag_suggestions=await tags.popular(db),
            )
        return see_other("/", notice="post-saved")

    @get("/posts/{post_id:int}/edit")
    async def edit_post_form(
        self, request: Request, db: AsyncSession, viewer: Member | None, post_id: int
    ) -> Template:
        post_ = await members.own_post(db, require(viewer), post_id)
        return page(
            request, "hub/members/post_form.html", viewer, kind=post_.kind, post=post_,
            values=post_form_values(post_), errors={}, tag_suggestions=await tags.popular(db),
        )

    @post("/posts/{post_id:int}")
    async def update_post(
        self, request: Request, db: AsyncSession, viewer: Member | None, post_id: int, now: dt.datetime
    ) -> Template | Redirect:
        me = require(viewer)
        post_ = await members.own_post(db, me, post_id)
        values = form_dict(await request.form())
        try:
            await members.update_post(db, me, post_id, parse_post(values, now.date()), now.date())
        except InvalidInput as exc:
            await db.rollback()
            return page(
                request, "hub/members/post_form.html", viewer, status_code=422, kind=post_.kind, post=post_,
                values=values, errors=exc.errors, problem=exc.message, tag_suggestions=await tags.popular(db),
            )
        return see_other("/", notice="post-saved")

    @post("/posts/{post_id:int}/status")
    async def change_status(
        self, request: Request, db: AsyncSession, viewer: Member | None, post_id: int, now: dt.datetime
    ) -> Redirect:
        status = (await request.form()).get("status", "")
        await members.set_post_status(db, require(viewer), post_id, status, now.date())
        return see_other("/", notice="status-changed")
