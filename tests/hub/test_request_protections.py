"""What every request gets without asking: the session cookie's attributes, and the Origin and
Sec-Fetch-Site checks, each of which refuses a cross-site request on its own."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx

from hub.app import create_app
from tests.support import make_member, reload_member, sign_in_as


def _cookie_attributes(header: str) -> tuple[str, dict[str, str]]:
    jar = SimpleCookie()
    jar.load(header)
    (name, morsel), = jar.items()
    return name, {k: v for k, v in morsel.items() if v}


async def test_on_https_the_session_cookie_is_host_prefixed_secure_httponly_and_lax(settings, clock):
    secure = settings.with_(cookie_secure=True, base_url="https://hub.example.org", allowed_hosts=("hub.example.org",))
    app = create_app(secure, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://hub.example.org") as client:
        response = await client.get("/sign-in")
    name, attributes = _cookie_attributes(response.headers["set-cookie"])
    assert name == "__Host-hub_session"
    # The __Host- prefix is only honoured with Secure, Path=/ and no Domain.
    assert attributes["secure"] is True and attributes["path"] == "/" and "domain" not in attributes
    assert attributes["httponly"] is True and attributes["samesite"] == "Lax"


async def test_a_signed_in_session_cookie_keeps_the_same_attributes(settings):
    from hub.web.security import session_cookie_header

    secure = settings.with_(cookie_secure=True)
    name, attributes = _cookie_attributes(session_cookie_header(secure, "secret-value", 3600))
    assert name == "__Host-hub_session" and attributes["secure"] is True and attributes["max-age"] == "3600"
    assert attributes["httponly"] is True and attributes["samesite"] == "Lax" and "domain" not in attributes


async def test_a_cross_site_origin_alone_is_refused(client, db, settings, clock):
    me = await make_member(db, name="Me")
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post("/profile", data={"name": "Forged", "_csrf": csrf},
                                 headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and "another site" in response.text
    assert (await reload_member(db, me.id)).name == "Me"


async def test_a_cross_site_fetch_is_refused_even_without_an_origin_header(client, db, settings, clock):
    me = await make_member(db, name="Me")
    csrf = await sign_in_as(client, db, settings, me, clock())
    for site in ("cross-site", "same-site"):
        response = await client.put("/api/me", json={"name": "Forged"},
                                    headers={"x-csrf-token": csrf, "sec-fetch-site": site})
        assert response.status_code == 403, site
    assert (await reload_member(db, me.id)).name == "Me"


async def test_the_same_request_from_our_own_origin_goes_through(client, db, settings, clock):
    me = await make_member(db, name="Me")
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.put("/api/me", json={"name": "Renamed"},
                                headers={"x-csrf-token": csrf, "origin": settings.base_url, "sec-fetch-site": "same-origin"})
    assert response.status_code == 200
    assert (await reload_member(db, me.id)).name == "Renamed"


async def test_a_csrf_token_from_another_visitor_is_refused(client, db, settings, clock):
    from hub import auth

    me = await make_member(db, name="Me")
    await sign_in_as(client, db, settings, me, clock())
    someone_elses = auth.csrf_token(settings, "anon.another-visitor")
    response = await client.post("/profile", data={"name": "Forged", "_csrf": someone_elses})
    assert response.status_code == 403
    assert (await reload_member(db, me.id)).name == "Me"
