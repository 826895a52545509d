"""A weaver's review queue in a real browser: start a round, watch it finish, review the
suggestions side by side, edit a note and approve, decline, approve the rest in bulk; the
introductions arrive over real SMTP. axe-core checks every page on the way."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
import time

import pytest
import uvicorn

from hub import timebank, weaving
from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.models import MemberPreference
from hub.settings import Settings
from tests.e2e.conftest import AXE, LiveHub, _run_in_own_thread
from tests.e2e.test_member_journey import check_accessibility, wait_for_mail
from tests.support import START, free_port, make_member, make_post, session_cookie_for, text_of

pytestmark = pytest.mark.browser

ASKER_A_ID = 2  # the weaver is member 1, then each asker before their helper
TOPICS = [
    ("Mapping our carers' network", "Network mapping", "An hour on network mapping with Kumu"),
    ("Running our first open space event", "Open space", "I facilitate open space events"),
    ("Measuring the impact of peer support", "Evaluation", "Help with evaluation and measuring impact"),
]


async def _seed(database_url: str) -> dict:
    engine = create_engine(database_url)
    out = {}
    try:
        async with session_factory(engine)() as db:
            weaver = await make_member(db, email="weaver@example.org", name="Wyn Weaver", hub_role="weaver",
                                       interests=["Storytelling"], hours_per_month=0)
            for i, (ask_title, tag, offer_title) in enumerate(TOPICS):
                asker = await make_member(db, email=f"asker{i}@example.org", name=f"Asker {'ABC'[i]}",
                                          interests=["Co-production"], hours_per_month=2, sector="third_sector")
                await make_post(db, asker, "ask", title=ask_title, description=f"Looking for help: {tag.lower()}.",
                                tags=[tag])
                helper = await make_member(db, email=f"helper{i}@example.org", name=f"Helper {'ABC'[i]}",
                                           interests=[tag], hours_per_month=6, sector="nhs")
                await make_post(db, helper, "offer", title=offer_title, tags=[tag])
                for person in (asker, helper):
                    db.add(MemberPreference(member_id=person.id, intro_consent="direct"))
            await db.commit()
            # Asker A (member 2) says the weaver gave them an hour: it waits for the weaver to confirm.
            await timebank.record_exchange(db, giver_id=weaver.id, receiver_id=ASKER_A_ID, hours=1, now=START,
                                           recorded_by_id=ASKER_A_ID, status="pending")
            await db.commit()
            out["cookie"] = await session_cookie_for(db, weaver, START.replace(year=2100))
    finally:
        await engine.dispose()
    return out


@pytest.fixture
def weaving_hub(sqlite_template, inbox, tmp_path):
    database = tmp_path / "hub.sqlite3"
    shutil.copy(sqlite_template, database)
    database_url = f"sqlite+aiosqlite:///{database}"
    seeded: dict = {}

    async def seed() -> None:
        seeded.update(await _seed(database_url))

    _run_in_own_thread(seed())
    port = free_port()
    settings = Settings(
        database_url=database_url, secret_key="e2e-secret", base_url=f"http://127.0.0.1:{port}",
        allowed_hosts=("127.0.0.1",), mail_mode="smtp", smtp_port=inbox.port,
        run_worker_in_web=True, worker_poll_seconds=0.05, match_round_days=0,
    )
    app = create_app(settings, start_worker=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield LiveHub(url=settings.base_url, settings=settings, inbox=inbox), seeded["cookie"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_weaver_runs_a_round_and_reviews_the_queue(browser, weaving_hub):
    from playwright.sync_api import expect

    hub, cookie = weaving_hub
    context = browser.new_context(base_url=hub.url, viewport={"width": 1200, "height": 900})
    context.add_init_script(path=str(AXE))
    context.add_cookies([{"name": hub.settings.session_cookie, "value": cookie, "url": hub.url}])
    context.set_default_timeout(15_000)
    page = context.new_page()
    console_errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        page.goto("/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Weaving queue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
        expect(page.get_by_text("Nothing to review.")).to_be_visible()
        check_accessibility(page, "the empty queue")

        # Start a round for the whole community; the page follows it until it is done.
        page.get_by_role("link", name="Start a matching round").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Matching rounds")
        check_accessibility(page, "the rounds page")
        page.get_by_role("radio", name="The whole community").check()
        page.get_by_role("button", name="Start the round").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Round \d+: The whole community"))
        check_accessibility(page, "the round's progress page")
        expect(page.get_by_role("link", name="Review this round's suggestions")).to_be_visible(timeout=30_000)
        expect(page.locator("[data-round-message]")).to_have_text(re.compile(r"3 suggestions from 3 asks"))
        page.get_by_role("link", name="Review this round's suggestions").click()

        # Three suggestions, each with both profiles side by side, the ask, the offer and the reasons.
        expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
        cards = page.get_by_role("article")
        expect(cards).to_have_count(3)
        first = cards.filter(has=page.get_by_role("heading", name="Asker A and Helper A"))
        expect(first).to_contain_text("The ask: Mapping our carers' network")
        expect(first).to_contain_text("The offer: An hour on network mapping with Kumu")
        expect(first.get_by_role("heading", name="Why")).to_be_visible()
        expect(first).to_contain_text("None recorded")
        check_accessibility(page, "the review queue")
        page.screenshot(path="/tmp/e2e-review-queue.png", full_page=True)

        # Edit the note and approve the first.
        first.get_by_label("Introduction note").fill("Asker A, Helper A has mapped carers' networks before.")
        first.get_by_role("button", name="Approve introducing Asker A and Helper A").click()
        expect(page.get_by_role("status")).to_have_text(re.compile("Approved"))
        mail = wait_for_mail(hub.inbox, "asker0@example.org")
        assert "helper0@example.org" in mail["To"]
        assert "Helper A has mapped carers' networks before." in text_of(mail)

        # Decline the second: it leaves the queue for good.
        second = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Asker B and Helper B"))
        second.get_by_role("button", name="Decline Asker B and Helper B").click()
        expect(page.get_by_role("status")).to_have_text(re.compile("will not be suggested again"))
        expect(page.get_by_role("article")).to_have_count(1)
        check_accessibility(page, "the queue after two decisions")

        # Approve what is left in bulk.
        page.get_by_role("checkbox", name=re.compile(r"Select for bulk approval\W+Asker C and Helper C")).check()
        page.get_by_role("button", name="Approve selected").click()
        expect(page.get_by_role("status")).to_have_text("1 suggestion approved.")
        expect(page.get_by_text("Nothing to review.")).to_be_visible()
        wait_for_mail(hub.inbox, "asker2@example.org")
        assert hub.inbox.to("asker1@example.org") == []

        # The introductions page lists both.
        page.get_by_role("navigation", name="Weaving").get_by_role("link", name="Introductions").click()
        expect(page.get_by_role("table", name="Recent introductions").get_by_role("row")).to_have_count(3)
        expect(page.get_by_role("table", name="Recent decisions on suggestions")).to_contain_text("Wyn Weaver")
        check_accessibility(page, "the introductions page")

        # The follow-up link from the email (signed here as the worker would sign it), without signing in.
        context.clear_cookies()
        intro_id = 1
        token = weaving.sign(hub.settings, "follow_up", intro_id, ASKER_A_ID, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))
        page.goto(f"/follow-up?token={token}&met=met")
        expect(page.get_by_role("heading", level=1)).to_have_text("How did it go with Helper A?")
        expect(page.get_by_role("radio", name="Yes, we met")).to_be_checked()
        check_accessibility(page, "the follow-up form")
        page.get_by_label("If you met: how many hours did you spend together?").fill("1.5")
        page.get_by_role("checkbox", name=re.compile("is now fulfilled")).check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        check_accessibility(page, "the follow-up thank-you page")
        consent = weaving.sign(hub.settings, "consent", intro_id, ASKER_A_ID, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))
        page.goto(f"/introductions/consent?token={consent}&answer=yes")
        expect(page.get_by_role("heading", level=1)).to_have_text("Would you like to meet Helper A?")
        check_accessibility(page, "the consent page")

        # Helper A remembers 2 hours, not 1.5: both answers are kept and a weaver settles the hours.
        token = weaving.sign(hub.settings, "follow_up", intro_id, ASKER_A_ID + 1, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))
        page.goto(f"/follow-up?token={token}&met=met")
        page.get_by_label("If you met: how many hours did you spend together?").fill("2")
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_text("Asker A said 1.5 hours; a network weaver will confirm the hours for the timebank.")).to_be_visible()
        check_accessibility(page, "the follow-up thank-you page when the answers differ")
        context.add_cookies([{"name": hub.settings.session_cookie, "value": cookie, "url": hub.url}])
        page.goto("/weaving/timebank")
        expect(page.get_by_role("heading", name="Follow-up hours to confirm")).to_be_visible()
        expect(page.get_by_text("Helper A said: yes, we met, 2 hours.")).to_be_visible()
        check_accessibility(page, "the weavers' timebank with hours to confirm")
        page.get_by_label("Hours Helper A gave Asker A").fill("2")
        page.get_by_role("button", name=re.compile("Confirm the hours")).click()
        expect(page.get_by_role("status")).to_have_text("The follow-up's hours are settled.")

        # Asker A said the weaver gave them an hour: it waits on the weaver's own timebank page.
        page.goto("/timebank")
        expect(page.get_by_role("heading", name="Hours waiting for your confirmation")).to_be_visible()
        check_accessibility(page, "the timebank with a transfer to confirm")
        page.get_by_role("button", name="Confirm 1 hour for Asker A").click()
        expect(page.get_by_role("status")).to_have_text("Confirmed: the hours are in the timebank.")

        assert console_errors == [], console_errors
        assert failed == [], failed
    finally:
        context.close()
