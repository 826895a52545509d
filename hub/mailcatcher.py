"""The embedded default's mail catcher: a real SMTP server on loopback that keeps mail in a Maildir.

`hub serve` starts it when MAIL_MODE=catch, and /dev/mail shows what it caught, so the demo
needs no outside service while mail still travels over SMTP exactly as in production.
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def start_catcher(mail_dir: str, host: str, port: int) -> Controller:
    for sub in ("tmp", "new", "cur"):
        Path(mail_dir, sub).mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(mail_dir), hostname=host, port=port)
    controller.start()
    return controller


@dataclass(frozen=True)
class CaughtMail:
    key: str
    to: str
    subject: str
    date: str
    text: str
    html: str


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None else ""


def caught_mail(mail_dir: str, limit: int = 50) -> list[CaughtMail]:
    """Newest first."""
    if not Path(mail_dir, "cur").exists():
        return []
    box = mailbox.Maildir(mail_dir, create=False)
    items = []
    for key in box.keys():
        path = Path(mail_dir, "new", key)
        if not path.exists():
            path = next(Path(mail_dir, "cur").glob(f"{key}*"), path)
        message = message_from_bytes(box.get_bytes(key), policy=policy.default)
        items.append((path.stat().st_mtime if path.exists() else 0, key, message))
    items.sort(key=lambda item: item[0], reverse=True)
    return [
        CaughtMail(
            key=key,
            to=str(message["To"]),
            subject=str(message["Subject"]),
            date=str(message["Date"]),
            text=_part(message, "plain"),
            html=_part(message, "html"),
        )
        for _, key, message in items[:limit]
    ]
