"""What the hub promises about security, in plain words, and where to report a problem
(/security, and /.well-known/security.txt as RFC 9116 describes)."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from litestar import Controller, Request, get
from litestar.response import Response, Template

from hub.models import Member
from hub.settings import Settings
from hub.web.common import page

#: security.txt must say when it stops being true; it is rewritten on every request, so a year ahead.
SECURITY_TXT_DAYS = 365


def security_contact(settings: Settings) -> str:
    return settings.security_contact or parseaddr(settings.mail_from)[1]


class SecurityPages(Controller):
    include_in_schema = False

    @get("/security")
    async def security_page(self, request: Request, viewer: Member | None, settings: Settings) -> Template:
        return page(request, "hub/security.html", viewer, contact=security_contact(settings))

    @get("/.well-known/security.txt", media_type="text/plain")
    async def security_txt(self, settings: Settings, now: dt.datetime) -> Response:
        expires = (now + dt.timedelta(days=SECURITY_TXT_DAYS)).replace(microsecond=0)
        lines = [
            f"Contact: mailto:{security_contact(settings)}",
            f"Expires: {expires.astimezone(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}",
            "Preferred-Languages: en",
            f"Canonical: {settings.base_url}/.well-known/security.txt",
            f"Policy: {settings.base_url}/security",
        ]
        return Response("\n".join(lines) + "\n", media_type="text/plain")
