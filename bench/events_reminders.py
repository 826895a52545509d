"""Reminders for N registrants reaching a local aiosmtpd: 1 worker, 4 workers, and a bare aiosmtplib loop.

    .venv/bin/python bench/events_reminders.py [--n 5000] [--database-url URL]

Default database: a scratch PostgreSQL database bench_events_reminders (several workers need
PostgreSQL to run in parallel; on SQLite they take turns). Each worker is a separate process
running the same sweeps and delivery loop as `hub worker`. The bare loop sends the same number
of already-built messages with aiosmtplib over one connection, as the hub's transport does for
each batch: that is the ceiling. Prints seconds, mails/second and the ratio to the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiosmtplib  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import text  # noqa: E402

from hub.db import create_engine, session_factory, utcnow  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.settings import Settings  # noqa: E402

ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
WORKER = '''
import asyncio, datetime as dt, sys
sys.path.insert(0, {root!r})
from events.worker import sweeps
from hub.db import create_engine, session_factory, utcnow
from hub.mail import SmtpTransport, deliver_due
from hub.settings import Settings

async def main():
    s = Settings(database_url={url!r}, secret_key="bench", mail_mode="smtp", smtp_port={port}, run_worker_in_web=False)
    engine = create_engine(s.database_url)
    f = session_factory(engine)
    idle = 0
    while idle < 3:
        for sweep in sweeps(f, s, utcnow):
            await sweep()
        n = await deliver_due(f, s, SmtpTransport(s), now=utcnow, limit=50)
        idle = idle + 1 if n == 0 else 0
        if n == 0:
            await asyncio.sleep(0.05)
    await engine.dispose()

asyncio.run(main())
'''


class Counting:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.count += 1
        for line in envelope.original_content.split(b"\r\n", 60):
            if line.lower().startswith(b"message-id:"):
                self.ids.add(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


async def admin(*statements: str) -> None:
    engine = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for s in statements:
            await conn.execute(text(s))
    await engine.dispose()


async def prepare(url: str, n: int) -> None:
    """A fresh database with one event starting in 59 minutes and n registrants from 2 h earlier."""
    from events import service
    from events.forms import parse_event
    from events.models import Event, Registration
    from hub.models import Member

    engine = create_engine(url)
    factory = session_factory(engine)
    now = utcnow()
    async with factory() as db:
        weaver = Member(email="host@example.org", name="Host", hub_role="weaver", created_at=now)
        db.add(weaver)
        await db.commit()
        day = (now + dt.timedelta(days=7)).date().isoformat()
        data = parse_event({"title": "Bench", "date": day, "start_time": "14:00", "end_time": "15:00",
                            "timezone": "UTC", "capacity": str(n), "online_link": "https://meet.example.org/b"}, now)
        (event,) = await service.create_events(db, Settings(database_url=url, secret_key="bench"), weaver, data, now)
        event.starts_at, event.ends_at = now + dt.timedelta(minutes=59), now + dt.timedelta(minutes=119)
        event.taken = n
        members = [Member(email=f"r{i}@example.org", name=f"R {i}", created_at=now) for i in range(n)]
        db.add_all(members)
        await db.flush()
        earlier = now - dt.timedelta(hours=2)
        db.add_all([Registration(event_id=event.id, member_id=m.id, status="confirmed", answers={}, queued_at=earlier,
                                 confirmed_at=earlier, reminders_done_until=earlier,
                                 next_reminder_at=now - dt.timedelta(minutes=1), ics_sequence=0) for m in members])
        await db.commit()
    await engine.dispose()


def run_workers(url: str, port: int, k: int, box: Counting, n: int) -> float:
    code = WORKER.format(root=str(ROOT), url=url, port=port)
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(k)]
    while len(box.ids) < n:
        if all(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    for p in procs:
        p.wait()
    return elapsed


async def bare_loop(port: int, n: int) -> float:
    messages = []
    for i in range(n):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "hub@example.org", f"r{i}@example.org", "Reminder: Bench starts in 1 hour"
        m["Message-ID"] = f"<bare{i}@example.org>"
        m.set_content("A reminder. " * 40)
        m.add_alternative("<p>A reminder.</p>" * 40, subtype="html")
        messages.append(m)
    start = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
        for m in messages:
            await client.send_message(m)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    n = args.n
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_events_reminders"
    results = {}
    box = Counting()
    from tests.support import free_port

    port = free_port()
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    try:
        bare = asyncio.run(bare_loop(port, n))
        print(f"bare aiosmtplib loop: {n} mails in {bare:.2f} s ({n / bare:.0f}/s)  <- ceiling", flush=True)
        for k in (1, 4):
            asyncio.run(admin("DROP DATABASE IF EXISTS bench_events_reminders WITH (FORCE)",
                              "CREATE DATABASE bench_events_reminders"))
            upgrade(url)
            asyncio.run(prepare(url, n))
            box.ids.clear()
            box.count = 0
            elapsed = run_workers(url, port, k, box, n)
            results[k] = elapsed
            print(f"{k} worker(s): {len(box.ids)} distinct reminders ({box.count} received) in {elapsed:.2f} s "
                  f"({n / elapsed:.0f}/s); ratio to the bare loop {bare / elapsed:.2f}", flush=True)
    finally:
        server.stop()
        asyncio.run(admin("DROP DATABASE IF EXISTS bench_events_reminders WITH (FORCE)"))


if __name__ == "__main__":
    main()
