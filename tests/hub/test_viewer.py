"""What every signed-in request learns about its viewer, and what that lookup loads."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect
from sqlalchemy.exc import InvalidRequestError

from hub import auth
from hub.db import create_engine, session_factory
from tests.support import make_member, session_cookie_for


async def test_the_viewer_comes_in_one_statement_with_roles_and_without_profile_collections(db, settings, clock):
    """Every page and API call looks the viewer up; none but the profile form shows the viewer's own
    interests or links, so loading them (two more statements) was pure cost on every request."""
    member = await make_member(db, interests=["Network mapping"], weaving_roles=["network_catalyst", "connector"])
    secret = await session_cookie_for(db, member, clock())
    engine = create_engine(settings.database_url)
    selects: list[str] = []

    def note(conn, cursor, statement, *rest) -> None:  # noqa: ANN001, ANN002
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN
            selects.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        async with session_factory(engine)() as session:
            viewer = await auth.member_for_session(session, secret, clock())
            assert len(selects) == 1
            assert viewer.id == member.id
            assert viewer.role_names == ["connector", "network_catalyst"]  # events: who may organise
            assert {"interests", "links", "posts"} <= inspect(viewer).unloaded
            with pytest.raises(InvalidRequestError):  # loudly, never a silently empty list
                viewer.interests  # noqa: B018
    finally:
        await engine.dispose()


async def test_no_viewer_for_an_expired_session_or_a_suspended_member(db, clock):
    member = await make_member(db)
    secret = await session_cookie_for(db, member, clock())
    assert (await auth.member_for_session(db, secret, clock())).id == member.id
    clock.advance(days=2)
    assert await auth.member_for_session(db, secret, clock()) is None
    other = await make_member(db, status="suspended")
    assert await auth.member_for_session(db, await session_cookie_for(db, other, clock()), clock()) is None
