"""Members' rights under UK GDPR: download everything (access, portability), delete the account
(erasure), and how long weaving leftovers are kept (storage limitation).

Deleting an account keeps a tombstone, not a hole. The member row stays, with the same id, as
"Deleted member": status `deleted`, no email (a unique placeholder with no "@", which is not an
address at all, so nobody can ask for a sign-in link for it, and the real address is free to join
again as a new member), no name, bio, organisation,
sector, nation, region, links, interests or roles. Why a tombstone rather than deleting the row:

- Introductions, connections and event-group rows point at `member.id` with ON DELETE CASCADE;
  deleting the row would silently delete the *other* person's introduction history and network.
- The timebank is double entry: every exchange has one +hours and one -hours ledger entry that sum
  to zero. Deleting (or nulling) one side would leave the other person's hours unbalanced; with
  the tombstone both entries stay and the ledger still balances, per exchange and in total.
- Audit rows keep their actor ids as plain numbers; they now point at a nameless tombstone.

What is removed outright: profile text, offers and asks (with their tags), interests, roles and
links, weaving and event preferences, sessions, sign-in links, links to organisations' sign-in
accounts (OpenID Connect), invitations sent to the address,
sign-in rate-limit counts keyed by the address, mail queued or kept for the address, suggestions
that never became introductions, answers to event registration questions, and
event feedback they wrote. Introductions keep
their ids, people and status but lose the weaver's note and the match reasons (which quote
interests); introductions still waiting for consent are declined, and follow-ups not yet asked are
not sent. Future event places are given up (the seat is released). Everything happens in one
transaction: a failure part-way leaves the account exactly as it was.

Events tables are reached through `Base.metadata` by name, not by importing `events`, because only
hub.app may import events (DESIGN.md, import rules).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Awaitable, Callable, Sequence

from sqlalchemy import Table, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub import audit, oidc
from hub.auth import digest
from hub.db import mark_read_only
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.models import (
    Base,
    Exchange,
    FollowUpAnswer,
    Introduction,
    Invite,
    LedgerEntry,
    LoginToken,
    Member,
    MemberLink,
    MemberPreference,
    MemberWeavingRole,
    OutboxMessage,
    Post,
    PrivacySetting,
    RateLimitHit,
    Suggestion,
    WebSession,
    member_interest,
)

RETENTION_KEY = "suggestion_retention_days"
RETENTION_DEFAULT_DAYS = 180
RETENTION_MIN_DAYS, RETENTION_MAX_DAYS = 1, 3650
#: Suggestions that never became an introduction. Pending ones older than the limit are stale.
CLOSED_SUGGESTION_STATUSES = ("declined", "skipped", "superseded")


def tombstone_email(member_id: int) -> str:
    """Unique (the column is) and never a valid address (hub.auth.normalise_email refuses it)."""
    return f"deleted-member-{member_id}"
#: Columns never exported: hashes of secrets.
SECRET_COLUMNS = ("token_hash", "id_hash")


# --- export ---------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:  # noqa: ANN401
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _row(obj: Any, columns: list[str] | None = None) -> dict[str, Any]:  # noqa: ANN401
    names = columns or [c.key for c in obj.__table__.columns]
    return {n: _plain(getattr(obj, n)) for n in names if n not in SECRET_COLUMNS}


def _mapping(row: Any) -> dict[str, Any]:  # noqa: ANN401
    return {k: _plain(v) for k, v in row._mapping.items() if k not in SECRET_COLUMNS}


#: Tables the export lays out itself; any other table that points at a member is exported generically.
_STRUCTURED = {
    "member", "member_interest", "member_weaving_role", "member_link", "post", "post_tag", "member_preference",
    "suggestion", "introduction", "follow_up_answer", "exchange", "ledger_entry", "web_session", "invite",
}


def _member_columns(table: Table) -> list[str]:
    return [
        c.name for c in table.columns
        if any(fk.column.table.name == "member" and fk.column.name == "id" for fk in c.foreign_keys)
    ]


async def export_member(session: AsyncSession, member_id: int, now: dt.datetime) -> dict[str, Any]:
    """Everything the hub holds about one member, as JSON-ready data (no secrets, no hashes)."""
    from hub.members import load_member

    member = await load_member(session, member_id)
    if member is None:
        raise NotFound("No such member.")
    profile = _row(member)
    profile.pop("search_text", None)  # derived from the fields below
    profile.pop("search_tags", None)
    posts = [
        {**_row(p, ["id", "kind", "title", "description", "status", "expires_on", "created_at", "updated_at"]),
         "tags": [t.label for t in p.tags]}
        for p in member.posts
    ]
    involving = lambda model: or_(model.a_id == member_id, model.b_id == member_id)  # noqa: E731
    preference = await session.get(MemberPreference, member_id)
    exchanges = (await session.scalars(
        select(Exchange).where(or_(Exchange.giver_id == member_id, Exchange.receiver_id == member_id)).order_by(Exchange.id)
    )).all()
    data: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "about": "Everything the Network Weaving Hub holds about you. Other people appear only as member ids.",
        "profile": profile,
        "interests": [t.label for t in member.interests],
        "weaving_roles": member.role_names,
        "links": [_row(link, ["label", "url"]) for link in member.links],
        "offers": [p for p in posts if p["kind"] == "offer"],
        "asks": [p for p in posts if p["kind"] == "ask"],
        "preferences": _row(preference, ["intro_consent", "on_map"]) if preference else None,
        "suggestions": [_row(s) for s in (await session.scalars(
            select(Suggestion).where(involving(Suggestion)).order_by(Suggestion.id))).all()],
        "introductions": [_row(i) for i in (await session.scalars(
            select(Introduction).where(involving(Introduction)).order_by(Introduction.id))).all()],
        "follow_up_answers": [_row(a) for a in (await session.scalars(
            select(FollowUpAnswer).where(FollowUpAnswer.member_id == member_id).order_by(FollowUpAnswer.id))).all()],
        "timebank": {
            "exchanges": [_row(x) for x in exchanges],
            "ledger_entries": [_row(e) for e in (await session.scalars(
                select(LedgerEntry).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.id))).all()],
        },
        "sessions": [_row(s, ["created_at", "expires_at", "user_agent"]) for s in (await session.scalars(
            select(WebSession).where(WebSession.member_id == member_id).order_by(WebSession.created_at))).all()],
        "invitations_sent": [_row(i, ["email", "created_at"]) for i in (await session.scalars(
            select(Invite).where(Invite.invited_by_id == member_id).order_by(Invite.id))).all()],
        "other_records": {},
    }
    # Events and anything added later: every row of every other table that names this member.
    for table in Base.metadata.sorted_tables:
        columns = _member_columns(table)
        if table.name in _STRUCTURED or not columns:
            continue
        rows = (await session.execute(
            select(table).where(or_(*(table.c[c] == member_id for c in columns)))
            .order_by(*table.primary_key.columns)
        )).all()
        if rows:
            data["other_records"][table.name] = [_mapping(r) for r in rows]
    # Event feedback names the registration, not the member.
    tables = Base.metadata.tables
    if "event_feedback" in tables and "event_registration" in tables:
        feedback, reg = tables["event_feedback"], tables["event_registration"]
        rows = (await session.execute(select(feedback).where(feedback.c.registration_id.in_(
            select(reg.c.id).where(reg.c.member_id == member_id))).order_by(feedback.c.id))).all()
        if rows:
            data["other_records"]["event_feedback"] = [_mapping(r) for r in rows]
    return data


# --- deletion ----------------------------------------------------------------------------------

def confirmation_matches(member: Member, typed: str) -> bool:
    return (typed or "").strip().lower() == member.email.lower()


#: What other parts of the hub must do, in the same transaction, before a member's data is erased
#: (hub.app wires in events: future places pass to the people waiting).
DeletionHook = Callable[[AsyncSession, int, dt.datetime], Awaitable[None]]


async def delete_account(
    session: AsyncSession, member_id: int, typed_email: str, now: dt.datetime, hooks: Sequence[DeletionHook] = (),
) -> None:
    """Erase a member's personal data and leave a tombstone (see the module docstring); one transaction."""
    member = await session.get(Member, member_id, populate_existing=True)
    if member is None or member.status == "deleted":
        raise NotFound("This account no longer exists.")
    if not confirmation_matches(member, typed_email):
        raise InvalidInput(
            "Please confirm by typing your email address.",
            {"confirm_email": "Type the email address you sign in with, exactly as shown, to confirm."},
        )
    if member.hub_role == "admin":
        # Only admins who can still sign in count: a suspended admin cannot run the hub.
        admins = await session.scalar(select(func.count()).select_from(Member).where(
            Member.hub_role == "admin", Member.status == "active"))
        if admins <= 1:
            raise Conflict("You are the hub's only admin. Make someone else an admin before deleting your account.")
    email = member.email
    audit.record(session, member_id, "account_delete", f"member:{member_id}", now)

    for statement in (
        delete(Post).where(Post.member_id == member_id),
        delete(member_interest).where(member_interest.c.member_id == member_id),
        delete(MemberWeavingRole).where(MemberWeavingRole.member_id == member_id),
        delete(MemberLink).where(MemberLink.member_id == member_id),
        delete(MemberPreference).where(MemberPreference.member_id == member_id),
        delete(WebSession).where(WebSession.member_id == member_id),
        delete(LoginToken).where(LoginToken.email == email),
        delete(Invite).where(Invite.email == email),
        delete(RateLimitHit).where(RateLimitHit.key == f"signin:email:{digest(email)}"),
        delete(OutboxMessage).where(OutboxMessage.to_addr == email, OutboxMessage.status != "sending"),
        delete(Suggestion).where(
            or_(Suggestion.a_id == member_id, Suggestion.b_id == member_id), Suggestion.status != "approved"),
        update(Suggestion).where(or_(Suggestion.a_id == member_id, Suggestion.b_id == member_id))
        .values(note="", reasons=[]),
        update(Introduction).where(Introduction.a_id == member_id, Introduction.status == "awaiting_consent")
        .values(status="declined", a_consent="no"),
        update(Introduction).where(Introduction.b_id == member_id, Introduction.status == "awaiting_consent")
        .values(status="declined", b_consent="no"),
        update(Introduction).where(
            or_(Introduction.a_id == member_id, Introduction.b_id == member_id),
            Introduction.status == "sent", Introduction.follow_up_sent_at.is_(None),
        ).values(follow_up_sent_at=now),
        update(Introduction).where(or_(Introduction.a_id == member_id, Introduction.b_id == member_id))
        .values(note="", reasons=[]),
    ):
        await session.execute(statement.execution_options(synchronize_session=False))
    await oidc.forget_member(session, member_id)  # sign-in links to organisations' accounts
    for hook in hooks:
        await hook(session, member_id, now)
    await _erase_event_data(session, member_id, now)
    await session.execute(
        update(Member).where(Member.id == member_id).values(
            email=tombstone_email(member_id), name="", pronouns=None, organisation="",
            sector=None, nation=None, region="", bio="", hours_per_month=0, prefers="either",
            visibility="weavers", matching="opted_out", matching_paused_until=None, hub_role="member",
            may_host_events=False, status="deleted", search_text="", search_tags="", updated_at=now,
        ).execution_options(synchronize_session=False)
    )
    await session.commit()


async def _erase_event_data(session: AsyncSession, member_id: int, now: dt.datetime) -> None:
    tables = Base.metadata.tables
    if "event_preference" in tables:
        pref = tables["event_preference"]
        await session.execute(delete(pref).where(pref.c.member_id == member_id))
    if "event_registration" in tables and "event" in tables:
        reg, event = tables["event_registration"], tables["event"]
        future = select(event.c.id).where(event.c.starts_at > now).scalar_subquery()
        confirmed_future = (await session.execute(select(reg.c.event_id).where(
            reg.c.member_id == member_id, reg.c.status == "confirmed", reg.c.event_id.in_(future))
        )).scalars().all()
        for event_id in confirmed_future:
            await session.execute(update(event).where(event.c.id == event_id, event.c.taken > 0)
                                  .values(taken=event.c.taken - 1))
        await session.execute(update(reg).where(
            reg.c.member_id == member_id, reg.c.status.in_(("confirmed", "waiting")), reg.c.event_id.in_(future),
        ).values(status="cancelled", cancelled_at=now, next_reminder_at=None))
        await session.execute(update(reg).where(reg.c.member_id == member_id).values(answers={}, next_reminder_at=None))
        if "event_feedback" in tables:
            feedback = tables["event_feedback"]
            await session.execute(delete(feedback).where(feedback.c.registration_id.in_(
                select(reg.c.id).where(reg.c.member_id == member_id))))


# --- retention ---------------------------------------------------------------------------------

async def retention_days(session: AsyncSession) -> int:
    value = await session.scalar(select(PrivacySetting.value).where(PrivacySetting.key == RETENTION_KEY))
    return RETENTION_DEFAULT_DAYS if value is None else value


def parse_retention_days(raw: object) -> int:
    problem = {"days": f"Enter a whole number of days from {RETENTION_MIN_DAYS} to {RETENTION_MAX_DAYS}."}
    try:
        days = int(str(raw).strip())
    except ValueError:
        raise InvalidInput("Please check the number of days.", problem) from None
    if not RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS:
        raise InvalidInput("Please check the number of days.", problem)
    return days


async def set_retention_days(session: AsyncSession, actor: Member, raw: object, now: dt.datetime) -> int:
    if not actor.is_weaver or actor.status != "active":
        raise Forbidden("Only network weavers can change how long suggestions are kept.")
    days = parse_retention_days(raw)
    before = await retention_days(session)
    row = await session.get(PrivacySetting, RETENTION_KEY)
    if row is None:
        session.add(PrivacySetting(key=RETENTION_KEY, value=days, updated_at=now, updated_by_id=actor.id))
    else:
        row.value, row.updated_at, row.updated_by_id = days, now, actor.id
    if days != before:
        audit.record(session, actor.id, "retention_change", RETENTION_KEY, now, before=before, after=days)
    await session.commit()
    return days


def _expired(cutoff: dt.datetime):  # noqa: ANN202
    return or_(
        and_(Suggestion.status.in_(CLOSED_SUGGESTION_STATUSES),
             func.coalesce(Suggestion.decided_at, Suggestion.created_at) < cutoff),
        and_(Suggestion.status == "pending", Suggestion.created_at < cutoff),
    )


async def purge_old_suggestions(session: AsyncSession, now: dt.datetime) -> int:
    """Delete declined, skipped or superseded suggestions decided more than N days ago, and pending
    ones nobody acted on for N days. Approved suggestions stay (their introductions point at them)."""
    cutoff = now - dt.timedelta(days=await retention_days(session))
    result = await session.execute(delete(Suggestion).where(_expired(cutoff)).execution_options(synchronize_session=False))
    await session.commit()
    return result.rowcount or 0


async def retention_sweep(factory: async_sessionmaker[AsyncSession], clock: Callable[[], dt.datetime]) -> int:
    """The worker's periodic job: idempotent, safe to run on every replica. It looks first in a
    read-only transaction, so that on SQLite an idle sweep never takes the write lock."""
    now = clock()
    async with factory() as session:
        await mark_read_only(session)
        cutoff = now - dt.timedelta(days=await retention_days(session))
        due = await session.scalar(select(Suggestion.id).where(_expired(cutoff)).limit(1))
        await session.rollback()
        if due is None:
            return 0
        return await purge_old_suggestions(session, now)
