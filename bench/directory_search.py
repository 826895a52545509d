"""Directory search benchmark: GET /members (HTML) and GET /api/members at community scale.

    .venv/bin/python bench/directory_search.py                                # 50,000 members, 150,000 posts
    .venv/bin/python bench/directory_search.py --members 5000 --posts 15000   # smaller
    .venv/bin/python bench/directory_search.py --backends sqlite --requests 50
    .venv/bin/python bench/directory_search.py --keep                          # keep/reuse the built databases

Per backend it builds a fresh database migrated with hub.migrate.upgrade (SQLite: a file in a
temporary directory; PostgreSQL: a database bench_directory_<random> on --postgres-url's server,
dropped at the end) and fills it with a community made from hub.demo_data.generate_community
templates: names and emails varied so that every member is distinct, offers and asks drawn from
the templates' posts until --posts is reached, some posts fulfilled, withdrawn or expired, a few
members pending or suspended. Rows go in with SQLAlchemy Core in batches; member.search_text and
member.search_tags are built as hub.members.index_for_search builds them, and the migration's
triggers fill member_fts. The index is then tidied as `hub import-members` leaves it
(hub.search_index.TIDY_AFTER_BULK_LOAD: FTS5 'optimize', or the GIN pending list merged).
PostgreSQL then gets VACUUM ANALYZE (what autovacuum does after such a load); SQLite gets no
ANALYZE, as a deployed hub never runs one.

Requests go through the real ASGI app (built by hub.app.serving_app as `hub serve` builds it,
called in-process through httpx's
ASGITransport) as a signed-in ordinary member (a WebSession row and its cookie, as in
tests/support.py). Query kinds: one word, two words, word + tag, tag only, nation + sector,
word + has=asks, a word's page 5, and the unfiltered directory; the words and tags are picked
from the data (common, middling and rare ones). Each round runs every kind once on the API and,
every few rounds, on the HTML page (--page-requests: the page also shows hub.tags.popular, which
each process counts at most once a minute, so a timed page usually finds it remembered). After --warmup untimed rounds, at most --requests rounds run, and no new
round starts after --time-limit seconds; the tables say how many requests each figure rests on.

Reported per backend: median and p95 wall time per request; the mean CPU time per request (this
process, which includes SQLite, plus on PostgreSQL the server backends, read from /proc; CPU time
is what to compare when other processes load the machine); where the time goes (SQL by part, and
the rest); then the plan of the word+tag search's SQL, captured from a real API request
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL).

Nothing is kept between runs unless --keep is given: then the databases are kept (SQLite in
bench/.cache/, PostgreSQL as bench_directory_keep_<members>_<posts>_<seed>) and reused by the
next --keep run with the same sizes, seed and migration files.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import logging
import math
import os
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from hub import auth, tags  # noqa: E402
from hub.app import serving_app  # noqa: E402
from hub.db import create_engine  # noqa: E402
from hub.demo_data import generate_community  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.models import WEAVING_ROLES, Member, MemberWeavingRole, Post, Tag, WebSession, member_interest, post_tag  # noqa: E402
from hub.search_index import TIDY_AFTER_BULK_LOAD  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.tags import slugify, tidy_label  # noqa: E402

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DATA_VERSION = "2"  # bump when the generated data changes, so --keep rebuilds
BATCH = 2000
TARGET_MS = 100.0
TODAY = dt.date.today()
NOW = dt.datetime.now(dt.timezone.utc)
MIGRATIONS = ROOT / "hub" / "migrations" / "versions"


# --------------------------------------------------------------------------------------------
# The community
# --------------------------------------------------------------------------------------------
@dataclass
class Community:
    members: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    interests: list[dict] = field(default_factory=list)
    roles: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    post_tags: list[dict] = field(default_factory=list)
    viewer_id: int = 0


def build_community(n_members: int, n_posts: int, seed: int, n_templates: int) -> Community:
    """Rows for every table, with ids assigned here so that no insert needs RETURNING."""
    rng = random.Random(f"bench-directory:{seed}")
    templates = generate_community(size=n_templates, seed=seed)
    firsts = sorted({t["name"].split(" ", 1)[0] for t in templates})
    lasts = sorted({t["name"].rsplit(" ", 1)[-1] for t in templates})
    pool = [(kind[:-1], p) for t in templates for kind in ("offers", "asks") for p in t[kind]]

    c = Community()
    tag_ids: dict[str, int] = {}
    tag_labels: dict[int, str] = {}

    def tag_id(label: str) -> int | None:
        label = tidy_label(label)
        slug = slugify(label)
        if not slug:
            return None
        if slug not in tag_ids:  # the first label typed wins, as with hub.tags.get_or_create
            tag_ids[slug] = len(tag_ids) + 1
            tag_labels[tag_ids[slug]] = label
            c.tags.append({"id": tag_ids[slug], "slug": slug, "label": label})
        return tag_ids[slug]

    # Which posts each member has: their template's own, then more drawn from the whole pool
    # for random members until there are n_posts (or the surplus dropped at random).
    assigned: list[list[tuple[str, dict]]] = []
    for i in range(n_members):
        t = templates[i % len(templates)]
        assigned.append([("offer", p) for p in t["offers"]] + [("ask", p) for p in t["asks"]])
    total = sum(len(a) for a in assigned)
    while total < n_posts:
        assigned[rng.randrange(n_members)].append(rng.choice(pool))
        total += 1
    while total > n_posts:
        victim = assigned[rng.randrange(n_members)]
        if victim:
            victim.pop(rng.randrange(len(victim)))
            total -= 1

    post_id = 0
    for i in range(n_members):
        member_id = i + 1
        t = templates[i % len(templates)]
        if i < len(templates):
            name, email = t["name"], t["email"]
        else:
            name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
            email = f"{re.sub(r'[^a-z0-9]+', '.', name.lower()).strip('.')}.{member_id}@example.org"
        status = "active" if i < 3 else rng.choices(("active", "pending", "suspended"), (96, 3, 1))[0]
        interest_ids = list(dict.fromkeys(x for x in (tag_id(label) for label in t["interests"]) if x))
        parts = [name, t["organisation"], t["region"], t["bio"]]
        parts += [tag_labels[x] for x in interest_ids]
        search_tags = set(interest_ids)
        parts += [WEAVING_ROLES[r] for r in t["weaving_roles"]]
        for kind, p in assigned[i]:
            post_id += 1
            status_p = rng.choices(("open", "fulfilled", "withdrawn"), (82, 12, 6))[0]
            expires = None
            if rng.random() < 0.1:
                expires = TODAY + dt.timedelta(days=rng.randrange(-120, 240))
            ptags = list(dict.fromkeys(x for x in (tag_id(label) for label in p.get("tags", [])) if x))
            c.posts.append({
                "id": post_id, "member_id": member_id, "kind": kind, "title": p["title"][:160],
                "description": p.get("description", ""), "status": status_p, "expires_on": expires,
                "created_at": NOW, "updated_at": NOW,
            })
            c.post_tags += [{"post_id": post_id, "tag_id": x} for x in ptags]
            if status_p == "open" and (expires is None or expires >= TODAY):  # Post.is_open
                parts += [p["title"][:160], p.get("description", "")] + [tag_labels[x] for x in ptags]
                search_tags.update(ptags)
        c.members.append({
            "id": member_id, "email": email, "name": name, "pronouns": t["pronouns"],
            "organisation": t["organisation"], "sector": t["sector"], "nation": t["nation"],
            "region": t["region"], "bio": t["bio"], "hours_per_month": t["hours_per_month"],
            "prefers": t["prefers"], "visibility": t["visibility"], "matching": t["matching"],
            "matching_paused_until": (TODAY + dt.timedelta(days=60)) if t["matching"] == "paused" else None,
            "hub_role": t["hub_role"], "status": status,
            "search_text": "\n".join(x for x in parts if x),  # hub.members.build_search_text
            "search_tags": " ".join(str(x) for x in sorted(search_tags)),  # hub.members.build_search_tags
            "created_at": NOW, "updated_at": NOW,
        })
        c.interests += [{"member_id": member_id, "tag_id": x} for x in interest_ids]
        c.roles += [{"member_id": member_id, "role": r} for r in t["weaving_roles"]]
    c.viewer_id = 1  # the demo member: an ordinary, active member who sees "members" profiles only
    return c


async def load(url: str, c: Community) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for table, rows in (
                (Tag.__table__, c.tags), (Member.__table__, c.members), (member_interest, c.interests),
                (MemberWeavingRole.__table__, c.roles), (Post.__table__, c.posts), (post_tag, c.post_tags),
            ):
                for start in range(0, len(rows), BATCH):
                    await conn.execute(insert(table), rows[start:start + BATCH])
            for statement in TIDY_AFTER_BULK_LOAD[engine.dialect.name]:  # as an import leaves it
                await conn.execute(text(statement))
            if engine.dialect.name == "postgresql":
                for table in ("tag", "member", "post"):
                    await conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    ))
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------------
async def admin_execute(url: str, *statements: str) -> list:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    out = []
    try:
        async with engine.connect() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                out.append(result.fetchall() if result.returns_rows else None)
    finally:
        await engine.dispose()
    return out


def fingerprint(args: argparse.Namespace) -> str:
    h = hashlib.sha256()
    for migration in [*sorted(MIGRATIONS.glob("*.py")), ROOT / "hub" / "search_index.py"]:
        h.update(migration.read_bytes())
    h.update(f"{DATA_VERSION}:{args.members}:{args.posts}:{args.seed}:{args.templates}".encode())
    return h.hexdigest()[:16]


class Database:
    """A migrated database for one backend; built fresh unless --keep finds a matching one."""

    def __init__(self, backend: str, args: argparse.Namespace) -> None:
        self.backend, self.args = backend, args
        self.reused = False
        self.tmpdir: str | None = None
        self.pg_name: str | None = None
        self.url = ""

    async def open(self, community_factory) -> None:  # noqa: ANN001
        keep, fp = self.args.keep, fingerprint(self.args)
        tag = f"{self.args.members}_{self.args.posts}_{self.args.seed}"
        if self.backend == "sqlite":
            if keep:
                cache = ROOT / "bench" / ".cache"
                cache.mkdir(parents=True, exist_ok=True)
                path, stamp = cache / f"directory_{tag}.sqlite3", cache / f"directory_{tag}.fingerprint"
                self.url = f"sqlite+aiosqlite:///{path}"
                if path.exists() and stamp.exists() and stamp.read_text() == fp:
                    self.reused = True
                    return
                for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    p.unlink(missing_ok=True)
            else:
                self.tmpdir = tempfile.mkdtemp(prefix="bench_directory_")
                path = Path(self.tmpdir) / "hub.sqlite3"
                self.url = f"sqlite+aiosqlite:///{path}"
            await asyncio.to_thread(upgrade, self.url)
            await load(self.url, community_factory())
            if keep:
                stamp.write_text(fp)
            return
        server = self.args.postgres_url
        self.pg_name = f"bench_directory_keep_{tag}" if keep else f"bench_directory_{uuid.uuid4().hex[:10]}"
        self.url = make_url(server).set(database=self.pg_name).render_as_string(hide_password=False)
        if keep:
            (rows,) = await admin_execute(
                server, f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{self.pg_name}'"
            )
            if rows and rows[0][0] == fp:
                self.reused = True
                return
        await admin_execute(server, f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)', f'CREATE DATABASE "{self.pg_name}"')
        await asyncio.to_thread(upgrade, self.url)
        await load(self.url, community_factory())
        if keep:
            await admin_execute(server, f"COMMENT ON DATABASE \"{self.pg_name}\" IS '{fp}'")

    async def close(self) -> None:
        if self.args.keep:
            return
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        if self.pg_name:
            await admin_execute(self.args.postgres_url, f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------
async def pick_parameters(url: str, rng: random.Random) -> dict[str, list[dict]]:
    """Realistic parameters from the data itself: common, middling and rare words and tags."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            texts = (await conn.execute(text("SELECT search_text FROM member ORDER BY id LIMIT 3000"))).scalars().all()
            tag_rows = (await conn.execute(text(
                "SELECT t.label, count(*) AS n FROM tag t JOIN "
                "(SELECT tag_id FROM member_interest UNION ALL SELECT tag_id FROM post_tag) u ON u.tag_id = t.id "
                "GROUP BY t.label ORDER BY n DESC, t.label"
            ))).all()
    finally:
        await engine.dispose()
    df: Counter[str] = Counter()
    for t in texts:
        df.update({w for w in re.findall(r"[a-z]{4,}", t.lower())})
    ranked = [w for w, _ in df.most_common() if w not in STOP]
    n = len(texts)
    common = [w for w in ranked if 0.08 * n <= df[w] <= 0.35 * n][:12]
    middling = [w for w in ranked if 0.01 * n <= df[w] < 0.08 * n][:40]
    rare = [w for w in ranked if 3 <= df[w] < 0.01 * n][:40]
    words = rng.sample(common, min(4, len(common))) + rng.sample(middling, min(4, len(middling))) + rng.sample(rare, min(2, len(rare)))
    pairs = [
        f"{a} {b}" for a, b in (
            ("network", "mapping"), ("quality", "improvement"), ("peer", "support"), ("carers", "online"),
            ("evaluation", "funders"), ("coaching", "teams"), ("lived", "experience"), ("digital", "inclusion"),
        )
    ]
    labels = [label for label, _ in tag_rows]
    tags = labels[:4] + labels[len(labels) // 6: len(labels) // 6 + 4] + labels[len(labels) // 3: len(labels) // 3 + 2]
    # word + tag: a word that goes with the tag (from the tag's own label) and one that is general
    word_tag = []
    for label in tags[:8]:
        first = next((w for w in re.findall(r"[a-z]{4,}", label.lower()) if w not in STOP), "network")
        word_tag.append({"q": first, "tag": label})
        word_tag.append({"q": rng.choice(common + middling), "tag": label})
    sectors = ("nhs", "social_care", "third_sector", "local_authority", "academia", "lived_experience")
    nations = ("england", "scotland", "wales", "northern_ireland")
    return {
        "word": [{"q": w} for w in words],
        "two words": [{"q": p} for p in pairs],
        "word + tag": word_tag,
        "tag only": [{"tag": t} for t in tags],
        "nation + sector": [{"nation": n, "sector": s} for n in nations for s in sectors],
        "word + has=asks": [{"q": w, "has": "asks"} for w in words],
        "word, page 5": [{"q": w, "page": 5} for w in common[:4] + middling[:2]],
        "browse (no filter)": [{}],
    }


STOP = set("""that with this have from your what they their them will would about into more work
other when also been were which like some there where help want need just know make over across
people each than then very many could should does done doing being here after before most much""".split())


# --------------------------------------------------------------------------------------------
# Timing through the ASGI app
# --------------------------------------------------------------------------------------------
@dataclass
class Sample:
    ms: float
    sql_ms: float
    statements: int
    by_part: dict[str, float]
    cpu_ms: float  # this process (app, SQLite) plus, on PostgreSQL, the server backends


class ServerCpu:
    """CPU time of the PostgreSQL backends serving the app's connections, from /proc (same host
    only; 10 ms ticks, so only sums and means over many requests mean anything)."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.pids: set[int] = set()
        self.tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
        if engine.dialect.name != "postgresql":
            return

        @event.listens_for(engine.sync_engine, "connect")
        def _remember(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            self.pids.add(cursor.fetchone()[0])
            cursor.close()

    def ms(self) -> float:
        total = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total * self.tick_ms


PARTS = ("search", "popular tags", "signed-in viewer", "load 20 members")


def part_of(statement: str) -> str:
    """Which part of the request a statement belongs to, for the breakdown table."""
    s = statement.lower()
    if "web_session" in s:
        return "signed-in viewer"
    if "union all" in s and "group by" in s:
        return "popular tags"  # hub.tags.popular, on the HTML page
    if "member_fts" in s or "count(*)" in s or " as hits" in s or s.startswith("select tag.id from tag where tag.slug"):
        return "search"  # the tag's id is looked up first, then the index searched (a page, a count)
    if s.lstrip().startswith("select") and ("member_interest" in s or "post_tag" in s) and "where member.status" in s:
        return "search"
    return "load 20 members"


class SqlMeter:
    """Time inside the driver's execute for each statement, summed per request."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.sql_ms = 0.0
        self.statements = 0
        self.by_part: dict[str, float] = {}
        self.capture: list[tuple[str, object]] | None = None
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        conn.info["bench_t0"] = time.perf_counter()
        if self.capture is not None:
            self.capture.append((statement, parameters))

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        ms = (time.perf_counter() - conn.info.pop("bench_t0")) * 1000
        self.sql_ms += ms
        self.statements += 1
        part = part_of(statement)
        self.by_part[part] = self.by_part.get(part, 0.0) + ms

    def reset(self) -> None:
        self.sql_ms, self.statements, self.by_part = 0.0, 0, {}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def measure(db: Database, args: argparse.Namespace) -> tuple[dict, list[str]]:
    rng = random.Random(args.seed)
    params = await pick_parameters(db.url, rng)
    settings = Settings(
        database_url=db.url, secret_key="bench-secret", base_url="http://testserver.local",
        allowed_hosts=("testserver.local",), run_worker_in_web=False, mail_mode="smtp",
    )
    app = serving_app(settings, start_worker=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    engine = app.state.engine
    meter = SqlMeter(engine)
    server_cpu = ServerCpu(engine)  # before the engine's first connection, so that it sees them all
    secret = secrets.token_urlsafe(32)
    async with engine.begin() as conn:
        await conn.execute(insert(WebSession.__table__), [{
            "id_hash": auth.digest(secret), "member_id": 1, "created_at": NOW,
            "expires_at": NOW + dt.timedelta(days=1), "user_agent": "bench",
        }])
    results: dict[tuple[str, str], list[Sample]] = {}
    # The app in this event loop, as a server would run it (litestar's AsyncTestClient would run
    # it in a second thread and loop). Its lifespan only starts the mail worker, which is off here.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        client.cookies.set(settings.session_cookie, secret, domain="testserver.local")

        async def one(path: str, query: dict) -> Sample:
            meter.reset()
            cpu0, server0 = time.process_time(), server_cpu.ms()
            t0 = time.perf_counter()
            response = await client.get(path + ("?" + urlencode(query) if query else ""))
            ms = (time.perf_counter() - t0) * 1000
            cpu_ms = (time.process_time() - cpu0) * 1000 + server_cpu.ms() - server0
            if response.status_code != 200:
                raise RuntimeError(f"{path} {query}: {response.status_code} {response.text[:300]}")
            return Sample(ms, meter.sql_ms, meter.statements, meter.by_part, cpu_ms)

        endpoints = (("page", "/members"), ("api", "/api/members"))
        for i in range(args.warmup):
            for kind, options in params.items():
                for _, path in endpoints:
                    await one(path, options[i % len(options)])
        # Rounds: every kind on the API, and on the HTML page every page_every-th round (the page
        # also shows hub.tags.popular). No new round after --time-limit.
        page_every = max(1, math.ceil(args.requests / max(1, args.page_requests)))
        t0 = time.perf_counter()
        for i in range(args.requests):
            for kind, options in params.items():
                for label, path in endpoints:
                    if label == "page" and i % page_every:
                        continue
                    done = results.setdefault((kind, label), [])
                    done.append(await one(path, options[len(done) % len(options)]))
            elapsed = time.perf_counter() - t0
            if (i + 1) % max(1, args.requests // 10) == 0:
                print(f"[{db.backend}] {i + 1}/{args.requests} rounds, {elapsed:.0f} s", flush=True)
            if elapsed > args.time_limit and i + 1 >= min(args.requests, 10):
                print(f"[{db.backend}] --time-limit {args.time_limit:.0f} s reached after {i + 1} rounds", flush=True)
                break

        # The plan of the target query, from the SQL a real word+tag API request runs.
        target = params["word + tag"][0]
        meter.capture = []
        await one("/api/members", target)
        captured, meter.capture = meter.capture, None
        api_check = (await client.get("/api/members?" + urlencode(target))).json()
    plans = [f"word + tag query: {target} -> {api_check['total']} members, {api_check['pages']} pages"]
    plans += await explain(engine, captured)
    plans.append(await popular_uncached(engine))
    await engine.dispose()
    return {"params": params, "results": results}, plans


async def popular_uncached(engine, rounds: int = 5) -> str:  # noqa: ANN001
    """What counting the popular tags costs when a process has not remembered them."""
    ms = []
    async with AsyncSession(engine) as session:
        for i in range(rounds):
            later = NOW + (i + 1) * 2 * tags.POPULAR_TTL  # past what the previous round remembered
            await session.rollback()
            t0 = time.perf_counter()
            await tags.popular(session, now=later)
            ms.append((time.perf_counter() - t0) * 1000)
    return f"popular tags counted afresh (once a minute per process): median {statistics.median(ms):.1f} ms of {rounds}"


async def explain(engine, captured: list[tuple[str, object]]) -> list[str]:  # noqa: ANN001
    out = []
    search = [(s, p) for s, p in captured if "member_fts" in s or "@@" in s]
    async with engine.connect() as conn:
        for statement, parameters in search:
            title = "first page and total" if "over ()" in statement.lower() else "total"
            out.append(f"--- {title}: {' '.join(statement.split())}")
            out.append(f"    parameters: {parameters}")
            if engine.dialect.name == "sqlite":
                rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
                parents = {}
                for node, parent, _, detail in rows:
                    depth = parents.get(parent, -1) + 1
                    parents[node] = depth
                    out.append("    " + "  " * depth + detail)
            else:
                rows = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)).all()
                out += ["    " + r[0] for r in rows]
    return out


def table(backend: str, data: dict) -> list[str]:
    cpu_what = "app + SQLite" if backend == "sqlite" else "app + PostgreSQL backend"
    lines = [
        f"{backend}: wall time per request in ms, median and p95; cpu = mean CPU ms per request ({cpu_what})",
        f"{'query kind':<20} {'page med':>9} {'page p95':>9} {'page cpu':>9} {'api med':>9} {'api p95':>9} {'api cpu':>9} {'n p/a':>9}",
    ]
    kinds = list(data["params"])
    for kind in kinds:
        page, api = data["results"][(kind, "page")], data["results"][(kind, "api")]
        row = [statistics.median(s.ms for s in page), pct([s.ms for s in page], 95),
               statistics.fmean(s.cpu_ms for s in page), statistics.median(s.ms for s in api),
               pct([s.ms for s in api], 95), statistics.fmean(s.cpu_ms for s in api)]
        flag = "  <-- target" if kind == "word + tag" else ""
        lines.append(f"{kind:<20} " + " ".join(f"{v:9.1f}" for v in row) + f" {len(page):>4}/{len(api):<4}{flag}")
    for label in ("page", "api"):
        samples = data["results"][("word + tag", label)]
        p95 = pct([s.ms for s in samples], 95)
        verdict = "met" if p95 < TARGET_MS else "MISSED"
        lines.append(f"target: p95 < {TARGET_MS:.0f} ms for word + tag, first page, {label}: {verdict} ({p95:.1f} ms)")
    lines.append("")
    lines.append(f"{backend}: where the time goes, median ms per request: SQL by part (time in the driver's execute),")
    lines.append("then the rest (Python: app, templates or JSON, ORM, client), and SQL statements per request")
    lines.append(f"{'query kind':<20} {'endpoint':<8} " + " ".join(f"{p:>16}" for p in PARTS) + f" {'not SQL':>9} {'stmts':>5}")
    for kind in kinds:
        for label in ("page", "api"):
            samples = data["results"][(kind, label)]
            parts = [statistics.median(s.by_part.get(p, 0.0) for s in samples) for p in PARTS]
            rest = statistics.median(s.ms - s.sql_ms for s in samples)
            lines.append(f"{kind:<20} {label:<8} " + " ".join(f"{v:16.1f}" for v in parts) + f" {rest:9.1f} {samples[0].statements:>5}")
    return lines


_COMMUNITY: list[Community] = []


async def run_backend(backend: str, args: argparse.Namespace) -> list[str]:
    db = Database(backend, args)
    out = []

    def factory() -> Community:
        if not _COMMUNITY:  # generated once per run, shared by the backends
            t0 = time.perf_counter()
            c = build_community(args.members, args.posts, args.seed, args.templates)
            print(f"generated {len(c.members)} members, {len(c.posts)} posts, {len(c.tags)} tags, "
                  f"{len(c.interests)} interests, {len(c.post_tags)} post tags in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            _COMMUNITY.append(c)
        return _COMMUNITY[0]

    try:
        t0 = time.perf_counter()
        await db.open(factory)
        build = time.perf_counter() - t0
        print(f"[{backend}] database {'reused' if db.reused else 'built'} in {build:.1f} s: {make_url(db.url).render_as_string()}", flush=True)
        t0 = time.perf_counter()
        data, plans = await measure(db, args)
        print(f"[{backend}] measured in {time.perf_counter() - t0:.1f} s", flush=True)
        out += table(backend, data)
        out.append("")
        out.append(f"{backend}: queries used")
        for kind, options in data["params"].items():
            out.append(f"  {kind:<20} " + "; ".join(urlencode(o) or "(none)" for o in options))
        out.append("")
        out.append(f"{backend}: query plan ({'EXPLAIN QUERY PLAN' if backend == 'sqlite' else 'EXPLAIN (ANALYZE, BUFFERS)'})")
        out += plans
    finally:
        await db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=150_000, help="offers and asks in total")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=200, help="timed API requests per query kind (at most)")
    parser.add_argument("--page-requests", type=int, default=25,
                        help="timed HTML page requests per query kind (at most; spread over the API rounds)")
    parser.add_argument("--time-limit", type=float, default=150,
                        help="seconds of timed requests per backend after which no new round starts")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds (every kind, both endpoints) first")
    parser.add_argument("--templates", type=int, default=3000, help="generate_community size the members are made from")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="server (and a database to connect to for CREATE DATABASE)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and reuse them next time")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}", flush=True)
    print(f"directory search benchmark: {args.members} members, {args.posts} offers and asks, "
          f"backends {', '.join(backends)}; per query kind at most {args.requests} API and {args.page_requests} page "
          f"requests, at most {args.time_limit:.0f} s of them per backend", flush=True)
    reports = [asyncio.run(run_backend(b, args)) for b in backends]
    print()
    for report in reports:
        print("\n".join(report))
        print()
    print(f"total run time {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end "
          f"(other processes on this machine slow every number above)")


if __name__ == "__main__":
    main()
