"""The outbox: written with the change, delivered over real SMTP, retried, never sent twice by two workers."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import asynccontextmanager

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
    assert message["X-Hub-Outbox-Id"] == str(row.id)  # the same on every resend of this row
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


class WorkerDied(BaseException):
    """What a SIGKILL looks like from inside the batch: nothing after it runs, not even `except Exception`."""


class DyingTransport:
    """Real SMTP that stops the worker at the n-th mail, before or after the server accepted it."""

    def __init__(self, settings, n: int, after_acceptance: bool) -> None:  # noqa: ANN001
        self.smtp, self.n, self.after_acceptance, self.count = mail.SmtpTransport(settings), n, after_acceptance, 0

    @asynccontextmanager
    async def connection(self):  # noqa: ANN201
        async with self.smtp.connection() as send:
            async def dying(message) -> None:  # noqa: ANN001
                self.count += 1
                if self.count == self.n and not self.after_acceptance:
                    raise WorkerDied
                await send(message)
                if self.count == self.n:
                    raise WorkerDied

            yield dying


def deliveries(inbox) -> Counter:  # noqa: ANN001
    return Counter((m["Message-ID"], m["X-Hub-Outbox-Id"]) for m in inbox.messages)


async def test_a_claim_whose_heartbeat_stopped_is_taken_over_after_the_timeout_and_not_before(
    db, settings, inbox, worker_factory, clock
):
    await queue(db, settings, n=3)
    async with worker_factory() as session:
        claimed = await mail.claim_due(session, clock(), limit=10, worker="dead")  # then the worker "dies"
    assert len(claimed) == 3 and {r.claimed_by for r in claimed} == {"dead"}
    clock.advance(seconds=mail.HEARTBEAT_TIMEOUT.total_seconds())
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock, worker="b") == 0
    clock.advance(seconds=1)
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock, worker="b") == 3
    assert sorted(m["Message-ID"] for m in inbox.messages) == sorted(r.message_id for r in claimed)
    assert await statuses(db) == Counter({"sent": 3})


async def test_a_claim_whose_heartbeat_is_refreshed_stays_with_its_worker(db, settings, worker_factory, clock):
    await queue(db, settings, n=2)
    timeout = mail.HEARTBEAT_TIMEOUT.total_seconds()
    async with worker_factory() as session:
        claimed = await mail.claim_due(session, clock(), limit=10, worker="a")
        clock.advance(seconds=timeout * 0.75)
        assert await mail.heartbeat(session, "a", [r.id for r in claimed], clock()) == {r.id for r in claimed}
    clock.advance(seconds=timeout * 0.75)  # 1.5 timeouts since the claim, 0.75 since the heartbeat
    async with worker_factory() as session:
        assert await mail.claim_due(session, clock(), limit=10, worker="b") == []
    clock.advance(seconds=timeout * 0.3)
    async with worker_factory() as session:
        assert len(await mail.claim_due(session, clock(), limit=10, worker="b")) == 2
        assert await mail.heartbeat(session, "a", [r.id for r in claimed], clock()) == set()  # no longer a's


async def test_a_worker_refreshes_its_heartbeat_while_a_slow_batch_is_sent(db, settings, inbox, worker_factory, clock):
    """Each mail takes 40% of the timeout: without a heartbeat the other worker would take the end of the batch."""
    await queue(db, settings, n=5)
    other_worker_got = []

    class SlowServer:
        @asynccontextmanager
        async def connection(self):  # noqa: ANN201
            async with mail.SmtpTransport(settings).connection() as send:
                async def slow(message) -> None:  # noqa: ANN001
                    clock.advance(seconds=mail.HEARTBEAT_TIMEOUT.total_seconds() * 0.4)
                    other_worker_got.append(await mail.deliver_due(
                        worker_factory, settings, mail.SmtpTransport(settings), now=clock, worker="b"))
                    await send(message)

                yield slow

    assert await mail.deliver_due(worker_factory, settings, SlowServer(), now=clock, worker="a") == 5
    assert other_worker_got == [0] * 5
    assert len(inbox.messages) == 5 and max(deliveries(inbox).values()) == 1
    assert await statuses(db) == Counter({"sent": 5})


async def test_a_worker_whose_claims_were_taken_over_sends_none_of_them(db, settings, inbox, worker_factory, clock):
    """Stalled past the timeout on its first mail, worker a comes back to find the rest sent by b: it sends
    none of them. The mail that was in flight arrives twice, with the same Message-ID (at-least-once)."""
    await queue(db, settings, n=5)

    class StallingServer:
        @asynccontextmanager
        async def connection(self):  # noqa: ANN201
            async with mail.SmtpTransport(settings).connection() as send:
                async def stall(message) -> None:  # noqa: ANN001
                    if not inbox.messages:
                        clock.advance(seconds=mail.HEARTBEAT_TIMEOUT.total_seconds() + 1)
                        assert await mail.deliver_due(
                            worker_factory, settings, mail.SmtpTransport(settings), now=clock, worker="b") == 5
                    await send(message)

                yield stall

    await mail.deliver_due(worker_factory, settings, StallingServer(), now=clock, worker="a")
    counts = deliveries(inbox)
    assert len(counts) == 5 and sorted(counts.values()) == [1, 1, 1, 1, 2]
    assert await statuses(db) == Counter({"sent": 5})


@pytest.mark.parametrize("after_acceptance", [False, True], ids=["before-acceptance", "after-acceptance"])
async def test_each_mail_is_marked_sent_right_after_its_own_acceptance(
    db, settings, inbox, worker_factory, clock, after_acceptance
):
    """A worker dies at the 3rd of 6 mails: the first two are already marked sent, the other four are
    taken over by the next worker. Killed after the server accepted the 3rd, the 3rd arrives twice, with
    the same Message-ID and X-Hub-Outbox-Id, so the resend is recognisable: SMTP's at-least-once."""
    await queue(db, settings, n=6)
    with pytest.raises(WorkerDied):
        await mail.deliver_due(worker_factory, settings, DyingTransport(settings, 3, after_acceptance), now=clock,
                               worker="dead")
    assert await statuses(db) == Counter({"sent": 2, "sending": 4})
    clock.advance(seconds=mail.HEARTBEAT_TIMEOUT.total_seconds() + 1)
    assert await mail.deliver_due(worker_factory, settings, mail.SmtpTransport(settings), now=clock, worker="b") == 4
    assert await statuses(db) == Counter({"sent": 6})
    counts = deliveries(inbox)
    await db.commit()
    rows = (await db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert set(counts) == {(r.message_id, str(r.id)) for r in rows}
    assert [counts[(r.message_id, str(r.id))] for r in rows] == [1, 1, 2 if after_acceptance else 1, 1, 1, 1]


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
