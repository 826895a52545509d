"""The event pages and API: forms with inline errors, Post/Redirect/Get, who sees the link, feeds."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import format_datetime

from icalendar import Calendar
from sqlalchemy import select

from events import notify
from events.models import Event, EventPreference, Registration
from hub.models import OutboxMessage
from tests.events.conftest import edit_values, mails, make_event, reload_event
from tests.support import make_member, sign_in_as


def form_values(clock, **changes) -> dict:  # noqa: ANN001, ANN003
    day = (clock() + dt.timedelta(days=10)).date().isoformat()
    values = {"title": "Monthly peer assist", "format": "peer_assist", "date": day, "start_time": "14:00",
              "end_time": "15:30", "timezone": "Europe/London", "mode": "online",
              "online_link": "https://meet.example.org/pa", "capacity": "8", "reminders": "24h, 1h",
              "questions": "A challenge you would like to bring"}
    values.update(changes)
    return values


async def test_a_weaver_creates_a_monthly_series_with_the_peer_assist_agenda(client, db, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    assert (await client.get("/events/new")).status_code == 200
    response = await client.post("/events", data={**form_values(clock, repeat="monthly", occurrences="3"), "_csrf": csrf})
    assert response.status_code == 303 and response.headers["location"].endswith("done=created")
    await db.commit()
    events = (await db.scalars(select(Event).order_by(Event.starts_at))).unique().all()
    assert len(events) == 3 and len({e.series_id for e in events}) == 1
    assert [a[1] for a in events[0].agenda] == [2, 5, 5, 10, 5, 5, 2]
    weekdays = {e.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London")).strftime("%a %H:%M") for e in events}
    assert len(weekdays) == 1  # the same weekday and wall-clock time, across the clock change


async def test_a_bad_event_form_shows_inline_errors_and_keeps_what_was_typed(client, db, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    bad = form_values(clock, title="Keep me", capacity="-3", online_link="javascript:alert(1)", mode="in_person", venue="")
    response = await client.post("/events", data={**bad, "_csrf": csrf})
    assert response.status_code == 422
    for field in ("capacity", "online_link", "venue"):
        assert f'id="{field}-error"' in response.text
    assert 'value="Keep me"' in response.text


async def test_members_cannot_create_events_but_hosts_a_weaver_granted_can(client, db, settings, clock):
    member = await make_member(db)
    csrf = await sign_in_as(client, db, settings, member, clock())
    assert (await client.post("/events", data={**form_values(clock), "_csrf": csrf})).status_code == 403
    # The Network Catalyst/Facilitator role describes the member; it grants nothing.
    facilitator = await make_member(db, weaving_roles=["network_catalyst"])
    csrf = await sign_in_as(client, db, settings, facilitator, clock())
    assert (await client.post("/events", data={**form_values(clock), "_csrf": csrf})).status_code == 403
    host = await make_member(db, may_host_events=True)
    csrf = await sign_in_as(client, db, settings, host, clock())
    assert (await client.post("/events", data={**form_values(clock), "_csrf": csrf})).status_code == 303


async def test_the_online_link_is_shown_only_to_people_with_a_place(client, db, settings, clock):
    event = await make_event(db, settings, clock(), capacity=1)
    first, second = await make_member(db), await make_member(db)
    csrf = await sign_in_as(client, db, settings, first, clock())
    page = await client.get(f"/events/{event.id}")
    assert "meet.example.org/room-1" not in page.text and "Register" in page.text
    response = await client.post(f"/events/{event.id}/register", data={"_csrf": csrf, "answer_0": "Silo working"})
    assert response.status_code == 303 and response.headers["location"].endswith("done=registered")
    assert "meet.example.org/room-1" in (await client.get(f"/events/{event.id}")).text
    csrf = await sign_in_as(client, db, settings, second, clock())
    response = await client.post(f"/events/{event.id}/register", data={"_csrf": csrf})
    assert response.headers["location"].endswith("done=waiting")
    page = await client.get(f"/events/{event.id}")
    assert "number 1 on the waiting list" in page.text and "meet.example.org/room-1" not in page.text
    api = (await client.get(f"/api/events/{event.id}")).json()
    assert api["my_status"] == "waiting" and api["online_link"] is None


async def test_the_cant_come_link_shows_a_button_and_the_post_frees_the_place(client, db, settings, clock):
    event = await make_event(db, settings, clock(), capacity=1)
    first, second = await make_member(db), await make_member(db)
    from events import service

    reg = await service.register(db, settings, first.id, event.id, {}, clock())
    await service.register(db, settings, second.id, event.id, {}, clock())
    link = notify.cant_come_link(settings, reg.id).removeprefix(settings.base_url)
    page = await client.get(link)  # a mail scanner following the link changes nothing
    assert page.status_code == 200 and "Free my place" in page.text
    assert (await reload_event(db, event.id)).taken == 1
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    token = link.split("t=")[1]
    assert (await client.post(f"/events/r/{reg.id}/cant-come", data={"_csrf": csrf, "t": "forged"})).status_code == 403
    done = await client.post(f"/events/r/{reg.id}/cant-come", data={"_csrf": csrf, "t": token})
    assert done.status_code == 200 and "next person on the waiting list" in done.text
    await db.commit()
    promoted = await db.scalar(select(Registration).where(Registration.member_id == second.id))
    assert promoted.status == "confirmed"


async def test_announcements_are_opt_in_and_unsubscribe_in_one_click(client, db, settings, clock):
    fan = await make_member(db, interests=["Peer support"])
    other = await make_member(db, interests=["Gardening"])
    for m in (fan, other):
        csrf = await sign_in_as(client, db, settings, m, clock())
        saved = await client.post("/events/preferences", data={"_csrf": csrf, "announce": "instant",
                                                                "scope": "interests", "timezone": "Europe/Paris"})
        assert saved.status_code == 303
    await make_event(db, settings, clock(), tags="Peer support")
    (announce,) = await mails(db, ":announce:")
    assert announce.to_addr == fan.email
    assert announce.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click, by_mail = announce.headers["List-Unsubscribe"].split(", ")
    assert by_mail.startswith("<mailto:")
    url = one_click.strip("<>").removeprefix(settings.base_url)
    client.cookies.clear()
    # RFC 8058: the mail client POSTs with no cookie and no CSRF token
    response = await client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    await db.commit()
    db.expunge_all()
    assert (await db.get(EventPreference, fan.id)).announce == "off"
    assert (await client.post(url.replace("t=", "t=x"), data={})).status_code == 403


async def test_a_weekly_digest_collects_new_events_once(db, settings, clock, factory):
    from events import service
    from events.forms import PreferenceInput

    reader = await make_member(db)
    await service.save_preferences(db, reader.id, PreferenceInput("weekly", "all", "Europe/London"), clock())
    clock.advance(hours=1)
    await make_event(db, settings, clock())
    await make_event(db, settings, clock())
    clock.advance(days=6, hours=23)
    await service.digest_sweep(factory, settings, clock)
    await service.digest_sweep(factory, settings, clock)
    (digest,) = await mails(db, "event:digest:")
    assert digest.subject == "2 new events this week" and "List-Unsubscribe" in digest.headers
    assert digest.headers["List-Id"] == "Event announcements <events.example.org>"


async def test_feeds_are_valid_calendars_and_the_personal_one_needs_its_secret(client, db, settings, clock):
    event = await make_event(db, settings, clock())
    ana = await make_member(db)
    from events import service

    await service.register(db, settings, ana.id, event.id, {}, clock())
    public = await client.get("/events/feed.ics")
    assert public.status_code == 200 and public.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(public.text)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == [event.title]
    assert "meet.example.org" not in public.text
    mine = await client.get(notify.feed_path(settings, ana.id))
    assert mine.status_code == 200 and "meet.example.org/room-1" in mine.text.replace("\r\n ", "")
    assert (await client.get(f"/events/feed/{ana.id}/wrong.ics")).status_code == 404


async def test_both_feeds_name_their_charset_once(client, db, settings, clock):
    ana = await make_member(db)
    for path in ("/events/feed.ics", notify.feed_path(settings, ana.id)):
        response = await client.get(path)
        assert response.status_code == 200 and response.headers["content-type"] == "text/calendar; charset=utf-8"


def feed_event(response) -> dict:  # noqa: ANN001
    (event,) = Calendar.from_ical(response.text).walk("VEVENT")
    return event


async def test_a_feed_stays_the_same_until_its_event_changes_and_answers_304_to_its_etag(client, db, settings, clock):
    from events import service
    from events.forms import parse_event

    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser)
    created = clock()
    ana = await make_member(db)
    await service.register(db, settings, ana.id, event.id, {}, clock())
    for path in ("/events/feed.ics", notify.feed_path(settings, ana.id)):
        clock.advance(hours=1)
        first = await client.get(path)
        clock.advance(hours=3)
        again = await client.get(path)
        assert again.content == first.content, path  # nothing changed, so nothing to download again
        # RFC 5545 3.8.7.2: without METHOD, DTSTAMP is when the event's information last changed.
        assert feed_event(first)["dtstamp"].dt == created and feed_event(first)["last-modified"].dt == created
        etag = first.headers["etag"]
        assert etag.startswith('"') and again.headers["etag"] == etag
        assert first.headers["last-modified"] == format_datetime(created, usegmt=True)
        for validator in (etag, f"W/{etag}", f'"something-else", {etag}', "*"):
            unchanged = await client.get(path, headers={"if-none-match": validator})
            assert unchanged.status_code == 304 and unchanged.content == b"", (path, validator)
            assert unchanged.headers["etag"] == etag
        assert (await client.get(path, headers={"if-none-match": '"something-else"'})).status_code == 200
    clock.advance(days=1)
    edited = clock()
    await service.update_event(db, settings, organiser, event.id,
                               parse_event(edit_values(event, title="Peer assist, renamed"), clock()), clock())
    for path in ("/events/feed.ics", notify.feed_path(settings, ana.id)):
        changed = await client.get(path, headers={"if-none-match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert str(feed_event(changed)["summary"]) == "Peer assist, renamed"
        assert feed_event(changed)["dtstamp"].dt == edited and feed_event(changed)["last-modified"].dt == edited
        assert changed.headers["last-modified"] == format_datetime(edited, usegmt=True)


async def test_a_cancelled_event_stays_in_the_members_feed_marked_cancelled(client, db, settings, clock):
    from events import service

    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser, title="Book club")
    ana = await make_member(db)
    await service.register(db, settings, ana.id, event.id, {}, clock())
    clock.advance(hours=2)
    await service.cancel_event(db, settings, organiser, event.id, clock())
    cancelled = feed_event(await client.get(notify.feed_path(settings, ana.id)))
    assert str(cancelled["status"]) == "CANCELLED"
    # Calendar apps that ignore STATUS in a subscribed feed still show the word.
    assert str(cancelled["summary"]) == "Cancelled: Book club"
    assert cancelled["dtstamp"].dt == clock() and int(cancelled["sequence"]) == 1
    public = Calendar.from_ical((await client.get("/events/feed.ics")).text)
    assert public.walk("VEVENT") == []


async def test_times_show_in_the_readers_zone_online_and_the_venues_in_person(client, db, settings, clock):
    from events import service
    from events.forms import PreferenceInput

    online = await make_event(db, settings, clock())
    in_person = await make_event(db, settings, clock(), mode="in_person", venue="Leeds", online_link="")
    reader = await make_member(db)
    await service.save_preferences(db, reader.id, PreferenceInput("off", "all", "America/New_York"), clock())
    await sign_in_as(client, db, settings, reader, clock())
    assert "America/New_York" in (await client.get(f"/events/{online.id}")).text
    assert "(Europe/London)" in (await client.get(f"/events/{in_person.id}")).text


async def test_the_api_registers_and_withdraws_with_the_same_rules(client, db, settings, clock):
    event = await make_event(db, settings, clock(), capacity=1)
    ana = await make_member(db)
    csrf = await sign_in_as(client, db, settings, ana, clock())
    headers = {"x-csrf-token": csrf}
    listed = (await client.get("/api/events")).json()
    assert [e["id"] for e in listed] == [event.id]
    r = await client.post(f"/api/events/{event.id}/registration", json={"answers": {}}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert (await client.get(f"/api/events/{event.id}")).json()["online_link"] == "https://meet.example.org/room-1"
    bad = await client.post(f"/api/events/{event.id}/registration", content=b"[1]", headers={**headers, "content-type": "application/json"})
    assert bad.status_code == 400
    r = await client.delete(f"/api/events/{event.id}/registration", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await reload_event(db, event.id)).taken == 0
    assert isinstance(await mails(db), list) and OutboxMessage


async def test_after_the_event_attendance_feedback_and_resources(client, db, settings, clock):
    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser)
    ana = await make_member(db)
    from events import service

    reg = await service.register(db, settings, ana.id, event.id, {}, clock())
    clock.now = event.ends_at + dt.timedelta(hours=1)
    csrf = await sign_in_as(client, db, settings, ana, clock())
    empty = await client.post(f"/events/{event.id}/feedback", data={"_csrf": csrf})
    assert empty.status_code == 422 and 'id="what_worked-error"' in empty.text
    ok = await client.post(f"/events/{event.id}/feedback", data={"_csrf": csrf, "what_worked": "The listening",
                                                                  "not_helpful": "Too short"})
    assert ok.status_code == 303
    csrf = await sign_in_as(client, db, settings, organiser, clock())
    assert (await client.post(f"/events/{event.id}/attendance", data={"_csrf": csrf, "attended": str(reg.id)})).status_code == 303
    assert (await client.post(f"/events/{event.id}/resources", data={"_csrf": csrf, "resources": "Slides: https://example.org/s"})).status_code == 303
    manage = await client.get(f"/events/{event.id}/manage")
    assert "The listening" in manage.text and "Too short" in manage.text
    (shared,) = await mails(db, ":resources:")
    assert shared.to_addr == ana.email and "https://example.org/s" in shared.text_body
    await db.commit()
    db.expunge_all()
    assert (await db.get(Registration, reg.id)).attended is True


async def test_an_online_link_that_is_not_a_web_address_is_never_made_a_link(client, db, settings, clock):
    """The form refuses such links; this is for one that reached the database another way."""
    from events import service
    from tests.support import sign_in_as

    event = await make_event(db, settings, clock())
    event.online_link = "javascript:alert(1)"
    await db.commit()
    member = await make_member(db)
    await service.register(db, settings, member.id, event.id, {}, clock())
    await sign_in_as(client, db, settings, member, clock())
    page = (await client.get(f"/events/{event.id}")).text
    assert "javascript:" not in page
    invite = [m for m in await mails(db) if m.to_addr == member.email][-1]
    assert "javascript:" not in invite.text_body and "javascript:" not in invite.html_body


async def test_a_too_long_answer_shows_the_form_again_with_an_inline_error_and_writes_nothing(
    client, db, settings, clock
):
    """Before the fix the page was rebuilt from the event the rollback had expired: MissingGreenlet, a 500."""
    event = await make_event(db, settings, clock())
    ana = await make_member(db)
    csrf = await sign_in_as(client, db, settings, ana, clock())
    for length in (2001, 20000):
        response = await client.post(f"/events/{event.id}/register", data={"_csrf": csrf, "answer_0": "x" * length,
                                                                           "answer_1": "Captions, please"})
        assert response.status_code == 422
        assert 'id="answer_0-error"' in response.text and f"at most 2000 characters (it has {length})" in response.text
        assert event.title in response.text and "Captions, please" in response.text  # what was typed is kept
        await db.commit()
        assert (await db.scalars(select(Registration).where(Registration.event_id == event.id))).all() == []
        assert (await reload_event(db, event.id)).taken == 0
        assert [m for m in await mails(db) if m.to_addr == ana.email] == []
    ok = await client.post(f"/events/{event.id}/register", data={"_csrf": csrf, "answer_0": "x" * 2000})
    assert ok.status_code == 303 and ok.headers["location"].endswith("done=registered")


async def test_cant_come_with_nobody_waiting_says_the_place_is_free_not_that_it_went_to_someone(
    client, db, settings, clock
):
    from events import service

    event = await make_event(db, settings, clock(), capacity=1)
    ana, ben = await make_member(db), await make_member(db)
    held = await service.register(db, settings, ana.id, event.id, {}, clock())
    queued = await service.register(db, settings, ben.id, event.id, {}, clock())
    page = await client.get(notify.cant_come_link(settings, queued.id).removeprefix(settings.base_url))
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)

    def cant_come(reg: Registration):  # noqa: ANN202
        token = notify.cant_come_link(settings, reg.id).split("t=")[1]
        return client.post(f"/events/r/{reg.id}/cant-come", data={"_csrf": csrf, "t": token})

    left = await cant_come(queued)
    assert left.status_code == 200 and "You have left the waiting list" in left.text
    assert "Your place is freed" not in left.text and "next person" not in left.text
    freed = await cant_come(held)
    assert freed.status_code == 200 and "Your place is freed" in freed.text
    assert "nobody was on the waiting list" in freed.text and "next person" not in freed.text
    assert (await reload_event(db, event.id)).taken == 0
    again = await cant_come(held)
    assert again.status_code == 200 and "Already cancelled" in again.text and "Your place is freed" not in again.text


async def test_an_end_before_the_start_says_the_end_must_be_after_the_start(client, db, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    def create(start: str, end: str):  # noqa: ANN202
        return client.post("/events", data={**form_values(clock, start_time=start, end_time=end), "_csrf": csrf})

    before = await create("14:00", "13:00")
    assert before.status_code == 422 and 'id="end_time-error"' in before.text
    assert "The end must be after the start." in before.text and "12 hours" not in before.text
    long = await create("08:00", "21:00")
    assert long.status_code == 422 and "An event can last at most 12 hours." in long.text
    assert (await create("22:00", "01:00")).status_code == 303  # within 12 hours: read as ending after midnight


async def test_the_feedback_form_is_offered_only_until_that_members_feedback_is_in(client, db, settings, clock):
    from events import service

    event = await make_event(db, settings, clock())
    ana, ben = await make_member(db), await make_member(db)
    for person in (ana, ben):
        await service.register(db, settings, person.id, event.id, {}, clock())
    clock.now = event.ends_at + dt.timedelta(hours=1)
    csrf = await sign_in_as(client, db, settings, ana, clock())
    before = (await client.get(f"/events/{event.id}")).text
    assert f'action="/events/{event.id}/feedback"' in before and "Thank you for your feedback" not in before
    sent = await client.post(f"/events/{event.id}/feedback", data={"_csrf": csrf, "what_worked": "The listening"})
    assert sent.status_code == 303
    after = (await client.get(f"/events/{event.id}")).text
    assert f'action="/events/{event.id}/feedback"' not in after and "Thank you for your feedback" in after
    # Someone else's feedback being in does not close the form for Ben.
    await sign_in_as(client, db, settings, ben, clock())
    theirs = (await client.get(f"/events/{event.id}")).text
    assert f'action="/events/{event.id}/feedback"' in theirs and "Thank you for your feedback" not in theirs
