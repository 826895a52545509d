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


def _assert_security_headers(response: httpx.Response) -> None:
    headers = response.headers
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), (response.status_code, headers)
    assert headers.get("x-content-type-options") == "nosniff", response.status_code
    assert headers.get("x-frame-options") == "DENY", response.status_code
    assert headers.get("referrer-policy") == "same-origin", response.status_code


async def test_every_answer_carries_the_security_headers_error_pages_and_static_files_included(client):
    answers = {
        ("GET", "/"): 200, ("GET", "/static/hub.css"): 200, ("GET", "/no-such-page"): 404,
        ("GET", "/api/no-such-route"): 404, ("GET", "/members/99999999999"): 404, ("DELETE", "/sign-in"): 405,
        ("PATCH", "/api/me"): 405, ("GET", "/members?q=%00"): 400,
    }
    for (method, path), status in answers.items():
        response = await client.request(method, path)
        assert response.status_code == status, (method, path, response.status_code)
        _assert_security_headers(response)


async def test_the_page_for_an_unexpected_error_carries_the_security_headers(settings, clock, tmp_path):
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)  # a database that is not there: every page that reads it fails
    missing = str(tmp_path / "no-such-folder" / "hub.sqlite3") if settings.is_sqlite else "hub_no_such_database"
    app = create_app(settings.with_(database_url=url.set(database=missing).render_as_string(False)), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local",
                                 cookies={settings.session_cookie: "a-session-to-look-up"}) as client:
        response = await client.get("/")
    assert response.status_code == 500 and "Sorry, something went wrong" in response.text
    _assert_security_headers(response)


async def test_a_foreign_host_is_refused_before_routing_on_any_path_with_the_headers(client):
    for path in ("/", "/no-such-page", "/api/no-such-route", "/static/hub.css", "/sign-in"):
        response = await client.get(path, headers={"host": "evil.example"})
        assert response.status_code == 400, (path, response.status_code)
        assert "ALLOWED_HOSTS" in response.text
        _assert_security_headers(response)


async def test_only_production_over_https_asks_browsers_to_keep_to_https(settings, clock):
    production = settings.with_(env="production", cookie_secure=True, base_url="https://hub.example.org",
                                allowed_hosts=("hub.example.org",))
    for configured, hsts in ((production, "max-age=31536000; includeSubDomains"), (settings, None),
                             (production.with_(cookie_secure=False), None)):
        app = create_app(configured, clock=clock)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=configured.base_url) as client:
            for path in ("/", "/no-such-page", "/static/hub.css"):
                response = await client.get(path)
                assert response.headers.get("strict-transport-security") == hsts, (configured.env, path)
                _assert_security_headers(response)
