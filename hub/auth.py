"""Passwordless sign-in by magic link, database-backed sessions, CSRF tokens and join policy."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, raiseload

from hub import mail, ratelimit
from hub.errors import InvalidInput, InvalidLink, RateLimited
from hub.models import Invite, LoginToken, Member, WebSession
from hub.settings import Settings

EMAIL_RE = re.compile(r"^[^@\s<>\"',;\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,251}\.[A-Za-z]{2,}$")
HOUR = dt.timedelta(hours=1)
ANON_PREFIX = "anon."
#: How long an invitation's sign-in link works: invitations wait in a mailbox for days, not minutes.
INVITATION_DAYS = 14


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not EMAIL_RE.match(email) or ".." in email:
        raise InvalidInput("Please check the email address.", {"email": "Enter an email address like name@example.org."})
    return email


def csrf_token(settings: Settings, visitor: str) -> str:
    """Bound to the visitor's cookie, so a token lifted from one browser fails in another."""
    return hmac.new(settings.secret_key.encode(), f"csrf|{visitor}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(settings: Settings, visitor: str, token: str | None) -> bool:
    return bool(token) and bool(visitor) and hmac.compare_digest(csrf_token(settings, visitor), token)


def new_anonymous_visitor() -> str:
    return ANON_PREFIX + secrets.token_urlsafe(24)


async def request_sign_in(
    session: AsyncSession, settings: Settings, raw_email: str, ip: str, now: dt.datetime
) -> None:
    """Send a magic link if this address may sign in. The answer never reveals who is a member."""
    email = normalise_email(raw_email)
    allowed_email = await ratelimit.hit(session, f"signin:email:{digest(email)}", settings.signin_limit_per_email, HOUR, now)
    allowed_ip = await ratelimit.hit(session, f"signin:ip:{ip}", settings.signin_limit_per_ip, HOUR, now)
    if not (allowed_email and allowed_ip):
        await session.rollback()
        raise RateLimited("Too many sign-in requests. Please wait a while and try again.")
    member = await session.scalar(select(Member).where(Member.email == email))
    if member is not None and member.status == "suspended":
        await session.commit()
        return
    if member is None and not await may_join(session, settings, email):
        await mail.enqueue(
            session, settings, now=now, to=email, template="invite_only", subject="Joining the Network Weaving Hub",
            context={"base_url": settings.base_url},
        )
        await session.commit()
        return
    link = magic_link(session, settings, email, now, dt.timedelta(minutes=settings.magic_link_minutes))
    await mail.enqueue(
        session, settings, now=now, to=email, template="sign_in", subject="Your sign-in link for the Network Weaving Hub",
        context={
            "link": link,
            "minutes": settings.magic_link_minutes,
            "is_new": member is None,
        },
    )
    await session.commit()


def magic_link(session: AsyncSession, settings: Settings, email: str, now: dt.datetime, lifetime: dt.timedelta) -> str:
    """A single-use sign-in link for `email`, added to the caller's transaction: only the hash of
    its secret is stored. It opens a confirm page; only the POST from there signs in (redeem)."""
    secret = secrets.token_urlsafe(32)
    session.add(LoginToken(token_hash=digest(secret), email=email, created_at=now, expires_at=now + lifetime))
    return f"{settings.base_url}/sign-in/confirm?token={secret}"


async def _invited(session: AsyncSession, email: str) -> bool:
    return await session.scalar(select(Invite.id).where(Invite.email == email)) is not None


async def may_join(session: AsyncSession, settings: Settings, email: str) -> bool:
    """Whether someone who is not yet a member may join under the join policy."""
    return settings.join_policy != "invite" or await _invited(session, email)


@dataclass(frozen=True)
class SignedIn:
    member: Member
    session_secret: str
    is_new: bool


async def redeem(
    session: AsyncSession, settings: Settings, secret: str, now: dt.datetime, user_agent: str = ""
) -> SignedIn:
    """Spend a magic link once and open a brand-new session (the id always changes at sign-in)."""
    spent = await session.execute(
        update(LoginToken)
        .where(LoginToken.token_hash == digest(secret or ""), LoginToken.used_at.is_(None), LoginToken.expires_at > now)
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        await session.rollback()
        raise InvalidLink("This sign-in link has expired or was already used. Ask for a new one below.")
    email = await session.scalar(select(LoginToken.email).where(LoginToken.token_hash == digest(secret)))
    member, is_new = await find_or_join(session, settings, email, now)
    return await open_session(session, settings, member, is_new, now, user_agent)


async def find_or_join(session: AsyncSession, settings: Settings, email: str, now: dt.datetime) -> tuple[Member, bool]:
    """The member with this (normalised) address, or a new one made under the join policy (the
    caller has checked `may_join`). Returns the member and whether they are new; not committed."""
    member = await session.scalar(select(Member).where(Member.email == email))
    if member is not None:
        return member, False
    member = Member(email=email, status="pending" if settings.join_policy == "approval" else "active", created_at=now)
    try:
        async with session.begin_nested():
            session.add(member)
            await session.flush()
    except IntegrityError:  # the same new address joining twice at once (PostgreSQL): the first one made it
        return await session.scalar(select(Member).where(Member.email == email)), False
    await session.execute(delete(Invite).where(Invite.email == email))
    return member, True


async def open_session(
    session: AsyncSession, settings: Settings, member: Member, is_new: bool, now: dt.datetime, user_agent: str = ""
) -> SignedIn:
    """Sign `member` in with a brand-new session secret (only its hash is stored) and commit."""
    if member.status == "suspended":
        await session.rollback()
        raise InvalidLink("This account is suspended. Please contact the hub's admins.")
    session_secret = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=digest(session_secret), member_id=member.id, created_at=now,
            expires_at=now + dt.timedelta(days=settings.session_days), user_agent=user_agent[:300],
        )
    )
    await session.commit()
    return SignedIn(member=member, session_secret=session_secret, is_new=is_new)


async def member_for_session(session: AsyncSession, visitor: str | None, now: dt.datetime) -> Member | None:
    """The signed-in member, in one statement, since every request asks. Loaded with the weaving
    roles (pages show them; no permission reads them) and not with the profile's
    collections, which raise if read: a page that shows the viewer's own profile loads it
    (hub.members.load_member)."""
    if not visitor or visitor.startswith(ANON_PREFIX):
        return None
    found = await session.scalars(
        select(Member)
        .join(WebSession, WebSession.member_id == Member.id)
        .where(WebSession.id_hash == digest(visitor), WebSession.expires_at > now, Member.status != "suspended")
        .options(
            joinedload(Member.weaving_roles),  # at most one row per role, four roles
            raiseload(Member.interests), raiseload(Member.links), raiseload(Member.posts),
        )
    )
    return found.unique().one_or_none()


async def sign_out(session: AsyncSession, visitor: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id_hash == digest(visitor)))
    await session.commit()


async def sign_out_everywhere(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(WebSession).where(WebSession.member_id == member_id))
    await session.commit()


async def invite(
    session: AsyncSession, settings: Settings, inviter: Member, raw_email: str, now: dt.datetime
) -> None:
    email = normalise_email(raw_email)
    if await session.scalar(select(Member.id).where(Member.email == email)) is not None:
        raise InvalidInput("That person is already a member.", {"email": "Already a member."})
    if not await _invited(session, email):
        await ratelimit.require(
            session, f"mail:member:{inviter.id}", settings.mail_actions_per_hour, HOUR, now,
            "You have sent a lot of invitations in the last hour. Please wait a while before sending more.",
        )
        session.add(Invite(email=email, invited_by_id=inviter.id, created_at=now))
        # The invitation signs the invitee in (as the invited address), so they need not type it again.
        link = magic_link(session, settings, email, now, dt.timedelta(days=INVITATION_DAYS))
        await mail.enqueue(
            session, settings, now=now, to=email, template="invitation", subject="You are invited to the Network Weaving Hub",
            context={"inviter": inviter.display_name, "link": link},
        )
    await session.commit()
