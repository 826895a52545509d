"""The timebank ledger: double entry, balances, idempotent records from introductions, hand records."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub import timebank
from hub.errors import Forbidden, InvalidInput
from hub.models import Exchange, Introduction, LedgerEntry
from tests.support import make_member


async def test_every_exchange_is_two_entries_that_sum_to_zero(db, clock):
    a, b, c = await make_member(db), await make_member(db), await make_member(db)
    await timebank.record_exchange(db, giver_id=a.id, receiver_id=b.id, hours=2, now=clock())
    await timebank.record_exchange(db, giver_id=b.id, receiver_id=c.id, hours=0.5, now=clock())
    await db.commit()
    entries = (await db.scalars(select(LedgerEntry).order_by(LedgerEntry.id))).all()
    assert [(e.member_id, e.hours) for e in entries] == [(a.id, 2), (b.id, -2), (b.id, 0.5), (c.id, -0.5)]
    assert await db.scalar(select(func.sum(LedgerEntry.hours))) == 0
    balances = await timebank.balances(db)
    assert balances[a.id] == timebank.Balance(2, 0) and balances[b.id] == timebank.Balance(0.5, 2)
    assert balances[b.id].balance == -1.5 and balances[c.id].balance == -0.5
    assert await timebank.balance(db, 999) == timebank.Balance(0, 0)


async def test_hours_from_one_introduction_are_recorded_once_per_giver(db, clock):
    a, b = await make_member(db), await make_member(db)
    intro = Introduction(a_id=a.id, b_id=b.id, status="sent", created_at=clock())
    db.add(intro)
    await db.commit()
    first = await timebank.record_exchange(db, giver_id=b.id, receiver_id=a.id, hours=1, now=clock(),
                                           source="introduction", introduction_id=intro.id)
    again = await timebank.record_exchange(db, giver_id=b.id, receiver_id=a.id, hours=3, now=clock(),
                                           source="introduction", introduction_id=intro.id)
    await db.commit()
    assert first is not None and again is None
    assert await db.scalar(select(func.count()).select_from(Exchange)) == 1
    assert await db.scalar(select(func.count()).select_from(LedgerEntry)) == 2


@pytest.mark.parametrize(("raw", "expected"), [("1.5", 1.5), ("1,25", 1.25), (" 2 ", 2.0), ("0.3", 0.25), (3, 3.0)])
def test_hours_are_read_as_quarter_hours(raw, expected):
    errors: dict = {}
    assert timebank.parse_hours(raw, errors) == expected and errors == {}


@pytest.mark.parametrize("raw", ["", "0", "-1", "201", "nan", "inf", "1e309", "lots", None, True])
def test_impossible_hours_are_refused_with_a_message(raw):
    errors: dict = {}
    timebank.parse_hours(raw, errors)
    assert "hours" in errors


async def test_a_member_records_only_time_given_to_them_and_only_weavers_record_for_others(db, clock):
    me, other, third = await make_member(db), await make_member(db), await make_member(db)
    data = timebank.parse_exchange({"other_id": str(other.id), "hours": "1"})
    exchange = await timebank.record_by_member(db, me, data, clock())
    assert (exchange.giver_id, exchange.receiver_id, exchange.recorded_by_id) == (other.id, me.id, me.id)
    with pytest.raises(InvalidInput):
        await timebank.record_by_member(db, me, timebank.parse_exchange({"other_id": str(me.id), "hours": "1"}), clock())
    await db.rollback()
    weaver_form = timebank.parse_exchange({"giver_id": str(other.id), "receiver_id": str(third.id), "hours": "2"},
                                          weaver_form=True)
    with pytest.raises(Forbidden):
        await timebank.record_by_weaver(db, me, weaver_form, clock())
    weaver = await make_member(db, hub_role="weaver")
    exchange = await timebank.record_by_weaver(db, weaver, weaver_form, clock())
    assert (exchange.giver_id, exchange.receiver_id, exchange.recorded_by_id) == (other.id, third.id, weaver.id)
    with pytest.raises(InvalidInput) as exc:
        timebank.parse_exchange({"giver_id": "1", "receiver_id": "1", "hours": "x", "note": "n" * 501}, weaver_form=True)
    assert set(exc.value.errors) == {"receiver_id", "hours", "note"}


async def test_a_profile_page_shows_the_members_timebank_hours(client, db, settings, clock):
    from hub import timebank as tb
    from tests.support import make_member, sign_in_as

    giver, receiver = await make_member(db, name="Giver"), await make_member(db, name="Receiver")
    await tb.record_exchange(db, giver_id=giver.id, receiver_id=receiver.id, hours=2.5, source="manual",
                             recorded_by_id=giver.id, now=clock())
    await db.commit()
    await sign_in_as(client, db, settings, receiver, clock())
    page = await client.get(f"/members/{giver.id}")
    assert "Given 2.5 hours, received 0" in page.text
