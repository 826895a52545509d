"""Sign in with your organisation, in a real browser: the hub served over HTTP, the provider a
real oidc-provider on another port, Chromium pressing the buttons and typing at the provider's
own login page; axe-core checks the hub's sign-in page with the new button on it."""

from __future__ import annotations


import pytest

from hub import oidc
from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.settings import Settings
from tests.e2e.conftest import AXE, _run_in_own_thread, copy_of, serving
from tests.e2e.test_member_journey import check_accessibility
from tests.hub.conftest_oidc import CLIENT_ID, CLIENT_SECRET, start_provider
from tests.support import free_port, make_member

pytestmark = pytest.mark.browser


async def _seed(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            await make_member(db, email="oidc.user@example.org", name="Orla Quinn")
    finally:
        await engine.dispose()


@pytest.fixture
def hub_with_provider(sqlite_template, inbox, tmp_path):
    database_url = copy_of(sqlite_template, tmp_path)
    _run_in_own_thread(_seed(database_url))

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    provider = start_provider([base_url + oidc.CALLBACK_PATH], tmp_path)
    oidc.forget_providers()
    settings = Settings(
        database_url=database_url, secret_key="e2e-secret", base_url=base_url, allowed_hosts=("127.0.0.1",),
        mail_mode="smtp", smtp_port=inbox.port, run_worker_in_web=False,
        oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
    )
    try:
        with serving(create_app(settings), port):
            yield base_url, provider
    finally:
        provider.stop()


def test_a_member_signs_in_with_their_organisation_in_a_real_browser(browser, hub_with_provider):
    from playwright.sync_api import expect

    hub_url, provider = hub_with_provider
    context = browser.new_context(base_url=hub_url, viewport={"width": 1100, "height": 900})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto("/sign-in")
        planted = next(c["value"] for c in context.cookies() if c["name"] == "hub_session")
        check_accessibility(page, "the sign-in page with the organisation button")
        page.get_by_role("link", name="Sign in with your organisation").click()

        # The provider's own login page (devInteractions): any login name, any password.
        page.wait_for_url(provider.issuer + "/interaction/**")
        page.locator('input[name="login"]').fill("oidc-user")
        page.locator('input[name="password"]').fill("any password")
        page.locator('button[type="submit"]').click()

        page.wait_for_url(hub_url + "/?notice=signed-in")
        expect(page.get_by_text("You are signed in.")).to_be_visible()
        expect(page.get_by_text("Hello, Orla Quinn")).to_be_visible()
        session = next(c for c in context.cookies() if c["name"] == "hub_session")
        assert session["value"] != planted and session["httpOnly"]
        assert not [c for c in context.cookies() if c["name"] == "hub_oidc"]  # the flow cookie is spent
        assert not blocked, blocked
    except Exception:
        page.screenshot(path="/tmp/e2e-oidc.png", full_page=True)
        raise
    finally:
        context.close()
