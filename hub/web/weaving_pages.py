"""Pages for weaving: rounds, the weavers' review queue, introductions, consent and follow-up
links from emails, the timebank, introduction preferences, and "people who could help"."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub import timebank, weaving
from hub.errors import DomainError, InvalidInput, InvalidLink, NotFound
from hub.models import INTRO_CONSENT, NATIONS, SECTORS, Member
from hub.settings import Settings
from hub.web.common import form_dict, page, require, see_other

NOTICES = {
    "round-started": "The round is queued. This page shows its progress.",
    "approved": "Approved. The introduction goes out as soon as both people have agreed.",
    "note-saved": "The introduction note is saved.",
    "swapped": "Swapped: the next-best person is now suggested instead.",
    "declined": "Declined. This pair will not be suggested again.",
    "skipped": "Skipped. The pair may be suggested again in a later round.",
    "preferences-saved": "Your introduction preferences are saved.",
    "exchange-recorded": "The exchange is recorded in the timebank.",
    "transfer-recorded": "Recorded. The hours count in the timebank once the person who gave them confirms.",
    "transfer-confirmed": "Confirmed: the hours are in the timebank.",
    "transfer-declined": "Declined: those hours do not count in the timebank.",
    "hours-settled": "The follow-up's hours are settled.",
    "requested": "Your request is with the network weavers. They will introduce you if it fits.",
}


def _page(request: Request, template: str, viewer: Member | None, status_code: int = 200, **context) -> Template:  # noqa: ANN003
    notice = NOTICES.get(request.query_params.get("notice", ""))
    if notice and "notice" not in context:
        context["notice"] = notice
    return page(request, template, viewer, status_code=status_code, **context)


def _int(raw: object, default: int = 1) -> int:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 9 else default


def _back(values: dict, notice: str, **extra: str) -> Redirect:
    query = {"notice": notice, **extra}
    if _int(values.get("page"), 1) > 1:
        query["page"] = str(_int(values.get("page")))
    if values.get("round"):
        query["round"] = str(_int(values.get("round"), 0))
    return see_other("/weaving", **query)


class WeavingPages(Controller):
    include_in_schema = False

    # --- The review queue --------------------------------------------------------------------

    @get("/weaving")
    async def queue(
        self, request: Request, db: AsyncSession, viewer: Member | None,
        page_number: int = Parameter(query="page", default=1, ge=1, le=100000),
        round_id: int | None = Parameter(query="round", default=None, ge=1, le=10**9),
    ) -> Template:
        me = require(viewer, "weaver")
        queue = await weaving.queue_page(db, me, page_number, round_id)
        extra = {}
        if request.query_params.get("notice") == "bulk":
            n = _int(request.query_params.get("approved"), 0)
            extra["notice"] = f"{n} suggestion{'s' if n != 1 else ''} approved."
        return _page(request, "hub/weaving/queue.html", viewer, queue=queue, errors={}, values={},
                     problems=request.query_params.getall("problem", [])[:20], **extra)

    async def _decision(self, request: Request, db: AsyncSession, viewer: Member | None, suggestion_id: int,
                        work, notice: str) -> Template | Redirect:  # noqa: ANN001
        me = require(viewer, "weaver")
        values = form_dict(await request.form())
        try:
            await work(me, values)
        except InvalidInput as exc:
            await db.rollback()
            queue = await weaving.queue_page(db, me, _int(values.get("page")), _int(values.get("round"), 0) or None)
            return _page(request, "hub/weaving/queue.html", viewer, status_code=422, queue=queue,
                         errors={suggestion_id: exc.errors.get("note", exc.message)},
                         values={suggestion_id: values.get("note", "")}, problems=[])
        return _back(values, notice)

    @post("/weaving/suggestions/{suggestion_id:int}/approve")
    async def approve(self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings,
                      now: dt.datetime, suggestion_id: int) -> Template | Redirect:
        async def work(me, values):  # noqa: ANN001, ANN202
            await weaving.approve(db, settings, me, suggestion_id, now, note=values.get("note"))
        return await self._decision(request, db, viewer, suggestion_id, work, "approved")

    @post("/weaving/suggestions/{suggestion_id:int}/note")
    async def save_note(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime,
                        suggestion_id: int) -> Template | Redirect:
        async def work(me, values):  # noqa: ANN001, ANN202
            await weaving.edit_note(db, me, suggestion_id, values.get("note"), now)
        return await self._decision(request, db, viewer, suggestion_id, work, "note-saved")

    @post("/weaving/suggestions/{suggestion_id:int}/swap")
    async def swap(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime,
                   suggestion_id: int) -> Template | Redirect:
        async def work(me, values):  # noqa: ANN001, ANN202
            await weaving.swap(db, me, suggestion_id, now)
        return await self._decision(request, db, viewer, suggestion_id, work, "swapped")

    @post("/weaving/suggestions/{suggestion_id:int}/decline")
    async def decline(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime,
                      suggestion_id: int) -> Template | Redirect:
        async def work(me, values):  # noqa: ANN001, ANN202
            await weaving.decline(db, me, suggestion_id, now)
        return await self._decision(request, db, viewer, suggestion_id, work, "declined")

    @post("/weaving/suggestions/{suggestion_id:int}/skip")
    async def skip(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime,
                   suggestion_id: int) -> Template | Redirect:
        async def work(me, values):  # noqa: ANN001, ANN202
            await weaving.skip(db, me, suggestion_id, now)
        return await self._decision(request, db, viewer, suggestion_id, work, "skipped")

    @post("/weaving/suggestions/bulk-approve")
    async def bulk_approve(self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings,
                           now: dt.datetime) -> Redirect:
        me = require(viewer, "weaver")
        values = form_dict(await request.form(), lists=("ids",))
        ids = [int(x) for x in values.get("ids", []) if str(x).isdigit() and len(str(x)) < 12][:200]
        done, problems = await weaving.approve_many(db, settings, me, ids, now)
        params = [("notice", "bulk"), ("approved", str(done))] + [("problem", p[:300]) for p in problems[:20]]
        if _int(values.get("page"), 1) > 1:
            params.append(("page", str(_int(values.get("page")))))
        if values.get("round"):
            params.append(("round", str(_int(values.get("round"), 0))))
        return Redirect(path="/weaving?" + urlencode(params), status_code=303)

    # --- Rounds ------------------------------------------------------------------------------

    @get("/weaving/rounds")
    async def rounds(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        require(viewer, "weaver")
        return _page(request, "hub/weaving/rounds.html", viewer, rounds=await weaving.recent_rounds(db),
                     values={"scope": "community"}, errors={}, **self._round_choices())

    @staticmethod
    def _round_choices() -> dict:
        return {"scopes": weaving.SCOPES, "sectors": SECTORS, "nations": NATIONS, "scope_label": weaving.scope_label}

    @post("/weaving/rounds")
    async def start_round(self, request: Request, db: AsyncSession, viewer: Member | None,
                          now: dt.datetime) -> Template | Redirect:
        me = require(viewer, "weaver")
        values = form_dict(await request.form())
        try:
            scope, value = weaving.parse_round_form(values)
            row = await weaving.start_round(db, me, scope, value, now)
        except DomainError as exc:
            await db.rollback()
            return _page(request, "hub/weaving/rounds.html", viewer, status_code=exc.status_code,
                         rounds=await weaving.recent_rounds(db), values=values, errors=exc.errors,
                         problem=exc.message, **self._round_choices())
        return see_other(f"/weaving/rounds/{row.id}", notice="round-started")

    @get("/weaving/rounds/{round_id:int}")
    async def round_page(self, request: Request, db: AsyncSession, viewer: Member | None, round_id: int) -> Template:
        me = require(viewer, "weaver")
        row = await weaving.get_round(db, me, round_id)
        return _page(request, "hub/weaving/round.html", viewer, round=row, scope_label=weaving.scope_label)

    # --- Introductions (weavers' overview) -----------------------------------------------------

    @get("/weaving/introductions")
    async def introductions(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        me = require(viewer, "weaver")
        return _page(request, "hub/weaving/introductions.html", viewer,
                     rows=await weaving.introductions_for_weavers(db, me),
                     decisions=await weaving.recent_decisions(db, me))

    # --- Timebank ----------------------------------------------------------------------------

    async def _timebank_context(self, db: AsyncSession, me: Member) -> dict:
        partners = {}
        for intro, other in await weaving.my_introductions(db, me.id):
            partners.setdefault(other.id, other.display_name)
        return {
            "balance": await timebank.balance(db, me.id), "exchanges": await timebank.history(db, me.id),
            "partners": partners, "to_confirm": await timebank.history(db, waiting_for=me.id),
        }

    @get("/timebank")
    async def timebank_page(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        me = require(viewer)
        return _page(request, "hub/weaving/timebank.html", viewer, values={}, errors={},
                     **await self._timebank_context(db, me))

    @post("/timebank")
    async def record_exchange(self, request: Request, db: AsyncSession, viewer: Member | None,
                              now: dt.datetime) -> Template | Redirect:
        me = require(viewer)
        values = form_dict(await request.form())
        try:
            await timebank.record_by_member(db, me, timebank.parse_exchange(values), now)
        except InvalidInput as exc:
            await db.rollback()
            return _page(request, "hub/weaving/timebank.html", viewer, status_code=422, values=values,
                         errors=exc.errors, problem=exc.message, **await self._timebank_context(db, me))
        return see_other("/timebank", notice="transfer-recorded")

    @post("/timebank/transfers/{exchange_id:int}/{answer:str}")
    async def answer_transfer(self, db: AsyncSession, viewer: Member | None, now: dt.datetime, exchange_id: int,
                              answer: str) -> Redirect:
        """The giver's answer to a transfer the receiver recorded."""
        me = require(viewer)
        notice = {"confirm": "transfer-confirmed", "decline": "transfer-declined"}.get(answer)
        if notice is None:
            raise NotFound("A transfer can be confirmed or declined.")
        await timebank.answer_transfer(db, me, exchange_id, answer == "confirm", now)
        return see_other("/timebank", notice=notice)

    async def _weaver_timebank(self, request: Request, db: AsyncSession, viewer: Member, status_code: int = 200,
                               **context) -> Template:  # noqa: ANN003
        context = {"values": {}, "errors": {}, "settle_errors": {}, "settle_values": {}, **context}
        return _page(request, "hub/weaving/weaver_timebank.html", viewer, status_code=status_code,
                     exchanges=await timebank.history(db, None, limit=200),
                     to_confirm=await weaving.hours_to_confirm(db, viewer), met_labels=weaving.MET_LABELS, **context)

    @get("/weaving/timebank")
    async def weaver_timebank(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        return await self._weaver_timebank(request, db, require(viewer, "weaver"))

    @post("/weaving/timebank")
    async def weaver_record(self, request: Request, db: AsyncSession, viewer: Member | None,
                            now: dt.datetime) -> Template | Redirect:
        me = require(viewer, "weaver")
        values = form_dict(await request.form())
        try:
            await timebank.record_by_weaver(db, me, timebank.parse_exchange(values, weaver_form=True), now)
        except InvalidInput as exc:
            await db.rollback()
            return await self._weaver_timebank(request, db, me, 422, values=values, errors=exc.errors,
                                               problem=exc.message)
        return see_other("/weaving/timebank", notice="exchange-recorded")

    @post("/weaving/timebank/hours/{exchange_id:int}")
    async def settle_hours(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime,
                           exchange_id: int) -> Template | Redirect:
        """A weaver confirms the hours of a follow-up whose two answers differ."""
        me = require(viewer, "weaver")
        values = form_dict(await request.form())
        try:
            hours = timebank.parse_decided_hours(values.get("hours"))
            await timebank.confirm_follow_up_hours(db, me, exchange_id, hours, now)
        except InvalidInput as exc:
            await db.rollback()
            field = f"hours-{exchange_id}"  # one form per follow-up on the page
            return await self._weaver_timebank(request, db, me, 422, settle_errors={field: exc.errors["hours"]},
                                               settle_values={field: str(values.get("hours") or "")})
        return see_other("/weaving/timebank", notice="hours-settled")

    # --- A member's own preferences and asks -------------------------------------------------

    @get("/preferences/introductions")
    async def preferences(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template:
        me = require(viewer, allow_pending=True)
        pref = await weaving.preference(db, me.id)
        return _page(request, "hub/weaving/preferences.html", viewer, errors={}, choices=INTRO_CONSENT,
                     values={"intro_consent": pref.intro_consent, "on_map": pref.on_map})

    @post("/preferences/introductions")
    async def save_preferences(self, request: Request, db: AsyncSession, viewer: Member | None) -> Template | Redirect:
        me = require(viewer, allow_pending=True)
        values = form_dict(await request.form())
        try:
            await weaving.save_preference(db, me, values)
        except InvalidInput as exc:
            await db.rollback()
            return _page(request, "hub/weaving/preferences.html", viewer, status_code=422, errors=exc.errors,
                         problem=exc.message, choices=INTRO_CONSENT,
                         values={"intro_consent": values.get("intro_consent"), "on_map": bool(values.get("on_map"))})
        return see_other("/preferences/introductions", notice="preferences-saved")

    @get("/asks/{ask_id:int}/helpers")
    async def helpers(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime,
                      ask_id: int) -> Template:
        me = require(viewer)
        ask, helpers, requested = await weaving.helpers_for_member(db, me, ask_id, now.date())
        return _page(request, "hub/weaving/helpers.html", viewer, ask=ask, helpers=helpers, requested=requested,
                     today=now.date())

    @post("/asks/{ask_id:int}/helpers/{member_id:int}")
    async def request_intro(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime,
                            ask_id: int, member_id: int) -> Redirect:
        me = require(viewer)
        await weaving.request_introduction(db, me, ask_id, member_id, now)
        return see_other(f"/asks/{ask_id}/helpers", notice="requested")

    # --- Signed links from emails: GET shows a confirm page, POST answers ---------------------

    @get("/introductions/consent")
    async def consent_form(self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings,
                           now: dt.datetime, token: str = Parameter(query="token", default="", max_length=400),
                           answer: str = Parameter(query="answer", default="", max_length=10)) -> Template:
        try:
            view = await weaving.consent_view(db, settings, token, now)
        except InvalidLink as exc:
            return _page(request, "hub/weaving/link_problem.html", viewer, status_code=400, message=exc.message)
        return _page(request, "hub/weaving/consent.html", viewer, view=view, token=token,
                     chosen=answer if answer in ("yes", "no") else "")

    @post("/introductions/consent")
    async def consent(self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings,
                      now: dt.datetime) -> Template:
        values = form_dict(await request.form())
        token = str(values.get("token", ""))[:400]
        try:
            view = await weaving.answer_consent(db, settings, token, str(values.get("answer", "")), now)
        except InvalidLink as exc:
            return _page(request, "hub/weaving/link_problem.html", viewer, status_code=400, message=exc.message)
        except InvalidInput as exc:
            view = await weaving.consent_view(db, settings, token, now)
            return _page(request, "hub/weaving/consent.html", viewer, status_code=422, view=view, token=token,
                         chosen="", errors=exc.errors)
        return _page(request, "hub/weaving/consent_done.html", viewer, view=view)

    @get("/follow-up")
    async def follow_up_form(self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings,
                             now: dt.datetime, token: str = Parameter(query="token", default="", max_length=400),
                             met: str = Parameter(query="met", default="", max_length=20)) -> Template:
        try:
            view = await weaving.follow_up_view(db, settings, token, now)
        except InvalidLink as exc:
            return _page(request, "hub/weaving/link_problem.html", viewer, status_code=400, message=exc.message)
        values = {"met": met if met in weaving.MET_LABELS else "", "hours": ""}
        return _page(request, "hub/weaving/follow_up.html", viewer, view=view, token=token, values=values, errors={},
                     met_labels=weaving.MET_LABELS)

    @post("/follow-up")
    async def follow_up(self, request: Request, db: AsyncSession, viewer: Member | None, settings: Settings,
                        now: dt.datetime) -> Template:
        values = form_dict(await request.form())
        token = str(values.get("token", ""))[:400]
        try:
            data = weaving.parse_follow_up(values)
            view = await weaving.answer_follow_up(db, settings, token, data, now)
        except InvalidLink as exc:
            await db.rollback()
            return _page(request, "hub/weaving/link_problem.html", viewer, status_code=400, message=exc.message)
        except InvalidInput as exc:
            await db.rollback()
            try:
                view = await weaving.follow_up_view(db, settings, token, now)
            except InvalidLink as link_exc:
                return _page(request, "hub/weaving/link_problem.html", viewer, status_code=400, message=link_exc.message)
            return _page(request, "hub/weaving/follow_up.html", viewer, status_code=422, view=view, token=token,
                         values=values, errors=exc.errors, problem=exc.message, met_labels=weaving.MET_LABELS)
        return _page(request, "hub/weaving/follow_up_done.html", viewer, view=view, met_labels=weaving.MET_LABELS)

