"""Offers and asks: posted with tags and an optional expiry, moved from open to fulfilled or withdrawn."""

from __future__ import annotations

from sqlalchemy import select

from hub.models import Post
from tests.support import make_member, make_post, sign_in_as


async def posts_of(db, member_id):  # noqa: ANN001, ANN201
    await db.commit()
    db.expunge_all()
    return (await db.scalars(select(Post).where(Post.member_id == member_id).order_by(Post.id))).all()


async def test_a_member_posts_several_offers_and_asks_with_tags(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    for path, title in (("/asks", "How do we see who knows whom?"), ("/offers", "Kumu mapping clinics"),
                        ("/offers", "Troika Consulting hosting")):
        response = await client.post(path, data={"title": title, "tags": "Network mapping, kumu", "_csrf": csrf})
        assert response.status_code == 303
    posts = await posts_of(db, me.id)
    assert [(p.kind, p.title, p.status) for p in posts] == [
        ("ask", "How do we see who knows whom?", "open"), ("offer", "Kumu mapping clinics", "open"),
        ("offer", "Troika Consulting hosting", "open"),
    ]
    home = await client.get("/")
    assert "Kumu mapping clinics" in home.text and "How do we see who knows whom?" in home.text


async def test_an_ask_moves_to_fulfilled_or_withdrawn_and_can_reopen(client, db, settings, clock):
    me = await make_member(db)
    ask = await make_post(db, me, "ask", title="Evaluating our network")
    csrf = await sign_in_as(client, db, settings, me, clock())
    await client.post(f"/posts/{ask.id}/status", data={"status": "fulfilled", "_csrf": csrf})
    assert [p.status for p in await posts_of(db, me.id)] == ["fulfilled"]
    again = await client.post(f"/posts/{ask.id}/status", data={"status": "withdrawn", "_csrf": csrf})
    assert again.status_code == 409 and "already fulfilled" in again.text
    await client.post(f"/posts/{ask.id}/status", data={"status": "open", "_csrf": csrf})
    assert [p.status for p in await posts_of(db, me.id)] == ["open"]


async def test_a_post_can_expire_but_not_in_the_past(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    past = await client.post("/asks", data={"title": "Old ask", "expires_on": "2020-01-01", "_csrf": csrf})
    assert past.status_code == 422 and "cannot be in the past" in past.text
    ok = await client.post("/asks", data={"title": "New ask", "expires_on": "2027-03-01", "_csrf": csrf})
    assert ok.status_code == 303
    assert [str(p.expires_on) for p in await posts_of(db, me.id)] == ["2027-03-01"]


async def test_a_post_without_a_title_gets_an_inline_error_and_is_not_saved(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post("/offers", data={"title": "", "description": "x" * 5000, "_csrf": csrf})
    assert response.status_code == 422
    assert "Title is required" in response.text and "at most 4000 characters" in response.text
    assert await posts_of(db, me.id) == []


async def test_editing_a_post_changes_its_words_and_tags(client, db, settings, clock):
    me = await make_member(db)
    offer = await make_post(db, me, "offer", title="Old title", tags=["old"])
    csrf = await sign_in_as(client, db, settings, me, clock())
    form = await client.get(f"/posts/{offer.id}/edit")
    assert 'value="Old title"' in form.text
    await client.post(f"/posts/{offer.id}", data={"title": "Plain English editing", "tags": "writing", "_csrf": csrf})
    found = await client.get("/members?q=plain+english")
    assert "1 person found" in found.text


async def test_the_api_posts_and_closes_an_ask(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    headers = {"x-csrf-token": csrf}
    created = await client.post("/api/asks", json={"title": "Co-production with carers", "tags": ["co-production"]},
                                headers=headers)
    assert created.status_code == 201 and created.json()["kind"] == "ask"
    closed = await client.post(f"/api/posts/{created.json()['id']}/status", json={"status": "withdrawn"}, headers=headers)
    assert closed.status_code == 200 and closed.json()["status"] == "withdrawn"
    bad = await client.post("/api/offers", json={"title": "x", "expires_on": "yesterday"}, headers=headers)
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"title", "expires_on"}


async def test_a_tag_longer_than_60_characters_is_refused_inline_not_cut_short(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    long_tag = "Participatory " * 5  # 70 characters
    form = await client.post("/offers", data={"title": "Kumu clinics", "tags": f"kumu, {long_tag}", "_csrf": csrf})
    assert form.status_code == 422 and "Each of the tags must be at most 60 characters" in form.text
    api = await client.post("/api/asks", json={"title": "Kumu clinics", "tags": [long_tag]}, headers={"x-csrf-token": csrf})
    assert api.status_code == 422 and set(api.json()["errors"]) == {"tags"}
    assert await posts_of(db, me.id) == []
