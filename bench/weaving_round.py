"""Weaving benchmark: a matching round from the database to stored suggestions, for a community of
10,000 members with 30,000 connections (past introductions, which the round must never repeat).

    .venv/bin/python bench/weaving_round.py                                  # SQLite and PostgreSQL
    .venv/bin/python bench/weaving_round.py --backends sqlite --members 2000 --connections 6000

Per backend: a fresh database migrated with hub.migrate.upgrade (SQLite: a temporary file;
PostgreSQL: a database bench_weaving_<random> on --postgres-url's server, dropped at the end),
bulk-loaded with SQLAlchemy Core. The texts come from bench/matching_scale.py's generator (about
45 % askers with 1-3 asks, the others 1-3 offers and interests); every member can give 2 hours a
month; 30,000 distinct pairs were introduced before (an Introduction, status met, and a Connection
each) and a third of those exchanged hours in the ledger.

It times what the worker does for one queued round, split into its steps (read the rows and build
the matcher's input; run the matcher; store the suggestions), then the whole round through
weaving.round_sweep as the worker runs it; then the first page of the review queue, and the
"next-best candidate" lookup that swap and self-service use for one ask.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hub import weaving  # noqa: E402
from hub.db import create_engine, session_factory  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.models import (  # noqa: E402
    Connection, Exchange, Introduction, LedgerEntry, MatchRound, Member, Post, Suggestion, Tag, member_interest,
)
from hub.settings import Settings  # noqa: E402
from matching_scale import generate  # noqa: E402

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
BATCH = 2000
SECTORS = ["nhs", "social_care", "third_sector", "local_authority", "academia", "lived_experience"]
NATIONS = ["england", "scotland", "wales", "northern_ireland"]


def rows_for(n_members: int, n_connections: int, seed: int) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    data = generate(n_members, seed)
    tags: dict[str, int] = {}
    rows: dict[str, list[dict]] = {k: [] for k in ("tag", "member", "member_interest", "post", "introduction",
                                                    "connection", "exchange", "ledger_entry")}
    post_id = 0
    for i, m in enumerate(data["members"], start=1):
        rows["member"].append({
            "id": i, "email": f"member{i}@example.org", "name": f"Member {i}", "organisation": m["attributes"]["organisation"],
            "sector": rng.choice(SECTORS), "nation": rng.choice(NATIONS), "region": "", "bio": "",
            "hours_per_month": 2, "prefers": "either", "visibility": "members", "matching": "active",
            "hub_role": "member", "status": "active", "search_text": "", "created_at": NOW, "updated_at": NOW,
        })
        for label in dict.fromkeys(m["interests"]):
            slug = label.lower().replace(" ", "-")[:80]
            if slug not in tags:
                tags[slug] = len(tags) + 1
                rows["tag"].append({"id": tags[slug], "slug": slug, "label": label[:80]})
            rows["member_interest"].append({"member_id": i, "tag_id": tags[slug]})
        for kind, items in (("ask", m["asks"]), ("offer", m["offers"])):
            for item in items:
                post_id += 1
                rows["post"].append({
                    "id": post_id, "member_id": i, "kind": kind, "title": item["text"][:160], "description": item["text"],
                    "status": "open", "created_at": NOW, "updated_at": NOW,
                })
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_connections:
        a, b = rng.randrange(1, n_members + 1), rng.randrange(1, n_members + 1)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    exchange_id = 0
    for k, (a, b) in enumerate(sorted(pairs), start=1):
        at = NOW - dt.timedelta(days=rng.randrange(30, 700))
        rows["introduction"].append({"id": k, "a_id": a, "b_id": b, "note": "", "reasons": [], "status": "met",
                                     "a_consent": "auto", "b_consent": "auto", "created_at": at, "sent_at": at,
                                     "follow_up_due_at": at + dt.timedelta(days=14), "follow_up_sent_at": at})
        rows["connection"].append({"a_id": a, "b_id": b, "kind": "introduction", "source_id": k, "created_at": at})
        if k % 3 == 0:
            exchange_id += 1
            hours = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0])
            rows["exchange"].append({"id": exchange_id, "giver_id": b, "receiver_id": a, "hours": hours,
                                     "source": "introduction", "introduction_id": k, "note": "", "at": at})
            rows["ledger_entry"] += [{"exchange_id": exchange_id, "member_id": b, "hours": hours},
                                     {"exchange_id": exchange_id, "member_id": a, "hours": -hours}]
    return rows


async def load(url: str, rows: dict[str, list[dict]]) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    tables = [("tag", Tag.__table__), ("member", Member.__table__), ("member_interest", member_interest),
              ("post", Post.__table__), ("introduction", Introduction.__table__),
              ("connection", Connection.__table__), ("exchange", Exchange.__table__),
              ("ledger_entry", LedgerEntry.__table__)]
    async with engine.begin() as conn:
        for name, table in tables:
            data = rows[name]
            for i in range(0, len(data), BATCH):
                await conn.execute(insert(table), data[i:i + BATCH])
        if url.startswith("postgresql"):
            for name, table in tables:
                if "id" in table.c:
                    await conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT coalesce(max(id), 1) FROM {name}))"))
    if url.startswith("postgresql"):
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


def ms(seconds: float) -> str:
    return f"{seconds * 1000:10.1f} ms"


async def bench(url: str, rows: dict[str, list[dict]]) -> None:
    print(f"  load: {await load(url, rows):.1f} s for {len(rows['member'])} members, {len(rows['post'])} posts, "
          f"{len(rows['connection'])} connections", flush=True)
    engine = create_engine(url)
    factory = session_factory(engine)
    settings = Settings(database_url=url, secret_key="bench", match_round_days=0)
    clock = lambda: NOW  # noqa: E731
    try:
        # The steps, one by one.
        async with factory() as session:
            started = time.perf_counter()
            data = await weaving.build_input(session, NOW.date())
            t_input = time.perf_counter() - started
        print(f"  rows -> matcher input           {ms(t_input)}   {data.member_count} members, {data.ask_count} asks, "
              f"{len(data.data['history'])} past pairs", flush=True)
        started = time.perf_counter()
        pairs = await asyncio.to_thread(weaving._match, data.data)
        t_match = time.perf_counter() - started
        print(f"  matcher (run_round)             {ms(t_match)}   {len(pairs)} pairs", flush=True)
        past = {(h['a'], h['b']) for h in data.data["history"]} | {(h['b'], h['a']) for h in data.data["history"]}
        assert not any((p.a, p.b) in past for p in pairs), "a past pair was suggested again"

        async with factory() as session:
            scratch = MatchRound(scope="community", status="done", created_at=NOW)
            session.add(scratch)
            await session.flush()
            started = time.perf_counter()
            await weaving.store_suggestions(session, scratch.id, pairs, NOW)
            await session.commit()
            t_store = time.perf_counter() - started
            print(f"  store suggestions               {ms(t_store)}   {len(pairs)} rows", flush=True)
            await session.execute(Suggestion.__table__.delete().where(Suggestion.round_id == scratch.id))
            await session.delete(scratch)
            await session.commit()

        # The whole round as the worker runs it: queue, claim, read, match, store.
        async with factory() as session:
            await weaving.start_round(session, None, "community", "", NOW)
        started = time.perf_counter()
        round_id = await weaving.round_sweep(factory, settings, clock)
        t_round = time.perf_counter() - started
        async with factory() as session:
            row = await session.get(MatchRound, round_id)
            stored = await session.scalar(select(func.count()).select_from(Suggestion).where(Suggestion.round_id == round_id))
            print(f"  whole round (worker sweep)      {ms(t_round)}   status {row.status}: {stored} suggestions stored",
                  flush=True)
            weaver = Member(id=0, email="w@example.org", hub_role="weaver", status="active")
            started = time.perf_counter()
            queue = await weaving.queue_page(session, weaver, 1)
            print(f"  review queue, first page        {ms(time.perf_counter() - started)}   {len(queue.items)} of "
                  f"{queue.total} with profiles, posts, balances, past contact", flush=True)
            ask = await session.get(Post, queue.items[0].suggestion.ask_id)
            started = time.perf_counter()
            helpers = await weaving.candidates_for_ask(session, ask, NOW.date(), top=5)
            print(f"  next-best candidates for an ask {ms(time.perf_counter() - started)}   {len(helpers)} found "
                  "(swap and self-service)", flush=True)
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=30_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = rows_for(args.members, args.connections, args.seed)
    for backend in args.backends.split(","):
        print(f"{backend}:", flush=True)
        if backend == "sqlite":
            tmp = Path(tempfile.mkdtemp(prefix="bench-weaving-"))
            url = f"sqlite+aiosqlite:///{tmp / 'hub.sqlite3'}"
            try:
                await asyncio.to_thread(upgrade, url)
                await bench(url, rows)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        elif backend == "postgresql":
            admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
            name = f"bench_weaving_{uuid.uuid4().hex[:8]}"
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
            try:
                await asyncio.to_thread(upgrade, url)
                await bench(url, rows)
            finally:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await admin.dispose()
        else:
            sys.exit(f"unknown backend {backend!r}")


if __name__ == "__main__":
    asyncio.run(main())
