"""The weavers' network map in a real browser: the vendored library draws it under the strict CSP,
filters redraw it, an open triangle becomes a suggestion in one click, and axe-core finds no serious
or critical problem on the map page or the dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from hub.db import create_engine, session_factory
from hub.models import Connection, MemberPreference
from tests.e2e.conftest import AXE, _run_in_own_thread
from tests.e2e.test_member_journey import check_accessibility
from tests.support import make_member, session_cookie_for

pytestmark = pytest.mark.browser
NOW = dt.datetime.now(dt.timezone.utc)


async def _seed_network(database_url: str, secret_out: list[str]) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            weaver = await make_member(db, email="wren@example.org", name="Wren Weaver", hub_role="weaver",
                                       sector="local_authority", interests=["Facilitation"])
            hub_ = await make_member(db, name="Hana Hub", sector="nhs", interests=["Co-production"])
            left = await make_member(db, name="Lee Left", sector="third_sector", nation="wales", interests=["Network mapping"])
            right = await make_member(db, name="Rae Right", sector="academia", nation="scotland", interests=["Network mapping"])
            quiet = await make_member(db, name="Quinn Quiet", sector="nhs", interests=["Gardening"])
            db.add(MemberPreference(member_id=quiet.id, on_map=False))
            for n, (a, b) in enumerate(((hub_, left), (hub_, right), (hub_, quiet), (weaver, hub_)), start=1):
                lo, hi = sorted((a.id, b.id))
                db.add(Connection(a_id=lo, b_id=hi, kind="introduction", source_id=n, created_at=NOW))
            await db.commit()
            secret_out.append(await session_cookie_for(db, weaver, NOW))
    finally:
        await engine.dispose()


def test_a_weaver_sees_the_map_filters_it_and_closes_a_triangle(browser, live_hub):
    from playwright.sync_api import expect

    secret: list[str] = []
    _run_in_own_thread(_seed_network(live_hub.settings.database_url, secret))
    context = browser.new_context(base_url=live_hub.url, viewport={"width": 1100, "height": 900})
    context.add_init_script(path=str(AXE))
    context.add_cookies([{"name": live_hub.settings.session_cookie, "value": secret[0], "url": live_hub.url}])
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_hub.url) else None)
    try:
        page.goto("/network")
        expect(page.get_by_role("heading", level=1)).to_have_text("The network")
        the_map = page.locator("#network-map")
        expect(the_map).to_have_attribute("data-drawn", "7")  # everyone (two seeded by live_hub), Quinn as an anonymous dot
        expect(page.locator("#network-status")).to_contain_text("Showing 7 members and 4 connections")
        assert the_map.locator("canvas").count() > 0
        page.wait_for_timeout(300)
        the_map.screenshot(path="/tmp/e2e-network-map.png")  # to look at, not compared
        assert "Quinn" not in page.content()
        check_accessibility(page, "the network page")

        page.get_by_label("Interest").select_option(label="Network mapping")
        page.get_by_role("button", name="Show on the map").click()
        expect(page).to_have_url(re.compile(r"/network\?.*interest=network-mapping"))
        expect(the_map).to_have_attribute("data-drawn", "3")  # Lee, Rae and the seeded Aisha

        page.goto("/network")
        page.get_by_role("button", name=re.compile("Suggest introducing them")).click()
        expect(page.get_by_role("status").first).to_contain_text("waiting in the weavers' queue")
        expect(page.get_by_role("button", name=re.compile("Suggest introducing them"))).to_have_count(0)

        page.goto("/network/dashboard")
        expect(page.get_by_role("table")).to_be_visible()
        check_accessibility(page, "the network dashboard")
        assert not problems, problems
        assert not outside, outside  # nothing loaded from another host
    except Exception:
        page.screenshot(path="/tmp/e2e-network.png", full_page=True)
        raise
    finally:
        context.close()
