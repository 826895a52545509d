"""Declarative base, engines and sessions shared by the web app, the CLI and the worker."""

from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: SQLite read tuning per connection (hub.db._make_sqlite_safe_for_concurrent_writers).
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
SQLITE_CACHE_KIB = 16 * 1024
#: PostgreSQL planner settings per connection.
#: - random_page_cost: the default (4.0) prices a page read as a disk seek; the hub's tables are
#:   small enough to sit in memory or on SSD, where 1.1 is the usual figure. With 4.0 the planner
#:   reads all of member_fts to find "a common word with a tag" (115 ms at 50,000 members) instead
#:   of intersecting them in the GIN index (42 ms; bench/directory_search.py).
#: - plan_cache_mode: asyncpg prepares every statement, and from its sixth run PostgreSQL may switch
#:   to a generic plan made without the parameters' values. For a directory search that plan
#:   computes to_tsquery(words) again for every match, in the filter and in ts_rank: 42 ms instead
#:   of 24 ms for a common word with a tag. Planning with the values costs about 0.2 ms a statement.
POSTGRESQL_SETTINGS = {"random_page_cost": "1.1", "plan_cache_mode": "force_custom_plan"}

#: Execution option marking a session that only reads (SQLite then begins DEFERRED).
READ_ONLY_OPTION = "hub_read_only"


async def mark_read_only(session: AsyncSession) -> None:
    await session.connection(execution_options={READ_ONLY_OPTION: True})


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def create_engine(database_url: str, **kwargs) -> AsyncEngine:  # noqa: ANN003
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_safe_for_concurrent_writers(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, connect_args={"server_settings": POSTGRESQL_SETTINGS}, **kwargs)


def _make_sqlite_safe_for_concurrent_writers(engine: AsyncEngine) -> None:
    """WAL plus BEGIN IMMEDIATE: a deferred BEGIN that later writes fails with "database is
    locked" under concurrent writers instead of waiting its turn (DESIGN.md §4)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Reads: pages through a memory map instead of a read() copy per page, and a larger page
        # cache per connection than the default 2 MB (the directory at 50,000 members is ~160 MB;
        # bench/directory_search.py). Both are limits, not allocations.
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # Readers need no write lock; in WAL mode they never block the single writer.
        deferred = conn.get_execution_options().get(READ_ONLY_OPTION)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def open_session(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that rolls back whatever its user did not commit."""
    async with factory() as session:
        try:
            yield session
        finally:
            await session.rollback()
