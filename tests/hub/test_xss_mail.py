"""Member-written text in every mail that carries it, with the XSS corpus in every field.

The mails are made by the real services (profile, posts, weaver approval with a note, consent,
introduction, follow-up, event invite, waiting list, reminder, resources, announcement,
cancellation), delivered over real SMTP (aiosmtpd) and parsed back. The HTML part must contain
no markup that came from a payload (checked with html.parser: only the templates' own tags and
attributes, no handlers, no javascript:/data: links) and must show each payload as text; the
plain-text part must contain each payload literally, not HTML-escaped.

Seeded directly rather than through a form: the suggestion's `reasons` (the matcher writes them)
and the member rows themselves (members join by magic link); every other field goes through the
form parsers and services a member or weaver uses.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from events import reminders, service as events
from events.forms import parse_event
from events.models import EventPreference
from hub import mail, members, weaving
from hub.forms import parse_post, parse_profile
from hub.models import Member, MemberPreference, Post, Suggestion
from tests.support import html_of, make_member, text_of
from tests.xss_payloads import BIDI_CONTROLS, PAYLOADS, Spreader

# Everything the mail templates themselves write (templates/email/*.html).
TEMPLATE_TAGS = {"html", "head", "meta", "title", "body", "p", "h1", "h2", "a", "ul", "ol", "li", "strong",
                 "blockquote", "pre", "br", "em"}
TEMPLATE_ATTRIBUTES = {"lang", "charset", "style", "href"}
DANGEROUS_SCHEME = re.compile(r"^\s*(javascript|vbscript|data|livescript)\s*:", re.I)


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_data(self, data):  # noqa: ANN001
        self.text.append(data)


def markup_problems(body: str, base_url: str) -> list[str]:
    """Tags, attributes and links in an HTML mail that the templates did not write."""
    parser = _Markup()
    parser.feed(body)
    parser.close()
    problems = []
    for tag, attrs in parser.tags:
        if tag not in TEMPLATE_TAGS:
            problems.append(f"<{tag}> {attrs}")
        for name, value in attrs:
            if name not in TEMPLATE_ATTRIBUTES or name.startswith("on"):
                problems.append(f"<{tag} {name}={value!r}>")
            if name == "href" and not (value or "").startswith((base_url + "/", "mailto:")):
                problems.append(f"<{tag} href={value!r}>")
            if value and DANGEROUS_SCHEME.match(html.unescape(value)):
                problems.append(f"<{tag} {name}={value!r}>")
    return problems


def shown_text(body: str) -> str:
    parser = _Markup()
    parser.feed(body)
    parser.close()
    return "".join(parser.text)


async def _profile(s, member: Member, today: dt.date, **fields: str) -> Member:  # noqa: ANN001
    values = {"name": member.name, "organisation": member.organisation, "region": member.region,
              "bio": member.bio, "hours_per_month": "4", **fields}
    return await members.update_profile(s, member, parse_profile(values, today), today)


async def _post(s, member: Member, kind: str, today: dt.date, **fields: str) -> Post:  # noqa: ANN001
    return await members.create_post(s, member, kind, parse_post(fields, today), today)


async def test_member_written_text_in_every_mail_is_escaped_in_html_and_literal_in_text(
    db, settings, clock, factory, inbox,
):
    spread = Spreader()
    now = clock()
    today = now.date()
    half = len(PAYLOADS) // 2

    # --- people, posts, a suggestion with a weaver's note ------------------------------------
    async with factory() as s:
        weaver = await make_member(s, email="weaver@example.org", hub_role="weaver", interests=["Storytelling"])
        asker = await make_member(s, email="asker@example.org", interests=["Co-production"])
        helper = await make_member(s, email="helper@example.org", interests=["Network mapping"])
        attendee = await make_member(s, email="attendee@example.org", interests=["Open space"])
        waiter = await make_member(s, email="waiter@example.org", interests=["Open space"])
        for person, extra in ((weaver, 0), (asker, 1), (helper, 2), (attendee, 3), (waiter, 4)):
            await _profile(
                s, person, today,
                name=spread.one("member name", 120), organisation=spread.one("organisation", 160),
                region=spread.one("region", 120),
            )
        # A name with a bidi override left open, which would reverse a mail's text after it: forms drop them.
        override = next(p.text for p in PAYLOADS if p.text.startswith("\u202e"))
        await _profile(s, asker, today, name=override)
        spread.mark("member name", override)
        s.add_all([MemberPreference(member_id=asker.id, intro_consent="ask_first"),
                   MemberPreference(member_id=helper.id, intro_consent="direct"),
                   EventPreference(member_id=waiter.id, announce="instant", scope="all")])
        await s.commit()
        ask = await _post(s, asker, "ask", today, title=spread.one("ask title", 160),
                          description=spread.block("ask description", PAYLOADS[:half]))
        offer = await _post(s, helper, "offer", today, title=spread.one("offer title", 160),
                            description=spread.block("offer description", PAYLOADS[half:]))
        suggestion = Suggestion(a_id=asker.id, b_id=helper.id, ask_id=ask.id, offer_id=offer.id, score=0.9,
                                reasons=spread.take("suggestion reasons (seeded directly)", 4), created_at=now)
        s.add(suggestion)
        await s.commit()
        note = spread.block("weaver note", PAYLOADS[:half])
        weaver_row = await s.get(Member, weaver.id)
        intro = await weaving.approve(s, settings, weaver_row, suggestion.id, now, note=note)  # consent mail to the asker
        intro_id = intro.id

    async with factory() as s:
        token = weaving.sign(settings, "consent", intro_id, asker.id, now + dt.timedelta(days=1))
        await weaving.answer_consent(s, settings, token, "yes", now)  # the introduction to both
    clock.advance(days=settings.follow_up_days + 1)
    assert await weaving.follow_up_sweep(factory, settings, clock) == 1  # "did you meet?" to both

    # --- an event: announcement, invite, waiting list, reminder, resources, cancellation -------
    now = clock()
    start = now + dt.timedelta(days=3)
    async with factory() as s:
        organiser = await s.get(Member, weaver.id)
        (event,) = await events.create_events(s, settings, organiser, parse_event({
            "title": spread.one("event title", 160), "format": "peer_assist", "date": start.date().isoformat(),
            "start_time": "14:00", "end_time": "15:30", "timezone": "UTC", "mode": "in_person",
            "venue": spread.one("event venue", 300), "capacity": "1",
            "access_info": spread.block("event access info", PAYLOADS[half:]),
            "agenda": "\n".join(f"{text} 10" for text in spread.take("event agenda", 5, 100, forbidden="\n")),
            "description": spread.block("event description (not in any mail)", PAYLOADS[:5]),
        }, now), now)
        event_id = event.id
    async with factory() as s:
        await events.register(s, settings, attendee.id, event_id, {}, now)
    async with factory() as s:
        await events.register(s, settings, waiter.id, event_id, {}, now)
    clock.now = start.replace(hour=14) - dt.timedelta(hours=2)
    assert await reminders.sweep(factory, settings, clock) >= 1
    clock.now = start.replace(hour=16)
    async with factory() as s:
        organiser = await s.get(Member, weaver.id)
        await events.share_resources(s, settings, organiser, event_id, spread.block("event resources"), clock())
    async with factory() as s:
        organiser = await s.get(Member, weaver.id)
        await events.cancel_event(s, settings, organiser, event_id, clock())

    assert spread.unused() == set(), f"payloads in no field: {sorted(spread.unused())}"

    # --- deliver over SMTP and read every mail ---------------------------------------------------
    while await mail.deliver_due(factory, settings, mail.SmtpTransport(settings), now=clock):
        pass
    messages: list[EmailMessage] = list(inbox.messages)

    await db.commit()
    people = {m.id: m for m in (await db.scalars(select(Member))).all()}
    posts = {p.id: p for p in (await db.scalars(select(Post))).all()}
    from events.models import Event

    event = await db.get(Event, event_id)
    w, a, h, att, wt = (people[x.id] for x in (weaver, asker, helper, attendee, waiter))
    assert a.name == override.lstrip("\u202e") and not any(set(p.name) & set(BIDI_CONTROLS) for p in people.values())
    ask, offer = posts[ask.id], posts[offer.id]
    from hub.models import Introduction

    stored = await db.get(Introduction, intro_id)
    note, reasons = stored.note, list(stored.reasons)
    assert note and len(reasons) == 4
    agenda = [item for item, _ in event.agenda]
    expected = {
        # subject starts with -> (member-written text both parts show, text the plain part alone shows)
        f"{w.name} would like to introduce you to": ([w.name, a.name, h.name, h.organisation, ask.title, note, *reasons], []),
        "Introduction:": ([a.name, h.name, a.organisation, h.organisation, w.name, note, ask.title, offer.title, *reasons], []),
        f"Did you meet {h.name}?": ([a.name, h.name, ask.title], []),
        f"Did you meet {a.name}?": ([h.name, a.name, ask.title], []),
        f"New event: {event.title}": ([event.title], [wt.name]),
        f"You're booked: {event.title}": ([event.title, event.venue, event.access_info, *agenda], [att.name]),
        f"You're on the waiting list: {event.title}": ([event.title], [wt.name]),
        f"Reminder: {event.title}": ([event.title, event.venue, event.access_info], [att.name]),
        f"Resources from {event.title}": ([event.title, event.resources], [att.name]),
        f"Cancelled: {event.title}": ([event.title], []),
    }
    seen = {prefix: 0 for prefix in expected}
    everything = sorted({str(v) for both, alone in expected.values() for v in both + alone} | {p.email for p in people.values()},
                        key=len, reverse=True)
    problems: list[str] = []
    for message in messages:
        subject = str(message["Subject"])
        matches = [p for p in expected if subject.startswith(p)]
        assert matches, f"a mail this test does not know: {subject!r}"
        prefix = max(matches, key=len)
        seen[prefix] += 1
        # SMTP carries CRLF line ends; the text is compared line for line.
        text, body = text_of(message).replace("\r\n", "\n"), html_of(message).replace("\r\n", "\n")
        where = f"{prefix!r} to {message['To']}"
        problems += [f"{where}: HTML has {p}" for p in markup_problems(body, settings.base_url)]
        shown = shown_text(body)
        both, alone = expected[prefix]
        for value in both + alone:
            if value not in text:
                problems.append(f"{where}: the text part does not show {value[:60]!r} literally")
        for value in both:
            if value not in shown:
                problems.append(f"{where}: the HTML part does not show {value[:60]!r} as text")
        rest = text
        for value in everything:
            rest = rest.replace(value, "")
        for entity in ("&lt;", "&gt;", "&quot;", "&#34;", "&#39;", "&amp;"):
            if entity in rest:
                problems.append(f"{where}: the text part has the HTML entity {entity}")
    assert problems == [], "\n".join(problems[:40]) + (f"\n… {len(problems)} in all" if len(problems) > 40 else "")
    assert all(seen.values()), f"mails that never came: {[p for p, n in seen.items() if not n]}"
    assert spread.thin_fields(at_least=1) == {}
