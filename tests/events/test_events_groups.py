"""Breakout groups: one challenge-holder per group, organisations mixed, adjusted by hand, then published."""

from __future__ import annotations

from sqlalchemy import select

from events import groups, service
from hub.models import Connection
from tests.events.conftest import make_event
from tests.support import make_member, sign_in_as


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
