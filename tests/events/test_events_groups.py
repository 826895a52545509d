"""Breakout groups: one challenge-holder per group, organisations mixed, adjusted by hand, then published."""

from __future__ import annotations

import re

from sqlalchemy import select

from events import groups, service
from events.models import EventGroup
from hub.models import Connection
from tests.events.conftest import make_event
from tests.support import make_member, make_post, sign_in_as


async def test_groups_spread_challenge_holders_mix_organisations_and_become_connections(client, db, settings, clock):
    organiser = await make_member(db, hub_role="weaver")
    event = await make_event(db, settings, clock(), organiser=organiser, capacity=20, format="wise_crowds")
    people = []
    for i in range(10):
        m = await make_member(db, organisation=f"Org {i % 3}", interests=["Peer support", "Evaluation"])
        challenge = {"A challenge you would like to bring": f"How do we evaluate peer support in team {i}?"} if i < 2 else {}
        await service.register(db, settings, m.id, event.id, challenge, clock())
        people.append(m)
    formed = await groups.generate(db, organiser, event.id)
    assert len(formed) == 2 and sorted(len(g.members) for g in formed) == [5, 5]
    assert {g.presenter_id for g in formed} == {people[0].id, people[1].id}  # one challenge-holder each
    for g in formed:
        orgs = {next(p.organisation for p in people if p.id == gm.member_id) for gm in g.members}
        assert len(orgs) >= 2

    # the facilitator moves someone before publishing
    mover = next(gm.member_id for gm in formed[0].members if gm.member_id != formed[0].presenter_id)
    csrf = await sign_in_as(client, db, settings, organiser, clock())
    assert (await client.post(f"/events/{event.id}/groups/move", data={"_csrf": csrf, "member_id": str(mover), "number": "2"})).status_code == 303
    assert (await client.post(f"/events/{event.id}/groups/move", data={"_csrf": csrf, "member_id": "x", "number": "2"})).status_code == 422
    assert (await client.post(f"/events/{event.id}/groups/publish", data={"_csrf": csrf})).status_code == 303

    await db.commit()
    db.expunge_all()
    mine = await groups.group_of_member(db, event.id, mover)
    assert mine.number == 2 and len(mine.members) == 6
    edges = (await db.scalars(select(Connection).where(Connection.kind == "event_group"))).all()
    assert len(edges) == 4 * 3 // 2 + 6 * 5 // 2 and all(e.a_id < e.b_id for e in edges)

    # each member sees their own group on the event page
    csrf = await sign_in_as(client, db, settings, await db.get(type(people[0]), mover), clock())
    page = await client.get(f"/events/{event.id}")
    assert "Group 2" in page.text


def group_reasons(page: str) -> list[str]:
    """The reasons the manage page shows under each breakout group, as read (each is isolated in a <bdi>)."""
    section = page.split("<h2>Breakout groups</h2>")[1].split("<h2>")[0]
    return [re.sub(r"</?bdi>", "", p) for p in re.findall(r'<p class="hint">(.*?)</p>', section)]


async def test_group_reasons_name_people_as_the_organiser_sees_them_and_quote_only_real_overlap(
    client, db, settings, clock
):
    host = await make_member(db, name="Hosting Hari", may_host_events=True)
    event = await make_event(db, settings, clock(), organiser=host, capacity=10, format="troika")
    ana = await make_member(db, name="Ana Asker", organisation="Org A", interests=["Gardening"])
    kim = await make_member(db, name="Kim Kumu", organisation="Org B", interests=["Network mapping"])
    wes = await make_member(db, name="Wes Weaversonly", organisation="Org C", visibility="weavers",
                            interests=["Staff morale", "Network mapping"])
    await make_post(db, kim, "offer", title="Kumu network mapping", description="I map who knows whom.")
    challenge = "How do we map who knows whom, and get more people to come along?"
    await service.register(db, settings, ana.id, event.id, {"A challenge you would like to bring": challenge}, clock())
    for m in (kim, wes):
        await service.register(db, settings, m.id, event.id, {}, clock())
    (group,) = await groups.generate(db, host, event.id)
    assert {r["member"] for r in group.reasons} == {ana.id, kim.id, wes.id, None}  # stored by id, named when shown

    csrf = await sign_in_as(client, db, settings, host, clock())
    page = (await client.get(f"/events/{event.id}/manage")).text
    (shown,) = group_reasons(page)
    assert shown.startswith("Ana Asker brings the challenge &#39;How do we map who knows whom")
    assert "; Kim Kumu " in shown
    assert not re.search(r"(^|; )\d+ ", shown)  # nobody by member number
    assert "Wes Weaversonly" in page  # in the group's list, as every registrant is shown to the organiser
    assert "Wes Weaversonly" not in shown  # but nothing quoted from a profile the host may not see
    assert "&#39;more&#39;" not in shown  # a stop word is no overlap

    # A weaver may see every profile, so reads the reason about Wes too.
    weaver = await make_member(db, hub_role="weaver")
    await sign_in_as(client, db, settings, weaver, clock())
    (shown,) = group_reasons((await client.get(f"/events/{event.id}/manage")).text)
    assert "; Wes Weaversonly " in shown and "&#39;more&#39;" not in shown

    # Someone moved out of the group takes the reasons about them along.
    csrf = await sign_in_as(client, db, settings, host, clock())
    moved = await client.post(f"/events/{event.id}/groups/move",
                              data={"_csrf": csrf, "member_id": str(kim.id), "number": "2"})
    assert moved.status_code == 303
    first, second = group_reasons((await client.get(f"/events/{event.id}/manage")).text)
    assert "Kim Kumu" not in first and second == "added by the facilitator"
    # Reasons stored before they kept the member apart ("12 brings ...") are named too.
    await db.commit()
    db.expunge_all()
    stored = await db.get(EventGroup, group.id)
    stored.reasons = [f"{ana.id} brings the challenge 'an old one'", "mixes 2 organisations (Org A, Org C)"]
    await db.commit()
    first, _ = group_reasons((await client.get(f"/events/{event.id}/manage")).text)
    assert first == "Ana Asker brings the challenge &#39;an old one&#39;; mixes 2 organisations (Org A, Org C)"
