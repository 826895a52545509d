"""create_app(settings): the one place where the hub is wired together."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import os
from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable

from litestar import Litestar, Request, Response
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from events.web import EventApi, EventPages
from hub import db as hubdb
from hub import paths, tags
from hub.errors import DomainError
from hub.mail import SmtpTransport, run_worker
from hub.markup import FILTERS
from hub.settings import Settings
from hub.web.admin_pages import AdminPages
from hub.web.api import Api
from hub.web.auth_pages import AuthPages
from hub.web.common import (
    HubRequest,
    NotSignedIn,
    page,
    provide_db,
    provide_now,
    provide_settings,
    provide_viewer,
    see_other,
)
from hub.web.dev_mail import DevMailPages
from hub.web.member_pages import MemberPages
from hub.web.network_pages import NetworkPages
from hub.web.oidc_pages import OidcPages
from hub.web.privacy_pages import PrivacyApi, PrivacyPages
from hub.web.guards import check_request
from hub.web.security import security_middleware
from hub.web.security_pages import SecurityPages
from hub.web.weaving_api import WeavingApi
from hub.web.weaving_pages import WeavingPages

log = logging.getLogger("hub")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    if _is_api(request):
        return Response({"status_code": status, "detail": message}, status_code=status)
    return page(request, "hub/error.html", None, status_code=status, title=title, message=message)


def handle_domain_error(request: Request, exc: DomainError) -> Response:
    if _is_api(request):
        body = {"status_code": exc.status_code, "detail": exc.message}
        if exc.errors:
            body["errors"] = exc.errors
        return Response(body, status_code=exc.status_code)
    return _error_page(request, exc.status_code, "That did not work", exc.message)


def handle_not_signed_in(request: Request, exc: NotSignedIn) -> Response:
    if _is_api(request):
        return Response({"status_code": 401, "detail": "Sign in first."}, status_code=401)
    return see_other("/sign-in")


def handle_http_error(request: Request, exc: HTTPException) -> Response:
    if _is_api(request) or isinstance(exc, ValidationException):
        body = {"status_code": exc.status_code, "detail": exc.detail}
        if getattr(exc, "extra", None):
            body["extra"] = exc.extra
        return Response(body, status_code=exc.status_code, headers=exc.headers)  # e.g. 405's Allow
    titles = {404: "Page not found", 405: "Not allowed", 403: "Not allowed"}
    return _error_page(request, exc.status_code, titles.get(exc.status_code, "Something is not right"), exc.detail)


def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(
        request, 500, "Sorry, something went wrong", "The hub hit an unexpected problem. Nothing you typed was saved."
    )


def background_sweeps(
    factory, settings: Settings, clock: Callable[[], dt.datetime]  # noqa: ANN001
) -> tuple[Callable[[], Awaitable[object]], ...]:
    """Idempotent periodic jobs the worker runs before each mail batch (reminders, rounds, follow-ups).
    The same list runs inside `hub serve` on the embedded default and in every `hub worker`."""
    from hub import weaving

    async def matching_rounds() -> object:
        return await weaving.round_sweep(factory, settings, clock)

    async def follow_ups() -> object:
        return await weaving.follow_up_sweep(factory, settings, clock)

    from hub import privacy

    async def suggestion_retention() -> object:
        return await privacy.retention_sweep(factory, clock)

    from hub import members

    async def expired_posts() -> object:
        return await members.expired_posts_sweep(factory, clock)

    from events.worker import sweeps as event_sweeps

    return (matching_rounds, follow_ups, suggestion_retention, expired_posts, *event_sweeps(factory, settings, clock))


def account_deletion_hooks(settings: Settings) -> tuple:
    """What hub.privacy must let other packages do before it erases an account."""
    from events.service import give_up_places_of_deleted_account

    async def events_places(session, member_id: int, now: dt.datetime) -> None:  # noqa: ANN001
        await give_up_places_of_deleted_account(session, settings, member_id, now)

    return (events_places,)


def serving_app(settings: Settings | None = None, **options) -> Litestar:  # noqa: ANN003
    """The app as `hub serve` runs it in each process: built, then frozen out of the garbage
    collector's sight. A started app holds ~180,000 long-lived objects (routes, templates, models,
    imported modules); full collections over them took 100-145 ms and stalled about one request in
    a hundred (bench/directory_search.py). Not in create_app, which tests call many times: freezing
    there would keep each test's garbage for the rest of the run."""
    app = create_app(settings, **options)
    gc.collect()
    gc.freeze()
    return app


def create_app(
    settings: Settings | None = None, clock: Callable[[], dt.datetime] = hubdb.utcnow, start_worker: bool | None = None
) -> Litestar:
    settings = settings or Settings.from_env(os.environ)
    engine = hubdb.create_engine(settings.database_url)
    factory = hubdb.session_factory(engine)
    tags.watch(engine)  # before any request can be running through the engine's listeners
    run_inline_worker = settings.run_worker_in_web if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        stop = asyncio.Event()
        worker = None
        if run_inline_worker:
            worker = asyncio.create_task(
                run_worker(
                    factory, settings, SmtpTransport(settings), stop,
                    sweeps=background_sweeps(factory, settings, clock), now=clock,
                )
            )
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            await engine.dispose()

    def template_engine(engine_: JinjaTemplateEngine) -> None:
        engine_.engine.filters.update(FILTERS)

    app = Litestar(
        route_handlers=[
            AuthPages, OidcPages, MemberPages, AdminPages, DevMailPages, Api, NetworkPages,
            WeavingPages, WeavingApi, SecurityPages,
            PrivacyPages, PrivacyApi,
            EventPages, EventApi,
            create_static_files_router(path="/static", directories=[paths.STATIC], include_in_schema=False),
        ],
        dependencies={
            "db": Provide(provide_db),
            "viewer": Provide(provide_viewer),
            "now": Provide(provide_now, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        template_config=TemplateConfig(
            directory=paths.TEMPLATES, engine=JinjaTemplateEngine, engine_callback=template_engine
        ),
        request_class=HubRequest,
        before_request=check_request,
        exception_handlers={
            DomainError: handle_domain_error,
            NotSignedIn: handle_not_signed_in,
            HTTPException: handle_http_error,
            NotFoundException: handle_http_error,
            Exception: handle_unexpected,
        },
        openapi_config=OpenAPIConfig(title="Network Weaving Hub API", version="1.0.0", path="/api/schema"),
        lifespan=[lifespan],
        debug=False,
    )
    # Around everything Litestar does, routing and exception handlers included: route middleware never sees
    # a 404, a 405 or a foreign Host on an unknown path, and those answers need the headers too.
    app.asgi_handler = security_middleware(app.asgi_handler, settings)
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.engine = engine
    app.state.clock = clock
    app.state.account_deletion_hooks = account_deletion_hooks(settings)
    return app
