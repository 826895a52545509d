"""iCalendar invites, updates and cancellations; feeds; add-to-calendar links; times for readers.

DESIGN.md §5: one stable UID per event, SEQUENCE increasing with every change sent to a
member, METHOD:CANCEL when the event is cancelled or the member withdraws, times in UTC.
LAST-MODIFIED is the event's last change (`updated_at`, from the hub's clock). DTSTAMP follows
RFC 5545 3.8.7.2: in a message (METHOD) it is when the message was made; in a feed (no METHOD) it
is the event's last change too, so a feed is byte for byte the same until an event in it changes.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import Iterable
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent
from icalendar import vCalAddress, vText

from events.models import Event
from hub.settings import Settings

PRODID = "-//Network Weaving Hub//Events//EN"


def uid_of(event: Event, settings: Settings) -> str:
    host = urlsplit(settings.base_url).hostname or "hub.invalid"
    return f"event-{event.uid}@{host}"


def event_url(event: Event, settings: Settings) -> str:
    return f"{settings.base_url}/events/{event.id}"


def where(event: Event, confirmed: bool) -> str:
    """The location a reader may see: the online link only for confirmed registrants."""
    if event.is_online:
        return event.online_link if confirmed and event.online_link else "Online"
    return event.venue


def summary(event: Event) -> str:
    """The title, prefixed for a cancelled event: calendar apps that ignore STATUS in a subscribed
    feed still show the word."""
    return f"Cancelled: {event.title}" if event.status == "cancelled" else event.title


def _vevent(event: Event, settings: Settings, *, sequence: int, confirmed: bool, stamp: dt.datetime,
            attendee: str | None = None, uninvited: bool = False) -> VEvent:
    """`uninvited`: the attendee no longer has a place (they withdrew, or the event was cancelled)."""
    v = VEvent()
    v.add("uid", uid_of(event, settings))
    v.add("sequence", sequence)
    v.add("dtstamp", stamp.astimezone(dt.timezone.utc))
    v.add("last-modified", event.updated_at.astimezone(dt.timezone.utc))
    v.add("dtstart", event.starts_at.astimezone(dt.timezone.utc))
    v.add("dtend", event.ends_at.astimezone(dt.timezone.utc))
    v.add("summary", summary(event))
    details = [event.description.strip(), f"Details: {event_url(event, settings)}"]
    if confirmed and event.is_online and event.online_link:
        details.append(f"Join: {event.online_link}")
    if not event.is_online and event.access_info:
        details.append(f"Access: {event.access_info}")
    v.add("description", "\n\n".join(d for d in details if d))
    location = where(event, confirmed)
    if location:
        v.add("location", location)
    v.add("url", event_url(event, settings))
    if event.status == "cancelled":
        v.add("status", "CANCELLED")
    elif not uninvited:  # RFC 5546 3.2.5: a CANCEL that removes one attendee carries no STATUS
        v.add("status", "CONFIRMED")
    organiser = vCalAddress("mailto:" + (parseaddr(settings.mail_from)[1] or "hub@example.org"))
    organiser.params["cn"] = vText("Network Weaving Hub")
    v.add("organizer", organiser)
    if attendee:
        who = vCalAddress("mailto:" + attendee)
        who.params["partstat"] = vText("DECLINED" if uninvited else "ACCEPTED")
        who.params["role"] = vText("REQ-PARTICIPANT")
        v.add("attendee", who)
    return v


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def invite(event: Event, settings: Settings, *, attendee: str, sequence: int, stamp: dt.datetime) -> str:
    """METHOD:REQUEST for a confirmed registrant (first invite and every update)."""
    cal = _calendar("REQUEST")
    cal.add_component(_vevent(event, settings, sequence=sequence, confirmed=True, stamp=stamp, attendee=attendee))
    return cal.to_ical().decode("utf-8")


def cancellation(event: Event, settings: Settings, *, attendee: str, sequence: int, stamp: dt.datetime) -> str:
    """METHOD:CANCEL: the event is cancelled (STATUS:CANCELLED), or this member withdrew (the
    attendee is uninvited; the event itself goes on, so no STATUS)."""
    cal = _calendar("CANCEL")
    cal.add_component(
        _vevent(event, settings, sequence=sequence, confirmed=False, stamp=stamp, attendee=attendee, uninvited=True)
    )
    return cal.to_ical().decode("utf-8")


def feed(events: Iterable[Event], settings: Settings, *, name: str, confirmed: bool) -> str:
    """A subscribable calendar (no METHOD): a member's own events, or the public open events.
    Nothing in it depends on when it is fetched."""
    cal = _calendar(None, name)
    for event in events:
        cal.add_component(
            _vevent(event, settings, sequence=event.sequence, confirmed=confirmed, stamp=event.updated_at)
        )
    return cal.to_ical().decode("utf-8")


def last_change(events: Iterable[Event]) -> dt.datetime | None:
    """The newest change of an event in a feed (its HTTP Last-Modified); None for an empty feed."""
    return max((e.updated_at for e in events), default=None)


def _utc_compact(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def google_link(event: Event, settings: Settings, confirmed: bool) -> str:
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc_compact(event.starts_at)}/{_utc_compact(event.ends_at)}",
        "details": f"{event_url(event, settings)}",
        "location": where(event, confirmed),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_link(event: Event, settings: Settings, confirmed: bool) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": event.starts_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": event.ends_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": event_url(event, settings),
        "location": where(event, confirmed),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)


def display_zone(event: Event, reader_tz: str | None) -> ZoneInfo:
    """Online events in the reader's time zone; in-person events in the venue's."""
    if event.is_online and reader_tz:
        try:
            return ZoneInfo(reader_tz)
        except (KeyError, ValueError):
            pass
    return ZoneInfo(event.timezone)


def when(event: Event, reader_tz: str | None) -> str:
    """'Tuesday 8 December 2026, 14:00–15:00 GMT (Europe/London)'."""
    zone = display_zone(event, reader_tz)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    day = f"{start:%A} {start.day} {start:%B %Y}"
    if start.date() == end.date():
        span = f"{start:%H:%M}–{end:%H:%M} {end:%Z}"
    else:
        span = f"{start:%H:%M} {start:%Z} to {end:%A} {end.day} {end:%B}, {end:%H:%M} {end:%Z}"
    return f"{day}, {span} ({zone.key})"
