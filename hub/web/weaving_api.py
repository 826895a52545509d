"""JSON for weaving under /api/weaving: a round's progress, polled by the round page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from litestar import Controller, get
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import weaving
from hub.models import Member, Suggestion
from hub.web.common import api_errors, require


@dataclass
class RoundOut:
    id: int
    scope: str
    scope_value: str
    status: str
    progress: int
    message: str
    scheduled: bool
    created_at: dt.datetime
    started_at: Optional[dt.datetime]
    finished_at: Optional[dt.datetime]
    suggestions: int


class WeavingApi(Controller):
    path = "/api/weaving"
    tags = ["weaving"]

    @get("/rounds/{round_id:int}", summary="A matching round's status and progress (weavers)",
         responses=api_errors(401, 403, 404))
    async def round_status(self, db: AsyncSession, viewer: Member | None, round_id: int) -> RoundOut:
        me = require(viewer, "weaver")
        row = await weaving.get_round(db, me, round_id)
        count = await db.scalar(select(func.count()).select_from(Suggestion).where(Suggestion.round_id == row.id))
        return RoundOut(row.id, row.scope, row.scope_value, row.status, row.progress, row.message, row.scheduled,
                        row.created_at, row.started_at, row.finished_at, count or 0)
