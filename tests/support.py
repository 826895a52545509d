"""Test helpers shared across packages: a fixed clock, a real SMTP inbox, factories, sign-in."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import secrets
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from itertools import count
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession

from hub import auth
from hub.members import build_search_tags
from hub.models import Ask, Member, MemberWeavingRole, Offer, WebSession
from hub.tags import get_or_create

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


class FixedClock:
    """Time only moves when a test says so."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """Messages received by a real SMTP server (aiosmtpd), parsed."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        self.messages.clear()


def start_smtp(inbox: Inbox) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def sign_in_token(message: EmailMessage) -> str:
    match = re.search(r"/sign-in/confirm\?token=([\w-]+)", text_of(message))
    assert match, "no sign-in link in the mail"
    return match.group(1)


_seq = count(1)


def unsaved_member(**values) -> Member:  # noqa: ANN003
    """A bare member not yet added, for tests that add many in one transaction."""
    return Member(created_at=START, **values)


async def make_member(session: AsyncSession, **overrides) -> Member:  # noqa: ANN003
    """A complete, active member; any field can be overridden."""
    n = next(_seq)
    interests = overrides.pop("interests", ["Network mapping"])
    roles = overrides.pop("weaving_roles", [])
    values = dict(
        email=f"person{n}@example.org", name=f"Person {n}", organisation=f"Org {n}", sector="nhs",
        nation="england", region="Yorkshire", bio="I like **networks**.", hours_per_month=2, created_at=START,
    )
    values.update(overrides)
    member = Member(**values)
    member.interests = await get_or_create(session, interests)
    member.weaving_roles = [MemberWeavingRole(role=r) for r in roles]
    member.search_text = " ".join([member.name, member.organisation, *interests])
    member.search_tags = build_search_tags(member, START.date())  # no posts yet: the date is not read
    session.add(member)
    await session.commit()
    return member


async def make_post(session: AsyncSession, member: Member, kind: str = "ask", **overrides) -> Offer | Ask:  # noqa: ANN003
    tags = overrides.pop("tags", [])
    cls = Offer if kind == "offer" else Ask
    post = cls(member_id=member.id, title=overrides.pop("title", f"A {kind}"), **overrides)
    post.tags = await get_or_create(session, tags)
    session.add(post)
    await session.commit()
    return post


async def session_cookie_for(session: AsyncSession, member: Member, now: dt.datetime) -> str:
    """A signed-in session made directly, for tests about what a signed-in person may do."""
    secret = secrets.token_urlsafe(32)
    session.add(WebSession(id_hash=auth.digest(secret), member_id=member.id, created_at=now,
                           expires_at=now + dt.timedelta(days=1)))
    await session.commit()
    return secret


async def wait_for(predicate, timeout: float = 5.0) -> None:  # noqa: ANN001
    """For real network peers only (an SMTP server in another thread), never for app time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def browser_like_client(app):  # noqa: ANN001, ANN201
    """A test client that, like a test of Post/Redirect/Get should, sees the 303 itself."""
    from litestar.testing import AsyncTestClient

    client = AsyncTestClient(app)
    client.follow_redirects = False
    return client


async def sign_in_as(client, db: AsyncSession, settings, member: Member, now: dt.datetime) -> str:  # noqa: ANN001
    """Give the client a real session for `member`; returns the CSRF token for its forms."""
    secret = await session_cookie_for(db, member, now)
    client.cookies.set(settings.session_cookie, secret, domain="testserver.local")
    return auth.csrf_token(settings, secret)


async def reload_member(db: AsyncSession, member_id: int) -> Member:
    """The member as the database has it now, after the app changed it in another session."""
    from hub.members import load_member

    await db.commit()  # end any open snapshot, then read afresh
    db.expunge_all()
    return await load_member(db, member_id)


async def seed_fuzz_database(settings, now: dt.datetime) -> dict:  # noqa: ANN001
    """fuzz_seed_community on its own engine, for a database the app under test will use."""
    from hub.db import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await fuzz_seed_community(session, settings, now)
    finally:
        await engine.dispose()


async def fuzz_seed_community(session: AsyncSession, settings, now: dt.datetime) -> dict:  # noqa: ANN001
    """A small community for fuzzing the API (tests/hub/test_api_fuzz.py, bench/api_fuzz.py): an admin
    who makes the calls, a weaver, members with offers and asks, a pending newcomer, events and a
    matching round, so that ids which exist are exercised too. Returns the admin's cookies and CSRF token."""
    from events import service as event_service
    from events.forms import parse_event
    from hub import weaving

    admin = await make_member(session, hub_role="admin", interests=["Network mapping", "Facilitation"])
    weaver = await make_member(session, hub_role="weaver", weaving_roles=["connector"])
    people = [await make_member(session, interests=["Facilitation"]) for _ in range(3)]
    await make_member(session, status="pending")
    for i, person in enumerate([admin, weaver, *people]):
        await make_post(session, person, "offer", title=f"Offer {i}", tags=["Facilitation"])
        await make_post(session, person, "ask", title=f"Ask {i}", tags=["Network mapping"])
    start = now + dt.timedelta(days=7)
    for i, capacity in enumerate(("1", "10")):
        values = {
            "title": f"Peer assist {i}", "format": "peer_assist", "date": start.date().isoformat(),
            "start_time": "14:00", "end_time": "15:30", "timezone": "Europe/London", "mode": "online",
            "online_link": "https://meet.example.org/room-1", "capacity": capacity,
            "questions": "A challenge you would like to bring",
        }
        await event_service.create_events(session, settings, weaver, parse_event(values, now), now)
    await weaving.start_round(session, weaver, "community", "", now)
    secret = await session_cookie_for(session, admin, now)
    return {"cookies": {settings.session_cookie: secret}, "csrf": auth.csrf_token(settings, secret),
            "member_id": admin.id}


async def fresh(db: AsyncSession) -> AsyncSession:
    """The test's session with what the app committed since in view: commit, then forget cached rows."""
    await db.commit()
    db.expunge_all()
    return db


#: The official GEXF 1.2draft schema, unchanged (where it comes from and its licence: the folder's README).
GEXF_SCHEMA = Path(__file__).parent / "hub" / "schemas" / "gexf-1.2draft" / "gexf.xsd"


def gexf_problems(data: bytes) -> list[str]:
    """What the official GEXF 1.2draft XSD refuses in `data` (nothing is fetched: the schema is local)."""
    import xmlschema

    schema = xmlschema.XMLSchema10(GEXF_SCHEMA)
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(io.BytesIO(data), use_location_hints=False)]


def unisolated_text(page: str, member_text: str) -> list[str]:
    """The places in an HTML page where text matching `member_text` (a regex) is not isolated from
    the page's own text around it: not in a <bdi>, an element with a dir attribute or a form
    control, or, in the <title>, not between U+2068 and U+2069 (as tests/e2e/test_xss.py checks
    in a browser)."""
    from html.parser import HTMLParser

    pattern = re.compile(member_text)
    void = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    isolating = {"bdi", "textarea", "option"}

    class Check(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.open: list[tuple[str, bool]] = []  # (tag, isolates)
            self.problems: list[str] = []

        def handle_starttag(self, tag, attrs):  # noqa: ANN001
            if tag not in void:
                isolates = tag in isolating or (any(name == "dir" for name, _ in attrs) and tag not in ("html", "body", "main"))
                self.open.append((tag, isolates))

        def handle_endtag(self, tag):  # noqa: ANN001
            for i in range(len(self.open) - 1, -1, -1):
                if self.open[i][0] == tag:
                    del self.open[i:]
                    break

        def handle_data(self, data):  # noqa: ANN001
            if self.open and self.open[-1][0] == "title":
                data = re.sub("\u2068[^\u2068\u2069]*\u2069", "", data)
                isolated = False
            else:
                isolated = any(isolates for _, isolates in self.open)
            if pattern.search(data) and not isolated:
                self.problems.append(f"in <{'><'.join(t for t, _ in self.open[-3:])}>: {data.strip()[:60]!r}")

    check = Check()
    check.feed(page)
    check.close()
    return check.problems


def as_read(page: str) -> str:
    """A page's HTML without the <bdi> isolation around member-written text, so a test can look for
    a sentence as a person reads it ("Hugo Helper said 1.5 hours")."""
    return re.sub(r"</?bdi>", "", page)
