"""Fixtures: every database test runs on SQLite and on PostgreSQL; mail goes to a real SMTP server.

PostgreSQL tests need the server at HUB_TEST_POSTGRES_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test). Where it is missing they are skipped and the
run says so at the end; with HUB_REQUIRE_ALL=1 (as in CI) a skip of that kind is a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub.app import create_app
from hub.db import READ_ONLY_OPTION, create_engine, session_factory
from hub.migrate import upgrade
from hub.models import Base
from hub.settings import Settings
from tests.support import FixedClock, Inbox, browser_like_client, start_smtp

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_ALL = os.environ.get("HUB_REQUIRE_ALL") == "1"
ENABLE_HINTS = {
    "postgres": "start PostgreSQL at 127.0.0.1:5432 (user postgres, database test) or set HUB_TEST_POSTGRES_URL",
    "browser": "install Debian's chromium (/usr/bin/chromium) and node/npm for axe-core",
    "oidc": "install node and run npm install in tests/node (oidc-provider)",
}


def skip_or_fail(kind: str, why: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{why} (HUB_REQUIRE_ALL=1 forbids skipping {kind} tests)")
    pytest.skip(f"[{kind}] {why}")


async def _admin_execute(url: str, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _postgres_available() -> str | None:
    try:
        asyncio.run(asyncio.wait_for(_admin_execute(POSTGRES_URL, "SELECT 1"), 5))
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL is not reachable at {make_url(POSTGRES_URL).render_as_string(hide_password=True)}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh, migrated database for this test session, dropped afterwards."""
    problem = _postgres_available()
    if problem:
        skip_or_fail("postgres", problem)
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(_admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Migrated once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "hub.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url = request.getfixturevalue("postgres_database")
    asyncio.run(_empty_postgres(url))
    return url


async def _empty_postgres(url: str) -> None:
    """DELETE and reset the sequences: on small tables about 15x faster than TRUNCATE."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            # audit_log refuses DELETE (a trigger, migration 0004); TRUNCATE does not fire row triggers.
            if await conn.scalar(text("SELECT EXISTS (SELECT 1 FROM audit_log)")):
                await conn.execute(text("TRUNCATE audit_log"))
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "audit_log":
                    await conn.execute(text(f'DELETE FROM "{table.name}"'))
            sequences = (
                await conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"))
            ).scalars().all()
            if sequences:
                await conn.execute(text("SELECT " + ", ".join(f"setval('\"{s}\"', 1, false)" for s in sequences)))
    finally:
        await engine.dispose()


@pytest.fixture
def inbox():
    box = Inbox()
    controller = start_smtp(box)
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(database_url, inbox) -> Settings:
    return Settings(
        database_url=database_url, secret_key="test-secret", base_url="http://testserver.local",
        mail_mode="smtp", smtp_port=inbox.port, run_worker_in_web=False,
        allowed_hosts=("testserver.local",),
    )


@pytest.fixture
async def db(settings):
    """The test's own session. On SQLite it begins DEFERRED, so a read in a test never holds
    the write lock that the app under test needs."""
    engine = create_engine(settings.database_url)
    factory = session_factory(engine.execution_options(**{READ_ONLY_OPTION: True}))
    async with factory() as session:
        yield session
    await engine.dispose()


@pytest.fixture
async def factory(settings):
    """A second engine, as a worker or another web process would have."""
    engine = create_engine(settings.database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def app(settings, clock):
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app):
    async with browser_like_client(app) as c:
        yield c


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    by_kind: dict[str, int] = {}
    for report in skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for kind in ENABLE_HINTS:
            if f"[{kind}]" in reason:
                by_kind[kind] = by_kind.get(kind, 0) + 1
    if by_kind:
        terminalreporter.section("what was skipped and how to enable it")
        for kind, n in by_kind.items():
            terminalreporter.write_line(f"{n} {kind} test(s) skipped: {ENABLE_HINTS[kind]}.")
