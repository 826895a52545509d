"""Events: create, change, cancel; register, withdraw, promote; preferences and announcements.

Capacity is only ever changed by conditional UPDATEs (`taken < capacity`, row count checked),
so concurrent registrations cannot overbook on PostgreSQL or SQLite (DESIGN.md §4). Every change
of a registration's status is a conditional UPDATE of its own row from the status this request
read (`_move`), and the place counter changes only when that UPDATE took effect: of two requests
changing one registration at once (a double cancel, a double re-registration) exactly one acts and
the other finds the work done. A capacity edit is conditional too (`taken <= capacity`). A place
that frees up goes straight to the first person on the waiting list in the same transaction, so
the invariant "places free => nobody waiting" always holds and a newcomer never jumps the queue.
Every mail is an outbox row written in the same transaction. `now` is always passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from events import notify, reminders
from events.forms import EventInput, FeedbackInput, PreferenceInput, local_to_utc
from events.models import Event, EventFeedback, EventPreference, Registration
from hub import ratelimit
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.models import Member, Tag, member_interest
from hub.settings import Settings

WEEK = dt.timedelta(days=7)


# --- who may do what ---------------------------------------------------------------------------

def can_organise(member: Member | None) -> bool:
    """Weavers, admins and the members they let host events (Member.may_host_events) create events, and so
    send their announcements. A weaving role such as Network Catalyst/Facilitator only describes a member."""
    return member is not None and member.status == "active" and (member.is_weaver or member.may_host_events)


def require_organiser(member: Member | None) -> None:
    if not can_organise(member):
        raise Forbidden("Only network weavers, admins and the members they have let host events can create events.")


def may_manage(member: Member | None, event: Event) -> bool:
    return member is not None and member.status == "active" and (
        member.is_weaver or (can_organise(member) and event.created_by_id == member.id)
    )


def require_manager(member: Member, event: Event) -> None:
    if not may_manage(member, event):
        raise Forbidden("Only the event's organiser or a network weaver can do that.")


# --- reading -----------------------------------------------------------------------------------

async def load_event(session: AsyncSession, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFound("There is no such event.")
    return event


async def upcoming(session: AsyncSession, now: dt.datetime, limit: int = 100) -> list[Event]:
    rows = await session.scalars(
        select(Event).where(Event.status == "open", Event.ends_at > now).order_by(Event.starts_at).limit(limit)
    )
    return list(rows.unique().all())


async def past(session: AsyncSession, now: dt.datetime, limit: int = 20) -> list[Event]:
    rows = await session.scalars(
        select(Event).where(Event.ends_at <= now).order_by(Event.starts_at.desc()).limit(limit)
    )
    return list(rows.unique().all())


async def registration_of(session: AsyncSession, event_id: int, member_id: int) -> Registration | None:
    return (
        await session.scalars(
            select(Registration).where(Registration.event_id == event_id, Registration.member_id == member_id)
        )
    ).unique().one_or_none()


async def my_registrations(session: AsyncSession, member_id: int, statuses=("confirmed", "waiting")) -> list[Registration]:  # noqa: ANN001
    rows = await session.scalars(
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.member_id == member_id, Registration.status.in_(statuses))
        .order_by(Event.starts_at)
    )
    return list(rows.unique().all())


async def registrations(session: AsyncSession, event_id: int, statuses: Sequence[str]) -> list[Registration]:
    rows = await session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status.in_(statuses))
        .order_by(Registration.queued_at, Registration.id)
    )
    return list(rows.unique().all())


async def waiting_position(session: AsyncSession, reg: Registration) -> int:
    ahead = await session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == reg.event_id,
            Registration.status == "waiting",
            (Registration.queued_at < reg.queued_at)
            | ((Registration.queued_at == reg.queued_at) & (Registration.id < reg.id)),
        )
    )
    return int(ahead or 0) + 1


async def preference_of(session: AsyncSession, member_id: int) -> EventPreference | None:
    return await session.get(EventPreference, member_id)


# --- creating and changing events ---------------------------------------------------------------

def _occurrences(data: EventInput) -> list[tuple[dt.datetime, dt.datetime]]:
    """Weekly: same weekday and wall-clock time; monthly: the same weekday of the same week of the
    month (the 2nd Tuesday), or the last one when a month has no 5th. Wall-clock times hold across
    clock changes."""
    zone = ZoneInfo(data.timezone)
    first_start = data.starts_at.astimezone(zone)
    length = data.ends_at - data.starts_at
    out = []
    for i in range(data.occurrences):
        if data.repeat == "weekly":
            day = first_start.date() + dt.timedelta(weeks=i)
        elif data.repeat == "monthly":
            nth = (first_start.day - 1) // 7
            year, month = divmod(first_start.month - 1 + i, 12)
            year, month = first_start.year + year, month + 1
            first = dt.date(year, month, 1)
            offset = (first_start.weekday() - first.weekday()) % 7
            day = first + dt.timedelta(days=offset + 7 * nth)
            if day.month != month:
                day -= dt.timedelta(days=7)
        else:
            day = first_start.date()
        start = local_to_utc(day, first_start.time(), zone)
        if start is None:  # the hour the clocks skip: an hour later, as calendars do
            start = local_to_utc(day, (dt.datetime.combine(day, first_start.time()) + dt.timedelta(hours=1)).time(), zone)
        out.append((start, start + length))
    return out


async def create_events(
    session: AsyncSession, settings: Settings, creator: Member, data: EventInput, now: dt.datetime
) -> list[Event]:
    require_organiser(creator)
    # A new event is announced by mail to every member who asked to hear at once.
    await ratelimit.require(
        session, f"mail:member:{creator.id}", settings.mail_actions_per_hour, dt.timedelta(hours=1), now,
        "You have created a lot of events in the last hour, and each one is announced by mail. "
        "Please wait a while before creating more.",
    )
    series = uuid.uuid4().hex if data.repeat != "none" else None
    created = []
    for start, end in _occurrences(data):
        closes_at = data.registration_closes_at
        if closes_at is not None and series:
            closes_at = start - (data.starts_at - closes_at)
        event = Event(
            uid=uuid.uuid4().hex, series_id=series, title=data.title, format=data.format,
            description=data.description, agenda=[list(a) for a in data.agenda], tags=list(data.tags),
            starts_at=start, ends_at=end, timezone=data.timezone, mode=data.mode, online_link=data.online_link,
            venue=data.venue, access_info=data.access_info, capacity=data.capacity, taken=0,
            registration_closes_at=closes_at, questions=list(data.questions),
            reminder_minutes=list(data.reminder_minutes), created_by_id=creator.id, created_at=now, updated_at=now,
        )
        session.add(event)
        created.append(event)
    await session.flush()
    await announce(session, settings, created[0], now)
    await session.commit()
    return created


async def update_event(
    session: AsyncSession, settings: Settings, actor: Member, event_id: int, data: EventInput, now: dt.datetime
) -> Event:
    event = await load_event(session, event_id)
    require_manager(actor, event)
    if event.status != "open":
        raise Conflict("This event has been cancelled.")
    await _set_capacity(session, event, data.capacity)
    moved = (event.starts_at, event.ends_at) != (data.starts_at, data.ends_at)
    relocated = (event.mode, event.online_link, event.venue) != (data.mode, data.online_link, data.venue)
    for name in ("title", "format", "description", "timezone", "mode", "online_link", "venue", "access_info",
                 "registration_closes_at"):
        setattr(event, name, getattr(data, name))
    event.starts_at, event.ends_at = data.starts_at, data.ends_at
    event.agenda = [list(a) for a in data.agenda]
    event.tags, event.questions = list(data.tags), list(data.questions)
    retimed = list(data.reminder_minutes) != list(event.reminder_minutes)
    event.reminder_minutes = list(data.reminder_minutes)
    event.updated_at = now
    if moved or relocated:
        event.sequence += 1
    await session.flush()
    if moved or relocated or retimed:
        for reg in await registrations(session, event.id, ("confirmed",)):
            reminders.schedule(reg, now)
            if moved or relocated:
                await notify.invite(session, settings, reg, now, "update")
    await _fill(session, settings, event.id, now)
    await session.commit()
    return event


async def _set_capacity(session: AsyncSession, event: Event, capacity: int) -> None:
    """Conditional on the places taken at the moment of the write, not when the form was checked:
    registrations that come in between would otherwise break ck_event_taken (a 500)."""
    result = await session.execute(
        update(Event).where(Event.id == event.id, Event.taken <= capacity).values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(event, ["capacity", "taken"])
    if result.rowcount != 1:
        taken = f"{event.taken} place{' is' if event.taken == 1 else 's are'} already taken"
        raise InvalidInput(
            "Please correct the highlighted fields.", {"capacity": f"{taken}, so there cannot be fewer than that."}
        )


async def cancel_event(session: AsyncSession, settings: Settings, actor: Member, event_id: int, now: dt.datetime) -> Event:
    event = await load_event(session, event_id)
    require_manager(actor, event)
    if event.status == "cancelled":
        return event
    event.status = "cancelled"
    event.sequence += 1
    event.updated_at = now
    await session.flush()
    for reg in await registrations(session, event.id, ("confirmed", "waiting")):
        reg.next_reminder_at = None
        await notify.cancelled(session, settings, reg, now, "event_cancelled")
    await session.commit()
    return event


async def share_resources(
    session: AsyncSession, settings: Settings, actor: Member, event_id: int, resources: str, now: dt.datetime
) -> Event:
    event = await load_event(session, event_id)
    require_manager(actor, event)
    resources = (resources or "").strip()
    if len(resources) > 8000:
        raise InvalidInput("Please correct the highlighted fields.", {"resources": "Please keep it under 8,000 characters."})
    changed = resources != event.resources
    event.resources = resources
    event.updated_at = now
    if changed and resources and now >= event.starts_at:
        version = hashlib.sha256(resources.encode()).hexdigest()[:16]
        for reg in await registrations(session, event.id, ("confirmed",)):
            await notify.resources_shared(session, settings, reg, now, version)
    await session.commit()
    return event


# --- registration ----------------------------------------------------------------------------

def registration_problem(event: Event, now: dt.datetime) -> str | None:
    if event.status != "open":
        return "This event has been cancelled."
    if now >= event.starts_at:
        return "This event has already started."
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        return "Registration for this event has closed."
    return None


async def _take_place(session: AsyncSession, event_id: int) -> bool:
    result = await session.execute(
        update(Event)
        .where(Event.id == event_id, Event.status == "open", Event.taken < Event.capacity)
        .values(taken=Event.taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def _release_place(session: AsyncSession, event_id: int) -> None:
    await session.execute(
        update(Event)
        .where(Event.id == event_id, Event.taken > 0)
        .values(taken=Event.taken - 1)
        .execution_options(synchronize_session=False)
    )


async def _lock_event(session: AsyncSession, event_id: int) -> None:
    """On PostgreSQL, whatever changes an event's places takes the event's row lock first, then registration rows:
    one order everywhere, so two such changes never wait for each other (a deadlock), and a registration that finds
    the event full cannot miss a cancel that frees a place at the same moment (the cancel would look for people
    waiting before the registration's row is committed). SQLAlchemy leaves FOR UPDATE out on SQLite, whose writers
    take turns anyway (BEGIN IMMEDIATE)."""
    await session.execute(select(Event.id).where(Event.id == event_id).with_for_update())


async def _move(session: AsyncSession, reg: Registration, read: str, **values: object) -> bool:
    """Change `reg` from the status `read` (what this request saw) to `values`, only if its row still has
    that status. On PostgreSQL a second request changing the same row waits for the first to commit and
    then matches nothing; the caller may change the place counter only when this returns True. On False,
    `reg` is reloaded as the other request left it."""
    result = await session.execute(
        update(Registration).where(Registration.id == reg.id, Registration.status == read).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.refresh(reg)
        return False
    for name, value in values.items():
        set_committed_value(reg, name, value)
    return True


async def _first_waiting(session: AsyncSession, event_id: int) -> Registration | None:
    reg_id = await session.scalar(
        select(Registration.id)
        .where(Registration.event_id == event_id, Registration.status == "waiting")
        .order_by(Registration.queued_at, Registration.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return None if reg_id is None else await session.get(Registration, reg_id, populate_existing=True)


async def _confirm(session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime, kind: str) -> bool:
    """Give a waiting registration a place: first the place (conditional on one being free), then the
    registration (conditional on its still waiting); the place goes back if another request got there first."""
    if not await _take_place(session, reg.event_id):
        return False
    if not await _move(session, reg, "waiting", status="confirmed", confirmed_at=now):
        await _release_place(session, reg.event_id)
        return False
    reminders.schedule(reg, now)
    await notify.invite(session, settings, reg, now, kind)
    return True


async def _fill(session: AsyncSession, settings: Settings, event_id: int, now: dt.datetime) -> int:
    """Give free places (after capacity went up, or a place was given up) to the waiting list, in order."""
    promoted = 0
    while (reg := await _first_waiting(session, event_id)) is not None:
        if await _confirm(session, settings, reg, now, "promoted"):
            promoted += 1
        elif reg.status == "waiting":  # still waiting, so no place was free
            return promoted
    return promoted


async def register(
    session: AsyncSession, settings: Settings, member_id: int, event_id: int, answers: dict[str, str],
    now: dt.datetime,
) -> Registration:
    """One click: a place if there is one, else the waiting list. Registering twice changes nothing."""
    event = await load_event(session, event_id)
    member = await session.get(Member, member_id)
    if member is None or member.status != "active":
        raise Forbidden("Your membership is waiting for a network weaver's approval.")
    existing = await registration_of(session, event_id, member_id)
    if existing is not None and existing.status in ("confirmed", "waiting"):
        return existing
    problem = registration_problem(event, now)
    if problem:
        raise Conflict(problem)
    await _lock_event(session, event_id)
    queued = dict(status="waiting", answers=dict(answers), queued_at=now, cancelled_at=None, confirmed_at=None,
                  reminders_done_until=None, next_reminder_at=None)
    if existing is not None:
        if not await _move(session, existing, "cancelled", **queued):
            return existing  # the same member registered again at the same moment in another request: that one counts
        reg = existing
    else:
        reg = Registration(event_id=event_id, member_id=member_id, ics_sequence=-1, **queued)
        reg.event, reg.member = event, member
        session.add(reg)
        try:
            await session.flush()
        except IntegrityError:  # the same member, twice at the same moment (PostgreSQL): one wins
            await session.rollback()
            again = await registration_of(session, event_id, member_id)
            if again is None:
                raise
            return again
    set_committed_value(reg, "preference", await session.get(EventPreference, member_id))
    if not await _confirm(session, settings, reg, now, "confirmed"):
        await notify.waiting(session, settings, reg, now, await waiting_position(session, reg))
    await session.commit()
    return reg


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing did. `left`: the status given up ("confirmed" or "waiting"), or None when the
    registration was already cancelled (a second click, or a second request at the same moment);
    `passed_on`: the place went to the next person on the waiting list."""

    registration: Registration
    left: str | None = None
    passed_on: bool = False


async def _give_up(session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime) -> Withdrawal:
    """Cancel a place (it goes at once to the next person waiting) or leave the waiting list. Only the
    request whose own UPDATE cancelled the registration frees its place."""
    await _lock_event(session, reg.event_id)
    left = reg.status
    # False: another request changed it first (cancelled it, or gave it a place from the waiting list): look again
    while left in ("confirmed", "waiting") and not await _move(
        session, reg, left, status="cancelled", cancelled_at=now, next_reminder_at=None
    ):
        left = reg.status
    if left not in ("confirmed", "waiting"):
        return Withdrawal(reg)
    passed_on = False
    if left == "confirmed":
        await _release_place(session, reg.event_id)
        if now < reg.event.starts_at:
            passed_on = await _fill(session, settings, reg.event_id, now) > 0
    return Withdrawal(reg, left, passed_on)


async def withdraw(session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime) -> Withdrawal:
    outcome = await _give_up(session, settings, reg, now)
    if outcome.left is not None:
        await notify.cancelled(session, settings, reg, now, "withdrew")
        await session.commit()
    return outcome


async def give_up_places_of_deleted_account(
    session: AsyncSession, settings: Settings, member_id: int, now: dt.datetime
) -> None:
    """Account deletion (hub.privacy, wired in by hub.app): the member's future places pass to the
    people waiting, in the caller's transaction, and nobody writes to the address being erased."""
    regs = (await session.scalars(
        select(Registration).join(Event, Event.id == Registration.event_id)
        .where(Registration.member_id == member_id, Registration.status.in_(("confirmed", "waiting")),
               Event.starts_at > now)
        .options(selectinload(Registration.event)).order_by(Registration.event_id)  # events locked in one order
    )).all()
    for reg in regs:
        await _give_up(session, settings, reg, now)


async def withdraw_member(
    session: AsyncSession, settings: Settings, member_id: int, event_id: int, now: dt.datetime
) -> Withdrawal:
    reg = await registration_of(session, event_id, member_id)
    if reg is None:
        raise NotFound("You are not registered for this event.")
    return await withdraw(session, settings, reg, now)


async def withdraw_by_link(
    session: AsyncSession, settings: Settings, registration_id: int, token: str | None, now: dt.datetime
) -> Withdrawal:
    """The signed "I can't come after all" link in every reminder."""
    if not notify.signature_ok(settings, "cant-come", registration_id, token):
        raise Forbidden("This link is not valid. Open the event page and cancel from there.")
    reg = await session.get(Registration, registration_id)
    if reg is None:
        raise NotFound("That registration no longer exists.")
    return await withdraw(session, settings, reg, now)


# --- after the event ------------------------------------------------------------------------------

async def mark_attendance(
    session: AsyncSession, actor: Member, event_id: int, attended_ids: set[int]
) -> None:
    event = await load_event(session, event_id)
    require_manager(actor, event)
    for reg in await registrations(session, event_id, ("confirmed",)):
        reg.attended = reg.id in attended_ids
    await session.commit()


async def save_feedback(
    session: AsyncSession, member_id: int, event_id: int, data: FeedbackInput, now: dt.datetime
) -> EventFeedback:
    event = await load_event(session, event_id)
    reg = await registration_of(session, event_id, member_id)
    if reg is None or reg.status != "confirmed":
        raise Forbidden("Only people who had a place can give feedback on this event.")
    if now < event.starts_at:
        raise Conflict("Feedback opens when the event starts.")
    feedback = await session.scalar(select(EventFeedback).where(EventFeedback.registration_id == reg.id))
    if feedback is None:
        feedback = EventFeedback(registration_id=reg.id, event_id=event_id)
        session.add(feedback)
    feedback.what_worked, feedback.not_helpful, feedback.at = data.what_worked, data.not_helpful, now
    await session.commit()
    return feedback


async def feedback_given(session: AsyncSession, registration_id: int) -> bool:
    """Whether this registration's feedback is in: the event page offers the form only until then."""
    found = await session.scalar(select(EventFeedback.id).where(EventFeedback.registration_id == registration_id))
    return found is not None


async def feedback_for(session: AsyncSession, event_id: int) -> list[EventFeedback]:
    return list((await session.scalars(select(EventFeedback).where(EventFeedback.event_id == event_id)
                                       .order_by(EventFeedback.at))).all())


# --- preferences, announcements, digest ----------------------------------------------------------

async def save_preferences(session: AsyncSession, member_id: int, data: PreferenceInput, now: dt.datetime) -> EventPreference:
    pref = await session.get(EventPreference, member_id) or EventPreference(member_id=member_id)
    if data.announce == "weekly" and (pref.announce != "weekly" or pref.next_digest_at is None):
        pref.last_digest_at, pref.next_digest_at = now, now + WEEK
    elif data.announce != "weekly":
        pref.next_digest_at = None
    pref.announce, pref.scope, pref.timezone = data.announce, data.scope, data.timezone
    session.add(pref)
    await session.commit()
    return pref


async def unsubscribe(session: AsyncSession, settings: Settings, member_id: int, token: str | None) -> None:
    """RFC 8058 one-click: the signed link alone is enough, no sign-in and no CSRF token."""
    if not notify.signature_ok(settings, "unsubscribe", member_id, token):
        raise Forbidden("This unsubscribe link is not valid.")
    pref = await session.get(EventPreference, member_id)
    if pref is not None:
        pref.announce, pref.next_digest_at = "off", None
    await session.commit()


def _labels(values) -> set[str]:  # noqa: ANN001
    return {" ".join(str(v).split()).casefold() for v in values}


async def _interests(session: AsyncSession, member_ids: list[int]) -> dict[int, set[str]]:
    rows = await session.execute(
        select(member_interest.c.member_id, Tag.label).join(Tag, Tag.id == member_interest.c.tag_id)
        .where(member_interest.c.member_id.in_(member_ids))
    )
    out: dict[int, set[str]] = {}
    for member_id, label in rows:
        out.setdefault(member_id, set()).add(label.casefold())
    return out


def _matches(pref: EventPreference, interests: set[str], event: Event) -> bool:
    return pref.scope == "all" or bool(interests & _labels(event.tags))


async def announce(session: AsyncSession, settings: Settings, event: Event, now: dt.datetime) -> int:
    """Members who chose "at once" hear about a new event that matches them (never its creator)."""
    prefs = list((await session.scalars(select(EventPreference).where(EventPreference.announce == "instant"))).all())
    interests = await _interests(session, [p.member_id for p in prefs])
    sent = 0
    for pref in prefs:
        if pref.member_id == event.created_by_id or not _matches(pref, interests.get(pref.member_id, set()), event):
            continue
        member = await session.get(Member, pref.member_id)
        if member is None or member.status != "active":
            continue
        await notify.announcement(session, settings, member, pref, [event], now, f"event:{event.id}:announce:{member.id}")
        sent += 1
    return sent


async def digest_sweep_once(session: AsyncSession, settings: Settings, now: dt.datetime, limit: int = 100) -> int:
    ids = list((await session.scalars(
        select(EventPreference.member_id)
        .where(EventPreference.announce == "weekly", EventPreference.next_digest_at <= now)
        .order_by(EventPreference.next_digest_at).limit(limit).with_for_update(skip_locked=True)
    )).all())
    if not ids:
        await session.commit()
        return 0
    prefs = list((await session.scalars(select(EventPreference).where(EventPreference.member_id.in_(ids)))).all())
    interests = await _interests(session, ids)
    for pref in prefs:
        since = pref.last_digest_at or (now - WEEK)
        new = (await session.scalars(
            select(Event).where(Event.status == "open", Event.created_at > since, Event.created_at <= now,
                                Event.starts_at > now).order_by(Event.starts_at)
        )).unique().all()
        picked = [e for e in new if e.created_by_id != pref.member_id
                  and _matches(pref, interests.get(pref.member_id, set()), e)]
        member = await session.get(Member, pref.member_id)
        if picked and member is not None and member.status == "active":
            key = f"event:digest:{pref.member_id}:{now:%Y%m%dT%H%M}"
            await notify.announcement(session, settings, member, pref, picked[:20], now, key)
        pref.last_digest_at = now
        pref.next_digest_at = now + WEEK
    await session.commit()
    return len(ids)


async def digest_sweep(factory: async_sessionmaker[AsyncSession], settings: Settings, now) -> int:  # noqa: ANN001
    total = 0
    while True:
        async with factory() as session:
            n = await digest_sweep_once(session, settings, now())
        total += n
        if n < 100:
            return total


async def member_feed_events(session: AsyncSession, member_id: int, now: dt.datetime) -> list[Event]:
    rows = await session.scalars(
        select(Event).join(Registration, Registration.event_id == Event.id)
        .where(Registration.member_id == member_id, Registration.status == "confirmed",
               Event.ends_at > now - dt.timedelta(days=90))
        .order_by(Event.starts_at)
    )
    return list(rows.unique().all())


async def members_with_answers(session: AsyncSession, event_id: int) -> list[Registration]:
    rows = await session.scalars(
        select(Registration).where(Registration.event_id == event_id, Registration.status == "confirmed")
        .options(selectinload(Registration.member).selectinload(Member.interests))
        .order_by(Registration.id)
    )
    return list(rows.unique().all())
