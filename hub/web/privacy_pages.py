"""The privacy notice, a member's own account page (download, delete), the weavers' retention
setting and the admins' audit log."""

from __future__ import annotations

import datetime as dt
import json

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, privacy
from hub.errors import Conflict, InvalidInput
from hub.models import Member
from hub.web.common import api_errors, page, require, see_other

ACCOUNT_NOTICES = {"retention-saved": "Saved: how long suggestions are kept."}


def _download(data: dict, member_id: int, now: dt.datetime) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    filename = f"network-weaving-hub-my-data-{member_id}-{now.date().isoformat()}.json"
    return Response(
        content=body.encode("utf-8"), media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


async def _export(request: Request, db: AsyncSession, me: Member, now: dt.datetime) -> Response:
    data = await privacy.export_member(db, me.id, now)
    await db.rollback()
    await audit.record_committed(request.app.state.session_factory, me.id, "member_export", f"member:{me.id}", now)
    return _download(data, me.id, now)


class PrivacyPages(Controller):
    include_in_schema = False

    @get("/privacy")
    async def notice(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        days = await privacy.retention_days(db)
        return page(request, "hub/privacy.html", viewer, retention_days=days)

    @get("/account")
    async def account(self, request: Request, viewer: Member | None) -> Template:
        me = require(viewer, allow_pending=True)
        return page(request, "hub/account.html", me, errors={}, values={})

    @get("/account/export")
    async def export(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> Response:
        return await _export(request, db, require(viewer, allow_pending=True), now)

    @post("/account/delete")
    async def delete(
        self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime
    ) -> Template | Redirect:
        me = require(viewer, allow_pending=True)
        typed = str((await request.form()).get("confirm_email", ""))[:300]
        try:
            await privacy.delete_account(db, me.id, typed, now, request.app.state.account_deletion_hooks)
        except InvalidInput as exc:
            await db.rollback()
            return page(request, "hub/account.html", me, status_code=400, errors=exc.errors, values={"confirm_email": typed})
        except Conflict as exc:
            await db.rollback()
            return page(request, "hub/account.html", me, status_code=409, errors={}, problem=exc.message, values={})
        return see_other("/account/deleted")  # its sessions are gone, so the cookie no longer signs anyone in

    @get("/account/deleted")
    async def deleted(self, request: Request) -> Template:
        return page(request, "hub/account_deleted.html", None)

    @get("/weaving/privacy")
    async def retention(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        me = require(viewer, "weaver")
        return page(
            request, "hub/privacy_settings.html", me, errors={}, values={"days": await privacy.retention_days(db)},
            limits=(privacy.RETENTION_MIN_DAYS, privacy.RETENTION_MAX_DAYS),
            notice=ACCOUNT_NOTICES.get(request.query_params.get("notice", "")),
        )

    @post("/weaving/privacy")
    async def set_retention(
        self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime
    ) -> Template | Redirect:
        me = require(viewer, "weaver")
        raw = str((await request.form()).get("days", ""))[:20]
        try:
            await privacy.set_retention_days(db, me, raw, now)
        except InvalidInput as exc:
            await db.rollback()
            return page(
                request, "hub/privacy_settings.html", me, status_code=400, errors=exc.errors, values={"days": raw},
                limits=(privacy.RETENTION_MIN_DAYS, privacy.RETENTION_MAX_DAYS),
            )
        return see_other("/weaving/privacy", notice="retention-saved")

    @get("/admin/audit")
    async def audit_log(
        self, request: Request, db: AsyncSession, viewer: Member | None,
        action: str = Parameter(default="", max_length=40),
        page_number: int = Parameter(query="page", default=1, ge=1, le=1_000_000),
    ) -> Template:
        me = require(viewer, "admin")
        chosen = action if action in audit.ACTIONS else ""
        result = await audit.entries(db, chosen, page_number)
        return page(request, "hub/audit.html", me, result=result, actions=audit.ACTIONS, action=chosen)


class PrivacyApi(Controller):
    path = "/api/me"
    tags = ["hub"]

    @get("/export", summary="Everything the hub holds about you, as JSON (a download)", responses=api_errors(401))
    async def export(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> Response:
        return await _export(request, db, require(viewer, allow_pending=True), now)
