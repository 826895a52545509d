"""Sign in with your organisation: OpenID Connect against a real provider (npm oidc-provider),
driven over HTTP the way a browser would, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select

from hub import auth, oidc
from hub.app import create_app
from hub.models import Invite, Member, OidcIdentity, WebSession
from hub.settings import Settings
from tests.hub.conftest_oidc import CLIENT_ID, CLIENT_SECRET, login_at_provider, start_provider
from tests.support import browser_like_client, free_port, make_member

HUB = "http://testserver.local"
CALLBACK = HUB + oidc.CALLBACK_PATH


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = start_provider([CALLBACK], tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()


@pytest.fixture
def settings(settings, provider) -> Settings:
    """The usual test settings, plus the provider (the callback is registered there)."""
    oidc.forget_providers()
    return settings.with_(oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET)


async def start(client) -> tuple[str, str]:  # noqa: ANN001
    """Press the button: returns the authorization URL and the sealed flow cookie."""
    response = await client.get("/sign-in/oidc")
    assert response.status_code == 303, response.text
    return response.headers["location"], client.cookies.get("hub_oidc")


async def sign_in_at_provider(client, login: str):  # noqa: ANN001, ANN201
    authorize_url, _ = await start(client)
    callback = await login_at_provider(authorize_url, login, back_to=HUB)
    return await client.get(callback)


async def members(db) -> list[Member]:  # noqa: ANN001
    await db.commit()
    return list((await db.scalars(select(Member).order_by(Member.id))).all())


def session_cookie(client, settings) -> str | None:  # noqa: ANN001
    return client.cookies.get(settings.session_cookie)


# --- the button and the routes --------------------------------------------------------------


async def test_without_an_issuer_there_is_no_button_and_the_routes_are_not_found(database_url, inbox, clock):
    plain = Settings(
        database_url=database_url, secret_key="test-secret", base_url=HUB, mail_mode="smtp", smtp_port=inbox.port,
        run_worker_in_web=False, allowed_hosts=("testserver.local",),
    )
    async with browser_like_client(create_app(plain, clock=clock)) as client:
        page = await client.get("/sign-in")
        assert page.status_code == 200
        assert "/sign-in/oidc" not in page.text and "organisation" not in page.text
        assert (await client.get("/sign-in/oidc")).status_code == 404
        assert (await client.get("/sign-in/oidc/callback?code=x&state=y")).status_code == 404


async def test_the_sign_in_page_offers_the_organisation_button_with_its_configured_label(settings, clock):
    app = create_app(settings.with_(oidc_label="Sign in with NHS mail"), clock=clock)
    async with browser_like_client(app) as client:
        page = await client.get("/sign-in")
    assert '<a class="button" href="/sign-in/oidc">Sign in with NHS mail</a>' in page.text
    assert "Send me a sign-in link" in page.text  # the magic link stays


async def test_the_authorization_request_uses_pkce_s256_a_nonce_and_a_signed_short_lived_cookie(client, settings, clock):
    authorize_url, sealed = await start(client)
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    assert authorize_url.startswith(settings.oidc_issuer + "/auth?")
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK
    assert set(query["scope"].split()) >= {"openid", "email"}
    assert query["code_challenge_method"] == "S256"

    flow = oidc.open_flow(settings, client.cookies.get(settings.session_cookie), sealed, clock())
    expected = base64.urlsafe_b64encode(hashlib.sha256(flow.verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == expected
    assert query["nonce"] == flow.nonce and query["state"] == flow.state
    assert flow.verifier not in authorize_url

    response = await client.get("/sign-in/oidc")
    set_cookie = [v for v in response.headers.get_list("set-cookie") if v.startswith("hub_oidc=")][0]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Max-Age=600" in set_cookie


async def test_the_flow_cookie_is_host_prefixed_and_secure_when_cookies_are_secure(settings, clock):
    app = create_app(settings.with_(cookie_secure=True), clock=clock)
    async with browser_like_client(app) as client:
        response = await client.get("/sign-in/oidc")
    cookies = response.headers.get_list("set-cookie")
    flow_cookie = [v for v in cookies if v.startswith("__Host-hub_oidc=")][0]
    assert "Secure" in flow_cookie and "Path=/" in flow_cookie and "HttpOnly" in flow_cookie


# --- who signs in -----------------------------------------------------------------------------


async def test_an_existing_member_is_found_by_verified_email_ignoring_case_and_signed_in(client, db, settings):
    member = await make_member(db, email="mixed.case@example.org", name="Morgan")
    response = await sign_in_at_provider(client, "mixed-case")
    assert response.status_code == 303 and response.headers["location"].startswith("/?")
    assert "Hello, <bdi>Morgan</bdi>" in (await client.get("/")).text
    assert [m.id for m in await members(db)] == [member.id]
    link = await db.scalar(select(OidcIdentity))
    assert (link.member_id, link.issuer, link.subject) == (member.id, settings.oidc_issuer, "mixed-case")
    session = await db.scalar(select(WebSession).where(WebSession.member_id == member.id))
    assert session.id_hash == auth.digest(session_cookie(client, settings))  # stored hashed


async def test_a_linked_member_is_found_by_their_provider_account_even_after_changing_their_email(client, db, settings):
    member = await make_member(db, email="oidc.user@example.org", name="Orla")
    assert (await sign_in_at_provider(client, "oidc-user")).status_code == 303
    member.email = "orla.new@example.org"
    db.add(member)
    await db.commit()
    client.cookies.clear()
    response = await sign_in_at_provider(client, "oidc-user")
    assert response.status_code == 303
    assert "Hello, <bdi>Orla</bdi>" in (await client.get("/")).text
    assert len(await members(db)) == 1


async def test_an_address_linked_to_another_provider_account_is_not_taken_over(client, db, settings, clock):
    """The provider gave the address to a different person (another subject): not the same member."""
    member = await make_member(db, email="oidc.user@example.org", name="Orla")
    db.add(OidcIdentity(
        member_id=member.id, issuer=settings.oidc_issuer, subject="the-previous-holder",
        email=member.email, created_at=clock(), last_used_at=clock(),
    ))
    await db.commit()
    response = await sign_in_at_provider(client, "oidc-user")
    assert response.status_code == 400 and "linked to a different account" in response.text
    assert (await db.scalars(select(WebSession))).all() == []


async def test_a_deleted_account_is_never_signed_into_through_its_old_provider_link(client, db, settings, clock):
    tombstone = await make_member(db, email="deleted-member-1", name="Deleted member", status="deleted")
    db.add(OidcIdentity(
        member_id=tombstone.id, issuer=settings.oidc_issuer, subject="oidc-user",
        email="oidc.user@example.org", created_at=clock(), last_used_at=clock(),
    ))
    await db.commit()
    response = await sign_in_at_provider(client, "oidc-user")
    assert response.status_code == 303 and response.headers["location"].startswith("/profile")  # joins anew
    fresh = await db.scalar(select(Member).where(Member.email == "oidc.user@example.org"))
    assert fresh.id != tombstone.id and fresh.status == "active"
    assert [link.member_id for link in (await db.scalars(select(OidcIdentity))).all()] == [fresh.id]


async def test_someone_new_joins_as_an_active_member_under_the_open_policy(client, db):
    response = await sign_in_at_provider(client, "oidc-user")
    assert response.status_code == 303 and response.headers["location"].startswith("/profile")
    [member] = await members(db)
    assert (member.email, member.status) == ("oidc.user@example.org", "active")
    assert (await client.get("/profile")).status_code == 200


async def test_someone_new_waits_for_approval_under_the_approval_policy(settings, clock, db):
    async with browser_like_client(create_app(settings.with_(join_policy="approval"), clock=clock)) as client:
        response = await sign_in_at_provider(client, "oidc-user")
        assert response.status_code == 303 and response.headers["location"].startswith("/welcome")
        assert (await client.get("/welcome")).status_code == 200
    [member] = await members(db)
    assert member.status == "pending"


async def test_under_the_invite_policy_only_invited_addresses_join(settings, clock, db):
    db.add(Invite(email="invited@example.org", created_at=clock()))
    await db.commit()
    async with browser_like_client(create_app(settings.with_(join_policy="invite"), clock=clock)) as client:
        refused = await sign_in_at_provider(client, "stranger")
        assert refused.status_code == 403
        assert "open by invitation" in refused.text
        assert session_cookie(client, settings).startswith(auth.ANON_PREFIX)
        assert await members(db) == []

        welcomed = await sign_in_at_provider(client, "invited")
        assert welcomed.status_code == 303
    [member] = await members(db)
    assert (member.email, member.status) == ("invited@example.org", "active")
    assert await db.scalar(select(Invite)) is None  # spent, as with the magic link


async def test_an_unverified_email_is_refused_and_nothing_is_written(client, db):
    await make_member(db, email="unverified@example.org")
    response = await sign_in_at_provider(client, "unverified")
    assert response.status_code == 400
    assert "did not confirm your email address" in response.text
    assert (await db.scalars(select(WebSession))).all() == []
    assert (await db.scalars(select(OidcIdentity))).all() == []


async def test_a_suspended_member_cannot_sign_in_this_way_either(client, db):
    await make_member(db, email="oidc.user@example.org", status="suspended")
    response = await sign_in_at_provider(client, "oidc-user")
    assert response.status_code == 400 and "suspended" in response.text
    assert (await db.scalars(select(WebSession))).all() == []


async def test_signing_in_replaces_a_cookie_set_beforehand_session_fixation(client, db, settings):
    await make_member(db, email="oidc.user@example.org", name="Orla")
    planted = auth.new_anonymous_visitor()
    client.cookies.set(settings.session_cookie, planted, domain="testserver.local")
    assert (await sign_in_at_provider(client, "oidc-user")).status_code == 303
    after = session_cookie(client, settings)
    assert after != planted
    assert await db.scalar(select(WebSession).where(WebSession.id_hash == auth.digest(planted))) is None
    async with browser_like_client(client.app) as attacker:
        attacker.cookies.set(settings.session_cookie, planted, domain="testserver.local")
        assert "Hello, <bdi>Orla</bdi>" not in (await attacker.get("/")).text


async def test_two_first_sign_ins_at_once_make_one_member_and_one_link(settings, clock, db):
    """Two tabs coming back at the same moment (the service, without the provider)."""
    import asyncio

    from hub.db import create_engine, session_factory

    identity = oidc.Identity(issuer=settings.oidc_issuer, subject="s-1", email="Twin@Example.org", email_verified=True)
    engines = [create_engine(settings.database_url) for _ in range(2)]
    try:
        async def one(engine):  # noqa: ANN001, ANN202
            async with session_factory(engine)() as session:
                return await oidc.sign_in(session, settings, identity, clock())

        first, second = await asyncio.gather(*(one(e) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    assert first.member.id == second.member.id
    assert [m.email for m in await members(db)] == ["twin@example.org"]
    assert len((await db.scalars(select(OidcIdentity))).all()) == 1
    assert len((await db.scalars(select(WebSession))).all()) == 2


# --- refusals: state, nonce, PKCE, replay, expiry, the provider saying no -----------------------


async def test_a_tampered_state_is_refused_with_a_clear_page(client, db):
    authorize_url, _ = await start(client)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    query = parse_qs(urlsplit(callback).query)
    response = await client.get(oidc.CALLBACK_PATH, params={"code": query["code"][0], "state": "forged"})
    assert response.status_code == 400
    assert "state did not match" in response.text
    assert await members(db) == []


async def test_a_forged_flow_cookie_is_refused(client, settings):
    authorize_url, sealed = await start(client)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    body, _, signature = sealed.partition(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["e"] += 3600
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode() + "." + signature
    client.cookies.set("hub_oidc", forged, domain="testserver.local")
    response = await client.get(callback)
    assert response.status_code == 400 and "did not start in this browser" in response.text


async def test_a_flow_started_in_another_browser_is_refused(client, settings, app):
    authorize_url, sealed = await start(client)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    async with browser_like_client(app) as other:
        await other.get("/sign-in")  # its own visitor cookie
        other.cookies.set("hub_oidc", sealed, domain="testserver.local")
        response = await other.get(callback)
    assert response.status_code == 400 and "did not start in this browser" in response.text


async def test_a_flow_older_than_ten_minutes_is_refused(client, clock):
    authorize_url, _ = await start(client)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    clock.advance(minutes=10, seconds=1)
    response = await client.get(callback)
    assert response.status_code == 400 and "expired" in response.text


async def test_replaying_a_callback_fails_even_with_the_old_flow_cookie(client, db, settings):
    authorize_url, sealed = await start(client)
    anonymous = session_cookie(client, settings)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    assert (await client.get(callback)).status_code == 303
    assert client.cookies.get("hub_oidc") is None  # the flow cookie is spent

    again = await client.get(callback)
    assert again.status_code == 400 and "expired or was already used" in again.text

    # Even a copy of the whole browser state from before (anonymous cookie and flow cookie):
    # the provider will not exchange the same code twice.
    client.cookies.clear()
    client.cookies.set(settings.session_cookie, anonymous, domain="testserver.local")
    client.cookies.set("hub_oidc", sealed, domain="testserver.local")
    replay = await client.get(callback)
    assert replay.status_code == 400 and "would not confirm this sign-in" in replay.text
    assert len((await db.scalars(select(WebSession))).all()) == 1


async def test_the_code_is_only_exchanged_with_the_matching_pkce_verifier(client, db, settings, clock):
    authorize_url, sealed = await start(client)
    visitor = session_cookie(client, settings)
    flow = oidc.open_flow(settings, visitor, sealed, clock())
    wrong = oidc.Flow(state=flow.state, nonce=flow.nonce, verifier="x" * 64, expires=flow.expires)
    client.cookies.set("hub_oidc", oidc.seal_flow(settings, visitor, wrong), domain="testserver.local")
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    response = await client.get(callback)
    assert response.status_code == 400 and "would not confirm this sign-in (invalid_grant)" in response.text
    assert await members(db) == []


async def test_an_id_token_for_another_nonce_is_refused(client, db, settings, clock):
    authorize_url, sealed = await start(client)
    visitor = session_cookie(client, settings)
    flow = oidc.open_flow(settings, visitor, sealed, clock())
    wrong = oidc.Flow(state=flow.state, nonce="another-nonce", verifier=flow.verifier, expires=flow.expires)
    client.cookies.set("hub_oidc", oidc.seal_flow(settings, visitor, wrong), domain="testserver.local")
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    response = await client.get(callback)
    assert response.status_code == 400 and "could not trust" in response.text
    assert await members(db) == []


async def test_cancelling_at_the_provider_shows_a_clear_page(client, db):
    authorize_url, _ = await start(client)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB, abort=True)
    assert "error=access_denied" in callback
    response = await client.get(callback)
    assert response.status_code == 400
    assert "cancelled or refused" in response.text and "Send me a sign-in link" in response.text
    assert await members(db) == []


async def test_an_unreachable_provider_shows_a_clear_page_not_a_500(settings, clock):
    oidc.forget_providers()
    gone = settings.with_(oidc_issuer=f"http://127.0.0.1:{free_port()}")
    async with browser_like_client(create_app(gone, clock=clock)) as client:
        response = await client.get("/sign-in/oidc")
    assert response.status_code == 502
    assert "We could not reach your organisation" in response.text


async def test_a_provider_that_goes_away_before_the_code_is_exchanged_gives_a_clear_page(
    settings, clock, db, tmp_path
):
    oidc.forget_providers()
    short_lived = start_provider([CALLBACK], tmp_path)
    try:
        app = create_app(settings.with_(oidc_issuer=short_lived.issuer), clock=clock)
        async with browser_like_client(app) as client:
            authorize_url, _ = await start(client)
            callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
            short_lived.stop()
            response = await client.get(callback)
    finally:
        short_lived.stop()
    assert response.status_code == 502
    assert "We could not reach your organisation" in response.text
    assert await members(db) == []


async def test_a_callback_without_a_flow_is_refused_not_a_500(client):
    response = await client.get("/sign-in/oidc/callback?code=abc&state=def")
    assert response.status_code == 400 and "expired or was already used" in response.text


async def test_an_answer_naming_another_issuer_is_refused_mix_up(client, db):
    authorize_url, _ = await start(client)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert query["iss"]  # the provider names itself (RFC 9207)
    response = await client.get(oidc.CALLBACK_PATH, params={**query, "iss": "https://evil.example.org"})
    assert response.status_code == 400 and "different sign-in service" in response.text

    authorize_url, _ = await start(client)
    callback = await login_at_provider(authorize_url, "oidc-user", back_to=HUB)
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items() if k != "iss"}
    response = await client.get(oidc.CALLBACK_PATH, params=query)  # this provider always says who it is
    assert response.status_code == 400 and "different sign-in service" in response.text
    assert await members(db) == []


@pytest.mark.parametrize(
    "query",
    [
        {"error": "<script>alert(1)</script>" * 20, "state": "x"},
        {"code": "c" * 5000, "state": "s" * 5000},
        {"code": "", "state": ""},
        {"state": "x", "iss": ""},
    ],
    ids=["html-error", "huge", "empty", "empty-iss"],
)
async def test_odd_callback_parameters_get_a_clear_page_not_a_500(client, query):
    await start(client)
    response = await client.get(oidc.CALLBACK_PATH, params=query)
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.text
    assert "Send me a sign-in link" in response.text


@pytest.fixture(scope="module")
def userinfo_provider(tmp_path_factory):
    running = start_provider([CALLBACK], tmp_path_factory.mktemp("oidc-userinfo"), claims_in_userinfo=True)
    yield running
    running.stop()


async def test_an_email_given_only_at_the_userinfo_endpoint_is_used(userinfo_provider, settings, clock, db):
    oidc.forget_providers()
    via_userinfo = settings.with_(oidc_issuer=userinfo_provider.issuer)
    async with browser_like_client(create_app(via_userinfo, clock=clock)) as client:
        response = await sign_in_at_provider(client, "oidc-user")
        assert response.status_code == 303, response.text
    [member] = await members(db)
    assert member.email == "oidc.user@example.org"


def test_settings_read_the_oidc_variables_from_the_environment():
    found = Settings.from_env({
        "SECRET_KEY": "k", "OIDC_ISSUER": "https://login.example.org/tenant/", "OIDC_CLIENT_ID": "hub",
        "OIDC_CLIENT_SECRET": "s3cret", "OIDC_LABEL": "Sign in with NHS mail",
    })
    assert (found.oidc_issuer, found.oidc_client_id, found.oidc_client_secret, found.oidc_label) == (
        "https://login.example.org/tenant", "hub", "s3cret", "Sign in with NHS mail"
    )
    assert "s3cret" not in repr(found)
    assert Settings.from_env({"SECRET_KEY": "k"}).oidc_label == "Sign in with your organisation"


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"OIDC_ISSUER": "https://login.example.org"}, "OIDC_CLIENT_ID is required"),
        ({"OIDC_ISSUER": "login.example.org", "OIDC_CLIENT_ID": "hub"}, "OIDC_ISSUER must be a URL"),
    ],
)
def test_settings_refuse_an_incomplete_oidc_setup(environ, message):
    from hub.settings import SettingsError

    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"SECRET_KEY": "k", **environ})


# --- the ID token checks, on tokens signed here -------------------------------------------------

ISSUER = "https://id.example.org"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})


def id_token(key: RSAKey, **overrides) -> str:  # noqa: ANN003
    claims = {
        "iss": ISSUER, "aud": "hub", "sub": "s1", "nonce": "n1",
        "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 300, "email": "a@example.org",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def check(token: str, key: RSAKey, now: dt.datetime = NOW) -> dict:
    keys = KeySet([RSAKey.import_key(key.as_dict(private=False))])
    return oidc.validate_id_token(token, keys, issuer=ISSUER, client_id="hub", nonce="n1", now=now)


def test_a_well_formed_id_token_is_accepted(signing_key):
    assert check(id_token(signing_key), signing_key)["sub"] == "s1"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example.org"},
        {"aud": "someone-else"},
        {"aud": ["hub", "someone-else"]},  # several audiences need azp == us
        {"nonce": "n2"},
        {"nonce": None},
        {"exp": int(NOW.timestamp()) - 600},
        {"iat": int(NOW.timestamp()) + 3600},
        {"sub": None},
    ],
    ids=["issuer", "audience", "azp", "nonce", "no-nonce", "expired", "future", "no-subject"],
)
def test_an_id_token_with_a_wrong_claim_is_refused(signing_key, overrides):
    with pytest.raises(oidc.OidcProblem):
        check(id_token(signing_key, **overrides), signing_key)


def test_an_id_token_signed_by_another_key_is_refused(signing_key):
    other = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
    with pytest.raises(oidc.OidcProblem):
        check(id_token(other), signing_key)


def test_an_unsigned_id_token_is_refused(signing_key):
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps({"iss": ISSUER, "aud": "hub", "sub": "s1", "nonce": "n1"}).encode())
    with pytest.raises(oidc.OidcProblem):
        check(f"{header}.{body.rstrip(b'=').decode()}.", signing_key)


async def test_a_sign_in_that_sees_its_own_link_appear_midway_is_not_taken_for_another_account(settings, clock, db):
    """The race behind the test above, made deterministic: between looking for the link and looking
    for the address, another tab's sign-in commits both the member and the link."""
    from hub.models import OidcIdentity as Link

    identity = oidc.Identity(issuer=settings.oidc_issuer, subject="s-1", email="twin@example.org", email_verified=True)
    member = await make_member(db, email="twin@example.org")
    db.add(Link(member_id=member.id, issuer=identity.issuer, subject="s-1", email="twin@example.org",
                created_at=clock(), last_used_at=clock()))
    await db.commit()
    real_scalar = db.scalar
    calls = {"n": 0}

    async def link_not_yet_visible(statement, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls["n"] += 1
        return None if calls["n"] == 1 else await real_scalar(statement, *args, **kwargs)

    db.scalar = link_not_yet_visible
    signed_in = await oidc.sign_in(db, settings, identity, clock())
    assert signed_in.member.id == member.id
