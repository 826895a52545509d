"""Sliding-window limits counted in the database, so every web replica shares one count."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import RateLimitHit


async def hit(session: AsyncSession, key: str, limit: int, window: dt.timedelta, now: dt.datetime) -> bool:
    """Count one action under `key`; False when the limit for the window is already used up."""
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
