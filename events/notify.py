"""Every event mail, written to the outbox in the caller's transaction, each with a dedupe key.

Invites and cancellations carry an .ics; the SEQUENCE sent to a member only ever goes up
(stored on the registration). Announcements and digests carry List-Id, and List-Unsubscribe with RFC 8058
one-click and a mailto: alternative.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import urlencode

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.base import NO_VALUE

from events import calendar
from events.models import Event, EventPreference, Registration
from hub import mail
from hub.models import Member
from hub.settings import Settings


def sign(settings: Settings, purpose: str, value: int | str) -> str:
    message = f"events:{purpose}:{value}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def signature_ok(settings: Settings, purpose: str, value: int | str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(sign(settings, purpose, value), str(token))


def cant_come_link(settings: Settings, registration_id: int) -> str:
    return f"{settings.base_url}/events/r/{registration_id}/cant-come?t={sign(settings, 'cant-come', registration_id)}"


def unsubscribe_link(settings: Settings, member_id: int) -> str:
    query = urlencode({"m": member_id, "t": sign(settings, "unsubscribe", member_id)})
    return f"{settings.base_url}/events/unsubscribe?{query}"


def feed_path(settings: Settings, member_id: int) -> str:
    return f"/events/feed/{member_id}/{sign(settings, 'feed', member_id)}.ics"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def reader_tz(reg: Registration) -> str | None:
    """The member's chosen time zone if it was loaded with the registration (never a lazy load)."""
    loaded = inspect(reg).attrs.preference.loaded_value
    return None if loaded is NO_VALUE or loaded is None else loaded.timezone


def _context(reg: Registration, settings: Settings, confirmed: bool) -> dict:
    event, member = reg.event, reg.member
    return {
        "name": member.display_name,
        "title": event.title,
        "when": calendar.when(event, reader_tz(reg)),
        "where": calendar.where(event, confirmed),
        "online": event.is_online,
        "link": event.web_link if confirmed and event.is_online else "",
        "venue": event.venue,
        "access_info": event.access_info,
        "url": calendar.event_url(event, settings),
        "agenda": event.agenda,
    }


def _next_sequence(reg: Registration) -> int:
    reg.ics_sequence = max(reg.ics_sequence + 1, reg.event.sequence)
    return reg.ics_sequence


async def invite(session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime, kind: str) -> None:
    """kind: confirmed (just registered), promoted (from the waiting list) or update (time/link changed)."""
    event, member = reg.event, reg.member
    sequence = _next_sequence(reg)
    ics = calendar.invite(event, settings, attendee=member.email, sequence=sequence, stamp=now)
    subjects = {
        "confirmed": f"You're booked: {event.title}",
        "promoted": f"A place came free, and it's yours: {event.title}",
        "update": f"Updated: {event.title}",
    }
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="event_invite", subject=subjects[kind],
        context={**_context(reg, settings, True), "kind": kind,
                 "cant_come": cant_come_link(settings, reg.id)},
        headers={mail.CALENDAR_KEY: {"ics": ics, "method": "REQUEST"}},
        dedupe_key=f"event:{reg.id}:ics:{sequence}",
    )


async def cancelled(
    session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime, why: str
) -> None:
    """why: withdrew (the member) or event_cancelled. A CANCEL only for someone who had an invite."""
    event, member = reg.event, reg.member
    headers = {}
    key = f"event:{reg.id}:cancel:{_stamp(now)}"
    if reg.ics_sequence >= 0:
        sequence = _next_sequence(reg)
        ics = calendar.cancellation(event, settings, attendee=member.email, sequence=sequence, stamp=now)
        headers[mail.CALENDAR_KEY] = {"ics": ics, "method": "CANCEL"}
        key = f"event:{reg.id}:ics:{sequence}"
    subject = f"Cancelled: {event.title}" if why == "event_cancelled" else f"You've cancelled your place: {event.title}"
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="event_cancelled", subject=subject,
        context={**_context(reg, settings, False), "why": why}, headers=headers, dedupe_key=key,
    )


async def waiting(session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime, position: int) -> None:
    event, member = reg.event, reg.member
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="event_waiting",
        subject=f"You're on the waiting list: {event.title}",
        context={**_context(reg, settings, False), "position": position},
        dedupe_key=f"event:{reg.id}:waiting:{_stamp(reg.queued_at)}",
    )


async def reminder(
    session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime, minutes: int
) -> None:
    event, member = reg.event, reg.member
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="event_reminder",
        subject=f"Reminder: {event.title} starts in {describe_offset(minutes)}",
        context={**_context(reg, settings, True), "in": describe_offset(minutes),
                 "cant_come": cant_come_link(settings, reg.id)},
        dedupe_key=f"event:{reg.id}:reminder:{_stamp(event.starts_at)}:{minutes}",
    )


def describe_offset(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return "1 day" if days == 1 else f"{days} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def _list_headers(settings: Settings, member_id: int) -> dict:
    """Announcements and digests are one list; the mailto: request names the member and its signature,
    so whoever reads MAIL_FROM's mailbox can act on it (the same check as the one-click link)."""
    return mail.bulk_headers(
        settings, label="events", name="Event announcements", unsubscribe_url=unsubscribe_link(settings, member_id),
        mailto_subject=f"unsubscribe events {member_id} {sign(settings, 'unsubscribe', member_id)}",
    )


async def announcement(
    session: AsyncSession, settings: Settings, member: Member, preference: EventPreference | None,
    events: list[Event], now: dt.datetime, key: str,
) -> None:
    """One new event (instant) or several (weekly digest)."""
    tz = preference.timezone if preference else None
    items = [
        {"title": e.title, "when": calendar.when(e, tz), "url": calendar.event_url(e, settings),
         "format": e.format_label, "places_left": e.places_left}
        for e in events
    ]
    subject = f"New event: {events[0].title}" if len(events) == 1 else f"{len(events)} new events this week"
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="event_announcement", subject=subject,
        context={"name": member.display_name, "items": items, "unsubscribe": unsubscribe_link(settings, member.id),
                 "preferences": f"{settings.base_url}/events/preferences"},
        headers=_list_headers(settings, member.id), dedupe_key=key,
    )


async def resources_shared(
    session: AsyncSession, settings: Settings, reg: Registration, now: dt.datetime, version: str
) -> None:
    event, member = reg.event, reg.member
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="event_resources",
        subject=f"Resources from {event.title}",
        context={**_context(reg, settings, False), "resources": event.resources},
        dedupe_key=f"event:{reg.id}:resources:{version}",
    )
