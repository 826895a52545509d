"""Sliding-window limits counted in the database, so every web replica shares one count."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import RateLimited
from hub.models import RateLimitHit


async def _serialise(session: AsyncSession, key: str) -> None:
    """Count-then-record must not interleave between processes, or a burst slips past the limit.
    SQLite already serialises writers (BEGIN IMMEDIATE); PostgreSQL takes a lock on the key
    until the transaction ends."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


async def hit(session: AsyncSession, key: str, limit: int, window: dt.timedelta, now: dt.datetime) -> bool:
    """Count one action under `key`; False when the limit for the window is already used up."""
    await _serialise(session, key)
    since = now - window
    await session.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at < since))
    used = await session.scalar(
        select(func.count()).select_from(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at >= since)
    )
    if used >= limit:
        return False
    session.add(RateLimitHit(key=key, at=now))
    await session.flush()
    return True


async def require(
    session: AsyncSession, key: str, limit: int, window: dt.timedelta, now: dt.datetime, message: str
) -> None:
    """Like `hit`, but over the limit RateLimited says why (and nothing was counted)."""
    if not await hit(session, key, limit, window, now):
        raise RateLimited(message)
