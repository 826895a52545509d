"""Reminders: a pure plan per registration, and an idempotent sweep that enqueues what is due.

Each registration keeps `next_reminder_at` (indexed), so the sweep reads only the rows with work
to do. Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL (several workers at once) and
inside BEGIN IMMEDIATE on SQLite; every reminder also has a dedupe key naming the registration,
the event's start and the offset, so even a re-run cannot send it twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from events import notify
from events.models import Event, Registration
from hub.settings import Settings


@dataclass(frozen=True)
class Reminder:
    minutes: int  # before the start
    at: dt.datetime  # UTC instant


def plan(starts_at: dt.datetime, minutes: Iterable[int], since: dt.datetime) -> list[Reminder]:
    """The reminders still to come for a registration that is current from `since` on: those whose
    instant is after `since` and before the start, earliest first. Instants are exact: an offset
    of 24 h is 24 real hours, whatever the clocks do in between."""
    start = starts_at.astimezone(dt.timezone.utc)
    out = {Reminder(m, start - dt.timedelta(minutes=m)) for m in minutes if m > 0}
    return sorted((r for r in out if since < r.at < start), key=lambda r: r.at)


def next_at(starts_at: dt.datetime, minutes: Iterable[int], done_until: dt.datetime) -> dt.datetime | None:
    upcoming = plan(starts_at, minutes, done_until)
    return upcoming[0].at if upcoming else None


def due(starts_at: dt.datetime, minutes: Iterable[int], done_until: dt.datetime, now: dt.datetime) -> Reminder | None:
    """The one reminder to send now: the latest that has come due (if a worker was down through
    two of them, one mail, not two in a row), and none once the event has started."""
    if now >= starts_at:
        return None
    ready = [r for r in plan(starts_at, minutes, done_until) if r.at <= now]
    return ready[-1] if ready else None


def schedule(reg: Registration, since: dt.datetime) -> None:
    """(Re)plan a confirmed registration's reminders from `since` on: at confirmation, and when the
    event moves. Anything else clears them."""
    if reg.status != "confirmed" or reg.event.status != "open":
        reg.next_reminder_at = None
        return
    reg.reminders_done_until = since
    reg.next_reminder_at = next_at(reg.event.starts_at, reg.event.reminder_minutes, since)


async def sweep_once(
    session: AsyncSession, settings: Settings, now: dt.datetime, limit: int = 200
) -> int:
    """Enqueue one batch of due reminders; returns how many registrations it dealt with."""
    claim = (
        select(Registration.id)
        .where(Registration.status == "confirmed", Registration.next_reminder_at <= now)
        .order_by(Registration.next_reminder_at, Registration.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.scalars(claim)).all())
    if not ids:
        await session.commit()
        return 0
    rows = await session.scalars(select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id))
    regs = list(rows.unique().all())
    for reg in regs:
        event: Event = reg.event
        if event.status != "open":
            reg.next_reminder_at = None
            continue
        done_until = reg.reminders_done_until or reg.queued_at
        reminder = due(event.starts_at, event.reminder_minutes, done_until, now)
        if reminder is not None:
            await notify.reminder(session, settings, reg, now, reminder.minutes)
            done_until = reminder.at
        reg.reminders_done_until = max(done_until, min(now, event.starts_at))
        reg.next_reminder_at = next_at(event.starts_at, event.reminder_minutes, reg.reminders_done_until)
    await session.commit()
    return len(ids)


async def sweep(
    factory: async_sessionmaker[AsyncSession], settings: Settings, now: Callable[[], dt.datetime], limit: int = 200
) -> int:
    """Until nothing is due. The worker runs this before each mail batch."""
    total = 0
    while True:
        async with factory() as session:
            n = await sweep_once(session, settings, now(), limit)
        total += n
        if n < limit:
            return total
