"""Requests that change the same registration or event at the same moment, each through its own app and
engine (as several `hub serve` processes on one database): places always add up and nobody gets a 500."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from events import service
from events.models import Event, Registration
from hub import auth
from hub.app import create_app
from tests.events.conftest import edit_values, mails, make_event, reload_event, statuses
from tests.support import make_member, session_cookie_for

ROUNDS = 3  # each race is run a few times: one interleaving may miss the window that another hits


@asynccontextmanager
async def replicas(settings, clock, n: int = 2):  # noqa: ANN001, ANN201
    """n apps, each with its own engine and connection pool, as separate web processes have. Litestar's test
    client runs each request to its end in a portal thread, one at a time; httpx's ASGI transport runs them in
    this event loop, so requests sent together interleave at every database round trip."""
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(n):
            app = create_app(settings, clock=clock)
            await stack.enter_async_context(app.lifespan())
            clients.append(await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")))
        yield clients


async def signed_in(db, settings, member, now) -> dict[str, str]:  # noqa: ANN001
    """Headers of a signed-in request for `member`, so that one client can send requests for several people."""
    secret = await session_cookie_for(db, member, now)
    return {"cookie": f"{settings.session_cookie}={secret}", "x-csrf-token": auth.csrf_token(settings, secret)}


async def places_add_up(db, event_id: int) -> tuple[Event, dict[str, int]]:  # noqa: ANN001
    """The invariants: the place counter is the number of confirmed registrations, never above capacity,
    and a place is never free while someone waits."""
    counts = await statuses(db, event_id)
    event = await reload_event(db, event_id)
    confirmed = counts.get("confirmed", 0)
    assert event.taken == confirmed, f"taken {event.taken} but {confirmed} confirmed ({counts})"
    assert confirmed <= event.capacity, f"{confirmed} confirmed for {event.capacity} places"
    assert confirmed == event.capacity or not counts.get("waiting"), f"places free while people wait: {counts}"
    return event, counts


async def status_of(db, event_id: int, member_id: int) -> str:  # noqa: ANN001
    await db.commit()
    return await db.scalar(select(Registration.status).where(Registration.event_id == event_id,
                                                              Registration.member_id == member_id))


@pytest.mark.parametrize("route", ["api", "page"])
async def test_two_cancels_at_the_same_moment_pass_one_place_to_one_person(db, settings, clock, factory, route):
    """Capacity 2, A and B with a place, C and D waiting; A cancels twice at once. Before the fix both cancels
    handed A's place on, so C and D were both confirmed: taken 2, confirmed 3."""
    a, b, c, d = [await make_member(db) for _ in range(4)]
    async with replicas(settings, clock) as clients:
        as_a = await signed_in(db, settings, a, clock())
        for _ in range(ROUNDS):
            event = await make_event(db, settings, clock(), capacity=2)
            async with factory() as s:
                for m in (a, b, c, d):
                    await service.register(s, settings, m.id, event.id, {}, clock())
            if route == "api":
                send = [client.delete(f"/api/events/{event.id}/registration", headers=as_a) for client in clients]
            else:
                send = [client.post(f"/events/{event.id}/withdraw", data={"_csrf": as_a["x-csrf-token"]}, headers=as_a)
                        for client in clients]
            answers = await asyncio.gather(*send)
            assert [r.status_code for r in answers] == [200 if route == "api" else 303] * 2
            _, counts = await places_add_up(db, event.id)
            assert counts == {"cancelled": 1, "confirmed": 2, "waiting": 1}
            assert [await status_of(db, event.id, m.id) for m in (a, b, c, d)] == [
                "cancelled", "confirmed", "confirmed", "waiting"]
            sent = await mails(db)
            assert [m.to_addr for m in sent if m.subject == f"You've cancelled your place: {event.title}"] == [a.email]
            assert [m.to_addr for m in sent if m.subject == f"A place came free, and it's yours: {event.title}"] == [
                c.email]


async def test_registering_again_twice_at_once_takes_one_place(db, settings, clock, factory):
    """Before the fix both requests took a place for the same registration: places_left 3 of 4 with one person
    confirmed, and with 3 members x 3 requests ghost places filled the event while people waited."""
    people = [await make_member(db) for _ in range(4)]
    async with replicas(settings, clock, 3) as clients:
        for _ in range(ROUNDS):
            event = await make_event(db, settings, clock(), capacity=5)
            async with factory() as s:
                for m in people:
                    await service.register(s, settings, m.id, event.id, {}, clock())
                    await service.withdraw_member(s, settings, m.id, event.id, clock())
            first, *others = people
            sends = []
            for person, times in [(first, 2)] + [(m, 3) for m in others]:
                headers = await signed_in(db, settings, person, clock())
                sends += [(clients[i % len(clients)], headers) for i in range(times)]
            answers = await asyncio.gather(*(
                client.post(f"/api/events/{event.id}/registration", json={"answers": {}}, headers=headers)
                for client, headers in sends))
            assert [r.status_code for r in answers] == [200] * len(sends)
            assert {r.json()["status"] for r in answers} == {"confirmed"}
            event, counts = await places_add_up(db, event.id)
            assert counts == {"confirmed": 4} and event.places_left == 1
            listed = (await clients[0].get(f"/api/events/{event.id}", headers=sends[0][1])).json()
            assert listed["places_left"] == 1


async def test_lowering_capacity_while_people_register_answers_with_a_form_error_or_succeeds(
    db, settings, clock, factory
):
    """Before the fix the edit's UPDATE broke ck_event_taken when registrations came in between its check and
    its write: a 500. Now the capacity change is itself conditional (taken <= capacity)."""
    organiser = await make_member(db, hub_role="weaver")
    early = [await make_member(db) for _ in range(3)]
    crowd = [await make_member(db) for _ in range(6)]
    async with replicas(settings, clock, 3) as clients:
        for _ in range(ROUNDS):
            event = await make_event(db, settings, clock(), organiser=organiser, capacity=10)
            async with factory() as s:
                for m in early:
                    await service.register(s, settings, m.id, event.id, {}, clock())
            as_organiser = await signed_in(db, settings, organiser, clock())
            crowd_headers = [await signed_in(db, settings, m, clock()) for m in crowd]
            registrations = [clients[i % len(clients)].post(f"/api/events/{event.id}/registration",
                                                            json={"answers": {}}, headers=headers)
                             for i, headers in enumerate(crowd_headers)]
            edit_form = {**edit_values(event, capacity="5"), "_csrf": as_organiser["x-csrf-token"]}
            # sent together, so that registrations land between the edit's reading of the event and its write
            edit, *registered = await asyncio.gather(
                clients[0].post(f"/events/{event.id}", data=edit_form, headers=as_organiser), *registrations)
            assert [r.status_code for r in registered] == [200] * len(crowd)
            assert edit.status_code in (303, 422), edit.text[:500]
            event, counts = await places_add_up(db, event.id)
            if edit.status_code == 422:
                assert 'id="capacity-error"' in edit.text and "places are already taken" in edit.text
                assert event.capacity == 10 and counts == {"confirmed": 9}
            else:
                assert event.capacity == 5 and counts == {"confirmed": 5, "waiting": 4}
        # and plainly, with nothing else going on: the form says how many places are taken
        event = await make_event(db, settings, clock(), organiser=organiser, capacity=10)
        async with factory() as s:
            for m in early:
                await service.register(s, settings, m.id, event.id, {}, clock())
        edit_form = {**edit_values(event, capacity="2"), "_csrf": as_organiser["x-csrf-token"]}
        refused = await clients[0].post(f"/events/{event.id}", data=edit_form, headers=as_organiser)
        assert refused.status_code == 422 and "3 places are already taken" in refused.text
        assert 'value="2"' in refused.text  # what was typed is kept
        event, _ = await places_add_up(db, event.id)
        assert event.capacity == 10


async def test_cancels_and_registrations_at_the_same_moment_never_leave_a_place_free_while_people_wait(
    db, settings, clock, factory
):
    """A full event: its three people cancel while three others register. A registration that found the event
    full must not end up waiting beside a place that a cancel freed but could not hand to it (its row was not yet
    committed): registering and freeing a place take the event's row lock in turn."""
    holders = [await make_member(db) for _ in range(3)]
    newcomers = [await make_member(db) for _ in range(3)]
    async with replicas(settings, clock, 3) as clients:
        for _ in range(ROUNDS):
            event = await make_event(db, settings, clock(), capacity=3)
            async with factory() as s:
                for m in holders:
                    await service.register(s, settings, m.id, event.id, {}, clock())
            sends = []
            for i, (holder, newcomer) in enumerate(zip(holders, newcomers)):
                client = clients[i % len(clients)]
                sends.append(client.post(f"/api/events/{event.id}/registration", json={"answers": {}},
                                         headers=await signed_in(db, settings, newcomer, clock())))
                sends.append(client.delete(f"/api/events/{event.id}/registration",
                                           headers=await signed_in(db, settings, holder, clock())))
            answers = await asyncio.gather(*sends)
            assert [r.status_code for r in answers] == [200] * len(sends)
            _, counts = await places_add_up(db, event.id)
            assert counts == {"cancelled": 3, "confirmed": 3}
