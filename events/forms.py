"""Shape checks for event forms and the events API (same parsers for both)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping
from zoneinfo import ZoneInfo, available_timezones

from events.models import ANNOUNCE_CHOICES, ANNOUNCE_SCOPES, DEFAULT_REMINDER_MINUTES, FORMATS, MODES
from hub.forms import _Fields

TIMEZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
COMMON_TIMEZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "America/New_York", "Australia/Sydney", "UTC"]
REPEATS = {"none": "Does not repeat", "weekly": "Every week", "monthly": "Every month (same weekday)"}
MAX_OCCURRENCES = 12
MAX_YEARS_AHEAD = 10
FORMAT_LABELS = {k: v[0] for k, v in FORMATS.items()}
_OFFSET = re.compile(r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s*$", re.I)


@dataclass(frozen=True)
class EventInput:
    title: str
    format: str
    description: str
    agenda: list[tuple[str, int]]
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime
    timezone: str
    mode: str
    online_link: str
    venue: str
    access_info: str
    capacity: int
    registration_closes_at: dt.datetime | None
    questions: list[str]
    reminder_minutes: list[int]
    tags: list[str]
    repeat: str
    occurrences: int


def local_to_utc(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime | None:
    """None for a wall-clock time that does not exist (the hour the clocks skip)."""
    local = dt.datetime.combine(day, at).replace(tzinfo=zone)
    utc = local.astimezone(dt.timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def _time(f: _Fields, name: str, label: str) -> dt.time | None:
    value = f.raw(name)
    if value in (None, ""):
        f.errors[name] = f"{label} is required."
        return None
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        f.errors[name] = f"{label} must be a time like 18:30."
        return None


def parse_offsets(f: _Fields) -> list[int]:
    value = f.raw("reminders")
    if value in (None, ""):
        return list(DEFAULT_REMINDER_MINUTES) if value is None else []
    parts = value if isinstance(value, list) else str(value).split(",")
    minutes: set[int] = set()
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            amount, unit = part, "m"
        else:
            match = _OFFSET.match(str(part))
            if not match:
                f.errors["reminders"] = "Write reminders like '24h, 1h' or '2 days, 30 min'."
                return list(DEFAULT_REMINDER_MINUTES)
            amount, unit = int(match.group(1)), match.group(2).lower()[0]
        total = amount * {"m": 1, "h": 60, "d": 1440}[unit]
        if not 1 <= total <= 30 * 1440:
            f.errors["reminders"] = "Each reminder must be between 1 minute and 30 days before the start."
            return list(DEFAULT_REMINDER_MINUTES)
        minutes.add(total)
    if len(minutes) > 5:
        f.errors["reminders"] = "Please keep to 5 reminders at most."
    return sorted(minutes, reverse=True)


def format_offsets(minutes: list[int]) -> str:
    def one(m: int) -> str:
        if m % 1440 == 0:
            return f"{m // 1440}d"
        if m % 60 == 0:
            return f"{m // 60}h"
        return f"{m}m"

    return ", ".join(one(m) for m in minutes)


def _agenda(f: _Fields, fmt: str) -> list[tuple[str, int]]:
    value = f.raw("agenda")
    if value in (None, ""):
        return [tuple(item) for item in FORMATS.get(fmt, FORMATS["other"])[1]]
    lines = value if isinstance(value, list) else [ln for ln in str(value).splitlines() if ln.strip()]
    out = []
    for line in lines:
        if isinstance(line, (list, tuple)) and len(line) == 2:
            item, minutes = str(line[0]), line[1]
        else:
            item, _, minutes = str(line).rpartition(" ")
            item = item.rstrip(" -–:,")
        try:
            minutes = int(str(minutes).removesuffix("min").strip())
        except ValueError:
            f.errors["agenda"] = "Write each agenda line as 'What happens  10' (the minutes at the end)."
            return []
        if not item.strip() or not 0 < minutes <= 600:
            f.errors["agenda"] = "Each agenda line needs a name and between 1 and 600 minutes."
            return []
        out.append((" ".join(item.split())[:120], minutes))
    if len(out) > 30:
        f.errors["agenda"] = "Please keep the agenda to 30 lines."
    return out


def parse_event(data: Mapping[str, Any], now: dt.datetime, allow_repeat: bool = True) -> EventInput:
    f = _Fields(data)
    title = f.text("title", "Title", 160, required=True)
    if title and len(title) < 3 and "title" not in f.errors:
        f.errors["title"] = "Title must be at least 3 characters."
    fmt = f.choice("format", "Format", FORMATS, "other") or "other"
    tz_name = f.choice("timezone", "Time zone", TIMEZONES + ["UTC"], "Europe/London") or "Europe/London"
    zone = ZoneInfo(tz_name)
    today = now.astimezone(zone).date()
    day = f.date("date", "Date", today, future=True)
    if day is not None and day.year > today.year + MAX_YEARS_AHEAD:
        f.errors["date"] = f"Date must be within the next {MAX_YEARS_AHEAD} years."
        day = None
    if day is None and "date" not in f.errors:
        f.errors["date"] = "Date is required."
    start_t, end_t = _time(f, "start_time", "Start time"), _time(f, "end_time", "End time")
    starts_at = ends_at = None
    if day and start_t:
        starts_at = local_to_utc(day, start_t, zone)
        if starts_at is None:
            f.errors["start_time"] = f"{start_t:%H:%M} does not exist on that day in {tz_name}: the clocks go forward."
        elif starts_at <= now:
            f.errors["start_time"] = "The event must start in the future."
    if day and end_t:
        ends_at = local_to_utc(day + dt.timedelta(days=1 if start_t and end_t <= start_t else 0), end_t, zone)
        if ends_at is None:
            f.errors["end_time"] = f"{end_t:%H:%M} does not exist on that day in {tz_name}: the clocks go forward."
        elif starts_at and ends_at - starts_at > dt.timedelta(hours=12):
            # An end at or before the start is read as past midnight (22:00 to 01:00); 14:00 to 13:00 is a slip.
            f.errors["end_time"] = (
                "The end must be after the start." if end_t <= start_t else "An event can last at most 12 hours."
            )
    mode = f.choice("mode", "Where it happens", MODES, "online") or "online"
    link = f.text("online_link", "Online link", 500)
    if link and not link.lower().startswith(("https://", "http://")):
        f.errors["online_link"] = "The online link must start with https://."
    venue = f.text("venue", "Venue", 300)
    if mode == "in_person" and not venue and "venue" not in f.errors:
        f.errors["venue"] = "Say where the event happens."
    capacity = f.integer("capacity", "Places", 1, 10000, 0)
    if capacity == 0 and "capacity" not in f.errors:
        f.errors["capacity"] = "Places is required."
    closes_at = None
    closes = f.raw("closes_at")
    if closes not in (None, ""):
        try:
            closes_local = dt.datetime.fromisoformat(str(closes))
            closes_at = (closes_local if closes_local.tzinfo else closes_local.replace(tzinfo=zone)).astimezone(
                dt.timezone.utc
            )
            if starts_at and closes_at > starts_at:
                f.errors["closes_at"] = "Registration must close before the event starts."
        except (ValueError, OverflowError):  # OverflowError: a year-1 time that is before year 1 in UTC
            f.errors["closes_at"] = "Registration closes must be a date and time like 2026-12-01T18:00."
    questions_raw = f.text("questions", "Questions", 2000, multiline=True)
    questions = [" ".join(q.split())[:200] for q in questions_raw.splitlines() if q.strip()]
    if len(questions) > 5:
        f.errors["questions"] = "Please keep to 5 questions at most."
    repeat = f.choice("repeat", "Repeat", REPEATS, "none") if allow_repeat else "none"
    occurrences = f.integer("occurrences", "How many", 1, MAX_OCCURRENCES, 1) if repeat != "none" else 1
    event = EventInput(
        title=title, format=fmt, description=f.text("description", "Description", 4000, multiline=True),
        agenda=_agenda(f, fmt), starts_at=starts_at or now, ends_at=ends_at or now, timezone=tz_name, mode=mode,
        online_link=link, venue=venue, access_info=f.text("access_info", "Access information", 2000, multiline=True),
        capacity=capacity, registration_closes_at=closes_at, questions=questions,
        reminder_minutes=parse_offsets(f), tags=f.tags("tags", "Interests"), repeat=repeat or "none",
        occurrences=occurrences,
    )
    f.done("Please correct the highlighted fields.")
    return event


@dataclass(frozen=True)
class PreferenceInput:
    announce: str
    scope: str
    timezone: str


def parse_preferences(data: Mapping[str, Any]) -> PreferenceInput:
    f = _Fields(data)
    prefs = PreferenceInput(
        announce=f.choice("announce", "Announcements", ANNOUNCE_CHOICES, "off") or "off",
        scope=f.choice("scope", "Which events", ANNOUNCE_SCOPES, "interests") or "interests",
        timezone=f.choice("timezone", "Time zone", TIMEZONES + ["UTC"], "Europe/London") or "Europe/London",
    )
    f.done("Please correct the highlighted fields.")
    return prefs


@dataclass(frozen=True)
class FeedbackInput:
    what_worked: str
    not_helpful: str


def parse_feedback(data: Mapping[str, Any]) -> FeedbackInput:
    f = _Fields(data)
    out = FeedbackInput(
        what_worked=f.text("what_worked", "What worked", 4000, multiline=True),
        not_helpful=f.text("not_helpful", "What wasn't helpful", 4000, multiline=True),
    )
    if not out.what_worked and not out.not_helpful and not f.errors:
        f.errors["what_worked"] = "Write a few words in at least one of the boxes."
    f.done("Please correct the highlighted fields.")
    return out


def parse_answers(data: Mapping[str, Any], questions: list[str]) -> dict[str, str]:
    f = _Fields(data)
    answers = {}
    for i, question in enumerate(questions):
        value = f.text(f"answer_{i}", question, 2000, multiline=True)
        if value:
            answers[question] = value
    f.done("Please correct the highlighted fields.")
    return answers
