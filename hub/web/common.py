"""What every controller shares: the request's database session, viewer, clock and page helper."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Optional, Union
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotAuthorizedException, SerializationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub import auth
from hub.db import mark_read_only
from hub.errors import Forbidden
from hub.models import MATCHING_CHOICES, NATIONS, PREFERENCES, SECTORS, VISIBILITIES, WEAVING_ROLES, Member
from hub.settings import Settings

LABELS = {
    "sectors": SECTORS,
    "nations": NATIONS,
    "weaving_roles": WEAVING_ROLES,
    "visibilities": VISIBILITIES,
    "matching_choices": MATCHING_CHOICES,
    "preferences": PREFERENCES,
}

NOTICES = {
    "signed-in": "You are signed in.",
    "signed-out": "You have signed out.",
    "signed-out-everywhere": "You have been signed out on every device.",
    "profile-saved": "Your profile is saved.",
    "post-saved": "Saved.",
    "status-changed": "Status updated.",
    "role-changed": "Role changed.",
    "host-granted": "They can now create events.",
    "host-revoked": "They can no longer create events.",
    "approved": "Member approved; they have been emailed.",
    "invited": "Invitation sent.",
    "pending": "Thanks for joining. A network weaver will approve your membership soon.",
}


@dataclass
class ErrorOut:
    """Every JSON error: the status, a sentence a person can read and, for a form, what is wrong with each field."""

    status_code: int
    detail: str
    errors: Optional[dict[str, str]] = None
    extra: Optional[Union[list[Any], dict[str, Any]]] = None


API_ERRORS = {
    400: "The request is malformed: not JSON, a wrong type, or a value out of range",
    401: "Not signed in",
    403: "Not allowed: the wrong role, a membership awaiting approval, or a change without a valid X-CSRF-Token",
    404: "There is nothing with that id",
    409: "It conflicts with how things stand now",
    422: "Some fields are not right: `errors` says what is wrong with each",
    429: "Too many requests; try again later",
}


def api_errors(*codes: int) -> dict[int, ResponseSpec]:
    """The error answers a JSON route declares in the OpenAPI document (`responses=api_errors(401, 404)`)."""
    return {
        code: ResponseSpec(data_container=ErrorOut, description=API_ERRORS[code], generate_examples=False)
        for code in codes
    }


class HubRequest(Request):
    """Every request the app handles. msgspec stops decoding JSON nested about a thousand deep with a
    RecursionError, which is not one of its DecodeErrors, so Litestar let it through as a 500. Raised as
    the SerializationException a malformed body gives, it becomes the same 400 on every JSON route."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError as exc:
            raise SerializationException("The JSON body is nested too deeply to read.") from exc


class NotSignedIn(NotAuthorizedException):
    """Raised by guards; HTML requests are sent to the sign-in page, API requests get a 401."""


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def clock_of(request: Request) -> Callable[[], dt.datetime]:
    return request.app.state.clock


async def provide_db(request: Request) -> AsyncIterator[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        if request.method in ("GET", "HEAD"):
            await mark_read_only(session)
        try:
            yield session
        finally:
            await session.rollback()


async def provide_viewer(request: Request, db: AsyncSession) -> Member | None:
    visitor = request.scope.get("state", {}).get("visitor")
    viewer = await auth.member_for_session(db, visitor, clock_of(request)())
    if viewer is not None:
        # Detached, so a rollback later in the request cannot expire what the page shows.
        db.expunge(viewer)
    return viewer


def provide_now(request: Request) -> dt.datetime:
    return clock_of(request)()


def provide_settings(request: Request) -> Settings:
    return settings_of(request)


def require(viewer: Member | None, role: str = "member", allow_pending: bool = False) -> Member:
    if viewer is None:
        raise NotSignedIn("Please sign in.")
    if viewer.status != "active" and not allow_pending:
        raise Forbidden("Your membership is waiting for a network weaver's approval.")
    if role == "weaver" and not viewer.is_weaver:
        raise Forbidden("This page is for network weavers.")
    if role == "admin" and not viewer.is_admin:
        raise Forbidden("This page is for admins.")
    return viewer


def visitor_of(request: Request) -> str:
    return request.scope.get("state", {}).get("visitor", "")


def page(request: Request, template: str, viewer: Member | None, status_code: int = 200, **context: Any) -> Template:
    settings = settings_of(request)
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "viewer": viewer,
            "csrf_token": auth.csrf_token(settings, visitor_of(request)),
            "notice": NOTICES.get(request.query_params.get("notice", "")),
            "labels": LABELS,
            "settings": settings,
            "request_path": request.url.path,
            **context,
        },
    )


def see_other(path: str, **query: str) -> Redirect:
    """Post/Redirect/Get."""
    return Redirect(path=path + (f"?{urlencode(query)}" if query else ""), status_code=303)


def form_dict(form: FormMultiDict, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in form.keys():
        values = form.getall(key)
        data[key] = list(values) if key in lists else values[-1]
    return data


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
