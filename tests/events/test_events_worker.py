"""The worker under stress: SIGKILL mid-batch, an SMTP outage; counted at a real SMTP server by Message-ID."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from events import reminders, service
from hub import mail
from hub.db import utcnow
from hub.models import Member, OutboxMessage
from tests.events.conftest import make_event
from tests.support import FixedClock, Inbox, free_port, start_smtp, unsaved_member

ROOT = Path(__file__).resolve().parents[2]


class SlowInbox(Inbox):
    """A real SMTP server that takes 15 ms per message, so a batch is still going when the kill comes."""

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        await asyncio.sleep(0.015)
        return await super().handle_DATA(server, session, envelope)


#: The heartbeat timeout of the workers in the crash test: small, so the takeover is seen in seconds.
CRASH_TIMEOUT = 2.0


@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_a_worker_killed_mid_batch_loses_nothing_and_the_other_takes_over_its_claims_in_seconds(db, settings):
    """Two real worker processes send 200 mails to a real SMTP server; one is SIGKILLed mid-batch.

    Every mail arrives, and the dead worker's claims are taken over by the other worker seconds after
    its heartbeat stopped. A duplicate is still possible for the one mail in flight: if the kill lands
    after the server accepted it and before its row was marked sent, it is sent again. That is SMTP's
    own contract (at-least-once: a sender cannot tell a 250 it never read from a mail that never
    arrived), and the resend carries the same Message-ID and X-Hub-Outbox-Id, so the receiver sees
    that it is the same mail."""
    n = 200
    now = utcnow()  # the workers run on the real clock
    for i in range(n):
        await mail.enqueue(db, settings, now=now, to=f"k{i}@example.org", template="invitation",
                           subject=f"Invitation {i}", context={"inviter": "K", "link": "https://example.org/join"})
    await db.commit()
    slow = SlowInbox()
    server = start_smtp(slow)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, str(ROOT / "tests/events/worker_proc.py"), settings.database_url]
    by_id, read = Counter(), 0

    def arrived() -> int:
        """Mails seen so far, by Message-ID; each message read once (the server thread shares our GIL)."""
        nonlocal read
        new = slow.messages[read:]
        read += len(new)
        by_id.update(m["Message-ID"] for m in new)
        return len(by_id)

    async def held_by(worker: str) -> int:
        await db.commit()
        return await db.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker))

    workers = {name: subprocess.Popen([*args, name, str(server.port), str(CRASH_TIMEOUT)], env=env, cwd=ROOT)
               for name in ("victim", "survivor")}
    deadline = time.monotonic() + 90  # a bound for a loaded machine, not the expected time: polls, no sleeps
    try:
        while len(slow.messages) < n // 5 or not await held_by("victim"):
            assert time.monotonic() < deadline, "the workers did not get going"
            assert all(w.poll() is None for w in workers.values()), "a worker stopped by itself"
            await asyncio.sleep(0.02)
        workers["victim"].send_signal(signal.SIGKILL)
        workers["victim"].wait()
        killed_at = time.monotonic()
        stranded = await held_by("victim")
        assert stranded > 0, "the kill must land while the victim holds claimed mail"
        while await held_by("victim"):
            assert time.monotonic() < deadline, "the dead worker's claims were never taken over"
            await asyncio.sleep(0.05)
        taken_over_after = time.monotonic() - killed_at
        while arrived() < n:
            assert time.monotonic() < deadline, f"only {len(by_id)} of {n} mails arrived"
            await asyncio.sleep(0.05)
        workers["survivor"].send_signal(signal.SIGTERM)
        assert workers["survivor"].wait(timeout=30) == 0
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        server.stop()
    arrived()
    duplicates = sum(c - 1 for c in by_id.values())
    print(f"{n} mails, {duplicates} duplicate(s); {stranded} claims stranded by the kill, taken over "
          f"{taken_over_after:.1f} s later")
    assert len(by_id) == n  # every mail arrived
    assert duplicates <= 1  # at most the one in flight at the kill, under its own Message-ID
    assert taken_over_after < CRASH_TIMEOUT + 5  # seconds, not the 5-minute lease of old
    await db.commit()
    assert Counter((await db.scalars(select(OutboxMessage.status))).all()) == Counter({"sent": n})


async def test_an_smtp_outage_delays_reminders_then_all_arrive_once(db, settings, clock, factory, inbox):
    event = await make_event(db, settings, clock(), capacity=5)
    for i in range(5):
        db.add(unsaved_member(email=f"o{i}@example.org", name=f"O {i}"))
    await db.commit()
    for member_id in (await db.scalars(select(Member.id).where(Member.email.like("o%@example.org")))).all():
        await service.register(db, settings, member_id, event.id, {}, clock())
    await db.execute(OutboxMessage.__table__.update().values(status="sent"))
    await db.commit()
    clock.now = event.starts_at - dt.timedelta(hours=1)
    down = settings.with_(smtp_port=free_port())
    await reminders.sweep(factory, settings, clock)
    for _ in range(3):  # down for a while: retried with growing backoff
        await mail.deliver_due(factory, down, mail.SmtpTransport(down), now=clock)
        clock.advance(minutes=5)
    assert inbox.messages == []
    while await mail.deliver_due(factory, settings, mail.SmtpTransport(settings), now=clock):
        pass
    assert Counter(m["To"] for m in inbox.messages) == Counter({f"o{i}@example.org": 1 for i in range(5)})
    assert isinstance(clock, FixedClock)
