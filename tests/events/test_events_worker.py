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


async def registered(db, settings, now: dt.datetime, n: int):  # noqa: ANN001, ANN201
    """An event 59 minutes from `now` (its 1 h reminder just due) with n registrants from two hours
    earlier; their invites already sent."""
    earlier = now - dt.timedelta(hours=2)
    event = await make_event(db, settings, now - dt.timedelta(days=7), capacity=n)
    zone_start = now + dt.timedelta(minutes=59)
    event.starts_at, event.ends_at = zone_start, zone_start + dt.timedelta(hours=1)
    await db.commit()
    for i in range(n):
        db.add(unsaved_member(email=f"k{i}@example.org", name=f"K {i}"))
    await db.commit()
    ids = (await db.scalars(select(Member.id).where(Member.email.like("k%@example.org")))).all()
    for member_id in ids:
        await service.register(db, settings, member_id, event.id, {}, earlier)
    await db.execute(OutboxMessage.__table__.update().values(status="sent"))
    await db.commit()
    return event


async def test_a_worker_killed_mid_batch_loses_nothing_and_the_next_one_finishes(db, settings, tmp_path):
    n = 60
    event = await registered(db, settings, utcnow(), n)
    slow = SlowInbox()
    server = start_smtp(slow)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, str(ROOT / "tests/events/worker_proc.py"), settings.database_url]
    try:
        first = subprocess.Popen([*args, "0", str(server.port)], env=env, cwd=ROOT)
        deadline = time.monotonic() + 20  # a real process and a real server: a bounded poll
        while len(slow.messages) < 5:
            assert time.monotonic() < deadline and first.poll() is None, "the first worker sent nothing"
            await asyncio.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait()
        before = len(slow.messages)
        assert 0 < before < n, "the kill must land mid-batch"
        await db.commit()
        stranded = await db.scalar(select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.status == "sending"))
        assert stranded > 0, "the killed worker left claimed mail behind"
        lease = mail.LEASE.total_seconds() + 5  # the next worker stands after the lease ran out
        second = subprocess.run([*args, str(lease), str(server.port)], env=env, cwd=ROOT, timeout=60)
        assert second.returncode == 0
        while len({m["Message-ID"] for m in slow.messages}) < n and time.monotonic() < deadline + 20:
            await asyncio.sleep(0.01)
    finally:
        server.stop()
    reminders_seen = [m for m in slow.messages if "Reminder" in str(m["Subject"])]
    by_id = Counter(m["Message-ID"] for m in reminders_seen)
    assert len(by_id) == n  # every due reminder arrived
    # At-least-once: at most the one mail in flight at the moment of the kill may be resent, and it
    # carries the same Message-ID, so the receiver recognises it.
    assert sum(c - 1 for c in by_id.values()) <= 1
    await db.commit()
    assert Counter((await db.scalars(select(OutboxMessage.status).where(
        OutboxMessage.dedupe_key.like(f"%:reminder:%")))).all()) == Counter({"sent": n})
    assert event.id


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
