"""A new member's first visit, in a real browser: sign in by emailed link, fill in the profile
(once wrongly), post an ask, find it at home; axe-core checks every page on the way."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.e2e.conftest import AXE
from tests.support import sign_in_token, text_of

pytestmark = pytest.mark.browser

EMAIL = "newcomer@example.org"
SCREENSHOTS = "/tmp/e2e-{}.png"
#: Rules that fail whatever axe-core rates them: two landmarks with one name ("moderate") leave a
#: screen-reader user unable to tell the regions of a page apart (the review queue once had them).
ALWAYS_FAIL = {"landmark-unique", "landmark-no-duplicate-main", "landmark-no-duplicate-banner"}


def check_accessibility(page, what: str) -> None:  # noqa: ANN001
    """Run axe-core on the page as it is now; no serious or critical violations, nor any of ALWAYS_FAIL."""
    results = page.evaluate("() => axe.run(document)")
    assert results["passes"], f"axe-core checked nothing on {what}"
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical") or v["id"] in ALWAYS_FAIL]
    summary = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [{"target": n["target"], "html": n["html"][:200], "summary": n.get("failureSummary", "")}
                   for n in v["nodes"]]}
        for v in bad
    ]
    for v in results["violations"]:
        if v not in bad:  # shown with -s; not a failure
            print(f"axe-core on {what}: {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
    assert not bad, f"axe-core on {what} ({page.url}):\n{json.dumps(summary, indent=2)}"


def wait_for_mail(inbox, address: str, timeout: float = 10.0):  # noqa: ANN001, ANN201
    """The app's own worker sends it over SMTP to a server in another thread: a bounded poll."""
    deadline = time.monotonic() + timeout
    while not inbox.to(address):
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} within {timeout} s")
        time.sleep(0.02)
    return inbox.to(address)[-1]


def test_a_new_member_signs_in_fills_in_their_profile_and_posts_an_ask(browser, live_hub):
    from playwright.sync_api import expect

    # axe-core goes in as an init script: the CSP (script-src 'self') stays enforced for the
    # pages themselves, which add_script_tag's inline <script> would need switched off.
    context = browser.new_context(base_url=live_hub.url, viewport={"width": 1100, "height": 900})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    page = context.new_page()
    console_errors: list[str] = []
    failed_requests: list[str] = []
    page.on(
        "console",
        lambda m: console_errors.append(m.text)
        if m.type == "error" and not m.text.startswith("Failed to load resource") else None,  # see failed_requests
    )
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.on(
        "response",
        lambda r: failed_requests.append(f"{r.status} {r.request.method} {r.url.removeprefix(live_hub.url)}")
        if r.status >= 400 else None,
    )

    try:
        # Ask for a sign-in link.
        page.goto("/sign-in")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        check_accessibility(page, "the sign-in page")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_role("button", name="Send me a sign-in link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        check_accessibility(page, "the link-sent page")

        # The app's worker delivers the link over real SMTP.
        mail = wait_for_mail(live_hub.inbox, EMAIL)
        assert "Welcome to the Network Weaving Hub" in text_of(mail)
        link = re.search(r"http://\S+/sign-in/confirm\?token=[\w-]+", text_of(mail)).group(0)
        assert link.startswith(live_hub.url + "/") and sign_in_token(mail) in link

        # Opening the link only shows a button; pressing it signs in and leads a newcomer to the profile.
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm sign-in")
        check_accessibility(page, "the confirm page")
        page.get_by_role("button", name="Sign me in").click()
        expect(page).to_have_url(re.compile(r"/profile\?notice=signed-in$"))
        expect(page.get_by_role("status")).to_have_text("You are signed in.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
        check_accessibility(page, "the empty profile form")

        # Fill everything in but the name: the form comes back with an inline error.
        page.get_by_label("Organisation").fill("Glasgow Health and Social Care Partnership")
        page.get_by_label("Sector").select_option(label="Social care")
        page.get_by_label("Nation").select_option(label="Scotland")
        page.get_by_label("Interests").fill("Network mapping, psychological safety")
        page.get_by_role("checkbox", name="Network Catalyst/Facilitator").check()
        page.get_by_role("button", name="Save profile").click()

        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Please correct the highlighted fields.")
        name = page.get_by_role("textbox", name="Name", exact=True)
        expect(name).to_have_attribute("aria-invalid", "true")
        expect(name).to_have_accessible_description(re.compile("Name is required"))
        expect(page.locator("#name-error")).to_have_text(re.compile(r"Error:\s*Name is required\."))
        # What was typed survives the round trip.
        expect(page.get_by_label("Organisation")).to_have_value("Glasgow Health and Social Care Partnership")
        expect(page.get_by_label("Nation")).to_have_value("scotland")
        expect(page.get_by_role("checkbox", name="Network Catalyst/Facilitator")).to_be_checked()
        check_accessibility(page, "the profile form with an error")
        # The error summary's link takes keyboard focus to the field.
        summary.get_by_role("link", name="Name is required.").click()
        expect(name).to_be_focused()

        page.keyboard.type("Morag Campbell")
        page.get_by_role("button", name="Save profile").click()

        # The profile page.
        expect(page).to_have_url(re.compile(r"/members/\d+\?notice=profile-saved$"))
        expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Morag Campbell")
        expect(page.locator(".meta")).to_have_text(
            "Glasgow Health and Social Care Partnership · Social care · Scotland"
        )
        expect(page.locator(".facts")).to_contain_text("Network Catalyst/Facilitator")
        # "psychological safety" is the tag another member already uses, so it keeps their spelling.
        interests = page.get_by_role("list", name="Tags")
        expect(interests.get_by_role("listitem")).to_have_text(["Network mapping", "Psychological safety"])
        check_accessibility(page, "the member's profile page")
        page.screenshot(path=SCREENSHOTS.format("profile"), full_page=True)

        # Post an ask.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Post an ask").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Post an ask")
        check_accessibility(page, "the ask form")
        page.get_by_label("Title").fill("Mapping our local carers' network")
        page.get_by_label("Description").fill("Has anyone mapped an informal carers' network? I would love to hear how.")
        page.get_by_label("Tags").fill("network mapping, carers")
        page.get_by_role("button", name="Post ask").click()

        # It is on their home page, with its tags.
        expect(page).to_have_url(re.compile(r"/\?notice=post-saved$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Morag Campbell")
        asks = page.get_by_role("region", name="Your asks")
        card = asks.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Mapping our local carers' network"))
        expect(card).to_have_count(1)
        expect(card.get_by_role("list", name="Tags").get_by_role("listitem")).to_have_text(
            ["Network mapping", "carers"]
        )
        expect(card).to_contain_text("Status: open")
        expect(page.get_by_role("region", name="Your offers")).to_contain_text("None yet.")
        check_accessibility(page, "the home page")

        # The directory shows the newcomer among the others, with the open ask.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Find people").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Find people")
        expect(page.get_by_role("heading", name="3 people found")).to_be_visible()
        morag = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Morag Campbell"))
        expect(morag).to_contain_text("Mapping our local carers' network")
        check_accessibility(page, "the directory")
        page.screenshot(path=SCREENSHOTS.format("directory"), full_page=True)

        # No script errors or CSP reports; the only failed response was the form sent back with an error.
        assert console_errors == [], f"errors in the browser console: {console_errors}"
        assert failed_requests == ["422 POST /profile"], failed_requests
    finally:
        context.close()
