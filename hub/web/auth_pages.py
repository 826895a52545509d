"""Sign in by magic link, sign out, sign out everywhere."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub import auth
from hub.errors import InvalidInput, InvalidLink, RateLimited
from hub.models import Member
from hub.settings import Settings
from hub.web.common import client_ip, page, require, see_other, visitor_of
from hub.web.security import session_cookie_header


def _with_cookie(response: Redirect, settings: Settings, value: str, max_age: int | None) -> Redirect:
    response.headers["set-cookie"] = session_cookie_header(settings, value, max_age)
    return response


def landing_after_sign_in(signed_in) -> Redirect:  # noqa: ANN001 - auth.SignedIn
    """Waiting members learn they wait; new or nameless members fill in their profile first."""
    if signed_in.member.status == "pending":
        return see_other("/welcome", notice="pending")
    if signed_in.is_new or not signed_in.member.name:
        return see_other("/profile", notice="signed-in")
    return see_other("/", notice="signed-in")


class AuthPages(Controller):
    include_in_schema = False

    @get("/sign-in")
    async def sign_in_form(self, request: Request, viewer: Member | None) -> Template:
        return page(request, "hub/auth/sign_in.html", viewer, errors={}, email="")

    @post("/sign-in")
    async def request_link(
        self, request: Request, db: AsyncSession, settings: Settings, now: dt.datetime, viewer: Member | None
    ) -> Template | Redirect:
        email = (await request.form()).get("email", "")
        try:
            await auth.request_sign_in(db, settings, email, client_ip(request), now)
        except InvalidInput as exc:
            return page(request, "hub/auth/sign_in.html", viewer, status_code=422, errors=exc.errors, email=email)
        except RateLimited as exc:
            return page(
                request, "hub/auth/sign_in.html", viewer, status_code=429, errors={"email": exc.message}, email=email
            )
        return see_other("/sign-in/sent")

    @get("/sign-in/sent")
    async def link_sent(self, request: Request, viewer: Member | None, settings: Settings) -> Template:
        return page(request, "hub/auth/sent.html", viewer, minutes=settings.magic_link_minutes)

    @get("/sign-in/confirm")
    async def confirm_form(
        self, request: Request, viewer: Member | None, token: str = Parameter(query="token", default="")
    ) -> Template:
        # Mail scanners open links: a GET only shows a button, so only a person's POST signs in.
        return page(request, "hub/auth/confirm.html", viewer, token=token)

    @post("/sign-in/confirm")
    async def confirm(
        self, request: Request, db: AsyncSession, settings: Settings, now: dt.datetime, viewer: Member | None
    ) -> Template | Redirect:
        token = (await request.form()).get("token", "")
        try:
            signed_in = await auth.redeem(db, settings, token, now, request.headers.get("user-agent", ""))
        except InvalidLink as exc:
            return page(
                request, "hub/auth/sign_in.html", viewer, status_code=400, errors={}, email="", problem=exc.message
            )
        target = landing_after_sign_in(signed_in)
        return _with_cookie(target, settings, signed_in.session_secret, settings.session_days * 86400)

    @post("/sign-out")
    async def sign_out(self, request: Request, db: AsyncSession, settings: Settings) -> Redirect:
        await auth.sign_out(db, visitor_of(request))
        return _with_cookie(see_other("/", notice="signed-out"), settings, auth.new_anonymous_visitor(), None)

    @post("/sign-out-everywhere")
    async def sign_out_everywhere(
        self, request: Request, db: AsyncSession, settings: Settings, viewer: Member | None
    ) -> Redirect:
        member = require(viewer, allow_pending=True)
        await auth.sign_out_everywhere(db, member.id)
        return _with_cookie(
            see_other("/", notice="signed-out-everywhere"), settings, auth.new_anonymous_visitor(), None
        )

    @get("/welcome")
    async def welcome(self, request: Request, viewer: Member | None) -> Template:
        require(viewer, allow_pending=True)
        return page(request, "hub/auth/welcome.html", viewer)
