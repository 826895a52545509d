"""Sign in with an organisation's OpenID Connect provider: authorization code flow with PKCE
(S256) and a nonce, through authlib's httpx client; ID tokens are checked with joserfc (the JOSE
library authlib itself builds on) against the provider's published keys.

Web processes keep no state of their own, so what the flow must remember between leaving for
the provider and coming back (state, nonce, PKCE verifier) travels in a short-lived cookie. The
cookie is signed with SECRET_KEY over the visitor's own hub cookie, so it cannot be forged, and
one lifted from another browser does not verify here. Who may sign in follows the magic link's
rules (hub.auth): the same address normalisation, join policy, invitations and fresh session.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import auth
from hub.db import utcnow
from hub.errors import DomainError, Forbidden, InvalidInput
from hub.models import Member, OidcIdentity
from hub.settings import Settings

from authlib.deprecate import AuthlibDeprecationWarning  # noqa: E402 - installs authlib's own filter first

with warnings.catch_warnings():
    # authlib 1.9 warns that it prefers the httpx2 package; plain httpx is what the hub installs.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

log = logging.getLogger("hub.oidc")


def _transport_errors() -> tuple[type[Exception], ...]:
    """authlib's client is built on the httpx2 package when that is installed (another library may
    bring it) and on plain httpx otherwise; a provider that cannot be reached raises either's error."""
    try:
        import httpx2
    except ImportError:
        return (httpx.HTTPError,)
    return (httpx.HTTPError, httpx2.HTTPError)


#: What the token exchange raises when the provider cannot be reached, whichever httpx authlib uses.
TRANSPORT_ERRORS = _transport_errors()

FLOW_MINUTES = 10
SCOPE = "openid email profile"
CALLBACK_PATH = "/sign-in/oidc/callback"
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
#: Clock skew allowed between the provider and the hub when checking exp and iat.
LEEWAY_SECONDS = 120
DISCOVERY_SECONDS = 3600
HTTP_TIMEOUT = 10.0


class OidcProblem(DomainError):
    """The sign-in did not complete; the message says why and what to do."""

    status_code = 400


class ProviderUnavailable(OidcProblem):
    """The provider could not be reached or answered nonsense."""

    status_code = 502


START_AGAIN = "Please start again from the sign-in page."


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def redirect_uri(settings: Settings) -> str:
    return settings.base_url + CALLBACK_PATH


def flow_cookie_name(settings: Settings) -> str:
    return "__Host-hub_oidc" if settings.cookie_secure else "hub_oidc"


# --- the provider's metadata and keys, cached per process -------------------------------------


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    #: RFC 9207: the provider names itself in every authorization response.
    sends_iss: bool = False


@dataclass
class _Cached:
    provider: Provider
    fetched_at: float
    keys: KeySet | None = None


_cache: dict[str, _Cached] = {}


def forget_providers() -> None:
    """Drop cached discovery documents and keys (tests; a provider that moved)."""
    _cache.clear()


async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as client:
            response = await client.get(url, headers={"accept": "application/json"})
    except httpx.HTTPError as exc:
        log.warning("OpenID provider unreachable at %s: %s", url, exc)
        raise ProviderUnavailable(
            "We could not reach your organisation's sign-in service. Please try again later, or use an email link."
        ) from exc
    if response.status_code != 200:
        raise ProviderUnavailable(
            f"Your organisation's sign-in service answered with an error ({response.status_code}). "
            "Please try again later, or use an email link."
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderUnavailable("Your organisation's sign-in service sent something the hub could not read.") from exc
    if not isinstance(body, dict):
        raise ProviderUnavailable("Your organisation's sign-in service sent something the hub could not read.")
    return body


async def provider(settings: Settings) -> Provider:
    cached = _cache.get(settings.oidc_issuer)
    if cached is not None and time.monotonic() - cached.fetched_at < DISCOVERY_SECONDS:
        return cached.provider
    doc = await _get_json(settings.oidc_issuer + "/.well-known/openid-configuration")
    if doc.get("issuer") != settings.oidc_issuer:
        # OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
        log.warning("OpenID discovery issuer %r does not match OIDC_ISSUER %r", doc.get("issuer"), settings.oidc_issuer)
        raise ProviderUnavailable("Your organisation's sign-in service is not set up the way the hub expects (issuer).")
    try:
        found = Provider(
            issuer=doc["issuer"],
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
            userinfo_endpoint=doc.get("userinfo_endpoint"),
            sends_iss=doc.get("authorization_response_iss_parameter_supported") is True,
        )
    except KeyError as exc:
        raise ProviderUnavailable(f"Your organisation's sign-in service does not publish {exc.args[0]}.") from exc
    _cache[settings.oidc_issuer] = _Cached(found, time.monotonic())
    return found


async def _keys(settings: Settings, found: Provider, refresh: bool = False) -> KeySet:
    cached = _cache.get(settings.oidc_issuer)
    if cached is not None and cached.keys is not None and not refresh:
        return cached.keys
    try:
        keys = KeySet.import_key_set(await _get_json(found.jwks_uri))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ProviderUnavailable("Your organisation's sign-in service publishes keys the hub cannot read.") from exc
    if cached is not None:
        cached.keys = keys
    return keys


# --- the flow cookie: state, nonce and PKCE verifier, signed and bound to this browser ---------


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    verifier: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(settings: Settings, visitor: str, body: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"oidc-flow|{visitor}|{body}".encode(), hashlib.sha256).hexdigest()


def seal_flow(settings: Settings, visitor: str, flow: Flow) -> str:
    body = _b64(json.dumps({"s": flow.state, "n": flow.nonce, "v": flow.verifier, "e": flow.expires}).encode())
    return f"{body}.{_signature(settings, visitor, body)}"


def open_flow(settings: Settings, visitor: str, sealed: str | None, now: dt.datetime) -> Flow:
    """The flow this browser started, or OidcProblem if it is missing, forged, someone else's or old."""
    if not sealed:
        raise OidcProblem(f"This sign-in has expired or was already used. {START_AGAIN}")
    body, _, signature = sealed.partition(".")
    if not visitor or not hmac.compare_digest(_signature(settings, visitor, body), signature):
        raise OidcProblem(f"This sign-in did not start in this browser, so it was refused. {START_AGAIN}")
    try:
        data = json.loads(_unb64(body))
        flow = Flow(state=str(data["s"]), nonce=str(data["n"]), verifier=str(data["v"]), expires=int(data["e"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise OidcProblem(f"This sign-in could not be read. {START_AGAIN}") from exc
    if now.timestamp() >= flow.expires:
        raise OidcProblem(f"This sign-in took longer than {FLOW_MINUTES} minutes and has expired. {START_AGAIN}")
    return flow


def _client(settings: Settings) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        token_endpoint_auth_method="client_secret_basic" if settings.oidc_client_secret else "none",
        scope=SCOPE,
        redirect_uri=redirect_uri(settings),
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


async def begin(settings: Settings, visitor: str, now: dt.datetime) -> tuple[str, str]:
    """Where to send the browser, and the sealed flow cookie to give it on the way."""
    found = await provider(settings)
    flow = Flow(
        state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24), verifier=secrets.token_urlsafe(48),
        expires=int(now.timestamp()) + FLOW_MINUTES * 60,
    )
    async with _client(settings) as client:
        url, _ = client.create_authorization_url(
            found.authorization_endpoint, state=flow.state, code_verifier=flow.verifier, nonce=flow.nonce
        )
    return url, seal_flow(settings, visitor, flow)


# --- coming back: code for tokens, ID token checks ----------------------------------------------


def validate_id_token(
    id_token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str, now: dt.datetime
) -> dict[str, Any]:
    """OpenID Connect Core §3.1.3.7: signature by the provider's key, iss, aud (and azp), exp,
    iat and our nonce. Raises OidcProblem."""
    try:
        token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        JWTClaimsRegistry(
            now=int(now.timestamp()), leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError) as exc:
        log.warning("ID token refused: %s", exc)
        raise OidcProblem(
            f"Your organisation's sign-in service sent an identity the hub could not trust. {START_AGAIN}"
        ) from exc
    claims = token.claims
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise OidcProblem(f"Your organisation's sign-in service sent an identity meant for someone else. {START_AGAIN}")
    return claims


async def _decode_checked(settings: Settings, found: Provider, id_token: str, nonce: str, now: dt.datetime) -> dict:
    keys = await _keys(settings, found)
    try:
        return validate_id_token(
            id_token, keys, issuer=found.issuer, client_id=settings.oidc_client_id, nonce=nonce, now=now
        )
    except OidcProblem:
        # The provider may have rotated its keys since we fetched them: fetch once more and retry.
        keys = await _keys(settings, found, refresh=True)
        return validate_id_token(
            id_token, keys, issuer=found.issuer, client_id=settings.oidc_client_id, nonce=nonce, now=now
        )


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str
    email_verified: bool


async def finish(
    settings: Settings, flow: Flow, *, code: str, state: str, iss: str | None,
    token_clock: Callable[[], dt.datetime] = utcnow,
) -> Identity:
    """Check the state, exchange the code (with the PKCE verifier) and check the ID token.

    `token_clock` is the real time: the ID token's exp and iat were set by the provider's clock."""
    if not state or not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise OidcProblem(f"This sign-in's state did not match, so it was refused. {START_AGAIN}")
    found = await provider(settings)
    if (iss is not None or found.sends_iss) and iss != found.issuer:
        # RFC 9207: an answer from another issuer (or, from one that always says, none) may be a mix-up attack.
        raise OidcProblem(f"This answer came from a different sign-in service, so it was refused. {START_AGAIN}")
    if not code:
        raise OidcProblem(f"Your organisation's sign-in service did not send a code. {START_AGAIN}")
    try:
        async with _client(settings) as client:
            token = await client.fetch_token(
                found.token_endpoint, grant_type="authorization_code", code=code, code_verifier=flow.verifier,
            )
    except OAuthError as exc:
        log.warning("token exchange refused: %s", exc)
        raise OidcProblem(
            f"Your organisation's sign-in service would not confirm this sign-in ({exc.error}). {START_AGAIN}"
        ) from exc
    except (*TRANSPORT_ERRORS, ValueError) as exc:
        log.warning("token exchange failed: %s", exc)
        raise ProviderUnavailable(
            "We could not reach your organisation's sign-in service. Please try again later, or use an email link."
        ) from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcProblem(f"Your organisation's sign-in service did not send an identity. {START_AGAIN}")
    claims = await _decode_checked(settings, found, id_token, flow.nonce, token_clock())
    if "email" not in claims and found.userinfo_endpoint and token.get("access_token"):
        claims = {**await _userinfo(found, token["access_token"], claims["sub"]), **claims}
    verified = claims.get("email_verified")
    return Identity(
        issuer=found.issuer, subject=str(claims["sub"]), email=str(claims.get("email") or ""),
        email_verified=verified is True or verified == "true",
    )


async def _userinfo(found: Provider, access_token: str, subject: str) -> dict[str, Any]:
    """Providers that keep the email out of the ID token give it at the UserInfo endpoint."""
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as client:
            response = await client.get(found.userinfo_endpoint, headers={"authorization": f"Bearer {access_token}"})
        info = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        info = {}
    # Core §5.3.2: the UserInfo sub must be the ID token's, or the answer is not about this person.
    if not isinstance(info, dict) or info.get("sub") != subject:
        return {}
    return {k: info[k] for k in ("email", "email_verified") if k in info}


# --- who this is at the hub ------------------------------------------------------------------


async def sign_in(
    session: AsyncSession, settings: Settings, identity: Identity, now: dt.datetime, user_agent: str = ""
) -> auth.SignedIn:
    """Find the member by (issuer, subject), else by verified email, else let them join under the
    join policy; then sign them in exactly as the magic link does (auth.open_session).

    Two first sign-ins of the same person at once (two tabs) both try to create the member and the
    link; the loser's insert breaks a unique constraint, so it starts again and finds them."""
    for attempt in range(2):
        try:
            return await _sign_in(session, settings, identity, now, user_agent)
        except IntegrityError:
            await session.rollback()
            if attempt:
                raise OidcProblem(f"Signing in clashed with another sign-in at the same moment. {START_AGAIN}") from None
    raise AssertionError("unreachable")


async def _sign_in(
    session: AsyncSession, settings: Settings, identity: Identity, now: dt.datetime, user_agent: str
) -> auth.SignedIn:
    link = await session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == identity.issuer, OidcIdentity.subject == identity.subject)
    )
    member = await session.get(Member, link.member_id) if link is not None else None
    if member is not None and member.status == "deleted":
        await session.delete(link)
        link = member = None
    is_new = False
    if member is None:
        if not identity.email or not identity.email_verified:
            raise OidcProblem(
                "Your organisation's sign-in service did not confirm your email address, so the hub cannot tell "
                "who you are. Sign in with an email link instead, or ask your organisation to verify your address."
            )
        try:
            email = auth.normalise_email(identity.email)
        except InvalidInput as exc:
            raise OidcProblem(
                "Your organisation's sign-in service gave an email address the hub cannot use. "
                "Sign in with an email link instead."
            ) from exc
        member = await session.scalar(select(Member).where(Member.email == email))
        if member is not None and await session.scalar(
            select(OidcIdentity.id).where(
                OidcIdentity.member_id == member.id, OidcIdentity.issuer == identity.issuer,
                # The same account, linked by a sign-in that committed a moment ago, is not a different one.
                OidcIdentity.subject != identity.subject,
            )
        ):
            # The address now belongs to a different account at the provider than the one linked.
            raise OidcProblem(
                "This email address is linked to a different account at your organisation. "
                "Sign in with an email link instead, or ask the hub's admins for help."
            )
        if member is None and not await auth.may_join(session, settings, email):
            raise Forbidden(
                "This hub is open by invitation, and there is no invitation for your address yet. "
                "Ask a network weaver you know to invite you."
            )
        member, is_new = await auth.find_or_join(session, settings, email, now)
        link = OidcIdentity(
            member_id=member.id, issuer=identity.issuer, subject=identity.subject, email=email,
            created_at=now, last_used_at=now,
        )
        session.add(link)
    else:
        link.last_used_at = now
    return await auth.open_session(session, settings, member, is_new, now, user_agent)


async def forget_member(session: AsyncSession, member_id: int) -> None:
    """Remove a member's provider links (for account deletion); not committed."""
    await session.execute(delete(OidcIdentity).where(OidcIdentity.member_id == member_id))
