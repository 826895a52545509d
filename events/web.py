"""Event pages and the events JSON API: thin handlers over events.service and events.groups."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any, Optional, Union
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, delete, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events import calendar, groups, notify, service
from events.forms import (
    COMMON_TIMEZONES, FORMAT_LABELS, REPEATS, TIMEZONES, format_offsets, parse_answers, parse_event, parse_feedback,
    parse_preferences,
)
from events.models import ANNOUNCE_CHOICES, ANNOUNCE_SCOPES, FORMATS, MODES, Event, Registration
from hub.errors import InvalidInput, RateLimited
from hub.markup import render_markdown
from hub.models import Member
from hub.settings import Settings
from hub.web.common import api_errors, form_dict, page, require, see_other

EVENT_NOTICES = {
    "created": "The event is published.",
    "saved": "Saved. Registrants have been sent the changes.",
    "registered": "You have a place. A confirmation with a calendar invite is on its way.",
    "waiting": "The event is full, so you are on the waiting list. We will email you if a place comes free.",
    "withdrawn": "Your place is cancelled. Thank you for letting us know.",
    "cancelled": "The event is cancelled and registrants have been told.",
    "groups": "Groups updated.",
    "published": "Groups published. Each member can now see their own group.",
    "attendance": "Attendance saved.",
    "feedback": "Thank you for your feedback.",
    "resources": "Resources saved.",
    "preferences": "Your event preferences are saved.",
    "unsubscribed": "You will not get event announcements any more.",
}
FORM_CHOICES = {
    "formats": FORMAT_LABELS, "modes": MODES, "repeats": REPEATS, "announce": ANNOUNCE_CHOICES,
    "scopes": ANNOUNCE_SCOPES,
}


def _timezones() -> dict[str, str]:
    return {z: z for z in COMMON_TIMEZONES + [z for z in TIMEZONES if z not in COMMON_TIMEZONES]}


def event_form_values(event: Event) -> dict[str, Any]:
    zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    closes = event.registration_closes_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if event.registration_closes_at else ""
    return {
        "title": event.title, "format": event.format, "description": event.description,
        "agenda": "\n".join(f"{item} {minutes}" for item, minutes in event.agenda), "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}", "timezone": event.timezone, "mode": event.mode,
        "online_link": event.online_link, "venue": event.venue, "access_info": event.access_info,
        "capacity": event.capacity, "closes_at": closes, "questions": "\n".join(event.questions),
        "reminders": format_offsets(event.reminder_minutes), "tags": ", ".join(event.tags),
    }


def _page(request: Request, template: str, viewer: Member | None, status_code: int = 200, **context: Any) -> Template:
    notice = EVENT_NOTICES.get(request.query_params.get("done", ""))
    return page(request, template, viewer, status_code=status_code, event_notice=notice, choices=FORM_CHOICES,
                **context)


async def _reader_tz(db: AsyncSession, viewer: Member | None) -> str | None:
    if viewer is None:
        return None
    pref = await service.preference_of(db, viewer.id)
    return pref.timezone if pref else None


async def _detail_page(
    request: Request, db: AsyncSession, me: Member, event_id: int, now: dt.datetime, settings: Settings,
    failed: InvalidInput | None = None, values: dict[str, Any] | None = None,
) -> Template:
    """The event page, from what it loads itself. The register and feedback forms show it again after
    `db.rollback()`, which expires every object the request had loaded: a template reading one of those
    would load it outside the async context (MissingGreenlet, a 500)."""
    event = await service.load_event(db, event_id)
    reg = await service.registration_of(db, event_id, me.id)
    confirmed = reg is not None and reg.status == "confirmed"
    tz = await _reader_tz(db, me)
    group = None
    if confirmed and event.groups_published_at is not None:
        group = await groups.group_of_member(db, event_id, me.id)
    return _page(
        request, "events/detail.html", me, status_code=failed.status_code if failed else 200, event=event, reg=reg,
        confirmed=confirmed,
        position=await service.waiting_position(db, reg) if reg is not None and reg.status == "waiting" else None,
        when=calendar.when(event, tz), where=calendar.where(event, confirmed),
        google=calendar.google_link(event, settings, confirmed),
        outlook=calendar.outlook_link(event, settings, confirmed),
        problem_registering=service.registration_problem(event, now), started=now >= event.starts_at,
        feedback_given=confirmed and await service.feedback_given(db, reg.id),
        manager=service.may_manage(me, event), group=group, description_html=render_markdown(event.description),
        resources_html=render_markdown(event.resources), values=values or {},
        errors=failed.errors if failed else {}, problem=failed.message if failed else None,
    )


class EventPages(Controller):
    path = "/events"
    include_in_schema = False

    @get("/")
    async def list_events(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> Template:
        me = require(viewer)
        tz = await _reader_tz(db, me)
        mine = {r.event_id: r for r in await service.my_registrations(db, me.id)}
        events_ = await service.upcoming(db, now)
        return _page(
            request, "events/list.html", viewer, events=events_, mine=mine, when=lambda e: calendar.when(e, tz),
            can_create=service.can_organise(me), past=await service.past(db, now),
            feed=notify.feed_path(request.app.state.settings, me.id),
        )

    @get("/new")
    async def new_form(self, request: Request, viewer: Member | None, now: dt.datetime) -> Template:
        service.require_organiser(require(viewer))
        return _page(request, "events/form.html", viewer, event=None, values={"timezone": "Europe/London",
                     "reminders": "24h, 1h", "format": "peer_assist", "capacity": 12}, errors={},
                     timezones=_timezones(), agendas=FORMATS)

    @post("/")
    async def create(
        self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime, settings: Settings
    ) -> Template | Redirect:
        me = require(viewer)
        values = form_dict(await request.form())
        try:
            created = await service.create_events(db, settings, me, parse_event(values, now), now)
        except (InvalidInput, RateLimited) as exc:
            await db.rollback()
            return _page(request, "events/form.html", viewer, status_code=exc.status_code, event=None, values=values,
                         errors=exc.errors, problem=exc.message, timezones=_timezones(), agendas=FORMATS)
        return see_other(f"/events/{created[0].id}", done="created")

    @get("/{event_id:int}")
    async def detail(
        self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime,
        settings: Settings,
    ) -> Template:
        return await _detail_page(request, db, require(viewer), event_id, now, settings)

    @post("/{event_id:int}/register")
    async def register(
        self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime,
        settings: Settings,
    ) -> Template | Redirect:
        me = require(viewer)
        event = await service.load_event(db, event_id)
        values = form_dict(await request.form())
        try:
            answers = parse_answers(values, event.questions)
        except InvalidInput as exc:
            await db.rollback()
            return await _detail_page(request, db, me, event_id, now, settings, exc, values)
        reg = await service.register(db, settings, me.id, event_id, answers, now)
        return see_other(f"/events/{event_id}", done="registered" if reg.status == "confirmed" else "waiting")

    @post("/{event_id:int}/withdraw")
    async def withdraw(
        self, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime, settings: Settings
    ) -> Redirect:
        me = require(viewer)
        await service.withdraw_member(db, settings, me.id, event_id, now)
        return see_other(f"/events/{event_id}", done="withdrawn")

    @get("/{event_id:int}/edit")
    async def edit_form(self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int) -> Template:
        me = require(viewer)
        event = await service.load_event(db, event_id)
        service.require_manager(me, event)
        return _page(request, "events/form.html", viewer, event=event, values=event_form_values(event), errors={},
                     timezones=_timezones(), agendas=FORMATS)

    @post("/{event_id:int}")
    async def update(
        self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime,
        settings: Settings,
    ) -> Template | Redirect:
        me = require(viewer)
        event = await service.load_event(db, event_id)
        service.require_manager(me, event)
        values = form_dict(await request.form())
        try:
            await service.update_event(db, settings, me, event_id, parse_event(values, now, allow_repeat=False), now)
        except InvalidInput as exc:
            await db.rollback()
            event = await service.load_event(db, event_id)  # loaded again: the rollback expired the one above
            return _page(request, "events/form.html", viewer, status_code=422, event=event, values=values,
                         errors=exc.errors, problem=exc.message, timezones=_timezones(), agendas=FORMATS)
        return see_other(f"/events/{event_id}", done="saved")

    @post("/{event_id:int}/cancel")
    async def cancel(
        self, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime, settings: Settings
    ) -> Redirect:
        await service.cancel_event(db, settings, require(viewer), event_id, now)
        return see_other(f"/events/{event_id}", done="cancelled")

    @get("/{event_id:int}/manage")
    async def manage(
        self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime
    ) -> Template:
        me = require(viewer)
        event = await service.load_event(db, event_id)
        service.require_manager(me, event)
        confirmed = await service.registrations(db, event_id, ("confirmed",))
        groups_ = await groups.groups_of(db, event_id)
        return _page(
            request, "events/manage.html", viewer, event=event, confirmed=confirmed,
            waiting=await service.registrations(db, event_id, ("waiting",)), groups=groups_,
            reasons={g.id: groups.reasons_for(me, g) for g in groups_},
            names={r.member_id: r.member.display_name for r in confirmed}, feedback=await service.feedback_for(db, event_id),
            started=now >= event.starts_at, values={"resources": event.resources}, errors={},
        )

    @post("/{event_id:int}/groups/generate")
    async def generate_groups(self, db: AsyncSession, viewer: Member | None, event_id: int) -> Redirect:
        await groups.generate(db, require(viewer), event_id)
        return see_other(f"/events/{event_id}/manage", done="groups")

    @post("/{event_id:int}/groups/move")
    async def move_member(self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int) -> Redirect:
        form = await request.form()
        try:
            member_id, number = int(form.get("member_id", "")), int(form.get("number", ""))
        except ValueError:
            raise InvalidInput("Choose a person and a group number.") from None
        await groups.move(db, require(viewer), event_id, member_id, number)
        return see_other(f"/events/{event_id}/manage", done="groups")

    @post("/{event_id:int}/groups/publish")
    async def publish_groups(self, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime) -> Redirect:
        await groups.publish(db, require(viewer), event_id, now)
        return see_other(f"/events/{event_id}/manage", done="published")

    @post("/{event_id:int}/attendance")
    async def attendance(self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int) -> Redirect:
        form = await request.form()
        attended = {int(v) for v in form.getall("attended", []) if str(v).isdigit()}
        await service.mark_attendance(db, require(viewer), event_id, attended)
        return see_other(f"/events/{event_id}/manage", done="attendance")

    @post("/{event_id:int}/resources")
    async def resources(
        self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime,
        settings: Settings,
    ) -> Redirect:
        form = await request.form()
        await service.share_resources(db, settings, require(viewer), event_id, str(form.get("resources", "")), now)
        return see_other(f"/events/{event_id}/manage", done="resources")

    @post("/{event_id:int}/feedback")
    async def feedback(
        self, request: Request, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime,
        settings: Settings,
    ) -> Template | Redirect:
        me = require(viewer)
        values = form_dict(await request.form())
        try:
            await service.save_feedback(db, me.id, event_id, parse_feedback(values), now)
        except InvalidInput as exc:
            await db.rollback()
            return await _detail_page(request, db, me, event_id, now, settings, exc, values)
        return see_other(f"/events/{event_id}", done="feedback")

    # --- signed links: no sign-in needed --------------------------------------------------------

    @get("/r/{registration_id:int}/cant-come")
    async def cant_come_form(
        self, request: Request, db: AsyncSession, viewer: Member | None, registration_id: int,
        settings: Settings, t: str = "",
    ) -> Template:
        """A page with a button: mail scanners follow links, so only the POST frees the place."""
        if not notify.signature_ok(settings, "cant-come", registration_id, t):
            from hub.errors import Forbidden

            raise Forbidden("This link is not valid. Open the event page and cancel from there.")
        reg = await db.get(Registration, registration_id)
        if reg is None:
            from hub.errors import NotFound

            raise NotFound("That registration no longer exists.")
        return _page(request, "events/cant_come.html", viewer, reg=reg, token=t,
                     when=calendar.when(reg.event, None))

    @post("/r/{registration_id:int}/cant-come")
    async def cant_come(
        self, request: Request, db: AsyncSession, viewer: Member | None, registration_id: int, now: dt.datetime,
        settings: Settings,
    ) -> Template:
        form = await request.form()
        outcome = await service.withdraw_by_link(db, settings, registration_id, form.get("t"), now)
        reg = outcome.registration
        return _page(request, "events/cant_come.html", viewer, reg=reg, token="", outcome=outcome,
                     when=calendar.when(reg.event, None))

    @get("/preferences")
    async def preferences_form(self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings) -> Template:
        me = require(viewer)
        pref = await service.preference_of(db, me.id)
        values = {"announce": pref.announce if pref else "off", "scope": pref.scope if pref else "interests",
                  "timezone": pref.timezone if pref else "Europe/London"}
        return _page(request, "events/preferences.html", viewer, values=values, errors={}, timezones=_timezones(),
                     feed=settings.base_url + notify.feed_path(settings, me.id))

    @post("/preferences")
    async def save_preferences(
        self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime, settings: Settings
    ) -> Template | Redirect:
        me = require(viewer)
        values = form_dict(await request.form())
        try:
            await service.save_preferences(db, me.id, parse_preferences(values), now)
        except InvalidInput as exc:
            await db.rollback()
            return _page(request, "events/preferences.html", viewer, status_code=422, values=values, errors=exc.errors,
                         problem=exc.message, timezones=_timezones(), feed=settings.base_url + notify.feed_path(settings, me.id))
        return see_other("/events/preferences", done="preferences")

    @get("/unsubscribe")
    async def unsubscribe_form(self, request: Request, viewer: Member | None, m: int = 0, t: str = "") -> Template:
        return _page(request, "events/unsubscribe.html", viewer, member_id=m, token=t, done=False)

    @post("/unsubscribe", opt={"csrf_exempt": True})
    async def unsubscribe(
        self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings, m: int = 0, t: str = ""
    ) -> Template:
        """RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` to the signed URL."""
        if not t:
            form = await request.form()
            m, t = int(form.get("m", 0) or 0) if str(form.get("m", "0")).isdigit() else 0, str(form.get("t", ""))
        await service.unsubscribe(db, settings, m, t)
        return _page(request, "events/unsubscribe.html", viewer, member_id=m, token=t, done=True)

    # --- calendar feeds ---------------------------------------------------------------------------

    @get("/feed.ics")
    async def public_feed(self, request: Request, db: AsyncSession, now: dt.datetime, settings: Settings) -> Response:
        events_ = await service.upcoming(db, now, limit=500)
        body = calendar.feed(events_, settings, name="Network Weaving Hub: open events", confirmed=False)
        return feed_response(request, body, events_, private=False)

    @get("/feed/{member_id:int}/{token:str}")
    async def member_feed(
        self, request: Request, db: AsyncSession, member_id: int, token: str, now: dt.datetime, settings: Settings
    ) -> Response:
        if not notify.signature_ok(settings, "feed", member_id, token.removesuffix(".ics")):
            from hub.errors import NotFound

            raise NotFound("There is no such calendar.")
        events_ = await service.member_feed_events(db, member_id, now)
        body = calendar.feed(events_, settings, name="My events (Network Weaving Hub)", confirmed=True)
        return feed_response(request, body, events_, private=True)


def feed_response(request: Request, body: str, events_: list[Event], *, private: bool) -> Response:
    """Calendar apps poll their feeds: an unchanged feed answers 304 to its ETag, without a body.
    The ETag is the body's digest (a feed does not depend on when it is fetched). Last-Modified is
    the newest change of an event in it, for people to read; it is not taken as a validator
    (If-Modified-Since), since an event that leaves the feed changes it without changing any event."""
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'
    # The personal feed holds online links: no shared cache keeps it. Either way, ask before reusing.
    headers = {"etag": etag, "cache-control": "private, no-cache" if private else "no-cache"}
    changed = calendar.last_change(events_)
    if changed is not None:
        headers["last-modified"] = format_datetime(changed.astimezone(dt.timezone.utc), usegmt=True)
    # RFC 9110 13.1.2: If-None-Match compares weakly (W/ is ignored) and "*" matches any feed.
    offered = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in offered or "*" in offered:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="text/calendar", headers=headers)


# --- JSON API ----------------------------------------------------------------------------------------

@dataclass
class EventOut:
    id: int
    title: str
    format: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    mode: str
    venue: str
    capacity: int
    places_left: int
    status: str
    agenda: list[list[Any]]
    questions: list[str]
    registration_closes_at: Optional[dt.datetime]
    online_link: Optional[str] = None
    my_status: Optional[str] = None


@dataclass
class RegistrationOut:
    event_id: int
    status: str
    waiting_position: Optional[int] = None


@dataclass
class RegistrationIn:
    answers: dict[str, str] = field(default_factory=dict)


@dataclass
class EventIn:
    """The event form's fields as JSON, each checked as the form checks it (a 422 names the field). Times are
    local to `timezone`: date 2026-12-01, start_time and end_time 14:00, closes_at 2026-11-30T18:00. agenda is
    lines like "Round of updates 10" (one string, or a list of lines or of [what, minutes] pairs); questions
    one a line; reminders like "24h, 1h" or a list of minutes; tags comma-separated or a list."""

    title: Optional[str] = None
    format: Optional[str] = None
    description: Optional[str] = None
    agenda: Union[str, list[Union[str, list[Union[str, int]]]], None] = None
    date: Optional[str] = None
    start_time: Optional[str] = None
    end_time: Optional[str] = None
    timezone: Optional[str] = None
    mode: Optional[str] = None
    online_link: Optional[str] = None
    venue: Optional[str] = None
    access_info: Optional[str] = None
    capacity: Union[int, str, None] = None
    closes_at: Optional[str] = None
    questions: Optional[str] = None
    reminders: Union[str, list[Union[int, str]], None] = None
    tags: Union[str, list[str], None] = None
    repeat: Optional[str] = None
    occurrences: Union[int, str, None] = None


def event_out(event: Event, reg: Registration | None) -> EventOut:
    confirmed = reg is not None and reg.status == "confirmed"
    return EventOut(
        id=event.id, title=event.title, format=event.format, starts_at=event.starts_at, ends_at=event.ends_at,
        timezone=event.timezone, mode=event.mode, venue=event.venue, capacity=event.capacity,
        places_left=event.places_left, status=event.status, agenda=[list(a) for a in event.agenda],
        questions=list(event.questions), registration_closes_at=event.registration_closes_at,
        online_link=event.online_link if confirmed and event.is_online else None,
        my_status=reg.status if reg is not None else None,
    )


class EventApi(Controller):
    path = "/api/events"
    tags = ["events"]

    @get("/", responses=api_errors(401, 403))
    async def list_events(self, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> list[EventOut]:
        me = require(viewer)
        mine = {r.event_id: r for r in await service.my_registrations(db, me.id)}
        return [event_out(e, mine.get(e.id)) for e in await service.upcoming(db, now)]

    @get("/{event_id:int}", responses=api_errors(401, 403, 404))
    async def get_event(self, db: AsyncSession, viewer: Member | None, event_id: int) -> EventOut:
        me = require(viewer)
        event = await service.load_event(db, event_id)
        return event_out(event, await service.registration_of(db, event_id, me.id))

    @post("/", status_code=201, responses=api_errors(401, 403, 422, 429))
    async def create(
        self, data: EventIn, db: AsyncSession, viewer: Member | None, now: dt.datetime, settings: Settings
    ) -> list[EventOut]:
        me = require(viewer)
        body = {name: value for name, value in vars(data).items() if value is not None}
        created = await service.create_events(db, settings, me, parse_event(body, now), now)
        return [event_out(e, None) for e in created]

    @post("/{event_id:int}/registration", status_code=200, responses=api_errors(401, 403, 404, 409, 422))
    async def register(
        self, data: RegistrationIn, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime,
        settings: Settings,
    ) -> RegistrationOut:
        me = require(viewer)
        event = await service.load_event(db, event_id)
        by_index = {f"answer_{i}": data.answers.get(q, "") for i, q in enumerate(event.questions)}
        reg = await service.register(db, settings, me.id, event_id, parse_answers(by_index, event.questions), now)
        position = await service.waiting_position(db, reg) if reg.status == "waiting" else None
        return RegistrationOut(event_id=event_id, status=reg.status, waiting_position=position)

    @delete("/{event_id:int}/registration", status_code=200, responses=api_errors(401, 403, 404, 409))
    async def withdraw(
        self, db: AsyncSession, viewer: Member | None, event_id: int, now: dt.datetime, settings: Settings
    ) -> RegistrationOut:
        me = require(viewer)
        outcome = await service.withdraw_member(db, settings, me.id, event_id, now)
        return RegistrationOut(event_id=event_id, status=outcome.registration.status)

