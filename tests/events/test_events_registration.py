"""Registering: one click, a waiting list when full, instant promotion, never overbooked."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from events import service
from events.models import Event, Registration
from hub.db import create_engine, session_factory
from hub.errors import Conflict
from hub.models import Member
from events.forms import parse_event
from tests.events.conftest import edit_values, mails, make_event, reload_event, statuses
from tests.support import make_member, unsaved_member


async def test_registering_gives_a_place_and_queues_a_confirmation_with_an_invite(db, settings, clock, factory):
    event = await make_event(db, settings, clock(), capacity=2)
    ana = await make_member(db)
    async with factory() as s:
        reg = await service.register(s, settings, ana.id, event.id, {"Accessibility needs": "captions"}, clock())
    assert reg.status == "confirmed" and reg.answers == {"Accessibility needs": "captions"}
    (invite,) = await mails(db, f"event:{reg.id}:ics:")
    assert invite.to_addr == ana.email and invite.subject.startswith("You're booked")
    assert invite.headers["X-Hub-Calendar"]["method"] == "REQUEST"
    assert (await reload_event(db, event.id)).taken == 1


async def test_registering_twice_changes_nothing(db, settings, clock, factory):
    event = await make_event(db, settings, clock(), capacity=2)
    ana = await make_member(db)
    for _ in range(2):
        async with factory() as s:
            await service.register(s, settings, ana.id, event.id, {}, clock())
    assert await statuses(db, event.id) == {"confirmed": 1}
    assert (await reload_event(db, event.id)).taken == 1
    assert len(await mails(db, ":ics:")) == 1


async def test_when_full_people_join_the_waiting_list_and_are_told_their_place(db, settings, clock, factory):
    event = await make_event(db, settings, clock(), capacity=1)
    first, second, third = [await make_member(db) for _ in range(3)]
    async with factory() as s:
        for m in (first, second, third):
            await service.register(s, settings, m.id, event.id, {}, clock())
    assert await statuses(db, event.id) == {"confirmed": 1, "waiting": 2}
    waiting = await mails(db, ":waiting:")
    assert [w.to_addr for w in waiting] == [second.email, third.email]
    assert "number 2" in waiting[1].text_body


async def test_a_cancelled_place_goes_at_once_to_the_first_in_the_queue_with_an_invite(db, settings, clock, factory):
    event = await make_event(db, settings, clock(), capacity=1)
    first, second, third = [await make_member(db) for _ in range(3)]
    async with factory() as s:
        for m in (first, second, third):
            await service.register(s, settings, m.id, event.id, {}, clock())
        clock.advance(hours=1)
        await service.withdraw_member(s, settings, first.id, event.id, clock())
    assert await statuses(db, event.id) == {"cancelled": 1, "confirmed": 1, "waiting": 1}
    await db.commit()
    promoted = (await db.scalars(select(Registration).where(Registration.status == "confirmed"))).one()
    assert promoted.member_id == second.id
    invites = [m for m in await mails(db, ":ics:") if m.to_addr == second.email]
    assert len(invites) == 1 and invites[0].subject.startswith("A place came free")
    cancel = [m for m in await mails(db, ":ics:") if m.to_addr == first.email][-1]
    assert cancel.headers["X-Hub-Calendar"]["method"] == "CANCEL"
    assert (await reload_event(db, event.id)).taken == 1


async def test_leaving_the_waiting_list_sends_no_calendar_cancel(db, settings, clock, factory):
    event = await make_event(db, settings, clock(), capacity=1)
    first, second = await make_member(db), await make_member(db)
    async with factory() as s:
        await service.register(s, settings, first.id, event.id, {}, clock())
        await service.register(s, settings, second.id, event.id, {}, clock())
        await service.withdraw_member(s, settings, second.id, event.id, clock())
    left = [m for m in await mails(db) if m.to_addr == second.email][-1]
    assert "X-Hub-Calendar" not in left.headers and (await reload_event(db, event.id)).taken == 1


async def test_more_places_promote_the_waiting_list_in_order(db, settings, clock, factory):
    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser, capacity=1)
    people = [await make_member(db) for _ in range(4)]
    async with factory() as s:
        for m in people:
            await service.register(s, settings, m.id, event.id, {}, clock())
    async with factory() as s:
        await service.update_event(s, settings, organiser, event.id,
                                   parse_event(edit_values(event, capacity="3"), clock()), clock())
    await db.commit()
    confirmed = (await db.scalars(select(Registration.member_id).where(Registration.status == "confirmed")
                                  .order_by(Registration.member_id))).all()
    assert list(confirmed) == [p.id for p in people[:3]]
    assert (await reload_event(db, event.id)).taken == 3


async def test_registration_refuses_after_it_closes_or_the_event_is_cancelled(db, settings, clock, factory):
    organiser = await make_member(db, hub_role="weaver")
    closes = (clock() + dt.timedelta(days=1)).replace(tzinfo=None).isoformat(timespec="minutes")
    event = await make_event(db, settings, clock(), organiser=organiser, closes_at=closes)
    ana = await make_member(db)
    clock.advance(days=2)
    async with factory() as s:
        with pytest.raises(Conflict, match="closed"):
            await service.register(s, settings, ana.id, event.id, {}, clock())
    other = await make_event(db, settings, clock(), organiser=organiser)
    async with factory() as s:
        await service.cancel_event(s, settings, organiser, other.id, clock())
        with pytest.raises(Conflict, match="cancelled"):
            await service.register(s, settings, ana.id, other.id, {}, clock())


async def test_two_hundred_concurrent_registrations_for_twenty_places_never_overbook(db, settings, clock):
    """Several engines (as several web processes) registering at once: exactly 20 confirmed."""
    event = await make_event(db, settings, clock(), capacity=20)
    for i in range(200):
        db.add(unsaved_member(email=f"crowd{i}@example.org", name=f"Crowd {i}"))
    await db.commit()
    people = list((await db.scalars(select(Member.id).where(Member.email.like("crowd%")))).all())
    engines = [create_engine(settings.database_url, pool_size=10, max_overflow=0)
               if not settings.is_sqlite else create_engine(settings.database_url) for _ in range(4)]
    factories = [session_factory(e) for e in engines]

    async def one(i: int, member_id: int) -> str:
        async with factories[i % 4]() as s:
            reg = await service.register(s, settings, member_id, event.id, {}, clock())
            return reg.status

    try:
        results = await asyncio.gather(*(one(i, m) for i, m in enumerate(people)))
    finally:
        for e in engines:
            await e.dispose()
    assert results.count("confirmed") == 20 and results.count("waiting") == 180
    assert await statuses(db, event.id) == {"confirmed": 20, "waiting": 180}
    event = await reload_event(db, event.id)
    assert event.taken == 20
    assert len(await mails(db, ":ics:")) == 20 and len(await mails(db, ":waiting:")) == 180
    assert isinstance(event, Event)
