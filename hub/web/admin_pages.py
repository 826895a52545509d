"""Weavers approve new members and invite people; admins change roles."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import auth, members
from hub.errors import InvalidInput, RateLimited
from hub.models import HUB_ROLES, Member
from hub.settings import Settings
from hub.web.common import page, require, see_other


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False

    async def _page(self, request: Request, db: AsyncSession, viewer: Member, **extra) -> Template:  # noqa: ANN003
        staff = (
            await db.scalars(select(Member).where(Member.hub_role != "member").order_by(Member.name))
        ).all()
        return page(
            request, "hub/admin/members.html", viewer, pending=await members.pending_members(db), staff=staff,
            hosts=await members.event_hosts(db), roles=HUB_ROLES, errors=extra.pop("errors", {}), **extra,
        )

    @get("/members")
    async def overview(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        return await self._page(request, db, require(viewer, "weaver"))

    @post("/members/{member_id:int}/approve")
    async def approve(
        self, db: AsyncSession, settings: Settings, viewer: Member | None, member_id: int, now: dt.datetime
    ) -> Redirect:
        await members.approve_member(db, settings, require(viewer, "weaver"), member_id, now)
        return see_other("/admin/members", notice="approved")

    @post("/members/{member_id:int}/role")
    async def change_role(
        self, request: Request, db: AsyncSession, viewer: Member | None, member_id: int, now: dt.datetime
    ) -> Redirect:
        role = (await request.form()).get("role", "")
        await members.set_hub_role(db, require(viewer, "admin"), member_id, role, now)
        return see_other(f"/members/{member_id}", notice="role-changed")

    @post("/members/{member_id:int}/host-events")
    async def host_events(
        self, request: Request, db: AsyncSession, viewer: Member | None, member_id: int, now: dt.datetime
    ) -> Redirect:
        """Let a member create events, or stop them (`allow` is "yes" or "no"); from a profile or this page."""
        answer = (await request.form()).get("allow", "")
        if answer not in ("yes", "no"):
            raise InvalidInput("Choose whether they may host events.", {"allow": 'Answer "yes" or "no".'})
        await members.set_event_host(db, require(viewer, "weaver"), member_id, answer == "yes", now)
        return see_other("/admin/members", notice="host-granted" if answer == "yes" else "host-revoked")

    @post("/invites")
    async def invite(
        self, request: Request, db: AsyncSession, settings: Settings, viewer: Member | None, now: dt.datetime
    ) -> Template | Redirect:
        me = require(viewer, "weaver")
        email = (await request.form()).get("email", "")
        try:
            await auth.invite(db, settings, me, email, now)
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(request, db, me, errors=exc.errors, invite_email=email)
        except RateLimited as exc:
            return await self._page(request, db, me, errors={"email": exc.message}, invite_email=email, status_code=429)
        return see_other("/admin/members", notice="invited")
