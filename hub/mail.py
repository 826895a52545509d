"""Mail as an outbox: rows written with the change that causes them, delivered by a worker.

Delivery is at-least-once, because SMTP's is: a worker that dies after the server accepted a mail
and before it recorded that (or that never read the server's reply) cannot tell a mail that arrived
from one that did not, and must send it again rather than lose it. What the worker does so that this
stays one mail, recognisable as a resend:
- it claims CLAIM_BATCH rows at a time and marks each one right after its own SMTP reply, so a crash
  resends at most the mail in flight;
- every send of a row carries the row's fixed Message-ID and its X-Hub-Outbox-Id;
- a claim names its worker and carries a heartbeat that the worker refreshes while it sends; another
  worker takes over claims whose heartbeat is older than HEARTBEAT_TIMEOUT (seconds after a crash),
  and a worker that finds its claims taken over sends none of them.
Claims use FOR UPDATE SKIP LOCKED on PostgreSQL and BEGIN IMMEDIATE on SQLite (hub.db), so two
workers never hold the same row at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from contextlib import asynccontextmanager
from typing import AsyncContextManager, AsyncIterator, Awaitable, Callable, Protocol
from urllib.parse import quote

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
#: Rows a worker claims at a time: all it holds, so all that waits for HEARTBEAT_TIMEOUT if it dies.
#: Consecutive claims share one SMTP connection (deliver_due's limit), so small claims cost no handshakes.
CLAIM_BATCH = 10
#: A claim whose heartbeat is older than this is another worker's to take over: its worker died or
#: stalled. A sending worker beats HEARTBEATS_PER_TIMEOUT times per timeout, between mails, so it
#: keeps its claims unless one mail takes nearly the whole timeout (the SMTP timeout is 30 s a command).
HEARTBEAT_TIMEOUT = dt.timedelta(seconds=30)
HEARTBEATS_PER_TIMEOUT = 6

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


def bulk_headers(settings: Settings, *, label: str, name: str, unsubscribe_url: str, mailto_subject: str) -> dict:
    """Headers for mail sent to many members at once (announcements, digests): List-Id (RFC 2919)
    names the list, under MAIL_FROM's domain, for filters and unsubscribe buttons; List-Unsubscribe
    (RFC 2369) offers the signed one-click URL (RFC 8058) first, then a mailto: to MAIL_FROM's address
    for clients that only send mail. The request then reaches that mailbox with mailto_subject,
    which names the member and carries the same signature as the URL."""
    mailto = f"mailto:{parseaddr(settings.mail_from)[1]}?subject={quote(mailto_subject)}"
    return {
        "List-Id": f"{name} <{label}.{_domain(settings)}>",
        "List-Unsubscribe": f"<{unsubscribe_url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    }


def build_message(row: OutboxMessage, settings: Settings, now: dt.datetime) -> EmailMessage:
    """The same Message-ID and X-Hub-Outbox-Id on every send of a row: a resend is recognisable."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["X-Hub-Outbox-Id"] = str(row.id)
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


def worker_id() -> str:
    """How a worker signs its claims: host and process, and a random part in case one process runs two."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def claim_due(
    session: AsyncSession, now: dt.datetime, limit: int, worker: str, timeout: dt.timedelta = HEARTBEAT_TIMEOUT
) -> list[OutboxMessage]:
    """Claim for `worker` up to `limit` rows: due mail, and claims whose heartbeat stopped more than
    `timeout` ago. Commits, so the claim is visible to the other workers at once."""
    due = (
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.status.in_(("queued", "retry")) & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.heartbeat_at < now - timeout),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)  # a row seen earlier in this session has changed since
    )
    rows = list((await session.scalars(due)).all())
    stranded = sorted({row.claimed_by for row in rows if row.status == "sending"})
    if stranded:
        log.warning("worker %s takes over mail claimed by %s, whose heartbeat stopped", worker, ", ".join(stranded))
    for row in rows:
        row.status, row.claimed_by, row.heartbeat_at = "sending", worker, now
        row.attempts += 1
    await session.commit()
    return rows


async def heartbeat(session: AsyncSession, worker: str, ids: list[int], now: dt.datetime) -> set[int]:
    """Tell the other workers that `worker` still sends `ids`; returns those it still holds (the
    others were taken over while it stalled, and are no longer its to send)."""
    still_mine = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker)
        .values(heartbeat_at=now)
        .returning(OutboxMessage.id)
    )
    mine = set(still_mine.all())
    await session.commit()
    return mine


async def deliver_due(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    transport: Transport,
    now: Callable[[], dt.datetime],
    limit: int = 50,
    *,
    worker: str | None = None,
    claim_timeout: dt.timedelta = HEARTBEAT_TIMEOUT,
) -> int:
    """Send up to `limit` due mails over one SMTP connection, claimed CLAIM_BATCH at a time; returns
    how many were claimed."""
    worker = worker or worker_id()
    every = claim_timeout / HEARTBEATS_PER_TIMEOUT
    async with factory() as session:
        rows = await claim_due(session, now(), min(limit, CLAIM_BATCH), worker, claim_timeout)
        claimed = len(rows)
        if rows:
            async with transport.connection() as send:
                while rows:
                    await _deliver_claimed(session, settings, send, rows, worker, now, every)
                    rows = []
                    if claimed < limit:
                        rows = await claim_due(session, now(), min(limit - claimed, CLAIM_BATCH), worker, claim_timeout)
                        claimed += len(rows)
    return claimed


async def _deliver_claimed(session, settings, send, rows, worker, now, every) -> None:  # noqa: ANN001
    """One by one, with a heartbeat whenever `every` has passed since the last one."""
    beat, mine = now(), {row.id for row in rows}
    for i, row in enumerate(rows):
        if now() - beat >= every:
            beat = now()
            mine = await heartbeat(session, worker, [r.id for r in rows[i:]], beat)
        if row.id in mine:
            await _deliver_one(session, settings, send, row, worker, now)


async def _deliver_one(session, settings, send, row, worker, now) -> None:  # noqa: ANN001
    """Marked right after its own SMTP reply, so a crash resends at most the mail in flight."""
    released = {"claimed_by": None, "heartbeat_at": None}
    try:
        await send(build_message(row, settings, now()))
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried, never lost
        failed = row.attempts >= MAX_ATTEMPTS
        values = {
            "status": "failed" if failed else "retry",
            "last_error": f"{type(exc).__name__}: {exc}"[:2000],
            "next_attempt_at": now() + backoff(row.attempts),
            **released,
        }
        # A failure is settled only by the claim's holder: a row taken over meanwhile is the other worker's.
        still = (OutboxMessage.status == "sending") & (OutboxMessage.claimed_by == worker)
        log.warning("mail %s to %s not sent (attempt %s): %s", row.id, row.to_addr, row.attempts, exc)
    else:
        values = {"status": "sent", "sent_at": now(), "last_error": "", **released}
        # Accepted is sent, whoever holds the claim now: a worker that took the row over meanwhile finds it
        # gone at its next heartbeat.
        still = OutboxMessage.status != "sent"
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, still).values(**values))
    await session.commit()


async def run_worker(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    transport: Transport,
    stop: asyncio.Event,
    sweeps: tuple[Callable[[], Awaitable[object]], ...] = (),
    *,
    now: Callable[[], dt.datetime],
    worker: str | None = None,
    claim_timeout: dt.timedelta = HEARTBEAT_TIMEOUT,
) -> None:
    """Deliver until told to stop; idle workers poll. Sweeps are idempotent periodic jobs."""
    worker = worker or worker_id()
    log.info("mail worker %s started", worker)
    while not stop.is_set():
        try:
            for sweep in sweeps:
                await sweep()
            sent = await deliver_due(factory, settings, transport, now=now, worker=worker, claim_timeout=claim_timeout)
        except Exception:  # noqa: BLE001 - a worker outlives a database hiccup
            log.exception("worker pass failed; retrying")
            sent = 0
        if sent == 0:
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.worker_poll_seconds)
            except asyncio.TimeoutError:
                pass
