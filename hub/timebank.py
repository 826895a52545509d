"""The timebank: a double-entry ledger of hours given and received.

Every exchange writes two ledger entries that sum to zero: +hours on the giver's account,
-hours on the receiver's. Hours that come from an introduction's follow-up are recorded at most
once per introduction and giver (a database constraint, so two answers racing each other still
record once). By hand, a member records hours someone gave *them* (like a timebank transfer:
you can only pay from your own account); weavers may record an exchange between any two members.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.errors import Forbidden, InvalidInput
from hub.models import Connection, Exchange, LedgerEntry, Member

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
) -> Exchange | None:
    """Add an exchange and its two ledger entries to the caller's transaction. For an introduction
    a second record for the same giver adds nothing and returns None (idempotent)."""
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
        recorded_by_id=recorded_by_id, note=note, at=now,
    )
    try:
        async with session.begin_nested():
            session.add(exchange)
            await session.flush()
            session.add_all([
                LedgerEntry(exchange_id=exchange.id, member_id=giver_id, hours=hours),
                LedgerEntry(exchange_id=exchange.id, member_id=receiver_id, hours=-hours),
            ])
            await session.flush()
    except IntegrityError:
        if introduction_id is None:
            raise
        return None  # the other answer recorded it a moment ago
    return exchange


async def record_by_member(session: AsyncSession, actor: Member, data: ExchangeInput, now: dt.datetime) -> Exchange:
    """A member records hours another member gave them."""
    if actor.status != "active":
        raise Forbidden("Your membership is waiting for a network weaver's approval.")
    other = await session.get(Member, data.other_id) if data.other_id else None
    if other is None or other.status != "active":
        raise InvalidInput("Please check the exchange.", {"other_id": "Choose a member of the hub."})
    exchange = await record_exchange(
        session, giver_id=other.id, receiver_id=actor.id, hours=data.hours, now=now, source="manual",
        recorded_by_id=actor.id, note=data.note,
    )
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


async def history(session: AsyncSession, member_id: int | None = None, limit: int = 100) -> list[ExchangeRow]:
    """Recent exchanges, newest first; for one member, or all of them (for weavers)."""
    giver, receiver = aliased(Member), aliased(Member)
    query = (
        select(Exchange, giver.name, receiver.name)
        .outerjoin(giver, giver.id == Exchange.giver_id)
        .outerjoin(receiver, receiver.id == Exchange.receiver_id)
        .order_by(Exchange.at.desc(), Exchange.id.desc())
        .limit(limit)
    )
    if member_id is not None:
        query = query.where(or_(Exchange.giver_id == member_id, Exchange.receiver_id == member_id))
    rows = []
    for ex, giver_name, receiver_name in (await session.execute(query)).all():
        rows.append(ExchangeRow(
            ex.id, ex.at, ex.hours, ex.giver_id, giver_name or "A former member", ex.receiver_id,
            receiver_name or "A former member", ex.source, ex.note,
        ))
    return rows


async def dashboard_summary(session: AsyncSession, member_id: int) -> dict:
    """What a member's home page shows: their balance and how many people they met through the hub."""
    met = await session.scalar(
        select(func.count()).select_from(Connection).where(or_(Connection.a_id == member_id, Connection.b_id == member_id))
    )
    return {"balance": await balance(session, member_id), "connections": met or 0}
