"""The network pages, the one-click triangle suggestion and the exports, through the app, on both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import networkx as nx
import pytest
from sqlalchemy import select

from hub import network
from hub.models import Connection, Exchange, FollowUpAnswer, Introduction, MemberPreference, Suggestion
from hub.web.network_pages import EXPORTS
from tests.support import gexf_problems, make_member, sign_in_as

GET_ROUTES = ["/network", "/network/map.json", "/network/dashboard"] + [f"/network/export/{n}" for n in EXPORTS]
CSV_EXPORTS = [n for n in EXPORTS if n.endswith(".csv")]
BOM = b"\xef\xbb\xbf"


def csv_rows(body: bytes) -> list[dict]:
    """Rows as a BOM-aware reader (Excel, Python's utf-8-sig) reads the file."""
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def at(month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, tzinfo=dt.timezone.utc)


async def connect(db, a, b, kind="introduction", source_id=1, when=None):  # noqa: ANN001
    lo, hi = sorted((a.id, b.id))
    db.add(Connection(a_id=lo, b_id=hi, kind=kind, source_id=source_id, created_at=when or at(10)))
    await db.commit()


async def off_the_map(db, member):  # noqa: ANN001
    db.add(MemberPreference(member_id=member.id, on_map=False))
    await db.commit()


@pytest.fixture
async def triangle(db):
    """Ann knows Ben and Cat; Ben and Cat share "Network mapping". Hidden Hal knows Ann; Ivy is alone."""
    ann = await make_member(db, name="Ann Example", sector="nhs", interests=["Co-production"])
    ben = await make_member(db, name="Ben Example", sector="third_sector", nation="wales", interests=["Network mapping"])
    cat = await make_member(db, name="Cat Example", sector="academia", interests=["Network mapping", "Evaluation"])
    hal = await make_member(db, name="Hal Hidden", sector="nhs", interests=["Network mapping"])
    ivy = await make_member(db, name="Ivy Example", sector="social_care", nation="scotland", interests=["Gardening"])
    gone = await make_member(db, name="Suspended Sam", status="suspended")
    await off_the_map(db, hal)
    await connect(db, ann, ben, source_id=1)
    await connect(db, ann, cat, source_id=2)
    await connect(db, ann, hal, source_id=3)
    await connect(db, ann, gone, source_id=4)
    return {"ann": ann, "ben": ben, "cat": cat, "hal": hal, "ivy": ivy, "gone": gone}


@pytest.fixture
async def weaver_csrf(client, db, settings, clock):
    weaver = await make_member(db, name="Wendy Weaver", hub_role="weaver", sector="local_authority",
                               interests=["Facilitation"], created_at=clock())
    return await sign_in_as(client, db, settings, weaver, clock())


async def test_the_network_is_built_from_connections_between_active_members(db, settings, triangle):
    net = await network.load_network(db, settings.secret_key)
    assert triangle["gone"].id not in net.people
    ann = triangle["ann"].id
    assert net.graph.degree(ann) == 3
    assert network.isolates(net) == [triangle["ivy"].id]
    assert net.people[triangle["hal"].id].label.startswith("Anonymous member")
    [t] = network.open_triangles(net)
    assert (t.b, t.c, t.via, t.shared) == (triangle["ben"].id, triangle["cat"].id, (ann,), ("Network mapping",))
    # Reading only the neighbourhood of the pair finds the same triangle.
    near = await network.load_network(db, settings.secret_key, around=(triangle["ben"].id, triangle["cat"].id))
    assert triangle["ivy"].id not in near.people
    assert network.triangle_between(near, triangle["cat"].id, triangle["ben"].id) == t


@pytest.mark.parametrize("path", GET_ROUTES)
async def test_anonymous_visitors_are_sent_to_sign_in_from_every_network_page(client, path):
    response = await client.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"


@pytest.mark.parametrize("path", GET_ROUTES)
async def test_members_who_are_not_weavers_are_refused_every_network_page(client, db, settings, clock, path):
    member = await make_member(db)
    await sign_in_as(client, db, settings, member, clock())
    response = await client.get(path)
    assert response.status_code == 403
    assert "Hal" not in response.text


async def test_only_weavers_can_suggest_closing_a_triangle(client, db, settings, clock, triangle):
    data = {"b": str(triangle["ben"].id), "c": str(triangle["cat"].id)}
    anonymous = await client.post("/network/triangles", data=data)
    assert anonymous.status_code in (303, 403)  # no CSRF token: refused one way or the other
    member = await make_member(db)
    csrf = await sign_in_as(client, db, settings, member, clock())
    assert (await client.post("/network/triangles", data={**data, "_csrf": csrf})).status_code == 403
    assert (await db.scalars(select(Suggestion))).all() == []


async def test_the_map_page_loads_its_scripts_from_the_hub_itself(client, weaver_csrf, triangle):
    response = await client.get("/network")
    assert response.status_code == 200
    html = response.text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(re.search(r'src="/static/[^"]+"', s) for s in scripts)
    assert "<script>" not in html and " style=" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, no other host
    assert (await client.get("/static/vendor/cytoscape-3.34.4.min.js")).status_code == 200
    assert (await client.get("/static/network.js")).status_code == 200
    # The metrics are on the page as text too.
    assert "Ben Example" in html and "Cat Example" in html and "Network mapping" in html
    assert "Hal Hidden" not in html


async def test_the_map_data_filters_and_keeps_hidden_members_anonymous(client, weaver_csrf, triangle):
    data = (await client.get("/network/map.json")).json()
    labels = {n["label"] for n in data["nodes"]}
    assert {"Ann Example", "Ben Example", "Cat Example", "Ivy Example"} <= labels
    assert "Hal Hidden" not in json.dumps(data) and "Suspended Sam" not in labels
    assert any(n["anonymous"] for n in data["nodes"])
    wales = (await client.get("/network/map.json?nation=wales")).json()
    assert [n["label"] for n in wales["nodes"]] == ["Ben Example"]
    mapping = (await client.get("/network/map.json?interest=network-mapping")).json()
    assert {n["label"] for n in mapping["nodes"]} == {"Ben Example", "Cat Example"}
    assert (await client.get("/network/map.json?sector=not-a-sector")).json()["nodes"] == data["nodes"]


async def test_one_click_on_an_open_triangle_queues_one_pending_suggestion(client, db, weaver_csrf, triangle):
    data = {"b": str(triangle["cat"].id), "c": str(triangle["ben"].id), "_csrf": weaver_csrf}
    for _ in range(2):
        response = await client.post("/network/triangles", data=data)
        assert response.status_code == 303 and response.headers["location"] == "/network?notice=triangle-suggested"
    await db.commit()
    [s] = (await db.scalars(select(Suggestion))).all()
    assert (s.source, s.status, s.a_id, s.b_id) == ("triangle", "pending", triangle["ben"].id, triangle["cat"].id)
    assert s.reasons == ["both know Ann Example", "both interested in Network mapping"]
    # Once offered, the triangle is no longer listed.
    page = (await client.get("/network?notice=triangle-suggested")).text
    assert "waiting in the weavers" in page
    assert "Suggest introducing them" not in page


async def test_a_triangle_that_is_not_open_is_not_suggested(client, db, weaver_csrf, triangle):
    for b, c in (("ann", "ben"), ("ben", "ivy"), ("ben", "hal")):
        data = {"b": str(triangle[b].id), "c": str(triangle[c].id), "_csrf": weaver_csrf}
        assert (await client.post("/network/triangles", data=data)).status_code == 409, (b, c)
    assert (await client.post("/network/triangles", data={"b": "x", "c": "1", "_csrf": weaver_csrf})).status_code == 422
    await db.commit()
    assert (await db.scalars(select(Suggestion))).all() == []


async def test_a_declined_pair_is_never_suggested_again(client, db, weaver_csrf, triangle):
    db.add(Suggestion(a_id=triangle["cat"].id, b_id=triangle["ben"].id, status="declined", created_at=at(11)))
    await db.commit()
    assert "Suggest introducing them" not in (await client.get("/network")).text
    data = {"b": str(triangle["ben"].id), "c": str(triangle["cat"].id), "_csrf": weaver_csrf}
    assert (await client.post("/network/triangles", data=data)).status_code == 409


async def test_every_export_downloads_parses_and_keeps_hidden_members_anonymous(client, db, weaver_csrf, triangle):
    intro = Introduction(a_id=triangle["hal"].id, b_id=triangle["ann"].id, status="met", created_at=at(9))
    db.add(intro)
    await db.commit()
    db.add(Exchange(giver_id=triangle["hal"].id, receiver_id=triangle["ann"].id, hours=2, at=at(10), introduction_id=intro.id))
    await db.commit()
    bodies = {}
    for name in EXPORTS:
        response = await client.get(f"/network/export/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert "Hal Hidden" not in response.text and "Suspended Sam" not in response.text, name
        bodies[name] = response.content
    for reader, name in ((nx.read_gexf, "network.gexf"), (nx.read_graphml, "network.graphml")):
        graph = reader(io.BytesIO(bodies[name]))
        assert graph.number_of_nodes() == 6  # five members and the weaver
        assert graph.number_of_edges() == 3
        ben = graph.nodes[f"m{triangle['ben'].id}"]
        assert (ben["label"], ben["sector"], ben["nation"]) == ("Ben Example", "Third sector", "Wales")
    assert gexf_problems(bodies["network.gexf"]) == []
    elements = csv_rows(bodies["kumu-elements.csv"])
    assert list(elements[0]) == ["ID", "Label", "Type", "Tags", "Description"]
    connections = csv_rows(bodies["kumu-connections.csv"])
    assert list(connections[0]) == ["ID", "From", "To", "Type", "Strength", "Direction"]
    assert {c["Direction"] for c in connections} == {"undirected"}
    blueprint = json.loads(bodies["kumu.json"])
    assert len(blueprint["elements"]) == 6 and len(blueprint["connections"]) == 3
    [row] = csv_rows(bodies["introductions.csv"])
    assert (row["member_a"].startswith("Anonymous member"), row["member_b"], row["status"], row["hours_recorded"]) == (
        True, "Ann Example", "met", "2")
    [row] = csv_rows(bodies["hours.csv"])
    assert (row["giver"].startswith("Anonymous member"), row["receiver"], row["hours"]) == (True, "Ann Example", "2")
    assert row["giver_sector"] == ""  # nothing about a hidden member but the pseudonym
    assert (await client.get("/network/export/secrets.csv")).status_code == 404


@pytest.mark.parametrize("name", CSV_EXPORTS)
async def test_every_csv_export_names_its_charset_once_and_starts_with_a_bom_for_excel(
    client, db, weaver_csrf, triangle, name
):
    db.add(Exchange(giver_id=triangle["ben"].id, receiver_id=triangle["ann"].id, hours=1, at=at(10)))
    db.add(Introduction(a_id=triangle["ben"].id, b_id=triangle["ann"].id, status="met", created_at=at(9)))
    await db.commit()
    response = await client.get(f"/network/export/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM) and BOM not in response.content[len(BOM):]
    rows = csv_rows(response.content)
    assert rows and not any(key.startswith("\ufeff") for key in rows[0])


@pytest.mark.parametrize("name", ["network.gexf", "network.graphml", "kumu.json"])
async def test_other_exports_keep_their_own_media_type(client, weaver_csrf, triangle, name):
    response = await client.get(f"/network/export/{name}")
    assert response.headers["content-type"] == EXPORTS[name][1]
    assert "charset" not in EXPORTS[name][1] and not response.content.startswith(BOM)


async def test_the_dashboard_counts_month_by_month(client, db, clock, weaver_csrf):
    a = await make_member(db, name="A", sector="nhs", created_at=at(8))
    b = await make_member(db, name="B", sector="academia", created_at=at(8))
    c = await make_member(db, name="C", sector="nhs", created_at=at(9))
    d = await make_member(db, name="D", sector="nhs", created_at=at(9))
    e = await make_member(db, name="E", sector="academia", created_at=at(9))
    await off_the_map(db, e)  # counts as connected, but their sector is not used
    db.add_all([
        Suggestion(a_id=a.id, b_id=b.id, created_at=at(9), status="approved", decided_at=at(10)),
        Suggestion(a_id=c.id, b_id=d.id, created_at=at(10), status="pending"),
        Suggestion(a_id=a.id, b_id=d.id, created_at=at(10), status="declined", decided_at=at(10)),
    ])
    intro = Introduction(a_id=a.id, b_id=b.id, status="met", created_at=at(10), sent_at=at(10))
    db.add(intro)
    await db.commit()
    db.add_all([
        FollowUpAnswer(introduction_id=intro.id, member_id=a.id, met="met", hours=1.5, answered_at=at(11, 2)),
        FollowUpAnswer(introduction_id=intro.id, member_id=b.id, met="met", hours=1.5, answered_at=at(11, 5)),
        Exchange(giver_id=a.id, receiver_id=b.id, hours=1.5, at=at(11, 2)),
        Exchange(giver_id=b.id, receiver_id=a.id, hours=0.5, at=at(11, 3)),
        Connection(a_id=min(a.id, b.id), b_id=max(a.id, b.id), kind="introduction", source_id=intro.id, created_at=at(11, 2)),
        Connection(a_id=min(c.id, d.id), b_id=max(c.id, d.id), kind="event_group", source_id=1, created_at=at(11, 20)),
        Connection(a_id=min(a.id, e.id), b_id=max(a.id, e.id), kind="event_group", source_id=2, created_at=at(11, 21)),
    ])
    await db.commit()
    months = {row["month"]: row for row in await network.dashboard(db, clock(), months=12)}
    assert list(months)[-1] == "2026-11" and len(months) == 12
    assert (months["2026-09"]["suggested"], months["2026-10"]["suggested"], months["2026-10"]["approved"]) == (1, 2, 1)
    assert (months["2026-11"]["met"], months["2026-11"]["hours"]) == (1, 2.0)
    assert months["2026-10"]["share_connected"] == 0.0
    # In November: A, B, C, D, E connected; the weaver (joined now) is not.
    assert months["2026-11"]["share_connected"] == pytest.approx(5 / 6)
    assert months["2026-11"]["share_cross_sector"] == pytest.approx(1 / 2)
    page = await client.get("/network/dashboard")
    assert page.status_code == 200 and "2026-11" in page.text and "83%" in page.text
