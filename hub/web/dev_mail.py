"""/dev/mail: the embedded default's caught mail, readable in the browser. Off in production."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from hub.mailcatcher import caught_mail
from hub.models import Member
from hub.settings import Settings
from hub.web.common import page


class DevMailPages(Controller):
    path = "/dev/mail"
    include_in_schema = False

    @get("/")
    async def inbox(self, request: Request, settings: Settings, viewer: Member | None) -> Template:
        if settings.is_production or settings.mail_mode != "catch":
            raise NotFoundException()
        return page(request, "hub/dev/mail.html", viewer, messages=caught_mail(settings.mail_dir))
