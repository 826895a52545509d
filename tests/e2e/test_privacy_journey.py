"""Privacy pages in a real browser, checked with axe-core: the notice from the footer, an admin's
account page (download, then a wrong and a right confirmation to delete), the weavers' retention
setting (with an inline error first) and the audit log that records all of it."""

from __future__ import annotations

import json

import pytest

from hub.db import create_engine, session_factory
from tests.e2e.conftest import AXE, _run_in_own_thread
from tests.e2e.test_member_journey import check_accessibility
from tests.support import START, make_member, session_cookie_for

pytestmark = pytest.mark.browser


async def _seed_admins(database_url: str, out: dict) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            admin = await make_member(db, email="ada@example.org", name="Ada Admin", hub_role="admin")
            await make_member(db, email="second@example.org", name="Second Admin", hub_role="admin")
            out["cookie"] = await session_cookie_for(db, admin, START.replace(year=2100))
            out["id"] = admin.id
    finally:
        await engine.dispose()


def test_an_admin_reads_the_notice_downloads_sets_retention_reads_the_audit_log_and_leaves(browser, live_hub):
    from playwright.sync_api import expect

    seeded: dict = {}
    _run_in_own_thread(_seed_admins(live_hub.settings.database_url, seeded))
    context = browser.new_context(base_url=live_hub.url, viewport={"width": 1200, "height": 900}, accept_downloads=True)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # Anyone can read the notice, from the footer of every page.
        page.goto("/")
        page.get_by_role("contentinfo").get_by_role("link", name="Privacy").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("How the hub uses your data")
        check_accessibility(page, "the privacy notice")
        page.get_by_role("contentinfo").get_by_role("link", name="Security").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("How the hub keeps your account and your challenges safe")
        check_accessibility(page, "the security page")

        context.add_cookies([{"name": live_hub.settings.session_cookie, "value": seeded["cookie"], "url": live_hub.url}])
        page.goto("/")
        page.get_by_role("contentinfo").get_by_role("link", name="Your account and data").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account and data")
        check_accessibility(page, "the account page")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download my data (JSON)").click()
        data = json.loads(open(download.value.path(), encoding="utf-8").read())
        assert data["profile"]["email"] == "ada@example.org"

        # Retention: a bad number gets an inline error, a good one is saved.
        page.goto("/")
        page.get_by_role("contentinfo").get_by_role("link", name="Suggestion retention").click()
        field = page.get_by_label("Keep declined or stale suggestions for (days)")
        field.fill("0")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("alert")).to_contain_text("Enter a whole number of days from 1 to 3650")
        expect(field).to_have_attribute("aria-invalid", "true")
        check_accessibility(page, "the retention form with an error")
        field.fill("90")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("Saved")
        check_accessibility(page, "the retention form")

        page.get_by_role("contentinfo").get_by_role("link", name="Audit log").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
        expect(page.get_by_role("table")).to_contain_text("Retention changed")
        expect(page.get_by_role("table")).to_contain_text("Member downloaded their data")
        page.get_by_label("Action").select_option("retention_change")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_text("1 entry.")).to_be_visible()
        check_accessibility(page, "the audit log")

        # Leaving: the wrong address is refused inline, the right one deletes the account.
        page.goto("/account")
        confirm = page.get_by_label("To confirm, type the email address you sign in with")
        confirm.fill("someone@example.org")
        confirm.press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("Type the email address you sign in with")
        check_accessibility(page, "the account page with an error")
        page.get_by_label("To confirm, type the email address you sign in with").fill("ada@example.org")
        page.get_by_role("button", name="Delete my account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account has been deleted")
        check_accessibility(page, "the goodbye page")
        page.goto("/account")
        expect(page).to_have_url(f"{live_hub.url}/sign-in")
        assert not errors, errors
    finally:
        context.close()
