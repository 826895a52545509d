"""The events' periodic jobs, for `background_sweeps` in hub.app (the worker runs them before each batch)."""

from __future__ import annotations

import datetime as dt
from typing import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from events import reminders, service
from hub.settings import Settings


def sweeps(
    factory: async_sessionmaker[AsyncSession], settings: Settings, clock: Callable[[], dt.datetime]
) -> tuple[Callable[[], Awaitable[object]], ...]:
    async def reminder_sweep() -> int:
        return await reminders.sweep(factory, settings, clock)

    async def digest_sweep() -> int:
        return await service.digest_sweep(factory, settings, clock)

    return (reminder_sweep, digest_sweep)
