"""Passwordless sign-in: magic links by real SMTP, single use, short-lived, hashed, rate-limited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub.db import create_engine, session_factory
from hub.mail import SmtpTransport, deliver_due
from hub.models import LoginToken, Member, WebSession
from tests.support import START, browser_like_client, html_of, make_member, sign_in_token, text_of, wait_for


def csrf_from(html: str) -> str:
    return re.search(r'name="_csrf" value="([0-9a-f]+)"', html).group(1)


async def deliver(app, settings) -> None:
    """The worker's own code, on its own engine: the app's engine lives on the test client's loop."""
    engine = create_engine(settings.database_url)
    try:
        await deliver_due(session_factory(engine), settings, SmtpTransport(settings), now=app.state.clock)
    finally:
        await engine.dispose()


async def ask_for_link(client, app, settings, inbox, email: str):
    page = await client.get("/sign-in")
    response = await client.post("/sign-in", data={"email": email, "_csrf": csrf_from(page.text)})
    await deliver(app, settings)
    return response


async def sign_in(client, app, settings, inbox, email: str):
    await ask_for_link(client, app, settings, inbox, email)
    await wait_for(lambda: inbox.to(email))
    token = sign_in_token(inbox.to(email)[-1])
    page = await client.get(f"/sign-in/confirm?token={token}")
    return await client.post("/sign-in/confirm", data={"token": token, "_csrf": csrf_from(page.text)})


async def test_member_receives_a_sign_in_link_by_smtp_and_signing_in_opens_their_home(client, app, settings, inbox, db):
    await make_member(db, email="ruth@example.org", name="Ruth")
    response = await sign_in(client, app, settings, inbox, "ruth@example.org")
    assert response.status_code == 303
    home = await client.get("/")
    assert "Hello, <bdi>Ruth</bdi>" in home.text
    mail = inbox.to("ruth@example.org")[0]
    assert mail["Message-ID"] and mail["Auto-Submitted"] == "auto-generated"
    assert "15 minutes" in text_of(mail)


async def test_opening_the_link_only_shows_a_button_and_does_not_sign_in(client, app, settings, inbox, db):
    await make_member(db, email="sam@example.org")
    await ask_for_link(client, app, settings, inbox, "sam@example.org")
    await wait_for(lambda: inbox.to("sam@example.org"))
    token = sign_in_token(inbox.to("sam@example.org")[0])
    page = await client.get(f"/sign-in/confirm?token={token}")
    assert "Sign me in" in page.text
    assert (await db.scalars(select(WebSession))).all() == []
    assert (await client.get("/profile", follow_redirects=False)).status_code == 303


async def test_a_link_works_only_once(client, app, settings, inbox, db):
    await make_member(db, email="ali@example.org")
    assert (await sign_in(client, app, settings, inbox, "ali@example.org")).status_code == 303
    token = sign_in_token(inbox.to("ali@example.org")[0])
    page = await client.get("/sign-in")
    again = await client.post("/sign-in/confirm", data={"token": token, "_csrf": csrf_from(page.text)})
    assert again.status_code == 400
    assert "expired or was already used" in again.text


async def test_a_link_expires_after_fifteen_minutes(client, app, settings, inbox, db, clock):
    await make_member(db, email="jo@example.org")
    await ask_for_link(client, app, settings, inbox, "jo@example.org")
    await wait_for(lambda: inbox.to("jo@example.org"))
    token = sign_in_token(inbox.to("jo@example.org")[0])
    clock.advance(minutes=15, seconds=1)
    page = await client.get("/sign-in")
    response = await client.post("/sign-in/confirm", data={"token": token, "_csrf": csrf_from(page.text)})
    assert response.status_code == 400


async def test_only_a_hash_of_the_link_is_stored(client, app, settings, inbox, db):
    await make_member(db, email="kim@example.org")
    await ask_for_link(client, app, settings, inbox, "kim@example.org")
    await wait_for(lambda: inbox.to("kim@example.org"))
    token = sign_in_token(inbox.to("kim@example.org")[0])
    stored = (await db.scalars(select(LoginToken))).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64


async def test_the_session_id_changes_at_sign_in_and_a_planted_id_is_worthless(client, app, settings, inbox, db):
    await make_member(db, email="lee@example.org", name="Lee")
    planted = "attacker-chosen-session-id"
    client.cookies.set(settings.session_cookie, planted, domain="testserver.local")
    await sign_in(client, app, settings, inbox, "lee@example.org")
    after = client.cookies.get(settings.session_cookie)
    assert after and after != planted
    from hub.auth import digest

    stored = {s.id_hash for s in (await db.scalars(select(WebSession))).all()}
    assert digest(planted) not in stored and digest(after) in stored


async def test_sign_out_everywhere_ends_every_session_of_that_member(client, app, settings, inbox, db, clock):
    from hub.app import create_app

    await make_member(db, email="mo@example.org", name="Mo")
    await sign_in(client, app, settings, inbox, "mo@example.org")
    other_replica = create_app(settings, clock=clock)
    async with browser_like_client(other_replica) as laptop:
        await sign_in(laptop, other_replica, settings, inbox, "mo@example.org")
        assert "Hello, <bdi>Mo</bdi>" in (await laptop.get("/")).text
        home = await client.get("/")
        await client.post("/sign-out-everywhere", data={"_csrf": csrf_from(home.text)})
        assert "Hello, <bdi>Mo</bdi>" not in (await laptop.get("/")).text
    assert (await db.scalars(select(WebSession))).all() == []


async def test_sign_in_requests_are_limited_per_address(client, app, settings, inbox, db):
    await make_member(db, email="pat@example.org")
    page = await client.get("/sign-in")
    statuses = [
        (await client.post("/sign-in", data={"email": "pat@example.org", "_csrf": csrf_from(page.text)})).status_code
        for _ in range(settings.signin_limit_per_email + 1)
    ]
    assert statuses[:-1] == [303] * settings.signin_limit_per_email
    assert statuses[-1] == 429


async def test_sign_in_requests_are_limited_per_ip_across_addresses(client, app, settings, inbox, db):
    page = await client.get("/sign-in")
    limit = settings.signin_limit_per_ip
    statuses = [
        (await client.post("/sign-in", data={"email": f"p{i}@example.org", "_csrf": csrf_from(page.text)})).status_code
        for i in range(limit + 1)
    ]
    assert statuses.count(303) == limit and statuses[-1] == 429


async def test_a_bad_email_address_gets_an_inline_error(client):
    page = await client.get("/sign-in")
    response = await client.post("/sign-in", data={"email": "not an email", "_csrf": csrf_from(page.text)})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and "Enter an email address" in response.text


async def test_open_policy_creates_a_new_member_at_first_sign_in(client, app, settings, inbox, db):
    response = await sign_in(client, app, settings, inbox, "new@example.org")
    assert response.headers["location"].startswith("/profile")
    member = await db.scalar(select(Member).where(Member.email == "new@example.org"))
    assert member.status == "active"


@pytest.fixture
def invite_only(settings):
    return settings.with_(join_policy="invite")


async def test_invite_only_policy_sends_no_link_to_strangers_but_does_to_the_invited(invite_only, clock, inbox, db):
    from hub.app import create_app

    app = create_app(invite_only, clock=clock)
    async with browser_like_client(app) as client:
        await ask_for_link(client, app, invite_only, inbox, "stranger@example.org")
        await wait_for(lambda: inbox.to("stranger@example.org"))
        assert "invitation only" in text_of(inbox.to("stranger@example.org")[0])
        assert "/sign-in/confirm" not in text_of(inbox.to("stranger@example.org")[0])
        weaver = await make_member(db, email="weaver@example.org", hub_role="weaver")
        from hub import auth

        await auth.invite(db, invite_only, weaver, "friend@example.org", clock())
        response = await sign_in(client, app, invite_only, inbox, "friend@example.org")
        assert response.status_code == 303
    assert await db.scalar(select(Member.status).where(Member.email == "friend@example.org")) == "active"


async def test_an_invitation_signs_the_invitee_in_without_typing_their_address_again(invite_only, clock, inbox, db):
    """The invitation carries a single-use sign-in link for the invited address, valid for days;
    opening it (as a mail scanner would) only shows a button, and the person's POST signs in."""
    from hub import auth
    from hub.app import create_app

    app = create_app(invite_only, clock=clock)
    weaver = await make_member(db, email="weaver@example.org", name="Wren Weaver", hub_role="weaver")
    for address in ("guest@example.org", "late@example.org"):
        await auth.invite(db, invite_only, weaver, address, clock())
    await deliver(app, invite_only)
    await wait_for(lambda: inbox.to("guest@example.org") and inbox.to("late@example.org"))
    (invitation,) = inbox.to("guest@example.org")
    assert "Wren Weaver has invited you" in text_of(invitation)
    token = sign_in_token(invitation)
    assert f"/sign-in/confirm?token={token}" in html_of(invitation)
    assert "http://testserver.local/sign-in\n" not in text_of(invitation) + "\n"  # not the page to type an address in

    clock.advance(days=3)  # long after a sign-in link's 15 minutes
    async with browser_like_client(app) as client:
        page = await client.get(f"/sign-in/confirm?token={token}")
        assert page.status_code == 200 and "Sign me in" in page.text
        assert await db.scalar(select(Member.id).where(Member.email == "guest@example.org")) is None
        await db.commit()  # end the read, so the checks below see what the app commits
        response = await client.post("/sign-in/confirm", data={"token": token, "_csrf": csrf_from(page.text)})
        assert response.status_code == 303 and response.headers["location"].startswith("/profile")
        assert (await client.get("/profile")).status_code == 200
        page = await client.get(f"/sign-in/confirm?token={token}")  # the form's token belongs to the new session
        again = await client.post("/sign-in/confirm", data={"token": token, "_csrf": csrf_from(page.text)})
        assert again.status_code == 400  # single use

        clock.advance(days=auth.INVITATION_DAYS)
        late_token = sign_in_token(inbox.to("late@example.org")[0])
        page = await client.get(f"/sign-in/confirm?token={late_token}")
        expired = await client.post("/sign-in/confirm", data={"token": late_token, "_csrf": csrf_from(page.text)})
        assert expired.status_code == 400 and "expired" in expired.text and 'name="email"' in expired.text
    assert await db.scalar(select(Member.status).where(Member.email == "guest@example.org")) == "active"
    assert await db.scalar(select(Member.id).where(Member.email == "late@example.org")) is None


async def test_approval_policy_makes_new_members_wait_for_a_weaver(settings, clock, inbox, db):
    from hub.app import create_app

    approval = settings.with_(join_policy="approval")
    app = create_app(approval, clock=clock)
    async with browser_like_client(app) as client:
        response = await sign_in(client, app, approval, inbox, "newbie@example.org")
        assert response.headers["location"].startswith("/welcome")
        assert (await client.get("/members")).status_code == 403
    newbie = await db.scalar(select(Member).where(Member.email == "newbie@example.org"))
    assert newbie.status == "pending"


async def test_the_same_new_address_joining_twice_at_once_makes_one_member(settings, factory):
    """Two sign-in links for a new address, used at the same moment: the second waits for the
    first and finds the member it made, instead of failing on the unique address."""
    import asyncio

    from hub import auth

    async with factory() as first, factory() as second:
        made, is_new = await auth.find_or_join(first, settings, "twice@example.org", START)
        racing = asyncio.create_task(auth.find_or_join(second, settings, "twice@example.org", START))
        await asyncio.sleep(0.2)  # let the second reach the database and wait there for the first
        await first.commit()
        found, found_is_new = await racing
        await second.commit()
    assert is_new and not found_is_new and found.id == made.id
