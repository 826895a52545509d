"""The timebank ledger: double entry, balances, idempotent records from introductions, hand records
that count once their giver confirms them, and how lists name members."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub import timebank
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.models import Exchange, Introduction, LedgerEntry
from tests.support import as_read, fresh, make_member, sign_in_as


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
    assert exchange.status == "pending"  # until `other` confirms it
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
    assert exchange.status == "confirmed"
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


async def test_hours_a_member_says_someone_gave_them_count_only_once_the_giver_confirms(db, clock):
    """Any member can name any other as the giver; nobody's balance changes on that word alone."""
    me, giver, stranger = await make_member(db), await make_member(db), await make_member(db)
    weaver = await make_member(db, hub_role="weaver")
    first, second = [(await timebank.record_by_member(
        db, me, timebank.parse_exchange({"other_id": str(giver.id), "hours": h}), clock())).id for h in ("1.5", "9")]
    assert await timebank.balances(db) == {}
    assert await db.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    assert [x.id for x in await timebank.history(db, waiting_for=giver.id)] == [second, first]

    for someone in (me, stranger, weaver):  # only the giver answers: not the receiver, not a third person
        with pytest.raises(NotFound):
            await timebank.answer_transfer(db, someone, first, True, clock())
    await timebank.answer_transfer(db, giver, first, True, clock())
    await timebank.answer_transfer(db, giver, first, True, clock())  # pressed twice: counted once
    await timebank.answer_transfer(db, giver, second, False, clock())
    with pytest.raises(Conflict):
        await timebank.answer_transfer(db, giver, second, True, clock())

    await fresh(db)
    assert await timebank.balances(db) == {giver.id: timebank.Balance(1.5, 0), me.id: timebank.Balance(0, 1.5)}
    assert await db.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    decided = {x.id: (x.status, x.decided_by_id) for x in (await db.scalars(select(Exchange))).all()}
    assert decided == {first: ("confirmed", giver.id), second: ("declined", giver.id)}
    assert await timebank.history(db, waiting_for=giver.id) == []


async def test_the_giver_confirms_or_declines_on_their_timebank_page(client, db, settings, clock):
    receiver, giver = await make_member(db, name="Rosa Receiver"), await make_member(db, name="Gil Giver")
    stranger = await make_member(db, name="Sam Stranger")
    csrf = await sign_in_as(client, db, settings, receiver, clock())
    recorded = await client.post("/timebank", data={"other_id": str(giver.id), "hours": "1.5", "note": "Mapping",
                                                    "_csrf": csrf})
    assert recorded.status_code == 303 and recorded.headers["location"] == "/timebank?notice=transfer-recorded"
    page = await client.get(recorded.headers["location"])
    assert "once the person who gave them confirms" in page.text and "waiting for Gil Giver to confirm" in as_read(page.text)
    (transfer,) = (await (await fresh(db)).scalars(select(Exchange))).all()
    assert transfer.status == "pending" and await timebank.balances(db) == {}
    # Neither the receiver nor anyone else can confirm it.
    assert (await client.post(f"/timebank/transfers/{transfer.id}/confirm", data={"_csrf": csrf})).status_code == 404
    csrf = await sign_in_as(client, db, settings, stranger, clock())
    assert (await client.post(f"/timebank/transfers/{transfer.id}/confirm", data={"_csrf": csrf})).status_code == 404
    assert "Hours waiting for your confirmation" not in (await client.get("/timebank")).text

    csrf = await sign_in_as(client, db, settings, giver, clock())
    page = await client.get("/timebank")
    assert "<h2>Hours waiting for your confirmation</h2>" in page.text
    assert "Rosa Receiver recorded that you gave them 1.5 hours on 23 November 2026: “Mapping”." in as_read(page.text)
    assert f'action="/timebank/transfers/{transfer.id}/confirm"' in page.text
    assert f'formaction="/timebank/transfers/{transfer.id}/decline"' in page.text
    confirmed = await client.post(f"/timebank/transfers/{transfer.id}/confirm", data={"_csrf": csrf})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/timebank?notice=transfer-confirmed"
    page = await client.get(confirmed.headers["location"])
    assert "Confirmed: the hours are in the timebank." in page.text and "Hours waiting" not in page.text
    assert await timebank.balances(await fresh(db)) == {
        giver.id: timebank.Balance(1.5, 0), receiver.id: timebank.Balance(0, 1.5)}
    declining_later = await client.post(f"/timebank/transfers/{transfer.id}/decline", data={"_csrf": csrf})
    assert declining_later.status_code == 409
    assert (await client.post(f"/timebank/transfers/{transfer.id}/maybe", data={"_csrf": csrf})).status_code == 404


async def test_the_timebank_names_a_nameless_member_new_and_a_deleted_one_former(db, clock):
    """One rule for lists of past activity (hub.models.listed_name): a tombstone is "A former member",
    someone who has not given a name yet is "New member"."""
    from hub import privacy

    nameless, leaver = await make_member(db, name=""), await make_member(db, name="Lee Leaver", email="lee@example.org")
    await timebank.record_exchange(db, giver_id=nameless.id, receiver_id=leaver.id, hours=1, now=clock())
    await db.commit()
    await privacy.delete_account(db, leaver.id, "lee@example.org", clock())
    (row,) = await timebank.history(await fresh(db), nameless.id)
    assert (row.giver_name, row.receiver_name) == ("New member", "A former member")
