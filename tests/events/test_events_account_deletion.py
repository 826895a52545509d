"""A member who deletes their account gives up their future places like anyone who withdraws:
the next person waiting gets the place, and nobody can jump the queue."""

from __future__ import annotations

from sqlalchemy import select

from events import service
from events.models import Registration
from tests.events.conftest import mails, make_event, reload_event, statuses
from tests.support import make_member, sign_in_as


async def test_deleting_an_account_passes_its_place_to_the_first_person_waiting(client, db, settings, clock):
    event = await make_event(db, settings, clock(), capacity=1)
    leaving = await make_member(db, email="leaving@example.org")
    waiting = await make_member(db, email="waiting@example.org")
    await service.register(db, settings, leaving.id, event.id, {}, clock())
    await service.register(db, settings, waiting.id, event.id, {}, clock())
    csrf = await sign_in_as(client, db, settings, leaving, clock())

    response = await client.post("/account/delete", data={"_csrf": csrf, "confirm_email": "leaving@example.org"})

    assert response.status_code == 303
    assert await statuses(db, event.id) == {"cancelled": 1, "confirmed": 1}
    promoted = await db.scalar(select(Registration).where(Registration.member_id == waiting.id))
    assert promoted.status == "confirmed"
    assert (await reload_event(db, event.id)).taken == 1
    offered = [m.to_addr for m in await mails(db) if m.subject.startswith("A place came free")]
    assert offered == ["waiting@example.org"]
    # The deleted member is not written to about the place they gave up.
    assert not [m for m in await mails(db) if m.to_addr.startswith("deleted-member")]


async def test_a_deleted_members_place_with_nobody_waiting_is_free_again(client, db, settings, clock):
    event = await make_event(db, settings, clock(), capacity=2)
    leaving = await make_member(db, email="leaving@example.org")
    await service.register(db, settings, leaving.id, event.id, {}, clock())
    csrf = await sign_in_as(client, db, settings, leaving, clock())

    await client.post("/account/delete", data={"_csrf": csrf, "confirm_email": "leaving@example.org"})

    assert (await reload_event(db, event.id)).taken == 0
