"""Factories and helpers for the events tests (fixtures db, settings, clock, inbox come from tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from itertools import count

from sqlalchemy import select

from events import service
from events.forms import parse_event
from events.models import Event, Registration
from hub.models import OutboxMessage
from tests.support import make_member

_n = count(1)


async def make_event(db, settings, now: dt.datetime, organiser=None, **overrides) -> Event:  # noqa: ANN001, ANN003
    """An open online peer assist a week after `now` (Europe/London), 14:00–15:30, 10 places."""
    organiser = organiser or await make_member(db, hub_role="weaver")
    start = now + dt.timedelta(days=7)
    values = {
        "title": f"Peer assist {next(_n)}", "format": "peer_assist", "date": start.date().isoformat(),
        "start_time": "14:00", "end_time": "15:30", "timezone": "Europe/London", "mode": "online",
        "online_link": "https://meet.example.org/room-1", "capacity": "10",
        "questions": "A challenge you would like to bring\nAccessibility needs",
    }
    values.update({k: str(v) if isinstance(v, int) else v for k, v in overrides.items()})
    (event, *_) = await service.create_events(db, settings, organiser, parse_event(values, now), now)
    return event


def edit_values(event: Event, **changes: str) -> dict:
    """The edit form's values for `event`, with some changed."""
    from zoneinfo import ZoneInfo

    from events.forms import format_offsets

    zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    values = {
        "title": event.title, "format": event.format, "description": event.description,
        "agenda": "\n".join(f"{a} {m}" for a, m in event.agenda), "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}", "timezone": event.timezone, "mode": event.mode,
        "online_link": event.online_link, "venue": event.venue, "access_info": event.access_info,
        "capacity": str(event.capacity), "questions": "\n".join(event.questions),
        "reminders": format_offsets(event.reminder_minutes), "tags": ", ".join(event.tags),
    }
    values.update(changes)
    return values


async def mails(db, key_part: str | None = None) -> list[OutboxMessage]:  # noqa: ANN001
    await db.commit()
    db.expunge_all()
    rows = (await db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [r for r in rows if key_part is None or (r.dedupe_key and key_part in r.dedupe_key)]


async def statuses(db, event_id: int) -> dict[str, int]:  # noqa: ANN001
    await db.commit()
    rows = (await db.scalars(select(Registration.status).where(Registration.event_id == event_id))).all()
    out: dict[str, int] = {}
    for s in rows:
        out[s] = out.get(s, 0) + 1
    return out


async def reload_event(db, event_id: int) -> Event:  # noqa: ANN001
    await db.commit()
    db.expunge_all()
    return await db.get(Event, event_id)
