"""Find people by words, tags, nation, sector and role; paginated; visibility respected."""

from __future__ import annotations

import pytest

from hub import directory
from hub.members import refresh_search_text
from tests.support import make_member, make_post, sign_in_as


async def search(db, viewer, **query) -> list[str]:  # noqa: ANN003
    page = await directory.search(db, viewer, directory.DirectoryQuery(**query))
    return [m.name for m in page.members]


@pytest.fixture
async def community(db, clock):
    viewer = await make_member(db, name="Viewer", interests=["Quality improvement"])
    ana = await make_member(db, name="Ana", nation="scotland", sector="third_sector", interests=["Network mapping"],
                            weaving_roles=["connector"])
    ben = await make_member(db, name="Ben", nation="wales", sector="nhs", interests=["Psychological safety"])
    cai = await make_member(db, name="Cai", nation="wales", sector="social_care", interests=["Co-production"],
                            visibility="weavers")
    await make_post(db, ana, "offer", title="Kumu mapping clinics", description="See who knows whom", tags=["Kumu"])
    await make_post(db, ben, "ask", title="Evaluating our network", tags=["evaluation"])
    for member in (ana, ben, cai):
        await refresh_search_text(db, member.id, clock().date())
    await db.commit()
    return {"viewer": viewer, "ana": ana, "ben": ben, "cai": cai}


async def test_words_find_members_through_their_offers_and_asks(db, community):
    assert await search(db, community["viewer"], q="kumu clinics") == ["Ana"]
    assert await search(db, community["viewer"], q="evaluating") == ["Ben"]
    assert await search(db, community["viewer"], q="evaluat") == ["Ben"]  # a prefix while typing


async def test_tags_match_interests_and_post_tags_in_any_spelling(db, community):
    assert await search(db, community["viewer"], tag="network-mapping") == ["Ana"]
    assert await search(db, community["viewer"], tag="KUMU") == ["Ana"]


async def test_filters_by_nation_sector_role_and_what_people_have(db, community):
    viewer = community["viewer"]
    assert await search(db, viewer, nation="wales") == ["Ben"]
    assert await search(db, viewer, sector="third_sector") == ["Ana"]
    assert await search(db, viewer, role="connector") == ["Ana"]
    assert await search(db, viewer, has="asks") == ["Ben"]
    assert await search(db, viewer, has="offers") == ["Ana"]


async def test_weaver_only_profiles_are_hidden_from_members_but_not_from_weavers(db, community):
    assert "Cai" not in await search(db, community["viewer"])
    weaver = await make_member(db, name="Wendy", hub_role="weaver")
    assert "Cai" in await search(db, weaver)


async def test_search_words_cannot_break_the_query(db, community):
    for nasty in ('"', "kumu AND OR NOT", "*", "a:b", "')(--", "NEAR(x y)", "ñandú 🧶"):
        assert isinstance(await search(db, community["viewer"], q=nasty), list)


async def test_results_are_paginated(db):
    viewer = await make_member(db, name="Viewer")
    for i in range(45):
        await make_member(db, name=f"Member {i:02d}")
    first = await directory.search(db, viewer, directory.DirectoryQuery())
    third = await directory.search(db, viewer, directory.DirectoryQuery(page=3))
    assert (first.total, first.pages, len(first.members), len(third.members)) == (46, 3, 20, 6)


async def test_the_directory_page_and_api_show_the_same_people(client, db, settings, clock, community):
    await sign_in_as(client, db, settings, community["viewer"], clock())
    page = await client.get("/members?q=kumu")
    api = await client.get("/api/members?q=kumu")
    assert "Ana" in page.text and [m["name"] for m in api.json()["items"]] == ["Ana"]
    assert api.json()["items"][0]["email"] is None  # members do not see each other's email
