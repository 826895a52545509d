"""Network benchmark: metrics, map data and every export for a community of 10,000 members and 30,000 connections.

    .venv/bin/python bench/network_bench.py                                    # SQLite, 10,000 / 30,000
    .venv/bin/python bench/network_bench.py --backends sqlite,postgresql       # and PostgreSQL
    .venv/bin/python bench/network_bench.py --members 2000 --connections 6000  # smaller

Per backend it builds a fresh database migrated with hub.migrate.upgrade (SQLite: a file in a
temporary directory; PostgreSQL: a database bench_network_<random> on --postgres-url's server,
dropped at the end) and bulk-inserts, with SQLAlchemy Core, an invented community: members with a
sector, nation and two to four of 60 interests (5 % off the map), 30,000 distinct connected pairs
(80 % inside one of 100 loose groups, so there are triangles and communities; one in six an event
group, the rest introductions), one introduction per introduction-connection, an exchange of hours
for a third of them, and 1.5 suggestions per introduction for the dashboard.

Then it times, each --repeat times (reported: the median, and the first run): loading the network
from the database, every metric separately and `compute_metrics` as the page calls it, the map data
(everyone; one sector), each export, the dashboard, and the whole pages through the ASGI app as a
signed-in weaver (GET /network, /network/map.json, /network/dashboard, an export).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hub import auth, network  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.db import create_engine, session_factory  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.models import (  # noqa: E402
    NATIONS,
    SECTORS,
    Connection,
    Exchange,
    Introduction,
    Member,
    MemberPreference,
    Suggestion,
    Tag,
    WebSession,
    member_interest,
)
from hub.settings import Settings  # noqa: E402

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BATCH = 2000
SECRET = "bench-secret"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def community(n_members: int, n_connections: int, seed: int) -> dict[str, list[dict]]:
    rng = random.Random(f"bench-network:{seed}")
    sectors, nations = list(SECTORS), list(NATIONS)
    tags = [{"id": i + 1, "slug": f"interest-{i + 1}", "label": f"Interest {i + 1}"} for i in range(60)]
    rows: dict[str, list[dict]] = {k: [] for k in ("tag", "member", "member_interest", "member_preference",
                                                     "connection", "introduction", "exchange", "suggestion")}
    rows["tag"] = tags
    groups = max(1, n_members // 100)
    group_of = [rng.randrange(groups) for _ in range(n_members)]
    members_in: dict[int, list[int]] = {}
    for i, g in enumerate(group_of):
        members_in.setdefault(g, []).append(i + 1)
    start = NOW - dt.timedelta(days=365)
    for i in range(n_members):
        member_id = i + 1
        rows["member"].append({
            "id": member_id, "email": f"member{member_id}@bench.example", "name": f"Bench Member {member_id}",
            "organisation": f"Organisation {member_id % 700}", "sector": rng.choice(sectors + [None]),
            "nation": rng.choice(nations), "region": "", "bio": "", "hours_per_month": 2, "prefers": "either",
            "visibility": "members", "matching": "active", "hub_role": "weaver" if member_id == 1 else "member",
            "status": "active", "search_text": "", "created_at": start + dt.timedelta(minutes=50 * i),
            "updated_at": start,
        })
        base = group_of[i] % 60  # a group leans towards a few interests
        picks = {(base + rng.randrange(4)) % 60 + 1 for _ in range(rng.randint(2, 4))}
        rows["member_interest"] += [{"member_id": member_id, "tag_id": t} for t in sorted(picks)]
        if rng.random() < 0.05:
            rows["member_preference"].append({"member_id": member_id, "intro_consent": "ask_first", "on_map": False})
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_connections:
        a = rng.randint(1, n_members)
        if rng.random() < 0.8:
            b = rng.choice(members_in[group_of[a - 1]])
        else:
            b = rng.randint(1, n_members)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    intro_id = suggestion_id = exchange_id = 0
    for n, (a, b) in enumerate(sorted(pairs, key=lambda p: rng.random())):
        when = start + dt.timedelta(seconds=int(365 * 86400 * n / len(pairs)))
        if n % 6 == 0:
            rows["connection"].append({"a_id": a, "b_id": b, "kind": "event_group", "source_id": n // 6 + 1, "created_at": when})
            continue
        intro_id += 1
        suggestion_id += 1
        rows["suggestion"].append({"id": suggestion_id, "source": "round", "a_id": a, "b_id": b, "score": 1.0,
                                   "reasons": [], "note": "", "status": "approved", "created_at": when - dt.timedelta(days=20),
                                   "decided_at": when - dt.timedelta(days=15)})
        if n % 2:
            suggestion_id += 1
            rows["suggestion"].append({"id": suggestion_id, "source": "round", "a_id": b, "b_id": a, "score": 0.5,
                                       "reasons": [], "note": "", "status": "declined",
                                       "created_at": when - dt.timedelta(days=20), "decided_at": when - dt.timedelta(days=14)})
        rows["introduction"].append({"id": intro_id, "suggestion_id": suggestion_id if n % 2 == 0 else suggestion_id - 1,
                                     "a_id": a, "b_id": b, "note": "", "reasons": [], "status": "met",
                                     "a_consent": "yes", "b_consent": "yes", "created_at": when - dt.timedelta(days=14),
                                     "sent_at": when - dt.timedelta(days=14)})
        rows["connection"].append({"a_id": a, "b_id": b, "kind": "introduction", "source_id": intro_id, "created_at": when})
        if intro_id % 3 == 0:
            exchange_id += 1
            rows["exchange"].append({"id": exchange_id, "giver_id": b, "receiver_id": a, "hours": rng.choice((0.5, 1, 1.5, 2)),
                                     "source": "introduction", "introduction_id": intro_id, "note": "", "at": when})
    return rows


async def load(url: str, rows: dict[str, list[dict]]) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    tables = [("tag", Tag.__table__), ("member", Member.__table__), ("member_interest", member_interest),
              ("member_preference", MemberPreference.__table__), ("suggestion", Suggestion.__table__),
              ("introduction", Introduction.__table__), ("connection", Connection.__table__),
              ("exchange", Exchange.__table__)]
    async with engine.begin() as conn:
        for name, table in tables:
            data = rows[name]
            for i in range(0, len(data), BATCH):
                await conn.execute(insert(table), data[i:i + BATCH])
        if url.startswith("postgresql"):
            for name, table in tables:
                if "id" in table.c and name not in ("member_interest", "member_preference"):
                    await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
    if url.startswith("postgresql"):
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


class Timer:
    def __init__(self, repeat: int) -> None:
        self.repeat = repeat
        self.results: list[tuple[str, float, float, str]] = []

    async def time(self, label: str, fn, note=lambda result: ""):  # noqa: ANN001, ANN201
        runs, result = [], None
        for _ in range(self.repeat):
            started = time.perf_counter()
            result = fn()
            if asyncio.iscoroutine(result):
                result = await result
            runs.append(time.perf_counter() - started)
        self.results.append((label, runs[0], statistics.median(runs), note(result)))
        print(f"  {label:<44} first {runs[0] * 1000:9.1f} ms   median {statistics.median(runs) * 1000:9.1f} ms   {note(result)}", flush=True)
        return result


async def bench_backend(url: str, rows: dict[str, list[dict]], repeat: int) -> None:
    print(f"  loaded in {await load(url, rows):.1f} s "
          f"({len(rows['member'])} members, {len(rows['connection'])} connections, {len(rows['introduction'])} introductions, "
          f"{len(rows['exchange'])} exchanges, {len(rows['suggestion'])} suggestions)", flush=True)
    t = Timer(repeat)
    engine = create_engine(url)
    factory = session_factory(engine)
    async with factory() as db:
        net = await t.time("load_network (4 queries + graph)", lambda: network.load_network(db, SECRET),
                           lambda n: f"{n.size} nodes, {n.graph.number_of_edges()} edges")
        offered = await network.closed_or_offered_pairs(db)
        await t.time("degree", lambda: network.degrees(net))
        await t.time(f"betweenness (k={network.BETWEENNESS_SAMPLES} samples)", lambda: network.betweenness(net))
        await t.time("isolates", lambda: network.isolates(net), lambda r: f"{len(r)} isolates")
        await t.time("open triangles (all)", lambda: network.open_triangles(net, limit=None, exclude=offered),
                     lambda r: f"{len(r)} open triangles")
        await t.time("clusters (components + Louvain)", lambda: network.clusters(net),
                     lambda r: f"{len(r['components'])} components, {len(r['communities'])} communities")
        await t.time("shares (connected, cross-sector)", lambda: (network.share_connected(net), network.share_cross_sector(net)),
                     lambda r: f"{r[0]:.3f} connected, {r[1]:.3f} cross-sector")
        await t.time("compute_metrics (all of the above, no cache)", lambda: network.compute_metrics(net, 30, offered, cached=False))
        network.compute_metrics(net, 30, offered)  # fills the per-process cache, as the first page view does
        await t.time("compute_metrics (shape unchanged: cached)", lambda: network.compute_metrics(net, 30, offered))
        await t.time("map data, everyone (capped at 2,000)", lambda: network.map_data(net),
                     lambda r: f"{len(r['nodes'])} nodes, {len(r['edges'])} edges of {r['matched']} matched")
        await t.time("map data, one sector", lambda: network.map_data(net, sector="nhs"),
                     lambda r: f"{len(r['nodes'])} nodes, {len(r['edges'])} edges")
        for label, fn in (("export Kumu elements CSV", network.kumu_elements_csv),
                          ("export Kumu connections CSV", network.kumu_connections_csv),
                          ("export Kumu JSON", network.kumu_json), ("export GEXF", network.gexf),
                          ("export GraphML", network.graphml)):
            await t.time(label, lambda fn=fn: fn(net), lambda r: f"{len(r) / 1e6:.1f} MB")
        await t.time("export introductions CSV (with DB)", lambda: network.introductions_csv(db, SECRET),
                     lambda r: f"{len(r) / 1e6:.1f} MB")
        await t.time("export hours CSV (with DB)", lambda: network.hours_csv(db, SECRET), lambda r: f"{len(r) / 1e6:.1f} MB")
        await t.time("dashboard (12 months, with DB)", lambda: network.dashboard(db, NOW), lambda r: f"{len(r)} months")
        secret = secrets.token_urlsafe(16)
        db.add(WebSession(id_hash=auth.digest(secret), member_id=1, created_at=NOW, expires_at=NOW + dt.timedelta(days=3650)))
        await db.commit()
    await engine.dispose()

    from litestar.testing import AsyncTestClient

    settings = Settings(database_url=url, secret_key=SECRET, base_url="http://bench.local", allowed_hosts=("bench.local",),
                        mail_mode="catch", run_worker_in_web=False)
    async with AsyncTestClient(create_app(settings), base_url="http://bench.local") as client:
        client.cookies.set(settings.session_cookie, secret, domain="bench.local")
        network._STRUCTURE_CACHE.clear()  # the first GET /network pays for betweenness, clusters and triangles
        network._TRIANGLE_CACHE.clear()
        for path in ("/network", "/network/map.json", "/network/map.json?sector=nhs", "/network/dashboard",
                     "/network/export/network.gexf", "/network/export/kumu-elements.csv"):
            async def get(path=path):  # noqa: ANN001, ANN202
                response = await client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return response
            await t.time(f"GET {path}", get, lambda r: f"{len(r.content) / 1e6:.2f} MB")


async def main() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = community(args.members, args.connections, args.seed)
    print(f"community generated in {time.perf_counter() - started:.1f} s")
    for backend in args.backends.split(","):
        print(f"\n== {backend} ==")
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="bench-network-"))
            url = f"sqlite+aiosqlite:///{folder / 'hub.sqlite3'}"
            await asyncio.to_thread(upgrade, url)
            try:
                await bench_backend(url, rows, args.repeat)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        elif backend == "postgresql":
            name = f"bench_network_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
            try:
                await asyncio.to_thread(upgrade, url)
                await bench_backend(url, rows, args.repeat)
            finally:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await admin.dispose()
        else:
            raise SystemExit(f"unknown backend {backend!r}")


if __name__ == "__main__":
    asyncio.run(main())
