"""Events in a real browser: one place left, a second member joins the waiting list, the first
cancels, and the second is promoted at once and receives an invite with an .ics. axe-core checks
every page on the way."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from events import service
from events.forms import parse_event
from hub.db import create_engine, session_factory, utcnow
from tests.e2e.conftest import _run_in_own_thread
from tests.e2e.test_member_journey import check_accessibility, wait_for_mail
from tests.support import make_member, session_cookie_for

pytestmark = pytest.mark.browser


async def _seed(live_hub, out: dict) -> None:  # noqa: ANN001
    engine = create_engine(live_hub.settings.database_url)
    try:
        async with session_factory(engine)() as db:
            now = utcnow()
            weaver = await make_member(db, email="host@example.org", name="Hana Host", hub_role="weaver")
            day = (now + dt.timedelta(days=7)).date().isoformat()
            data = parse_event({
                "title": "Peer assist: growing a network", "format": "peer_assist", "date": day,
                "start_time": "14:00", "end_time": "15:30", "timezone": "Europe/London", "mode": "online",
                "online_link": "https://meet.example.org/peer-assist", "capacity": "1",
                "questions": "Accessibility needs",
            }, now)
            (event,) = await service.create_events(db, live_hub.settings, weaver, data, now)
            first = await make_member(db, email="first@example.org", name="Fiona First")
            second = await make_member(db, email="second@example.org", name="Sam Second")
            out["event"] = event.id
            out["first"] = await session_cookie_for(db, first, now)
            out["second"] = await session_cookie_for(db, second, now)
    finally:
        await engine.dispose()


def _signed_in(browser, live_hub, secret: str):  # noqa: ANN001, ANN202
    from tests.e2e.conftest import AXE

    context = browser.new_context(base_url=live_hub.url, viewport={"width": 1100, "height": 900})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": live_hub.settings.session_cookie, "value": secret, "url": live_hub.url}])
    return context


def test_register_full_cancel_and_the_next_person_is_promoted_with_an_invite(browser, live_hub):
    from playwright.sync_api import expect

    seeded: dict = {}
    _run_in_own_thread(_seed(live_hub, seeded))
    event_path = f"/events/{seeded['event']}"
    first_ctx = _signed_in(browser, live_hub, seeded["first"])
    second_ctx = _signed_in(browser, live_hub, seeded["second"])
    try:
        first = first_ctx.new_page()
        first.goto("/")
        first.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()
        expect(first.get_by_role("heading", level=1)).to_have_text("Events")
        check_accessibility(first, "the events list")
        first.get_by_role("link", name="Peer assist: growing a network").click()
        expect(first.get_by_role("heading", level=1)).to_have_text("Peer assist: growing a network")
        expect(first.get_by_text("the link is shown to people with a place")).to_be_visible()
        check_accessibility(first, "the event page before registering")
        first.get_by_label("Accessibility needs").fill("Live captions, please")
        first.get_by_role("button", name="Register").click()
        expect(first.get_by_role("status")).to_contain_text("You have a place")
        expect(first.get_by_role("link", name="https://meet.example.org/peer-assist")).to_be_visible()
        check_accessibility(first, "the event page with a place")
        booked = wait_for_mail(live_hub.inbox, "first@example.org")
        assert "booked" in str(booked["Subject"])

        # The event is now full: the second member can only join the waiting list.
        second = second_ctx.new_page()
        second.goto(event_path)
        expect(second.get_by_text("0 of 1 left")).to_be_visible()
        second.get_by_role("button", name="Join the waiting list").click()
        expect(second.get_by_role("status")).to_contain_text("waiting list")
        expect(second.get_by_text("You are number 1 on the waiting list")).to_be_visible()
        check_accessibility(second, "the event page on the waiting list")

        # The first member cancels; the place goes to the second at once.
        first.get_by_role("button", name="Cancel my place").click()
        expect(first.get_by_role("status")).to_contain_text("Your place is cancelled")
        second.reload()
        expect(second.get_by_text("You have a place.")).to_be_visible()
        expect(second.get_by_role("link", name="https://meet.example.org/peer-assist")).to_be_visible()

        invite = None
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while invite is None and dt.datetime.now() < deadline:
            invite = next((m for m in live_hub.inbox.to("second@example.org")
                           if "place came free" in str(m["Subject"])), None)
            if invite is None:  # the app's own worker, over real SMTP: a bounded poll
                time.sleep(0.02)
        assert invite is not None, "no invite for the promoted member"
        parts = {p.get_content_type(): p for p in invite.walk()}
        assert parts["text/calendar"].get_param("method") == "REQUEST"
        assert re.search(r"UID:event-\w+@127\.0\.0\.1", parts["text/calendar"].get_content())
        cancel = [m for m in live_hub.inbox.to("first@example.org") if "cancelled" in str(m["Subject"])]
        assert cancel, "no cancellation for the first member"

        second.goto("/events/preferences")
        expect(second.get_by_role("heading", level=1)).to_have_text("Event preferences")
        check_accessibility(second, "the event preferences")
    finally:
        first_ctx.close()
        second_ctx.close()
