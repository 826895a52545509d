"""The audit log of privileged actions: who (a member id), did what, to what, with which details, when.

`record` adds a row to the caller's session, so the entry is committed with the action itself or
not at all. Rows are never changed: there is no route or function that edits them, and the
database refuses UPDATE and DELETE on `audit_log` (triggers from migration 0004).

Nothing personal is copied in: actors and subjects are ids ("member:12"), details are roles,
counts, export names and settings, never names, emails or free text. When a member deletes their
account their audit rows stay, with the same numbers, and point at a nameless tombstone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.models import AuditEntry

#: action -> what it means, for the admins' page and its filter.
ACTIONS = {
    "role_change": "Role changed",
    "event_host_change": "Event hosting changed",
    "member_approve": "Member approved",
    "introduction_approve": "Introduction approved",
    "introduction_bulk_approve": "Introduction approved (bulk)",
    "member_export": "Member downloaded their data",
    "network_export": "Network exported",
    "account_delete": "Account deleted",
    "retention_change": "Retention changed",
}
PAGE_SIZE = 50


def record(
    session: AsyncSession, actor_id: int | None, action: str, subject: str, now: dt.datetime,
    **details: Any,
) -> AuditEntry:
    """Add an entry to the session (committed with the caller's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(at=now, actor_id=actor_id, action=action, subject=subject, details=details)
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


async def entries(session: AsyncSession, action: str = "", page: int = 1) -> AuditPage:
    """Newest first, PAGE_SIZE a page, optionally one kind of action."""
    condition = AuditEntry.action == action if action else None
    count = select(func.count()).select_from(AuditEntry)
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if condition is not None:
        count, query = count.where(condition), query.where(condition)
    total = await session.scalar(count) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = (await session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))).all()
    return AuditPage(entries=list(rows), page=page, pages=pages, total=total)


async def record_committed(
    factory: async_sessionmaker[AsyncSession], actor_id: int | None, action: str, subject: str,
    now: dt.datetime, **details: Any,
) -> None:
    """For actions that are reads (downloads): a short write transaction of its own, so that a
    GET's read-only session never has to upgrade to a writer."""
    async with factory() as session:
        record(session, actor_id, action, subject, now, **details)
        await session.commit()
