"""Mail as an outbox: rows written with the change that causes them, delivered by a worker.

Delivery is at-least-once. Each row has a fixed Message-ID, so a resend after a crash is
recognisable; claims use FOR UPDATE SKIP LOCKED on PostgreSQL and BEGIN IMMEDIATE on SQLite,
so several workers never hold the same row at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from contextlib import asynccontextmanager
from typing import AsyncContextManager, AsyncIterator, Awaitable, Callable, Protocol

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub import paths
from hub.models import OutboxMessage
from hub.settings import Settings

log = logging.getLogger("hub.mail")

TEMPLATES = paths.TEMPLATES / "email"
MAX_ATTEMPTS = 8
#: Reserved key in an outbox row's headers: a text/calendar invite (.ics) to attach, with its METHOD.
#: Kept in the headers JSON so the outbox table needs no column for it; never sent as a header.
CALENDAR_KEY = "X-Hub-Calendar"
LEASE = dt.timedelta(minutes=5)

# Plain text must never be HTML-escaped, and HTML always must: two environments, one job each.
_text_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined)
_html_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), undefined=StrictUndefined
)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render(template: str, subject: str, context: dict) -> RenderedMail:
    """templates/email/<template>.txt and .html with the same context."""
    context = {**context, "subject": subject}
    return RenderedMail(
        subject=subject,
        text=_text_env.get_template(f"{template}.txt").render(context),
        html=_html_env.get_template(f"{template}.html").render(context),
    )


def _domain(settings: Settings) -> str:
    return parseaddr(settings.mail_from)[1].rpartition("@")[2] or "hub.invalid"


async def enqueue(
    session: AsyncSession,
    settings: Settings,
    *,
    now: dt.datetime,
    to: str,
    template: str,
    subject: str,
    context: dict,
    headers: dict[str, str] | None = None,
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Add a mail to the caller's transaction, due at `not_before` (default: now).
    With a dedupe_key, a second call adds nothing."""
    if dedupe_key is not None:
        existing = await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    mail = render(template, subject, context)
    row = OutboxMessage(
        message_id=f"<{uuid.uuid4().hex}@{_domain(settings)}>",
        dedupe_key=dedupe_key,
        to_addr=to,
        subject=mail.subject,
        text_body=mail.text,
        html_body=mail.html,
        headers=dict(headers or {}),
        next_attempt_at=not_before or now,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


def build_message(row: OutboxMessage, settings: Settings, now: dt.datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    headers = dict(row.headers or {})
    calendar = headers.pop(CALENDAR_KEY, None)
    for name, value in headers.items():
        message[name] = value
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    if calendar:
        message.make_mixed()
        message.add_attachment(
            calendar["ics"].encode("utf-8"), maintype="text", subtype="calendar", filename="invite.ics",
            params={"method": calendar["method"], "charset": "utf-8"},
        )
    return message


class Sender(Protocol):
    async def __call__(self, message: EmailMessage) -> None: ...


class Transport(Protocol):
    def connection(self) -> AsyncContextManager[Sender]: ...


class SmtpTransport:
    """One SMTP connection for a whole batch: the handshake costs more than a message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username or None,
            password=s.smtp_password or None, start_tls=s.smtp_starttls, timeout=30,
        )

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Sender]:
        client = self._client()

        async def send(message: EmailMessage) -> None:
            if not client.is_connected:
                await client.connect()  # first use, or after the server hung up; failures reach the caller
            await client.send_message(message)

        try:
            yield send
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min ... capped at one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


async def claim_due(session: AsyncSession, now: dt.datetime, limit: int) -> list[OutboxMessage]:
    due = (
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.status.in_(("queued", "retry")) & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_until < now),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.scalars(due)).all())
    for row in rows:
        row.status = "sending"
        row.claimed_until = now + LEASE
        row.attempts += 1
    await session.commit()
    return rows


async def deliver_due(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    transport: Transport,
    now: Callable[[], dt.datetime],
    limit: int = 50,
) -> int:
    """Claim and send one batch; returns how many were claimed."""
    async with factory() as session:
        rows = await claim_due(session, now(), limit)
    if rows:
        async with transport.connection() as send:
            for row in rows:
                await _deliver_one(factory, settings, send, row, now)
    return len(rows)


async def _deliver_one(factory, settings, send, row, now) -> None:  # noqa: ANN001
    """Marked one by one, so a crash mid-batch resends at most the mail in flight."""
    try:
        await send(build_message(row, settings, now()))
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried, never lost
        failed = row.attempts >= MAX_ATTEMPTS
        values = {
            "status": "failed" if failed else "retry",
            "last_error": f"{type(exc).__name__}: {exc}"[:2000],
            "next_attempt_at": now() + backoff(row.attempts),
            "claimed_until": None,
        }
        log.warning("mail %s to %s not sent (attempt %s): %s", row.id, row.to_addr, row.attempts, exc)
    else:
        values = {"status": "sent", "sent_at": now(), "claimed_until": None, "last_error": ""}
    async with factory() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == "sending")
            .values(**values)
        )
        await session.commit()


async def run_worker(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    transport: Transport,
    stop: asyncio.Event,
    sweeps: tuple[Callable[[], Awaitable[object]], ...] = (),
    *,
    now: Callable[[], dt.datetime],
) -> None:
    """Deliver until told to stop; idle workers poll. Sweeps are idempotent periodic jobs."""
    while not stop.is_set():
        try:
            for sweep in sweeps:
                await sweep()
            sent = await deliver_due(factory, settings, transport, now=now)
        except Exception:  # noqa: BLE001 - a worker outlives a database hiccup
            log.exception("worker pass failed; retrying")
            sent = 0
        if sent == 0:
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.worker_poll_seconds)
            except asyncio.TimeoutError:
                pass
