"""Every role's main pages on a 390 px phone and a 1280 px screen, in a real browser: no page is wider
than the viewport, the main navigation folds into a Menu disclosure that opens with the keyboard (and
needs no JavaScript), and axe-core finds nothing serious, nor any repeated landmark name, on any of them.

The hub is seeded with long names, a timebank history, introductions, a review queue in which one
helper appears twice (the /weaving page once named two regions alike), an event with breakout groups
and an audit log. Set HUB_SHOTS=/tmp/shots to keep a full-page screenshot of every page at both widths.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from events import groups
from events import service as event_service
from events.forms import parse_event
from hub import members, timebank, weaving
from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.models import Introduction, MatchRound, MemberPreference, Suggestion
from hub.settings import Settings
from tests.e2e.conftest import AXE, _run_in_own_thread, copy_of, serving
from tests.e2e.test_member_journey import check_accessibility
from tests.support import free_port, make_member, make_post, session_cookie_for

pytestmark = pytest.mark.browser

PHONE, DESKTOP = 390, 1280
LONG = "Maximiliana Featherstonehaugh-Worthington"  # invented: a long name to stretch tables and cards


async def _seed(settings: Settings, now: dt.datetime) -> dict:
    engine = create_engine(settings.database_url)
    out: dict = {}
    try:
        async with session_factory(engine)() as db:
            member = await make_member(db, email="member@example.org", name=LONG, organisation="Calderdale and "
                                       "Kirklees Carers' Partnership Development Network", interests=["Network mapping"])
            weaver = await make_member(db, email="weaver@example.org", name="Wyn Weaver", hub_role="weaver")
            admin = await make_member(db, email="admin@example.org", name="Ada Admin", hub_role="admin")
            helper = await make_member(db, email="helper@example.org", name="Bartholomew Kowalczyk-Abernethy",
                                       interests=["Network mapping", "Kumu"], hours_per_month=6)
            askers = [await make_member(db, email=f"asker{i}@example.org", name=f"Asker {i} Llewellyn-Fairweather",
                                        interests=["Co-production"]) for i in range(2)]
            ask = await make_post(db, member, "ask", title="Mapping who supports unpaid carers across two councils",
                                  tags=["Network mapping"])
            offer = await make_post(db, helper, "offer", title="An hour of network mapping with Kumu",
                                    tags=["Network mapping"])
            for person in (member, helper, *askers):
                db.add(MemberPreference(member_id=person.id, intro_consent="direct"))
            await db.commit()
            # The timebank and the introductions pages' tables, with long names in every row.
            for i in range(3):
                await timebank.record_exchange(db, giver_id=helper.id, receiver_id=member.id, hours=1.5, now=now,
                                               recorded_by_id=member.id, note="Mapping the carers' network together")
            db.add(Introduction(a_id=member.id, b_id=helper.id, status="sent", a_consent="auto", b_consent="auto",
                                created_at=now, sent_at=now))
            # The review queue: the same helper suggested to two askers.
            round_ = MatchRound(created_by_id=weaver.id, scope="community", status="done", progress=100, created_at=now)
            db.add(round_)
            await db.flush()
            suggestions = [Suggestion(round_id=round_.id, source="round", a_id=a.id, b_id=helper.id, score=0.5,
                                      reasons=["both interested in Network mapping"], created_at=now) for a in askers]
            decided = Suggestion(round_id=round_.id, source="round", a_id=member.id, b_id=askers[0].id, score=0.4,
                                 reasons=["both interested in Co-production"], created_at=now)
            db.add_all([*suggestions, decided])
            await db.commit()
            await weaving.approve(db, settings, weaver, decided.id, now)
            # An event with groups, and an audit log.
            start = now + dt.timedelta(days=7)
            (event,) = await event_service.create_events(db, settings, weaver, parse_event({
                "title": "Peer assist: mapping carers' networks", "format": "troika", "date": start.date().isoformat(),
                "start_time": "14:00", "end_time": "15:30", "timezone": "Europe/London", "mode": "online",
                "online_link": "https://meet.example.org/a-very-long-room-name-for-the-carers-network-peer-assist",
                "capacity": "10", "questions": "A challenge you would like to bring"}, now), now)
            for person in (member, helper, *askers):
                await event_service.register(db, settings, person.id, event.id, {
                    "A challenge you would like to bring": "How do we map who knows whom across two councils?"}, now)
            await groups.generate(db, weaver, event.id)
            await members.set_hub_role(db, admin, askers[1].id, "weaver", now)
            await members.set_event_host(db, weaver, member.id, True, now)
            out = {
                "ids": {"member": member.id, "helper": helper.id, "ask": ask.id, "offer": offer.id,
                        "event": event.id, "round": round_.id},
                "cookies": {role: await session_cookie_for(db, person, now)
                            for role, person in (("member", member), ("weaver", weaver), ("admin", admin))},
            }
    finally:
        await engine.dispose()
    return out


@pytest.fixture
def seeded_hub(sqlite_template, inbox, tmp_path):
    port = free_port()
    settings = Settings(
        database_url=copy_of(sqlite_template, tmp_path), secret_key="e2e-secret", base_url=f"http://127.0.0.1:{port}",
        allowed_hosts=("127.0.0.1",), mail_mode="smtp", smtp_port=inbox.port, run_worker_in_web=True,
        worker_poll_seconds=0.05,
    )
    seeded: dict = {}

    async def seed() -> None:
        # The served hub runs on the real clock, so the world is made at the real time too.
        seeded.update(await _seed(settings, dt.datetime.now(dt.timezone.utc)))

    _run_in_own_thread(seed())
    with serving(create_app(settings, start_worker=True), port):
        yield settings, seeded


def pages_of(ids: dict) -> dict[str, list[str]]:
    """The main pages of each role (an anonymous visitor, a member, a weaver, an admin)."""
    return {
        "anon": ["/", "/about", "/sign-in", "/privacy", "/security"],
        "member": ["/", "/members", f"/members/{ids['helper']}", "/profile", "/offers/new", "/events",
                   f"/events/{ids['event']}", "/events/new", "/events/preferences", "/timebank",
                   "/preferences/introductions", f"/asks/{ids['ask']}/helpers", "/account"],
        "weaver": ["/", "/weaving", "/weaving/rounds", f"/weaving/rounds/{ids['round']}", "/weaving/introductions",
                   "/weaving/timebank", "/weaving/privacy", "/admin/members", f"/members/{ids['member']}",
                   f"/events/{ids['event']}/manage", "/network", "/network/dashboard"],
        "admin": ["/", "/admin/audit", "/admin/members", f"/members/{ids['helper']}"],
    }


def _context(browser, settings: Settings, width: int, cookie: str | None):  # noqa: ANN001, ANN202
    context = browser.new_context(base_url=settings.base_url, viewport={"width": width, "height": 844})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    if cookie:
        context.add_cookies([{"name": settings.session_cookie, "value": cookie, "url": settings.base_url}])
    return context


def test_no_page_of_any_role_is_wider_than_a_phone_and_axe_finds_nothing(browser, seeded_hub):
    settings, seeded = seeded_hub
    shots = os.environ.get("HUB_SHOTS")
    problems: list[str] = []
    for role, paths in pages_of(seeded["ids"]).items():
        for width in (PHONE, DESKTOP):
            context = _context(browser, settings, width, seeded["cookies"].get(role))
            page = context.new_page()
            try:
                for path in paths:
                    response = page.goto(path)
                    status = response.status if response is not None else None
                    assert status == 200, f"{role} {path}: {status}"
                    wide = page.evaluate("() => document.documentElement.scrollWidth")
                    if wide > width:
                        culprits = page.evaluate(
                            """(width) => [...document.querySelectorAll('body *')]
                                .filter(e => e.getBoundingClientRect().right > width + 0.5)
                                .slice(0, 3).map(e => e.tagName + '.' + e.className)""", width)
                        problems.append(f"{role} {path} at {width} px is {wide} px wide: {culprits}")
                    try:
                        check_accessibility(page, f"{path} for {role} at {width} px")
                    except AssertionError as exc:
                        problems.append(str(exc)[:600])
                    if shots:
                        Path(shots).mkdir(parents=True, exist_ok=True)
                        name = re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "home"
                        page.screenshot(path=f"{shots}/{role}-{name}-{width}.png", full_page=True)
            finally:
                context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ["member", "weaver", "admin"])
def test_on_a_phone_the_menu_opens_with_the_keyboard_and_on_a_wide_screen_the_links_show(browser, seeded_hub, role):
    """Tab to the Menu button, open it with Enter, Tab to a link and follow it: no pointer, no script."""
    from playwright.sync_api import expect

    settings, seeded = seeded_hub
    context = _context(browser, settings, PHONE, seeded["cookies"][role])
    page = context.new_page()
    try:
        page.goto("/")
        nav = page.get_by_role("navigation", name="Main")
        events = nav.get_by_role("link", name="Events")
        menu = nav.locator("summary", has_text="Menu")
        expect(events).to_be_hidden()
        expect(menu).to_be_visible()
        for _ in range(5):
            page.keyboard.press("Tab")
            if menu.evaluate("e => e === document.activeElement"):
                break
        expect(menu).to_be_focused()
        page.keyboard.press("Enter")
        expect(events).to_be_visible()
        if os.environ.get("HUB_SHOTS"):
            page.screenshot(path=f"{os.environ['HUB_SHOTS']}/{role}-menu-open-{PHONE}.png")
        # Open, the menu stays within the phone's width.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE
        page.keyboard.press("Tab")  # the first link in the menu
        expect(nav.get_by_role("link", name="Find people")).to_be_focused()
        page.keyboard.press("Tab")
        expect(events).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/events$"))
        expect(events).to_be_hidden()  # a new page starts with the menu closed
        menu.focus()
        page.keyboard.press("Space")
        expect(events).to_be_visible()
        page.keyboard.press("Space")
        expect(events).to_be_hidden()

        page.set_viewport_size({"width": DESKTOP, "height": 844})
        page.goto("/")
        expect(menu).to_be_hidden()
        expect(events).to_be_visible()
        find_people = nav.get_by_role("link", name="Find people")
        for _ in range(4):  # the skip link, the hub's name, then straight to the links: nothing to open
            page.keyboard.press("Tab")
            if find_people.evaluate("e => e === document.activeElement"):
                break
        expect(find_people).to_be_focused()
    finally:
        context.close()


def test_the_menu_works_without_javascript(browser, seeded_hub):
    from playwright.sync_api import expect

    settings, seeded = seeded_hub
    context = browser.new_context(base_url=settings.base_url, viewport={"width": PHONE, "height": 844},
                                  java_script_enabled=False)
    cookie = seeded["cookies"]["member"]
    context.add_cookies([{"name": settings.session_cookie, "value": cookie, "url": settings.base_url}])
    page = context.new_page()
    try:
        page.goto("/")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Events")).to_be_hidden()
        nav.locator("summary", has_text="Menu").click()
        nav.get_by_role("link", name="Events").click()
        expect(page).to_have_url(re.compile(r"/events$"))
    finally:
        context.close()
