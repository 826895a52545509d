"""The timebank: a double-entry ledger of hours given and received.

Every confirmed exchange writes two ledger entries that sum to zero: +hours on the giver's account,
-hours on the receiver's. Balances sum the ledger, so only confirmed exchanges count. An exchange
is confirmed when it is recorded by a weaver, or from an introduction's follow-up when the two
people's answers agree; it waits ("pending", no ledger entries) when the receiver recorded it by
hand, until the giver confirms or declines it (as in TimeOverflow, nobody's hours move on someone
else's word alone), and when the two follow-up answers differ, until a weaver confirms an amount.
Hours from an introduction are one exchange per introduction and giver (a database constraint, so
two answers racing each other still make one).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.models import Connection, Exchange, LedgerEntry, Member, listed_name

MAX_HOURS = 200.0
NOTE_MAX = 500


@dataclass(frozen=True)
class Balance:
    given: float
    received: float

    @property
    def balance(self) -> float:
        return round(self.given - self.received, 2)


@dataclass(frozen=True)
class ExchangeInput:
    other_id: int | None
    giver_id: int | None
    receiver_id: int | None
    hours: float
    note: str


def parse_hours(raw: object, errors: dict[str, str], name: str = "hours", allow_zero: bool = False) -> float:
    """Hours as a number of quarter hours, 0 < h <= 200 (or 0 when allowed)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        text = str(raw or "").strip().replace(",", ".")
        if not text and allow_zero:
            return 0.0
        try:
            value = float(text)
        except ValueError:
            errors[name] = "Enter the hours as a number, for example 1.5."
            return 0.0
    if not math.isfinite(value) or value < 0 or value > MAX_HOURS or (value == 0 and not allow_zero):
        errors[name] = f"Enter a number of hours above 0 and at most {MAX_HOURS:g}." if not allow_zero else (
            f"Enter a number of hours from 0 to {MAX_HOURS:g}.")
        return 0.0
    return round(value * 4) / 4


def parse_exchange(values: Mapping[str, object], weaver_form: bool = False) -> ExchangeInput:
    errors: dict[str, str] = {}
    hours = parse_hours(values.get("hours"), errors)
    note = str(values.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"The note must be at most {NOTE_MAX} characters (it has {len(note)})."

    def member_id(name: str, label: str) -> int | None:
        raw = str(values.get(name) or "").strip()
        if not raw.isdigit() or len(raw) > 12:
            errors[name] = f"Choose {label}."
            return None
        return int(raw)

    if weaver_form:
        giver, receiver, other = member_id("giver_id", "who gave the time"), member_id("receiver_id", "who received it"), None
        if giver is not None and giver == receiver:
            errors["receiver_id"] = "The giver and the receiver must be two different people."
    else:
        giver, receiver, other = None, None, member_id("other_id", "who gave you their time")
    if errors:
        raise InvalidInput("Please check the exchange.", errors)
    return ExchangeInput(other_id=other, giver_id=giver, receiver_id=receiver, hours=hours, note=note)


async def record_exchange(
    session: AsyncSession,
    *,
    giver_id: int,
    receiver_id: int,
    hours: float,
    now: dt.datetime,
    source: str = "manual",
    introduction_id: int | None = None,
    recorded_by_id: int | None = None,
    note: str = "",
    status: str = "confirmed",
) -> Exchange | None:
    """Add an exchange to the caller's transaction, with its two ledger entries when it is
    confirmed. For an introduction a second record for the same giver adds nothing and returns
    None (idempotent)."""
    if giver_id == receiver_id:
        raise InvalidInput("Nobody can exchange hours with themselves.", {"other_id": "Choose someone else."})
    if not (0 < hours <= MAX_HOURS):
        raise InvalidInput("Please check the hours.", {"hours": f"Enter a number of hours above 0 and at most {MAX_HOURS:g}."})
    if introduction_id is not None:
        existing = await session.scalar(
            select(Exchange.id).where(Exchange.introduction_id == introduction_id, Exchange.giver_id == giver_id)
        )
        if existing is not None:
            return None
    exchange = Exchange(
        giver_id=giver_id, receiver_id=receiver_id, hours=hours, source=source, introduction_id=introduction_id,
        recorded_by_id=recorded_by_id, note=note, at=now, status=status,
    )
    try:
        async with session.begin_nested():
            session.add(exchange)
            await session.flush()
            if status == "confirmed":
                _post(session, exchange.id, giver_id, receiver_id, hours)
            await session.flush()
    except IntegrityError:
        if introduction_id is None:
            raise
        return None  # the other answer recorded it a moment ago
    return exchange


def _post(session: AsyncSession, exchange_id: int, giver_id: int | None, receiver_id: int | None, hours: float) -> None:
    session.add_all([
        LedgerEntry(exchange_id=exchange_id, member_id=giver_id, hours=hours),
        LedgerEntry(exchange_id=exchange_id, member_id=receiver_id, hours=-hours),
    ])


async def _decide(session: AsyncSession, exchange_id: int, status: str, by_id: int, now: dt.datetime,
                  *conditions, hours: float | None = None) -> bool:  # noqa: ANN002
    """pending -> confirmed (writing its ledger entries) or declined, as one conditional UPDATE, so
    that two people pressing at once decide once. False when it was no longer pending."""
    values = {"status": status, "decided_by_id": by_id, "decided_at": now, **({"hours": hours} if hours else {})}
    result = await session.execute(
        update(Exchange).where(Exchange.id == exchange_id, Exchange.status == "pending", *conditions)
        .values(values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    if status == "confirmed":
        giver_id, receiver_id, amount = (await session.execute(
            select(Exchange.giver_id, Exchange.receiver_id, Exchange.hours).where(Exchange.id == exchange_id))).one()
        _post(session, exchange_id, giver_id, receiver_id, amount)
        await session.flush()
    return True


async def hold_for_weaver(session: AsyncSession, exchange_id: int) -> bool:
    """confirmed -> pending, for follow-up hours that the second answer contradicts: the ledger
    entries come out until a weaver confirms an amount. Never undoes what someone decided."""
    result = await session.execute(
        update(Exchange).where(Exchange.id == exchange_id, Exchange.status == "confirmed",
                               Exchange.decided_by_id.is_(None))
        .values(status="pending").execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    await session.execute(delete(LedgerEntry).where(LedgerEntry.exchange_id == exchange_id))
    return True


async def record_by_member(session: AsyncSession, actor: Member, data: ExchangeInput, now: dt.datetime) -> Exchange:
    """A member records hours another member gave them. It waits for the giver's confirmation, so
    nobody's account changes on someone else's word alone; until then it counts for neither."""
    if actor.status != "active":
        raise Forbidden("Your membership is waiting for a network weaver's approval.")
    other = await session.get(Member, data.other_id) if data.other_id else None
    if other is None or other.status != "active":
        raise InvalidInput("Please check the exchange.", {"other_id": "Choose a member of the hub."})
    exchange = await record_exchange(
        session, giver_id=other.id, receiver_id=actor.id, hours=data.hours, now=now, source="manual",
        recorded_by_id=actor.id, note=data.note, status="pending",
    )
    await session.commit()
    return exchange


async def answer_transfer(session: AsyncSession, actor: Member, exchange_id: int, accept: bool,
                          now: dt.datetime) -> Exchange:
    """The giver confirms a transfer the receiver recorded (it counts from then on) or declines it
    (it never counts). Pressing the same answer twice changes nothing."""
    exchange = await session.get(Exchange, exchange_id, populate_existing=True)
    if exchange is None or exchange.giver_id != actor.id or exchange.source != "manual":
        raise NotFound("No transfer with that number is waiting for you.")
    wanted = "confirmed" if accept else "declined"
    if exchange.status not in ("pending", wanted):
        raise Conflict(f"You have already {exchange.status} this transfer.")
    if exchange.status != wanted:
        if not await _decide(session, exchange.id, wanted, actor.id, now, Exchange.giver_id == actor.id):
            await session.rollback()
            raise Conflict("You have already answered this transfer.")
        await session.refresh(exchange)
    await session.commit()
    return exchange


def parse_decided_hours(raw: object) -> float:
    """The amount a weaver confirms for follow-up hours: 0 records none, and an empty field is a
    mistake rather than a 0."""
    errors: dict[str, str] = {}
    if not str(raw or "").strip():
        errors["hours"] = "Enter the hours to record, or 0 to record none."
    hours = parse_hours(raw, errors, allow_zero=True)
    if errors:
        raise InvalidInput("Please check the hours.", errors)
    return hours


async def confirm_follow_up_hours(session: AsyncSession, actor: Member, exchange_id: int, hours: float,
                                  now: dt.datetime) -> Exchange:
    """A weaver settles follow-up hours that the two people answered differently: the amount goes
    into the ledger, or with 0 nothing does."""
    if not actor.is_weaver or actor.status != "active":
        raise Forbidden("Only network weavers can confirm hours from a follow-up.")
    exchange = await session.get(Exchange, exchange_id, populate_existing=True)
    if exchange is None or exchange.source != "introduction":
        raise NotFound("No follow-up hours with that number.")
    if actor.id in (exchange.giver_id, exchange.receiver_id):
        raise Forbidden("You cannot settle hours you gave or received yourself; another weaver will.")
    status = "confirmed" if hours > 0 else "declined"
    if not await _decide(session, exchange.id, status, actor.id, now, Exchange.source == "introduction",
                         hours=hours or None):
        await session.rollback()
        raise Conflict("A network weaver has already decided on these hours.")
    await session.refresh(exchange)
    await session.commit()
    return exchange


async def record_by_weaver(session: AsyncSession, actor: Member, data: ExchangeInput, now: dt.datetime) -> Exchange:
    if not actor.is_weaver:
        raise Forbidden("Only network weavers can record an exchange between two other members.")
    errors = {}
    for name, member_id in (("giver_id", data.giver_id), ("receiver_id", data.receiver_id)):
        member = await session.get(Member, member_id) if member_id else None
        if member is None:
            errors[name] = "No member has that number."
    if errors:
        raise InvalidInput("Please check the exchange.", errors)
    exchange = await record_exchange(
        session, giver_id=data.giver_id, receiver_id=data.receiver_id, hours=data.hours, now=now, source="manual",
        recorded_by_id=actor.id, note=data.note,
    )
    await session.commit()
    return exchange


async def balances(session: AsyncSession, member_ids: Iterable[int] | None = None) -> dict[int, Balance]:
    """Hours given and received per member, from the ledger (members with no entries are absent)."""
    query = select(
        LedgerEntry.member_id,
        func.coalesce(func.sum(case((LedgerEntry.hours > 0, LedgerEntry.hours), else_=0.0)), 0.0),
        func.coalesce(func.sum(case((LedgerEntry.hours < 0, -LedgerEntry.hours), else_=0.0)), 0.0),
    ).where(LedgerEntry.member_id.is_not(None)).group_by(LedgerEntry.member_id)
    if member_ids is not None:
        ids = list(member_ids)
        if not ids:
            return {}
        query = query.where(LedgerEntry.member_id.in_(ids))
    return {m: Balance(float(g), float(r)) for m, g, r in (await session.execute(query)).all()}


async def balance(session: AsyncSession, member_id: int) -> Balance:
    return (await balances(session, [member_id])).get(member_id, Balance(0.0, 0.0))


@dataclass(frozen=True)
class ExchangeRow:
    id: int
    at: dt.datetime
    hours: float
    giver_id: int | None
    giver_name: str
    receiver_id: int | None
    receiver_name: str
    source: str
    note: str
    status: str = "confirmed"


async def history(session: AsyncSession, member_id: int | None = None, limit: int = 100,
                  waiting_for: int | None = None) -> list[ExchangeRow]:
    """Recent exchanges, newest first; for one member, or all of them (for weavers); or the
    transfers waiting for `waiting_for`, as their giver, to confirm."""
    giver, receiver = aliased(Member), aliased(Member)
    query = (
        select(Exchange, giver.name, giver.status, receiver.name, receiver.status)
        .outerjoin(giver, giver.id == Exchange.giver_id)
        .outerjoin(receiver, receiver.id == Exchange.receiver_id)
        .order_by(Exchange.at.desc(), Exchange.id.desc())
        .limit(limit)
    )
    if member_id is not None:
        query = query.where(or_(Exchange.giver_id == member_id, Exchange.receiver_id == member_id))
    if waiting_for is not None:
        query = query.where(Exchange.giver_id == waiting_for, Exchange.status == "pending", Exchange.source == "manual")
    return [
        ExchangeRow(ex.id, ex.at, ex.hours, ex.giver_id, listed_name(g_name, g_status), ex.receiver_id,
                    listed_name(r_name, r_status), ex.source, ex.note, ex.status)
        for ex, g_name, g_status, r_name, r_status in (await session.execute(query)).all()
    ]


async def dashboard_summary(session: AsyncSession, member_id: int) -> dict:
    """What a member's home page shows: their balance and how many people they met through the hub."""
    met = await session.scalar(
        select(func.count()).select_from(Connection).where(or_(Connection.a_id == member_id, Connection.b_id == member_id))
    )
    return {"balance": await balance(session, member_id), "connections": met or 0}
