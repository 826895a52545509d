"""The outbox: written with the change, delivered over real SMTP, retried, never sent twice by two workers."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from hub import mail
from hub.db import create_engine, session_factory
from hub.models import OutboxMessage
from tests.support import START, FixedClock, free_port, html_of, text_of


@pytest.fixture
async def worker_factory(settings):
    engine = create_engine(settings.database_url)
    yield session_factory(engine)
    await engine.dispose()


async def queue(db, settings, n: int = 1, name: str = "Ana") -> None:  # noqa: ANN001
    for i in range(n):
        await mail.enqueue(
            db, settings, now=START, to=f"p{i}@example.org", template="invitation", subject=f"Invitation {i}",
            context={"inviter": name, "link": "https://example.org/join"},
        )
    await db.commit()


async def only_row(db) -> OutboxMessage:  # noqa: ANN001
    await db.commit()
    db.expunge_all()
    return (await db.scalars(select(OutboxMessage))).one()


async def statuses(db) -> Counter:  # noqa: ANN001
    await db.commit()
    return Counter((await db.scalars(select(OutboxMessage.status))).all())


async def test_a_mail_arrives_with_text_and_html_parts_and_stable_headers(db, settings, inbox, worker_factory, clock):
    await queue(db, settings, name="Ana <b>&</b> Co")
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock) == 1
    (message,) = inbox.messages
    row = await only_row(db)
    assert message["Message-ID"] == row.message_id and message["Auto-Submitted"] == "auto-generated"
    assert "Ana <b>&</b> Co has invited you" in text_of(message)  # plain text is not HTML-escaped
    assert "Ana &lt;b&gt;&amp;&lt;/b&gt; Co" in html_of(message)  # HTML is
    assert await statuses(db) == Counter({"sent": 1})


async def test_enqueueing_with_the_same_key_twice_sends_one_mail(db, settings):
    for _ in range(2):
        await mail.enqueue(db, settings, now=START, to="a@example.org", template="invitation", subject="Hi",
                           context={"inviter": "A", "link": "x"}, dedupe_key="once")
    await db.commit()
    assert await statuses(db) == Counter({"queued": 1})


async def test_an_smtp_outage_is_retried_with_backoff_until_the_mail_arrives(db, settings, inbox, worker_factory, clock):
    await queue(db, settings)
    down = settings.with_(smtp_port=free_port())  # nothing listens there
    await mail.deliver_due(worker_factory, down, mail.SmtpTransport(down), now=clock)
    row = await only_row(db)
    assert (row.status, row.attempts) == ("retry", 1) and row.next_attempt_at > clock()
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock) == 0
    clock.advance(seconds=31)
    await mail.deliver_due(worker_factory, down, mail.SmtpTransport(down), now=clock)
    row = await only_row(db)
    assert row.attempts == 2 and row.next_attempt_at - clock() == mail.backoff(2)
    clock.advance(minutes=2)
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock) == 1
    assert len(inbox.messages) == 1 and await statuses(db) == Counter({"sent": 1})


async def test_a_mail_that_keeps_failing_is_marked_failed_not_lost(db, settings, worker_factory, clock):
    await queue(db, settings)
    down = settings.with_(smtp_port=free_port())
    for _ in range(mail.MAX_ATTEMPTS):
        await mail.deliver_due(worker_factory, down, mail.SmtpTransport(down), now=clock)
        clock.advance(hours=2)
    row = await only_row(db)
    assert row.status == "failed" and "Error" in row.last_error


async def test_a_claim_left_by_a_crashed_worker_is_taken_over_after_its_lease(db, settings, inbox, worker_factory, clock):
    await queue(db, settings)
    async with worker_factory() as session:
        claimed = await mail.claim_due(session, clock(), limit=10)  # then the worker "dies"
    assert len(claimed) == 1
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock) == 0
    clock.advance(seconds=mail.LEASE.total_seconds() + 1)
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock) == 1
    assert [m["Message-ID"] for m in inbox.messages] == [claimed[0].message_id]


async def test_two_workers_at_once_send_every_mail_exactly_once(db, settings, inbox, clock):
    await queue(db, settings, n=60)
    engines = [create_engine(settings.database_url) for _ in range(2)]

    async def worker(engine) -> None:  # noqa: ANN001
        factory = session_factory(engine)
        while await mail.deliver_due(factory, settings, mail.SmtpTransport(settings), now=clock, limit=5):
            pass

    try:
        await asyncio.gather(*(worker(e) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(ids) == 60 and max(ids.values()) == 1
    assert await statuses(db) == Counter({"sent": 60})


async def test_the_worker_inside_the_web_app_delivers_by_the_apps_clock(settings, inbox):
    """The embedded default: `hub serve` runs the worker, on the same clock as the app."""
    from hub.app import create_app
    from tests.support import browser_like_client, wait_for
    from tests.hub.test_sign_in import csrf_from

    far_future = FixedClock(START.replace(year=2031))
    app = create_app(settings.with_(worker_poll_seconds=0.05), clock=far_future, start_worker=True)
    async with browser_like_client(app) as client:
        page = await client.get("/sign-in")
        await client.post("/sign-in", data={"email": "later@example.org", "_csrf": csrf_from(page.text)})
        await wait_for(lambda: inbox.to("later@example.org"), timeout=10)
    assert len(inbox.to("later@example.org")) == 1
