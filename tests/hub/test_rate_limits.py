"""Rate limits live in the database, so several web replicas share one count, and concurrent
requests cannot slip past a limit between counting and recording."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from hub import auth, ratelimit
from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.errors import RateLimited
from hub.models import Invite
from tests.support import browser_like_client, make_member

HOUR = dt.timedelta(hours=1)


async def _sign_in_form(client) -> str:  # noqa: ANN001
    import re

    page = await client.get("/sign-in")
    return re.search(r'name="_csrf" value="([0-9a-f]+)"', page.text).group(1)


async def test_two_web_replicas_share_one_sign_in_count(settings, clock, db):
    await make_member(db, email="shared@example.org")
    replicas = [create_app(settings, clock=clock), create_app(settings, clock=clock)]
    statuses = []
    async with browser_like_client(replicas[0]) as first, browser_like_client(replicas[1]) as second:
        tokens = [await _sign_in_form(first), await _sign_in_form(second)]
        for i in range(settings.signin_limit_per_email + 1):
            client, token = ((first, tokens[0]), (second, tokens[1]))[i % 2]
            response = await client.post("/sign-in", data={"email": "shared@example.org", "_csrf": token})
            statuses.append(response.status_code)
    assert statuses[:-1] == [303] * settings.signin_limit_per_email
    assert statuses[-1] == 429


async def test_concurrent_requests_from_separate_processes_never_exceed_the_limit(settings, clock):
    """Each caller has its own engine, as separate web processes would."""
    limit, callers = 3, 12
    engines = [create_engine(settings.database_url) for _ in range(callers)]

    async def one_request(engine) -> bool:  # noqa: ANN001
        async with session_factory(engine)() as session:
            allowed = await ratelimit.hit(session, "signin:email:race", limit, HOUR, clock())
            await session.commit()
            return allowed

    try:
        results = await asyncio.gather(*(one_request(e) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    assert results.count(True) == limit


async def test_invitations_are_limited_per_inviter(settings, clock, db):
    weaver = await make_member(db, hub_role="weaver")
    limit = settings.mail_actions_per_hour
    for i in range(limit):
        await auth.invite(db, settings, weaver, f"guest{i}@example.org", clock())
    try:
        await auth.invite(db, settings, weaver, "one-too-many@example.org", clock())
    except RateLimited as refused:
        assert "invitations" in refused.message
    else:
        raise AssertionError("the invitation over the limit was sent")
    assert await db.scalar(select(func.count()).select_from(Invite)) == limit
    clock.advance(hours=1, seconds=1)
    await auth.invite(db, settings, weaver, "next-hour@example.org", clock())
    assert await db.scalar(select(func.count()).select_from(Invite)) == limit + 1


async def test_creating_events_which_are_announced_by_mail_is_limited_per_organiser(settings, clock, db):
    from events.models import Event
    from tests.events.conftest import make_event

    organiser = await make_member(db, hub_role="weaver")
    for _ in range(settings.mail_actions_per_hour):
        await make_event(db, settings, clock(), organiser)
    try:
        await make_event(db, settings, clock(), organiser)
    except RateLimited as refused:
        assert "events" in refused.message
    else:
        raise AssertionError("the event over the limit was created and announced")
    assert await db.scalar(select(func.count()).select_from(Event)) == settings.mail_actions_per_hour


async def test_an_organiser_over_the_limit_sees_why_on_the_event_form(settings, clock, db):
    from tests.support import sign_in_as

    organiser = await make_member(db, hub_role="weaver")
    limited = settings.with_(mail_actions_per_hour=0)
    async with browser_like_client(create_app(limited, clock=clock)) as browser:
        csrf = await sign_in_as(browser, db, limited, organiser, clock())
        values = {
            "title": "Wise Crowds", "format": "wise_crowds", "date": (clock() + dt.timedelta(days=7)).date().isoformat(),
            "start_time": "14:00", "end_time": "15:30", "timezone": "Europe/London", "mode": "online",
            "online_link": "https://meet.example.org/room-1", "capacity": "10",
        }
        response = await browser.post("/events", data={"_csrf": csrf, **values})
    assert response.status_code == 429
    assert "lot of events in the last hour" in response.text
    assert "<form" in response.text
