"""Registrations per second under 50 concurrent clients, on SQLite and PostgreSQL.

    .venv/bin/python bench/events_registrations.py [--n 1000] [--clients 50]

Each client is its own session on a shared engine (pool of 50 on PostgreSQL), registering
distinct members for one event with n/2 places through events.service.register (conditional
UPDATE for the place, outbox rows for the mail), so half confirm and half join the waiting list.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from events import service  # noqa: E402
from events.forms import parse_event  # noqa: E402
from events.models import Registration  # noqa: E402
from hub.db import create_engine, session_factory, utcnow  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.models import Member  # noqa: E402
from hub.settings import Settings  # noqa: E402

ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def run(url: str, n: int, clients: int) -> tuple[float, dict]:
    settings = Settings(database_url=url, secret_key="bench")
    kwargs = {"pool_size": clients, "max_overflow": 0} if url.startswith("postgresql") else {}
    engine = create_engine(url, **kwargs)
    factory = session_factory(engine)
    now = utcnow()
    async with factory() as db:
        weaver = Member(email="host@example.org", name="Host", hub_role="weaver", created_at=now)
        db.add(weaver)
        members = [Member(email=f"r{i}@example.org", name=f"R {i}", created_at=now) for i in range(n)]
        db.add_all(members)
        await db.commit()
        day = (now + dt.timedelta(days=7)).date().isoformat()
        data = parse_event({"title": "Bench", "date": day, "start_time": "14:00", "end_time": "15:00",
                            "timezone": "Europe/London", "capacity": str(n // 2)}, now)
        (event,) = await service.create_events(db, settings, weaver, data, now)
        ids = [m.id for m in members]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in ids:
        queue.put_nowait(i)

    async def client() -> None:
        while not queue.empty():
            member_id = queue.get_nowait()
            async with factory() as s:
                await service.register(s, settings, member_id, event.id, {}, now)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    async with factory() as db:
        rows = await db.execute(select(Registration.status, func.count()).group_by(Registration.status))
        counts = dict(rows.all())
    await engine.dispose()
    return elapsed, counts


async def admin(*statements: str) -> None:
    engine = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for s in statements:
            await conn.execute(text(s))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        upgrade(sqlite)
        elapsed, counts = asyncio.run(run(sqlite, args.n, args.clients))
        print(f"SQLite: {args.n} registrations by {args.clients} clients in {elapsed:.2f} s = "
              f"{args.n / elapsed:.0f}/s; {counts}", flush=True)
    pg = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_events_registrations"
    asyncio.run(admin("DROP DATABASE IF EXISTS bench_events_registrations WITH (FORCE)",
                      "CREATE DATABASE bench_events_registrations"))
    try:
        upgrade(pg)
        elapsed, counts = asyncio.run(run(pg, args.n, args.clients))
        print(f"PostgreSQL: {args.n} registrations by {args.clients} clients in {elapsed:.2f} s = "
              f"{args.n / elapsed:.0f}/s; {counts}", flush=True)
    finally:
        asyncio.run(admin("DROP DATABASE IF EXISTS bench_events_registrations WITH (FORCE)"))


if __name__ == "__main__":
    main()
