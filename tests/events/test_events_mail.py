"""Reminders and calendar mail: planned per registration, re-timed, never twice, valid .ics (DESIGN.md §5)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from icalendar import Calendar
from sqlalchemy import select

from events import reminders, service
from events.forms import parse_event
from events.models import Registration
from hub import mail
from hub.models import Member, OutboxMessage
from tests.events.conftest import edit_values, mails, make_event
from tests.support import make_member, unsaved_member

UTC = dt.timezone.utc


def ics_of(row: OutboxMessage) -> Calendar:
    return Calendar.from_ical(row.headers[mail.CALENDAR_KEY]["ics"])


def vevent(cal: Calendar):  # noqa: ANN201
    (event,) = [c for c in cal.walk() if c.name == "VEVENT"]
    return event


def test_the_plan_has_one_reminder_per_offset_still_to_come():
    start = dt.datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    early = start - dt.timedelta(days=7)
    assert [r.minutes for r in reminders.plan(start, [1440, 60], early)] == [1440, 60]
    late = start - dt.timedelta(hours=3)  # a late registrant still gets the 1 h reminder
    assert [(r.minutes, r.at) for r in reminders.plan(start, [1440, 60], late)] == [(60, start - dt.timedelta(hours=1))]
    assert reminders.plan(start, [1440, 60], start) == []


def test_a_worker_that_was_down_sends_only_the_latest_due_reminder_and_none_after_the_start():
    start = dt.datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    since = start - dt.timedelta(days=3)
    assert reminders.due(start, [1440, 60], since, start - dt.timedelta(minutes=30)).minutes == 60
    assert reminders.due(start, [1440, 60], since, start + dt.timedelta(minutes=1)) is None


def test_reminders_across_the_clock_changes_in_london_come_at_the_right_instant():
    london = "Europe/London"
    # Sunday 25 October 2026: clocks go back at 02:00 BST. 10:00 GMT that day is 10:00 UTC.
    autumn = parse_event({"title": "Autumn", "date": "2026-10-25", "start_time": "10:00", "end_time": "11:00",
                          "timezone": london, "capacity": "5"}, dt.datetime(2026, 10, 1, tzinfo=UTC))
    assert autumn.starts_at == dt.datetime(2026, 10, 25, 10, 0, tzinfo=UTC)
    (day_before, hour_before) = reminders.plan(autumn.starts_at, [1440, 60], dt.datetime(2026, 10, 1, tzinfo=UTC))
    assert day_before.at == dt.datetime(2026, 10, 24, 10, 0, tzinfo=UTC)  # 11:00 BST: exactly 24 real hours
    assert hour_before.at == dt.datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    # Sunday 28 March 2027: clocks go forward at 01:00 GMT. 10:00 BST that day is 09:00 UTC.
    spring = parse_event({"title": "Spring", "date": "2027-03-28", "start_time": "10:00", "end_time": "11:00",
                          "timezone": london, "capacity": "5"}, dt.datetime(2027, 3, 1, tzinfo=UTC))
    assert spring.starts_at == dt.datetime(2027, 3, 28, 9, 0, tzinfo=UTC)
    (day_before, hour_before) = reminders.plan(spring.starts_at, [1440, 60], dt.datetime(2027, 3, 1, tzinfo=UTC))
    assert day_before.at == dt.datetime(2027, 3, 27, 9, 0, tzinfo=UTC)  # 09:00 GMT the day before
    assert hour_before.at == dt.datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_with_a_reason():
    import pytest

    from hub.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        parse_event({"title": "Gap", "date": "2027-03-28", "start_time": "01:30", "end_time": "03:00",
                     "timezone": "Europe/London", "capacity": "5"}, dt.datetime(2027, 3, 1, tzinfo=UTC))
    assert "clocks go forward" in caught.value.errors["start_time"]


async def test_the_sweep_sends_each_reminder_once_at_its_instant_on_the_database(db, settings, clock, factory):
    event = await make_event(db, settings, clock())
    ana = await make_member(db)
    async with factory() as s:
        reg = await service.register(s, settings, ana.id, event.id, {}, clock())
    day_before = event.starts_at - dt.timedelta(days=1)
    clock.now = day_before - dt.timedelta(seconds=1)
    assert await reminders.sweep(factory, settings, clock) == 0
    clock.now = day_before
    for _ in range(3):  # the sweep is idempotent
        await reminders.sweep(factory, settings, clock)
    clock.now = event.starts_at - dt.timedelta(minutes=59)
    await reminders.sweep(factory, settings, clock)
    await reminders.sweep(factory, settings, clock)
    sent = await mails(db, f"event:{reg.id}:reminder:")
    assert [m.subject.rsplit(" in ", 1)[1] for m in sent] == ["1 day", "1 hour"]
    assert "cant-come?t=" in sent[0].text_body and "https://meet.example.org/room-1" in sent[0].text_body
    await db.commit()
    assert (await db.get(Registration, reg.id)).next_reminder_at is None


async def test_a_late_registrant_gets_the_reminders_still_due(db, settings, clock, factory):
    event = await make_event(db, settings, clock())
    clock.now = event.starts_at - dt.timedelta(hours=3)
    ana = await make_member(db)
    async with factory() as s:
        reg = await service.register(s, settings, ana.id, event.id, {}, clock())
    clock.now = event.starts_at - dt.timedelta(minutes=60)
    await reminders.sweep(factory, settings, clock)
    assert [m.subject.rsplit(" in ", 1)[1] for m in await mails(db, f"event:{reg.id}:reminder:")] == ["1 hour"]


async def test_nothing_is_sent_for_a_cancelled_registration_or_a_cancelled_event(db, settings, clock, factory):
    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser)
    other = await make_event(db, settings, clock(), organiser=organiser)
    ana, ben = await make_member(db), await make_member(db)
    async with factory() as s:
        await service.register(s, settings, ana.id, event.id, {}, clock())
        await service.register(s, settings, ben.id, other.id, {}, clock())
        await service.withdraw_member(s, settings, ana.id, event.id, clock())
        await service.cancel_event(s, settings, organiser, other.id, clock())
    clock.now = event.starts_at - dt.timedelta(minutes=30)
    assert await reminders.sweep(factory, settings, clock) == 0
    assert await mails(db, ":reminder:") == []
    cancel = [m for m in await mails(db) if m.to_addr == ben.email][-1]
    assert cancel.subject.startswith("Cancelled") and ics_of(cancel)["method"] == "CANCEL"


async def test_moving_the_event_sends_an_update_and_re_times_the_reminders(db, settings, clock, factory):
    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser)
    ana = await make_member(db)
    async with factory() as s:
        reg = await service.register(s, settings, ana.id, event.id, {}, clock())
    clock.now = event.starts_at - dt.timedelta(days=1)
    await reminders.sweep(factory, settings, clock)
    later = (event.starts_at + dt.timedelta(days=2)).date().isoformat()
    async with factory() as s:
        await service.update_event(s, settings, organiser, event.id, parse_event(edit_values(event, date=later), clock()), clock())
    async with factory() as s:
        moved = await service.load_event(s, event.id)
    clock.now = event.starts_at - dt.timedelta(minutes=30)  # the old time: nothing
    await reminders.sweep(factory, settings, clock)
    clock.now = moved.starts_at - dt.timedelta(days=1)
    await reminders.sweep(factory, settings, clock)
    clock.now = moved.starts_at - dt.timedelta(hours=1)
    await reminders.sweep(factory, settings, clock)
    sent = await mails(db, f"event:{reg.id}:reminder:")
    assert [m.subject.rsplit(" in ", 1)[1] for m in sent] == ["1 day", "1 day", "1 hour"]
    assert [m.created_at for m in sent[1:]] == [moved.starts_at - dt.timedelta(days=1), moved.starts_at - dt.timedelta(hours=1)]
    (update,) = [m for m in await mails(db, ":ics:") if m.subject.startswith("Updated")]
    assert vevent(ics_of(update))["dtstart"].dt == moved.starts_at


async def test_every_ics_parses_keeps_its_uid_and_raises_its_sequence(db, settings, clock, factory):
    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser)
    ana = await make_member(db)
    async with factory() as s:
        await service.register(s, settings, ana.id, event.id, {}, clock())
        await service.update_event(s, settings, organiser, event.id,
                                   parse_event(edit_values(event, online_link="https://meet.example.org/new"), clock()), clock())
        await service.withdraw_member(s, settings, ana.id, event.id, clock())
        await service.register(s, settings, ana.id, event.id, {}, clock())  # changes their mind
    rows = [m for m in await mails(db, ":ics:") if m.to_addr == ana.email]
    cals = [ics_of(r) for r in rows]
    assert [str(c["method"]) for c in cals] == ["REQUEST", "REQUEST", "CANCEL", "REQUEST"]
    events_ = [vevent(c) for c in cals]
    assert len({str(e["uid"]) for e in events_}) == 1
    sequences = [int(e["sequence"]) for e in events_]
    assert sequences == sorted(sequences) and len(set(sequences)) == 4
    for e in events_:
        assert e["dtstart"].dt.tzinfo is not None and e["dtstart"].dt.utcoffset() == dt.timedelta(0)
        assert e["dtend"].dt > e["dtstart"].dt and "dtstamp" in e
    assert "https://meet.example.org/new" in str(events_[1]["location"])
    assert "status" not in events_[2]  # the withdrawal uninvites Ana; the event goes on


async def test_a_withdrawal_uninvites_the_member_and_only_a_cancelled_event_says_cancelled(
    db, settings, clock, factory
):
    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser, title="Book club")
    ana, ben = await make_member(db), await make_member(db)
    async with factory() as s:
        await service.register(s, settings, ana.id, event.id, {}, clock())
        await service.register(s, settings, ben.id, event.id, {}, clock())
        await service.withdraw_member(s, settings, ana.id, event.id, clock())
    (withdrawn,) = [ics_of(m) for m in await mails(db, ":ics:")
                    if m.to_addr == ana.email and m.headers[mail.CALENDAR_KEY]["method"] == "CANCEL"]
    uninvite = vevent(withdrawn)
    # RFC 5546 3.2.5: a CANCEL that removes one attendee names them and carries no STATUS (that cancels the event).
    assert str(withdrawn["method"]) == "CANCEL" and "status" not in uninvite
    assert str(uninvite["attendee"]) == f"mailto:{ana.email}" and str(uninvite["summary"]) == "Book club"
    clock.advance(hours=1)
    async with factory() as s:
        await service.cancel_event(s, settings, organiser, event.id, clock())
    cancel = vevent([ics_of(m) for m in await mails(db, ":ics:") if m.to_addr == ben.email][-1])
    assert str(cancel["status"]) == "CANCELLED" and str(cancel["summary"]) == "Cancelled: Book club"
    assert cancel["dtstamp"].dt == clock() and cancel["last-modified"].dt == clock()


async def test_event_mail_reaches_smtp_with_text_html_and_the_invite(db, settings, clock, factory, inbox):
    event = await make_event(db, settings, clock(), title="Book club <Weaving>")
    ana = await make_member(db)
    async with factory() as s:
        await service.register(s, settings, ana.id, event.id, {}, clock())
    assert await mail.deliver_due(factory, settings, mail.SmtpTransport(settings), now=clock) == 1
    (message,) = inbox.messages
    assert message["Auto-Submitted"] == "auto-generated" and message["X-Hub-Calendar"] is None
    parts = {p.get_content_type(): p for p in message.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts)
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert "Book club <Weaving>" in parts["text/plain"].get_content()
    assert "Book club &lt;Weaving&gt;" in parts["text/html"].get_content()
    cal = Calendar.from_ical(parts["text/calendar"].get_content())
    assert str(vevent(cal)["summary"]) == "Book club <Weaving>"


async def test_an_announcement_names_its_list_and_offers_a_mailto_unsubscribe_besides_one_click(
    db, settings, clock, factory, inbox
):
    """List-Id (RFC 2919) under MAIL_FROM's domain; List-Unsubscribe (RFC 2369) with the one-click URL
    (RFC 8058) first and a mailto: whose subject carries the same signature, as received over SMTP."""
    from events import notify
    from events.forms import PreferenceInput

    fan = await make_member(db)
    await service.save_preferences(db, fan.id, PreferenceInput("instant", "all", "Europe/London"), clock())
    await db.commit()
    await make_event(db, settings, clock())
    while await mail.deliver_due(factory, settings, mail.SmtpTransport(settings), now=clock):
        pass
    (message,) = inbox.to(fan.email)
    token = notify.sign(settings, "unsubscribe", fan.id)
    assert message["List-Id"] == "Event announcements <events.example.org>"
    assert message["List-Unsubscribe"] == (
        f"<{notify.unsubscribe_link(settings, fan.id)}>, "
        f"<mailto:hub@example.org?subject=unsubscribe%20events%20{fan.id}%20{token}>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and message["Precedence"] == "bulk"


async def test_two_workers_sweeping_and_sending_at_once_send_each_reminder_once(db, settings, clock, inbox):
    import asyncio

    from hub.db import create_engine, session_factory

    event = await make_event(db, settings, clock(), capacity=40)
    for i in range(40):
        db.add(unsaved_member(email=f"w{i}@example.org", name=f"W {i}"))
    await db.commit()
    ids = (await db.scalars(select(Member.id).where(Member.email.like("w%@example.org")))).all()
    engines = [create_engine(settings.database_url) for _ in range(2)]
    try:
        async with session_factory(engines[0])() as s:
            for member_id in ids:
                await service.register(s, settings, member_id, event.id, {}, clock())
        async with session_factory(engines[0])() as s:  # the invites are not what this test counts
            await s.execute(OutboxMessage.__table__.update().values(status="sent"))
            await s.commit()
        clock.now = event.starts_at - dt.timedelta(hours=1)

        async def worker(engine) -> None:  # noqa: ANN001
            factory_ = session_factory(engine)
            while True:
                await reminders.sweep(factory_, settings, clock, limit=7)
                if not await mail.deliver_due(factory_, settings, mail.SmtpTransport(settings), now=clock, limit=5):
                    break

        await asyncio.gather(*(worker(e) for e in engines))
    finally:
        for e in engines:
            await e.dispose()
    ids_seen = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(ids_seen) == 40 and max(ids_seen.values()) == 1
    assert Counter(m["To"] for m in inbox.messages) == Counter({f"w{i}@example.org": 1 for i in range(40)})
