"""Who may see and change what: anonymous visitors, members, other members, weavers and admins."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar

from tests.support import make_member, make_post, reload_member, sign_in_as

PUBLIC_PAGES = {"/", "/about", "/sign-in", "/sign-in/sent", "/sign-in/confirm", "/dev/mail", "/api/csrf"}
# Answered from emails without signing in; each needs a signed token (tests/hub/test_weaving.py).
PUBLIC_PAGES |= {"/follow-up", "/introductions/consent"}
PUBLIC_PREFIXES = ("/static", "/api/schema")
# Reached by a signed link (or public by design) rather than a sign-in: the open-events calendar,
# a member's secret feed, "I can't come after all" and one-click unsubscribe (events/web.py).
PUBLIC_PAGES |= {"/events/feed.ics", "/events/feed/1/1", "/events/r/1/cant-come", "/events/unsubscribe"}
# The privacy notice, and the goodbye page shown after an account is deleted (hub/web/privacy_pages.py).
PUBLIC_PAGES |= {"/privacy", "/account/deleted"}


def get_routes(app: Litestar) -> list[str]:
    """Every GET path in the app's own route table, with ids filled in."""
    paths = set()
    for route in app.routes:
        if "GET" in getattr(route, "methods", set()):
            paths.add(re.sub(r"\{[^}]+\}", "1", route.path))
    return sorted(paths)


async def test_anonymous_visitors_see_only_the_sign_in_and_public_pages(client, app):
    checked = 0
    for path in get_routes(app):
        if path in PUBLIC_PAGES or path.startswith(PUBLIC_PREFIXES):
            continue
        response = await client.get(path)
        checked += 1
        if path.startswith("/api"):
            assert response.status_code == 401, path
        else:
            assert response.status_code == 303 and response.headers["location"] == "/sign-in", path
    assert checked >= 10


async def test_anonymous_visitors_cannot_change_anything(client, app, settings):
    from hub import auth

    visitor = "anon.someone"
    client.cookies.set(settings.session_cookie, visitor, domain="testserver.local")
    csrf = auth.csrf_token(settings, visitor)
    for path in ("/profile", "/asks", "/offers", "/posts/1", "/posts/1/status", "/admin/members/1/role",
                 "/admin/members/1/approve", "/admin/invites", "/sign-out-everywhere"):
        response = await client.post(path, data={"_csrf": csrf, "title": "x", "role": "admin"})
        assert response.status_code == 303 and response.headers["location"] == "/sign-in", path


async def test_a_member_cannot_edit_someone_elses_posts(client, db, settings, clock):
    owner = await make_member(db)
    ask = await make_post(db, owner, "ask", title="Mine")
    intruder = await make_member(db)
    csrf = await sign_in_as(client, db, settings, intruder, clock())
    assert (await client.get(f"/posts/{ask.id}/edit")).status_code == 404
    assert (await client.post(f"/posts/{ask.id}", data={"title": "Hijacked", "_csrf": csrf})).status_code == 404
    assert (await client.post(f"/posts/{ask.id}/status", data={"status": "withdrawn", "_csrf": csrf})).status_code == 404
    api = await client.put(f"/api/posts/{ask.id}", json={"title": "Hijacked"}, headers={"x-csrf-token": csrf})
    assert api.status_code == 404
    posts = (await reload_member(db, owner.id)).posts
    assert [(p.title, p.status) for p in posts] == [("Mine", "open")]


async def test_a_member_can_only_ever_edit_their_own_profile(client, db, settings, clock):
    other = await make_member(db, name="Other")
    me = await make_member(db, name="Me")
    csrf = await sign_in_as(client, db, settings, me, clock())
    # The profile form has no member id to change: it always edits the signed-in member.
    await client.post("/profile", data={"name": "Changed", "id": str(other.id), "member_id": str(other.id), "_csrf": csrf})
    assert (await reload_member(db, other.id)).name == "Other"
    assert (await reload_member(db, me.id)).name == "Changed"


async def test_weaver_only_profiles_are_hidden_from_members(client, db, settings, clock):
    hidden = await make_member(db, name="Hidden", visibility="weavers")
    me = await make_member(db)
    await sign_in_as(client, db, settings, me, clock())
    assert (await client.get(f"/members/{hidden.id}")).status_code == 404
    assert (await client.get(f"/api/members/{hidden.id}")).status_code == 404
    assert "Hidden" not in (await client.get("/members")).text


async def test_weavers_see_weaver_only_profiles(client, db, settings, clock):
    hidden = await make_member(db, name="Hidden", visibility="weavers")
    weaver = await make_member(db, hub_role="weaver")
    await sign_in_as(client, db, settings, weaver, clock())
    page = await client.get(f"/members/{hidden.id}")
    assert page.status_code == 200 and "Visible to network weavers only" in page.text
    assert "Hidden" in (await client.get("/members")).text


@pytest.mark.parametrize("role", ["member", "weaver"])
async def test_only_admins_change_roles(client, db, settings, clock, role):
    target = await make_member(db)
    me = await make_member(db, hub_role=role)
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post(f"/admin/members/{target.id}/role", data={"role": "admin", "_csrf": csrf})
    assert response.status_code == 403
    assert (await reload_member(db, target.id)).hub_role == "member"


async def test_an_admin_promotes_a_member_to_weaver_and_to_admin(client, db, settings, clock):
    target = await make_member(db)
    admin = await make_member(db, hub_role="admin")
    csrf = await sign_in_as(client, db, settings, admin, clock())
    await client.post(f"/admin/members/{target.id}/role", data={"role": "weaver", "_csrf": csrf})
    assert (await reload_member(db, target.id)).hub_role == "weaver"
    api = await client.put(f"/api/admin/members/{target.id}/role", json={"role": "admin"}, headers={"x-csrf-token": csrf})
    assert api.status_code == 200 and api.json()["hub_role"] == "admin"


async def test_the_last_admin_cannot_step_down(client, db, settings, clock):
    admin = await make_member(db, hub_role="admin")
    csrf = await sign_in_as(client, db, settings, admin, clock())
    response = await client.post(f"/admin/members/{admin.id}/role", data={"role": "member", "_csrf": csrf})
    assert response.status_code == 409
    assert (await reload_member(db, admin.id)).hub_role == "admin"


async def test_members_do_not_reach_the_weavers_pages(client, db, settings, clock):
    me = await make_member(db)
    await sign_in_as(client, db, settings, me, clock())
    assert (await client.get("/admin/members")).status_code == 403


async def test_a_weaver_approves_a_waiting_member_who_is_then_emailed(client, db, settings, clock):
    from sqlalchemy import select

    from hub.models import OutboxMessage

    waiting = await make_member(db, status="pending", email="waiting@example.org")
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    assert "waiting@example.org" in (await client.get("/admin/members")).text
    await client.post(f"/admin/members/{waiting.id}/approve", data={"_csrf": csrf})
    await client.post(f"/admin/members/{waiting.id}/approve", data={"_csrf": csrf})
    assert (await reload_member(db, waiting.id)).status == "active"
    mails = (await db.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "waiting@example.org"))).all()
    assert len(mails) == 1


async def test_forms_without_a_valid_csrf_token_are_refused(client, db, settings, clock):
    me = await make_member(db, name="Me")
    await sign_in_as(client, db, settings, me, clock())
    assert (await client.post("/profile", data={"name": "Forged"})).status_code == 403
    assert (await client.post("/profile", data={"name": "Forged", "_csrf": "0" * 64})).status_code == 403
    assert (await client.put("/api/me", json={"name": "Forged"})).status_code == 403
    assert (await reload_member(db, me.id)).name == "Me"


async def test_requests_from_another_site_are_refused_even_with_a_token(client, db, settings, clock):
    me = await make_member(db, name="Me")
    csrf = await sign_in_as(client, db, settings, me, clock())
    cross = await client.post("/profile", data={"name": "Forged", "_csrf": csrf},
                              headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    assert (await reload_member(db, me.id)).name == "Me"


async def test_unknown_hosts_are_refused(client):
    response = await client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400


async def test_every_page_carries_security_headers(client):
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
