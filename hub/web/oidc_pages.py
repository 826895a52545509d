"""Sign in with your organisation (OpenID Connect). Absent (404) unless OIDC_ISSUER is set."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub import oidc
from hub.errors import DomainError
from hub.settings import Settings
from hub.web.auth_pages import landing_after_sign_in
from hub.web.common import page, visitor_of
from hub.web.security import read_cookie, session_cookie_header

#: What the provider may say instead of sending a code (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6).
PROVIDER_ERRORS = {
    "access_denied": "Signing in at your organisation was cancelled or refused, so you are not signed in.",
    "login_required": "Your organisation's sign-in service needs you to sign in there first.",
    "consent_required": "Your organisation's sign-in service needs your consent to share your details.",
    "temporarily_unavailable": "Your organisation's sign-in service is busy. Please try again in a moment.",
    "server_error": "Your organisation's sign-in service had a problem.",
}


def _flow_cookie(settings: Settings, value: str, max_age: int) -> str:
    parts = [f"{oidc.flow_cookie_name(settings)}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if settings.cookie_secure:
        parts.append("Secure")
    return "; ".join(parts)


def _problem(request: Request, settings: Settings, exc: DomainError) -> Template:
    """The sign-in page again, saying what went wrong; the flow cookie is spent either way."""
    response = page(
        request, "hub/auth/sign_in.html", None, status_code=exc.status_code, errors={}, email="", problem=exc.message
    )
    response.headers["set-cookie"] = _flow_cookie(settings, "", 0)
    return response


class OidcPages(Controller):
    include_in_schema = False

    @get("/sign-in/oidc")
    async def start(self, request: Request, settings: Settings, now: dt.datetime) -> Response:
        if not oidc.enabled(settings):
            raise NotFoundException("Signing in with an organisation is not set up on this hub.")
        try:
            url, sealed = await oidc.begin(settings, visitor_of(request), now)
        except DomainError as exc:
            return _problem(request, settings, exc)
        response = Redirect(path=url, status_code=303)
        response.headers["set-cookie"] = _flow_cookie(settings, sealed, oidc.FLOW_MINUTES * 60)
        response.headers["cache-control"] = "no-store"
        return response

    @get(oidc.CALLBACK_PATH)
    async def callback(
        self,
        request: Request,
        settings: Settings,
        now: dt.datetime,
        code: str = Parameter(query="code", default=""),
        returned_state: str = Parameter(query="state", default=""),
        error: str = Parameter(query="error", default=""),
        iss: str | None = Parameter(query="iss", default=None),
    ) -> Response:
        if not oidc.enabled(settings):
            raise NotFoundException("Signing in with an organisation is not set up on this hub.")
        try:
            flow = oidc.open_flow(
                settings, visitor_of(request), read_cookie(request.scope, oidc.flow_cookie_name(settings)), now
            )
            if error:
                raise oidc.OidcProblem(
                    PROVIDER_ERRORS.get(error, f"Your organisation's sign-in service refused ({error[:60]}).")
                    + " You can try again, or sign in with an email link."
                )
            identity = await oidc.finish(settings, flow, code=code, state=returned_state, iss=iss)
            # A GET that writes: its own session, not the request's read-only one, so that SQLite
            # takes the write lock at BEGIN (DESIGN.md §4).
            factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
            async with factory() as db:
                try:
                    signed_in = await oidc.sign_in(db, settings, identity, now, request.headers.get("user-agent", ""))
                finally:
                    await db.rollback()
        except DomainError as exc:
            return _problem(request, settings, exc)
        target = landing_after_sign_in(signed_in)
        target.headers["set-cookie"] = session_cookie_header(
            settings, signed_in.session_secret, settings.session_days * 86400
        )
        # The flow is spent: forget it (a second Set-Cookie beside the session's).
        target.set_cookie(
            oidc.flow_cookie_name(settings), "", max_age=0, path="/", httponly=True,
            secure=settings.cookie_secure, samesite="lax",
        )
        return target
