"""Nothing a person types reaches a 500: every form and API body answers with a 2xx, 3xx or 4xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from tests.support import make_member, sign_in_as

NASTY = [
    "", " ", "\x00", "a" * 10_000, "<script>alert(1)</script>", "'; DROP TABLE member; --", "ñandú 🧶",
    "\u202e", "-1", "1e309", "NaN", "2026-02-30", "../../etc/passwd", "%00", "{{7*7}}", "\r\nBcc: x@example.org",
]
PROFILE_FIELDS = ["name", "pronouns", "organisation", "sector", "nation", "region", "bio", "interests",
                  "weaving_roles", "hours_per_month", "prefers", "links", "visibility", "matching",
                  "matching_paused_until"]
POST_FIELDS = ["title", "description", "tags", "expires_on"]

any_text = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
fuzz = hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz
@given(values=st.fixed_dictionaries({f: any_text for f in PROFILE_FIELDS}))
async def test_the_profile_form_never_fails_on_what_is_typed(client, db, settings, clock, values):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post("/profile", data={**values, "_csrf": csrf})
    assert response.status_code in (303, 422), response.text[:300]


@fuzz
@given(values=st.fixed_dictionaries({f: any_text for f in POST_FIELDS}), path=st.sampled_from(["/asks", "/offers"]))
async def test_the_offer_and_ask_forms_never_fail_on_what_is_typed(client, db, settings, clock, values, path):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post(path, data={**values, "_csrf": csrf})
    assert response.status_code in (303, 422), response.text[:300]


@fuzz
@given(query=st.fixed_dictionaries({k: any_text for k in ["q", "tag", "nation", "sector", "role", "has", "page"]}))
async def test_the_directory_never_fails_on_what_is_typed(client, db, settings, clock, query):
    me = await make_member(db)
    await sign_in_as(client, db, settings, me, clock())
    page = await client.get("/members", params=query)
    api = await client.get("/api/members", params=query)
    assert page.status_code in (200, 400) and api.status_code in (200, 400), (page.text[:300], api.text[:300])


@fuzz
@given(body=st.dictionaries(st.sampled_from(PROFILE_FIELDS), st.one_of(
    any_text, st.integers(), st.floats(allow_nan=True), st.none(), st.lists(any_text, max_size=3), st.booleans(),
)))
async def test_the_api_never_fails_on_any_json_body(client, db, settings, clock, body):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    # Sent as written, NaN and Infinity included, as a careless or hostile client might.
    raw = json.dumps(body).encode()
    response = await client.put("/api/me", content=raw, headers={"x-csrf-token": csrf, "content-type": "application/json"})
    assert response.status_code in (200, 400, 422), response.text[:300]
    assert "detail" in response.json() or response.status_code == 200


async def test_ids_and_characters_no_database_can_hold_get_a_clear_4xx(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    huge = "9" * 25
    answers = {
        "huge id on a page": await client.get(f"/members/{huge}"),
        "huge id in the API": await client.get(f"/api/members/{huge}"),
        "huge id in a form": await client.post(f"/posts/{huge}/status", data={"_csrf": csrf, "status": "open"}),
        "a null character in a search": await client.get("/members", params={"q": "a\x00b", "sector": "\x00"}),
        "a null character in an email": await client.post("/sign-in", data={"_csrf": csrf, "email": "a\x00b@example.org"}),
        "broken JSON": await client.put("/api/me", content=b"{not json", headers={"x-csrf-token": csrf,
                                                                                  "content-type": "application/json"}),
    }
    assert {k: r.status_code for k, r in answers.items()} == {
        "huge id on a page": 404, "huge id in the API": 404, "huge id in a form": 404,
        "a null character in a search": 400, "a null character in an email": 422, "broken JSON": 400,
    }


async def test_json_nested_deeper_than_the_decoder_allows_gets_a_clear_400_on_every_json_route(client, db, settings, clock):
    me = await make_member(db, hub_role="admin")
    csrf = await sign_in_as(client, db, settings, me, clock())
    deep = "[" * 1000 + "]" * 1000
    headers = {"x-csrf-token": csrf, "content-type": "application/json"}
    answers = {
        "PUT /api/me": await client.put("/api/me", content=deep, headers=headers),
        "PUT /api/me, deep in a field": await client.put("/api/me", content='{"name": ' + deep + "}", headers=headers),
        "POST /api/offers": await client.post("/api/offers", content=deep, headers=headers),
        "POST /api/events": await client.post("/api/events", content=deep, headers=headers),
    }
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, 400)
    for response in answers.values():
        assert "nested too deeply" in response.json()["detail"]
