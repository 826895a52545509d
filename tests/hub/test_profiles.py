"""Members keep a profile: every field saved, bad input shown inline, Markdown made safe."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from hub.models import Tag
from tests.support import make_member, reload_member, sign_in_as, unisolated_text

FULL_PROFILE = {
    "name": "Aisha Khan", "pronouns": "she/her", "organisation": "Riverside Carers Network",
    "sector": "third_sector", "nation": "wales", "region": "Cardiff and Vale",
    "bio": "I help carers' groups **get online**.", "interests": "Digital inclusion, Network mapping",
    "weaving_roles": ["connector", "network_guardian"], "hours_per_month": "4", "prefers": "online",
    "links": "Bluesky: @riverside-carers\nWebsite: https://example.org/carers", "visibility": "members",
    "matching": "active", "matching_paused_until": "",
}


async def test_a_member_fills_in_every_part_of_their_profile(client, db, settings, clock):
    me = await make_member(db, name="", interests=[])
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post("/profile", data={**FULL_PROFILE, "_csrf": csrf})
    assert response.status_code == 303 and response.headers["location"].startswith(f"/members/{me.id}")
    saved = await reload_member(db, me.id)
    assert (saved.name, saved.pronouns, saved.organisation, saved.sector, saved.nation, saved.region) == (
        "Aisha Khan", "she/her", "Riverside Carers Network", "third_sector", "wales", "Cardiff and Vale",
    )
    assert [t.label for t in saved.interests] == ["Digital inclusion", "Network mapping"]
    assert saved.role_names == ["connector", "network_guardian"]
    assert (saved.hours_per_month, saved.prefers, saved.visibility, saved.matching) == (4, "online", "members", "active")
    assert [(link.label, link.url) for link in saved.links] == [
        ("Bluesky", "@riverside-carers"), ("Website", "https://example.org/carers"),
    ]
    page = await client.get(f"/members/{me.id}")
    assert "<strong>get online</strong>" in page.text


async def test_interest_tags_are_normalised_so_spellings_of_one_idea_are_one_tag(client, db, settings, clock):
    first = await make_member(db, interests=["Network mapping"])
    me = await make_member(db, interests=[])
    csrf = await sign_in_as(client, db, settings, me, clock())
    await client.post("/profile", data={**FULL_PROFILE, "interests": "network-mapping, NETWORK  MAPPING", "_csrf": csrf})
    tags = (await db.scalars(select(Tag).where(Tag.slug == "network-mapping"))).all()
    assert len(tags) == 1
    assert [t.slug for t in (await reload_member(db, me.id)).interests] == ["network-mapping"]
    assert first.id != me.id


async def test_the_profile_form_suggests_existing_interests(client, db, settings, clock):
    await make_member(db, interests=["Psychological safety"])
    me = await make_member(db)
    await sign_in_as(client, db, settings, me, clock())
    page = await client.get("/profile")
    assert '<option value="Psychological safety">' in page.text


async def test_bad_profile_input_is_shown_inline_and_nothing_is_saved(client, db, settings, clock):
    me = await make_member(db, name="Before")
    csrf = await sign_in_as(client, db, settings, me, clock())
    bad = {
        **FULL_PROFILE, "name": "", "sector": "astrology", "hours_per_month": "lots",
        "matching": "paused", "matching_paused_until": "", "links": "just some words without a label", "_csrf": csrf,
    }
    response = await client.post("/profile", data=bad)
    assert response.status_code == 422
    for message in ("Name is required", "Choose a sector", "Hours a month must be a whole number",
                    "Say until when you would like to pause", "Write each link as"):
        assert message in response.text
    assert response.text.count('aria-invalid="true"') >= 4
    assert (await reload_member(db, me.id)).name == "Before"


async def test_a_link_must_be_a_web_address_or_a_handle(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post("/profile", data={**FULL_PROFILE, "links": "Website: javascript:alert(1)", "_csrf": csrf})
    assert response.status_code == 422 and "must start with http" in response.text


async def test_a_paused_member_gives_a_date_in_the_future(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    past = await client.post(
        "/profile", data={**FULL_PROFILE, "matching": "paused", "matching_paused_until": "2020-01-01", "_csrf": csrf}
    )
    assert past.status_code == 422 and "cannot be in the past" in past.text
    ok = await client.post(
        "/profile", data={**FULL_PROFILE, "matching": "paused", "matching_paused_until": "2027-02-01", "_csrf": csrf}
    )
    assert ok.status_code == 303
    assert str((await reload_member(db, me.id)).matching_paused_until) == "2027-02-01"


async def test_markdown_in_a_bio_cannot_carry_script(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    bio = '<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)> **fine**'
    await client.post("/profile", data={**FULL_PROFILE, "bio": bio, "_csrf": csrf})
    page = (await client.get(f"/members/{me.id}")).text
    bio_html = page.split('<div class="bio">')[1].split("</div>")[0]
    assert "<script" not in bio_html and "<img" not in bio_html and 'href="javascript' not in bio_html
    assert "<strong>fine</strong>" in page


async def test_the_api_updates_a_profile_with_the_same_rules(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    body = {"name": "Dee", "sector": "nhs", "interests": ["Co-production"], "weaving_roles": ["connector"],
            "links": [{"label": "Website", "url": "https://example.org"}], "hours_per_month": 3}
    ok = await client.put("/api/me", json=body, headers={"x-csrf-token": csrf})
    assert ok.status_code == 200 and ok.json()["interests"] == ["Co-production"]
    bad = await client.put("/api/me", json={**body, "sector": "astrology", "hours_per_month": 999},
                           headers={"x-csrf-token": csrf})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"sector", "hours_per_month"}
    wrong_type = await client.put("/api/me", json={**body, "hours_per_month": "three"}, headers={"x-csrf-token": csrf})
    assert wrong_type.status_code == 400 and "hours_per_month" in str(wrong_type.json())


async def test_the_profile_form_shows_what_the_member_saved(client, db, settings, clock):
    me = await make_member(db, name="", interests=[])
    csrf = await sign_in_as(client, db, settings, me, clock())
    await client.post("/profile", data={**FULL_PROFILE, "_csrf": csrf})
    page = (await client.get("/profile")).text
    assert 'value="Digital inclusion, Network mapping"' in page
    assert "Bluesky: @riverside-carers\nWebsite: https://example.org/carers</textarea>" in page
    assert 'value="connector" checked' in page and 'value="network_guardian" checked' in page
    assert 'value="network_catalyst" checked' not in page


async def test_a_link_or_interest_too_long_to_keep_is_refused_inline_not_cut_short(client, db, settings, clock):
    me = await make_member(db, interests=["Kumu"])
    csrf = await sign_in_as(client, db, settings, me, clock())
    long_url, long_tag = "https://example.org/" + "a" * 481, "T" * 61  # 501 and 61 characters
    response = await client.post("/profile", data={
        **FULL_PROFILE, "links": f"Website: {long_url}\nBluesky: @ok", "interests": f"Kumu, {long_tag}", "_csrf": csrf,
    })
    assert response.status_code == 422
    assert "at most 500 characters" in response.text and "at most 60 characters" in response.text
    assert response.text.count('aria-invalid="true"') == 2
    saved = await reload_member(db, me.id)
    assert saved.links == [] and [t.label for t in saved.interests] == ["Kumu"]
    assert await db.scalar(select(Tag).where(Tag.label.startswith("TTT"))) is None
    body = {"name": "Dee", "links": [{"label": "L" * 81, "url": "https://example.org"}], "interests": [long_tag]}
    api = await client.put("/api/me", json=body, headers={"x-csrf-token": csrf})
    assert api.status_code == 422 and set(api.json()["errors"]) == {"links", "interests"}
    assert "at most 80 characters" in api.json()["errors"]["links"]
    edge = await client.put("/api/me", json={"name": "Dee", "links": [{"label": "L" * 80, "url": long_url[:500]}],
                                             "interests": [long_tag[:60]]}, headers={"x-csrf-token": csrf})
    assert edge.status_code == 200
    assert edge.json()["links"] == [{"label": "L" * 80, "url": long_url[:500]}] and edge.json()["interests"] == ["T" * 60]


async def test_interests_differing_in_accents_or_unicode_form_are_one_tag_with_the_first_label(client, db, settings, clock):
    nfc, nfd = unicodedata.normalize("NFC", "Cŵm Rhondda"), unicodedata.normalize("NFD", "Cŵm Rhondda")
    assert nfc != nfd
    first = await make_member(db, interests=[])
    csrf = await sign_in_as(client, db, settings, first, clock())
    await client.post("/profile", data={**FULL_PROFILE, "interests": f"Café, {nfd}, ﬁeld notes", "_csrf": csrf})
    second = await make_member(db, interests=[])
    csrf = await sign_in_as(client, db, settings, second, clock())
    typed = f"cafe, CAFÉ, {nfc}, Cwm rhondda, field notes"
    response = await client.post("/profile", data={**FULL_PROFILE, "interests": typed, "_csrf": csrf})
    assert response.status_code == 303
    # NFKC: the NFD "ŵ" is kept as typed but composed, the "ﬁ" ligature as two letters.
    labels = ["Café", nfc, "field notes"]
    assert sorted(t.label for t in (await db.scalars(select(Tag))).all()) == sorted(labels)
    assert sorted(t.label for t in (await reload_member(db, second.id)).interests) == sorted(labels)
    found = (await client.get("/api/members", params={"tag": "CAFE"})).json()["items"]
    assert sorted(m["id"] for m in found) == [first.id, second.id]


async def test_bidi_controls_leave_names_and_everything_members_write_is_isolated_on_pages(client, db, settings, clock):
    """An override left open (U+202E) in a name reversed the text after it on every page that showed
    it: "(yeht/eh)" for "(he/they)". Names lose bidi controls at the form; pages isolate the rest."""
    me = await make_member(db, interests=[])
    csrf = await sign_in_as(client, db, settings, me, clock())
    rlo, rli = "\u202e", "\u2067"
    typed = {
        **FULL_PROFILE, "name": f"Ana{rlo} (yeht/eh) \u200f{rli}Jones\u2069", "pronouns": f"{rlo}yeht/eh",
        "organisation": f"{rli}Riverside{rlo} trust", "region": f"{rlo}Cardiff", "bio": f"{rlo}I help **carers**.",
        "links": f"{rlo}Site: https://example.org/carers", "_csrf": csrf,
    }
    assert (await client.post("/profile", data=typed)).status_code == 303
    saved = await reload_member(db, me.id)
    assert saved.name == "Ana (yeht/eh) Jones"  # every bidi control gone, and nothing else
    assert (saved.pronouns, saved.organisation) == (f"{rlo}yeht/eh", f"{rli}Riverside{rlo} trust")
    offer = await client.post("/offers", data={"title": f"{rlo}Kumu clinics", "description": f"{rlo}Bring a map",
                                              "tags": "kumu", "_csrf": csrf})
    assert offer.status_code == 303
    member_text = "[\u202a-\u202e\u2066-\u2069]|Ana|yeht|Riverside|Cardiff|carers|Kumu clinics|Bring a map"
    for path in (f"/members/{me.id}", "/members", "/", "/profile"):
        page = await client.get(path)
        assert page.status_code == 200
        assert unisolated_text(page.text, member_text) == [], path
