"""Find people by words, tags, nation, sector and role; paginated; visibility respected."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.util import await_only

from hub import directory, members, tags
from hub.app import create_app
from hub.forms import PostInput
from hub.db import POSTGRESQL_SETTINGS, SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES, create_engine, session_factory
from hub.members import refresh_search_text
from hub.models import Member, MemberLink, Post, Tag
from tests.support import START, make_member, make_post, sign_in_as


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


async def test_a_tag_nobody_has_or_that_does_not_exist_finds_nobody(db, community):
    await tags.get_or_create(db, ["Unused tag"])
    await db.commit()
    assert await search(db, community["viewer"], tag="Unused tag") == []
    assert await search(db, community["viewer"], tag="no such tag") == []
    assert await search(db, community["viewer"], q="kumu", tag="no such tag") == []


async def test_words_and_a_tag_must_both_match_and_keep_the_words_ranking(db, community, clock):
    viewer = community["viewer"]
    dee = await make_member(db, name="Dee", interests=["Kumu"])
    await make_post(db, dee, "offer", title="Kumu Kumu Kumu: maps with Kumu", tags=["Kumu"])
    await refresh_search_text(db, dee.id, clock().date())
    await db.commit()
    assert await search(db, viewer, q="kumu") == ["Dee", "Ana"]  # more mentions rank first
    assert await search(db, viewer, q="kumu", tag="Kumu") == ["Dee", "Ana"]
    assert await search(db, viewer, q="kumu", tag="Network mapping") == ["Ana"]
    assert await search(db, viewer, q="evaluating", tag="Kumu") == []


async def test_a_number_typed_as_a_word_does_not_match_a_tag_id(db):
    viewer = await make_member(db, name="Viewer", organisation="Valley Trust", interests=[])
    await make_member(db, name="Tagged", organisation="Valley Trust", interests=["Kumu", "Co-production"])
    tag_ids = (await db.scalars(select(Tag.id))).all()
    assert tag_ids
    for tag_id in tag_ids:
        assert await search(db, viewer, q=str(tag_id)) == []


async def test_the_tag_filter_follows_a_post_being_withdrawn_and_reopened(db, community, clock):
    ben, viewer = community["ben"], community["viewer"]
    ask_id = (await db.scalars(select(Post.id).where(Post.member_id == ben.id))).one()
    await members.set_post_status(db, ben, ask_id, "withdrawn", clock().date())
    assert await search(db, viewer, tag="evaluation") == []
    assert await search(db, viewer, tag="Psychological safety") == ["Ben"]  # an interest stays
    await members.set_post_status(db, ben, ask_id, "open", clock().date())
    assert await search(db, viewer, tag="evaluation") == ["Ben"]


async def test_the_worker_forgets_an_expired_posts_words_and_tags_once_a_day(db, clock, factory):
    viewer = await make_member(db, name="Viewer")
    eve = await make_member(db, name="Eve", interests=[])
    today = clock().date()
    await members.create_post(db, eve, "ask", PostInput("Short-lived ask", "", ["Kumu"], today), today)
    assert await search(db, viewer, tag="Kumu") == await search(db, viewer, q="short-lived") == ["Eve"]
    assert await members.expired_posts_sweep(factory, clock) == 0  # still open today

    clock.advance(days=1)
    assert await members.expired_posts_sweep(factory, clock) == 1
    assert await members.expired_posts_sweep(factory, clock) == 0  # once is enough
    await db.commit()  # a new snapshot, after the worker's commit
    assert await search(db, viewer, tag="Kumu") == await search(db, viewer, q="short-lived") == []


async def test_word_and_tag_searches_see_a_member_suspended_hidden_or_renamed(db, community):
    viewer, ana = community["viewer"], community["ana"]
    await db.execute(update(Member).where(Member.id == ana.id).values(name="Zoe"))
    await db.commit()
    assert await search(db, viewer, q="kumu") == ["Zoe"]
    assert await search(db, viewer, tag="Network mapping") == ["Zoe"]
    for change in ({"visibility": "weavers"}, {"status": "suspended"}):
        await db.execute(update(Member).where(Member.id == ana.id).values(**change))
        await db.commit()
        assert await search(db, viewer, q="kumu") == []
        assert await search(db, viewer, tag="Network mapping") == []
        await db.execute(update(Member).where(Member.id == ana.id).values(visibility="members", status="active"))
        await db.commit()
        assert await search(db, viewer, q="kumu", tag="Kumu") == ["Zoe"]


async def test_every_connection_is_tuned_for_reading_the_directory(db):
    if db.bind.dialect.name == "sqlite":
        assert await db.scalar(text("PRAGMA mmap_size")) == SQLITE_MMAP_BYTES
        assert await db.scalar(text("PRAGMA cache_size")) == -SQLITE_CACHE_KIB
    else:  # or the planner scans member_fts end to end for a common word with a tag
        assert await db.scalar(text("SHOW random_page_cost")) == POSTGRESQL_SETTINGS["random_page_cost"]
        # or, from a statement's sixth run, a generic plan re-parses the words for every match
        assert await db.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


async def test_filters_by_nation_sector_role_and_what_people_have(db, community):
    viewer = community["viewer"]
    assert await search(db, viewer, nation="wales") == ["Ben"]
    assert await search(db, viewer, sector="third_sector") == ["Ana"]
    assert await search(db, viewer, role="connector") == ["Ana"]
    assert await search(db, viewer, has="asks") == ["Ben"]
    assert await search(db, viewer, has="offers") == ["Ana"]
    # and with words or a tag, through the full-text index
    assert sorted(await search(db, viewer, q="network")) == ["Ana", "Ben"]
    assert await search(db, viewer, q="network", has="asks") == ["Ben"]
    assert await search(db, viewer, q="network", has="offers") == ["Ana"]
    assert await search(db, viewer, q="network", role="connector") == ["Ana"]
    assert await search(db, viewer, q="network", nation="wales", sector="nhs") == ["Ben"]
    assert await search(db, viewer, tag="evaluation", has="asks") == ["Ben"]
    assert await search(db, viewer, tag="evaluation", has="offers") == []


async def test_weaver_only_profiles_are_hidden_from_members_but_not_from_weavers(db, community):
    assert "Cai" not in await search(db, community["viewer"])
    weaver = await make_member(db, name="Wendy", hub_role="weaver")
    assert "Cai" in await search(db, weaver)


async def test_search_words_cannot_break_the_query(db, community):
    for nasty in ('"', "kumu AND OR NOT", "*", "a:b", "')(--", "NEAR(x y)", "ñandú 🧶"):
        assert isinstance(await search(db, community["viewer"], q=nasty), list)


@pytest.mark.parametrize("words", ["", "member"])  # ordered by name; ranked by the words
async def test_results_are_paginated_in_order_with_the_total_on_every_page(db, words):
    viewer = await make_member(db, name="Viewer", organisation="Elsewhere")
    for i in reversed(range(45)):
        await make_member(db, name=f"Member {i:02d}")
    pages = [await directory.search(db, viewer, directory.DirectoryQuery(q=words, page=n)) for n in (1, 2, 3, 4)]
    total = 45 if words else 46
    assert [(p.total, p.pages) for p in pages] == [(total, 3)] * 4
    assert [len(p.members) for p in pages] == [20, 20, total - 40, 0]
    names = [m.name for p in pages for m in p.members]
    assert names == sorted(names) and len(set(names)) == total


async def test_the_directory_page_and_api_show_the_same_people(client, db, settings, clock, community):
    await sign_in_as(client, db, settings, community["viewer"], clock())
    page = await client.get("/members?q=kumu")
    api = await client.get("/api/members?q=kumu")
    assert "Ana" in page.text and [m["name"] for m in api.json()["items"]] == ["Ana"]
    assert api.json()["items"][0]["email"] is None  # members do not see each other's email



async def test_directory_results_show_others_only_open_posts_and_a_member_all_their_own(
    client, db, settings, clock, community
):
    viewer, ana = community["viewer"], community["ana"]
    await make_post(db, ana, "ask", title="Old withdrawn ask", status="withdrawn", tags=["Kumu"])
    await make_post(db, ana, "ask", title="Expired ask", expires_on=clock().date() - dt.timedelta(days=1))
    await make_post(db, viewer, "offer", title="My fulfilled offer", status="fulfilled", tags=["Quality"])
    await make_post(db, viewer, "ask", title="My open ask", tags=["Quality"])
    await sign_in_as(client, db, settings, viewer, clock())
    items = {m["name"]: m for m in (await client.get("/api/members")).json()["items"]}
    assert [p["title"] for p in items["Ana"]["offers"] + items["Ana"]["asks"]] == ["Kumu mapping clinics"]
    assert items["Ana"]["offers"][0]["tags"] == ["Kumu"]
    assert [(p["title"], p["status"], p["tags"]) for p in items["Viewer"]["offers"] + items["Viewer"]["asks"]] == [
        ("My fulfilled offer", "fulfilled", ["Quality"]), ("My open ask", "open", ["Quality"]),
    ]
    assert items["Ana"]["weaving_roles"] == ["connector"] and items["Ana"]["interests"] == ["Network mapping"]
    page = (await client.get("/members")).text
    assert "Kumu mapping clinics" in page and "My open ask" in page
    assert "Old withdrawn ask" not in page and "My fulfilled offer" not in page and "Expired ask" not in page

@pytest.mark.parametrize("hub_role", ["member", "weaver"])
async def test_a_member_in_the_directory_looks_as_on_their_own_api_page(client, db, settings, clock, hub_role):
    """The directory reads its page of members as plain rows (hub.directory_page), a member's own
    page as the model: what either shows must be the same, down to the order of tags and posts."""
    viewer = await make_member(db, name="Viewer", hub_role=hub_role, interests=["Quality"])
    ana = await make_member(db, name="Ana", pronouns="she/her", interests=["Kumu", "Co-production", "Art"],
                            weaving_roles=["network_guardian", "connector"], matching="paused",
                            matching_paused_until=clock().date() + dt.timedelta(days=30))
    db.add_all([MemberLink(member_id=ana.id, label="Blog", url="https://example.org/b"),
                MemberLink(member_id=ana.id, label="Site", url="https://example.org/a")])
    await db.commit()
    await make_post(db, ana, "offer", title="Maps", description="**Kumu** maps", tags=["Kumu", "Art", "Maps"])
    await make_post(db, ana, "ask", title="Evaluation", tags=["Evaluation"],
                    expires_on=clock().date() + dt.timedelta(days=3))
    await make_post(db, ana, "ask", title="Expired", expires_on=clock().date() - dt.timedelta(days=1))
    await make_post(db, ana, "ask", title="Withdrawn", status="withdrawn")
    await make_post(db, viewer, "offer", title="My fulfilled offer", status="fulfilled", tags=["Quality"])
    await sign_in_as(client, db, settings, viewer, clock())
    items = (await client.get("/api/members")).json()["items"]
    assert sorted(m["name"] for m in items) == ["Ana", "Viewer"]
    for item in items:
        assert item == (await client.get(f"/api/members/{item['id']}")).json()


# Popular tags: the suggestions on the directory page and on the profile and post forms.

async def popular_labels(db, now=None) -> list[str]:  # noqa: ANN001
    return [t.label for t in await tags.popular(db, now=now)]


async def test_popular_tags_count_interests_and_post_tags_most_used_first(db):
    ana = await make_member(db, interests=["Kumu", "Evaluation"])
    await make_member(db, interests=["Evaluation"])
    await make_post(db, ana, "offer", title="Mapping clinics", tags=["Kumu", "Zines"])
    await make_post(db, ana, "ask", title="Evaluating", tags=["Evaluation"])
    assert await popular_labels(db) == ["Evaluation", "Kumu", "Zines"]  # 3, 2, 1 uses
    assert [t.label for t in await tags.popular(db, limit=2)] == ["Evaluation", "Kumu"]


async def test_popular_tags_with_equal_uses_go_by_label(db):
    await make_member(db, interests=["Zines", "Art", "Maps"])
    assert await popular_labels(db) == ["Art", "Maps", "Zines"]


async def test_a_tag_added_through_the_app_is_suggested_at_once(client, db, settings, clock):
    me = await make_member(db, interests=["Kumu"])
    headers = {"x-csrf-token": await sign_in_as(client, db, settings, me, clock())}
    assert [t["label"] for t in (await client.get("/api/tags")).json()] == ["Kumu"]
    assert [t["label"] for t in (await client.get("/api/tags")).json()] == ["Kumu"]  # now remembered
    created = await client.post("/api/offers", json={"title": "Zine workshops", "tags": ["Zines"]}, headers=headers)
    assert created.status_code == 201
    assert [t["label"] for t in (await client.get("/api/tags")).json()] == ["Kumu", "Zines"]
    page = await client.get("/members")
    assert '<option value="Zines">' in page.text


async def test_popular_tags_are_counted_again_when_a_member_with_tags_is_deleted(db, clock):
    ana = await make_member(db, interests=["Kumu", "Zines"])
    await make_member(db, interests=["Kumu"])
    await db.commit()
    tags.watch(db.bind)  # as hub.app does for its engine
    await db.commit()
    assert await popular_labels(db, clock()) == ["Kumu", "Zines"]  # remembered
    # One DELETE of the member: its interests go by ON DELETE CASCADE, with no statement naming them.
    await db.execute(delete(Member).where(Member.id == ana.id).execution_options(synchronize_session=False))
    await db.commit()
    assert await popular_labels(db, clock()) == ["Kumu"]


async def test_popular_tags_are_not_kept_from_a_transaction_that_was_rolled_back(db, clock):
    ana = await make_member(db, interests=["Kumu"])
    await db.commit()
    tags.watch(db.bind)
    assert await popular_labels(db, clock()) == ["Kumu"]
    await db.commit()
    ana.interests = await tags.get_or_create(db, ["Kumu", "Zines"])
    await db.flush()
    assert await popular_labels(db, clock()) == ["Kumu", "Zines"]  # this transaction sees its own write
    await db.rollback()
    assert await popular_labels(db, clock()) == ["Kumu"]


async def test_tags_added_by_another_process_are_suggested_once_the_ttl_has_passed(db, settings, clock):
    """Each process remembers popular tags for POPULAR_TTL; another process's writes never reach
    this process's memory, so they show once that time has passed."""
    await make_member(db, interests=["Kumu"])
    await db.commit()
    tags.watch(db.bind)  # as hub.app does for its engine
    await db.commit()
    assert await popular_labels(db, clock()) == ["Kumu"]
    other_process = create_engine(settings.database_url)
    try:
        async with session_factory(other_process)() as other:
            await make_member(other, interests=["Zines"])
    finally:
        await other_process.dispose()
    await db.commit()  # a fresh snapshot, which does see the new tag
    clock.advance(seconds=tags.POPULAR_TTL.total_seconds() - 1)
    assert await popular_labels(db, clock()) == ["Kumu"]
    clock.advance(seconds=1)
    assert await popular_labels(db, clock()) == ["Kumu", "Zines"]


async def test_popular_tags_are_counted_afresh_for_an_engine_no_app_watches(db, settings, clock):
    await make_member(db, interests=["Kumu"])
    assert await popular_labels(db, clock()) == ["Kumu"]
    await db.commit()
    other_process = create_engine(settings.database_url)
    try:
        async with session_factory(other_process)() as other:
            await make_member(other, interests=["Zines"])
    finally:
        await other_process.dispose()
    assert await popular_labels(db, clock()) == ["Kumu", "Zines"]  # nothing was kept, within the TTL too


async def test_popular_tags_are_not_kept_from_a_snapshot_older_than_a_tag_write(db, clock):
    """On SQLite a transaction reads from the snapshot of its first read; tags counted there
    after someone else's write was committed are already stale and must not be remembered."""
    await make_member(db, interests=["Kumu"])
    await db.commit()
    tags.watch(db.bind)  # as hub.app does for its engine
    await db.commit()
    await db.scalar(select(func.count()).select_from(Member))  # this transaction's snapshot begins
    async with session_factory(db.bind)() as writer:  # the same engine, another connection
        await make_member(writer, interests=["Zines"])
    await popular_labels(db, clock())  # counted in the old snapshot (SQLite) or afresh (PostgreSQL)
    await db.commit()
    assert await popular_labels(db, clock()) == ["Kumu", "Zines"]


async def test_the_app_watches_its_engine_for_tag_writes_before_its_first_request(settings, clock):
    """Listeners added while another request's connection runs through them broke that request:
    'deque mutated during iteration', a 500 in 2 of 12 fresh starts under 81 concurrent GETs."""
    app = create_app(settings, clock=clock)
    engine = app.state.engine.sync_engine
    for name, listener in [("begin", tags._note_begin), ("after_cursor_execute", tags._note_tag_write),
                           ("commit", tags._end_of_transaction), ("rollback", tags._end_of_transaction)]:
        assert event.contains(engine, name, listener), name
    await app.state.engine.dispose()


async def test_a_request_beginning_while_another_first_asks_for_popular_tags_does_not_fail(app, db, settings, clock):
    """The race, made certain: the second request's connection waits inside its "begin" listeners
    (as it does for a slow BEGIN) while the first request counts popular tags for the first time.
    Served in this event loop (the test client runs each request to its end on its own loop)."""
    me = await make_member(db, interests=["Kumu"])
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
    await sign_in_as(client, db, settings, me, clock())
    second_began, first_done, begins = asyncio.Event(), asyncio.Event(), []

    def note_begin(conn) -> None:  # noqa: ANN001
        begins.append(conn)
        if len(begins) == 2:
            second_began.set()
            await_only(first_done.wait())

    def first_waits_for_second(conn, *args) -> None:  # noqa: ANN001, ANN002
        if begins and conn is begins[0] and not second_began.is_set():
            await_only(second_began.wait())

    engine = app.state.engine.sync_engine
    event.listen(engine, "begin", note_begin)
    event.listen(engine, "before_cursor_execute", first_waits_for_second)

    async def first() -> int:
        try:
            return (await client.get("/api/tags")).status_code
        finally:
            first_done.set()

    async def second() -> int:
        while not begins:  # once the first request has its connection
            await asyncio.sleep(0)
        return (await client.get("/api/tags")).status_code

    async with client:
        assert await asyncio.wait_for(asyncio.gather(first(), second()), 30) == [200, 200]
    assert len(begins) == 2


async def test_tags_made_before_labels_were_folded_are_still_found_and_joined(db, community):
    """Tags made when the key kept accents ("café"), with no migration to change them: the tag a label
    names is found by its folded key first, and by the key it would have had before only after that."""
    legacy = Tag(slug="open-space-café", label="Open-space café")
    ana = await members.load_member(db, community["ana"].id)
    ana.interests = [*ana.interests, legacy]
    await db.flush()
    await refresh_search_text(db, ana.id, START.date())
    await db.commit()
    assert [t.id for t in await tags.get_or_create(db, ["Open-space café"])] == [legacy.id]  # joined, not doubled
    for typed in ("open-space-café", "Open-space café"):  # the link on Ana's page, and the label typed
        assert await search(db, community["viewer"], tag=typed) == ["Ana"]
    # Both spellings in one database: what members type now goes to the folded one, and each
    # old tag's own link still lists the members who have it.
    db.add(Tag(slug="open-space-cafe", label="Open space cafe"))
    await db.commit()
    assert [t.slug for t in await tags.get_or_create(db, ["Open-space café"])] == ["open-space-cafe"]
    assert await search(db, community["viewer"], tag="open-space-café") == ["Ana"]


def test_a_tags_key_drops_latin_accents_but_keeps_the_marks_of_other_scripts():
    assert tags.slugify("Café & Cŵm") == tags.slugify("cafe and cwm") == "cafe-and-cwm"
    assert tags.slugify("Straße") == tags.slugify("STRASSE")  # case-folded, not only lowered
    assert tags.slugify("कुल") != tags.slugify("कल")  # a vowel sign, not an accent
    assert tags.slugify("Ελλάδα") == "ελλάδα"
