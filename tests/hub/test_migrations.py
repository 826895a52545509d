"""`upgrade head` on an empty database produces exactly the models' schema, on both databases."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import load_only

from hub import directory
from hub.db import create_engine, session_factory
from hub.migrate import downgrade, include_name, upgrade
from hub.models import Base, Member
from hub.search_index import SQLITE_PREFIX_LENGTHS
from tests.conftest import POSTGRES_URL, _admin_execute, _postgres_available, skip_or_fail


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    problem = _postgres_available()
    if problem:
        skip_or_fail("postgres", problem)
    name = f"hub_migrate_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _differences(url: str) -> list:
    async def compare():
        engine = create_engine(url)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_name, "compare_type": True}),
                    Base.metadata,
                )
            )
        await engine.dispose()
        return diff

    return asyncio.run(compare())


def _tables(url: str) -> set[str]:
    async def tables():
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(tables())


def test_upgrade_head_on_an_empty_database_gives_exactly_the_models_schema(empty_database_url):
    upgrade(empty_database_url)
    assert _differences(empty_database_url) == []
    assert {t.name for t in Base.metadata.sorted_tables} <= _tables(empty_database_url)


def test_every_migration_can_be_undone_and_redone(empty_database_url):
    upgrade(empty_database_url)
    downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}
    upgrade(empty_database_url)
    assert _differences(empty_database_url) == []


def test_the_directory_has_a_full_text_index_on_each_database(empty_database_url):
    upgrade(empty_database_url)

    async def index_exists():
        engine = create_engine(empty_database_url)
        async with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # with prefix indexes, since every typed word is searched as a word start
                found = await conn.scalar(text(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'member_fts' AND sql LIKE :prefix"
                ), {"prefix": f"%prefix='{SQLITE_PREFIX_LENGTHS}'%"})
            else:
                found = await conn.scalar(
                    text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_member_search_fts' AND indexdef LIKE '%gin%'")
                )
        await engine.dispose()
        return found

    assert asyncio.run(index_exists()) == 1


async def _seed(url: str, statements: list[str]) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


async def _found(url: str, queries: dict[str, dict]) -> dict[str, list[str]]:
    """The names each directory query finds, as member 1 sees them."""
    engine = create_engine(url)
    async with session_factory(engine)() as db:
        # Only the columns every revision has: the directory is read after downgrades too.
        viewer = await db.get(Member, 1, options=[load_only(Member.id, Member.hub_role)])
        found = {}
        for name, query in queries.items():
            page = await directory.search(db, viewer, directory.DirectoryQuery(**query))
            found[name] = sorted(m.name for m in page.members)
    await engine.dispose()
    return found


def test_upgrading_a_hub_with_members_indexes_their_tags_for_the_directory(empty_database_url):
    """0005 fills member.search_tags from interests and open, unexpired posts, and the rebuilt
    index finds members by word and tag straight away."""
    upgrade(empty_database_url, "0004")
    upgrade(empty_database_url, "0004b")
    rows = [
        "INSERT INTO tag (id, slug, label) VALUES (1, 'kumu', 'Kumu'), (2, 'co-production', 'Co-production'),"
        " (3, 'old', 'Old')",
        "INSERT INTO member (id, email, name, organisation, region, bio, hours_per_month, prefers, visibility,"
        " matching, hub_role, status, search_text, created_at, updated_at) VALUES"
        " (1, 'ana@example.org', 'Ana', '', '', '', 0, 'either', 'members', 'active', 'member', 'active',"
        " 'Ana maps networks', '2026-01-01', '2026-01-01'),"
        " (2, 'ben@example.org', 'Ben', '', '', '', 0, 'either', 'members', 'active', 'member', 'active',"
        " 'Ben maps rivers', '2026-01-01', '2026-01-01')",
        "INSERT INTO member_interest (member_id, tag_id) VALUES (1, 1)",
        "INSERT INTO post (id, member_id, kind, title, description, status, expires_on, created_at, updated_at) VALUES"
        " (1, 2, 'ask', 'Co-production', '', 'open', NULL, '2026-01-01', '2026-01-01'),"
        " (2, 2, 'ask', 'Withdrawn', '', 'withdrawn', NULL, '2026-01-01', '2026-01-01'),"
        " (3, 2, 'ask', 'Expired', '', 'open', '2020-01-01', '2026-01-01', '2026-01-01')",
        "INSERT INTO post_tag (post_id, tag_id) VALUES (1, 2), (2, 1), (3, 3)",
    ]

    async def search_tags() -> dict[int, str]:
        engine = create_engine(empty_database_url)
        async with session_factory(engine)() as db:
            tags_of = dict((await db.execute(select(Member.id, Member.search_tags))).all())
        await engine.dispose()
        return tags_of

    asyncio.run(_seed(empty_database_url, rows))
    upgrade(empty_database_url)
    assert asyncio.run(search_tags()) == {1: "1", 2: "2"}
    found = asyncio.run(_found(empty_database_url, {
        "kumu": {"tag": "kumu"}, "co-production": {"tag": "co-production"}, "old": {"tag": "old"},
        "maps+co-production": {"q": "maps", "tag": "co-production"},
    }))
    assert found == {"kumu": ["Ana"], "co-production": ["Ben"], "old": [], "maps+co-production": ["Ben"]}


def test_the_prefix_indexes_come_and_go_with_a_hub_full_of_members(empty_database_url):
    """0006 rebuilds SQLite's index with prefix indexes and its downgrade without; members are
    found by the start of a word, with a tag, either way."""
    upgrade(empty_database_url, "0005")
    asyncio.run(_seed(empty_database_url, [
        "INSERT INTO tag (id, slug, label) VALUES (1, 'kumu', 'Kumu')",
        "INSERT INTO member (id, email, name, organisation, region, bio, hours_per_month, prefers, visibility,"
        " matching, hub_role, status, search_text, search_tags, created_at, updated_at) VALUES"
        " (1, 'ana@example.org', 'Ana', '', '', '', 0, 'either', 'members', 'active', 'member', 'active',"
        " 'Ana maps networks', '1', '2026-01-01', '2026-01-01'),"
        " (2, 'ben@example.org', 'Ben', '', '', '', 0, 'either', 'members', 'active', 'member', 'active',"
        " 'Ben joins networking lunches', '', '2026-01-01', '2026-01-01')",
        "INSERT INTO member_interest (member_id, tag_id) VALUES (1, 1)",
    ]))
    queries = {"netw": {"q": "netw"}, "network+kumu": {"q": "network", "tag": "kumu"}}
    expected = {"netw": ["Ana", "Ben"], "network+kumu": ["Ana"]}

    upgrade(empty_database_url)
    assert asyncio.run(_found(empty_database_url, queries)) == expected
    downgrade(empty_database_url, "0005")
    assert asyncio.run(_found(empty_database_url, queries)) == expected
