"""Weaving, end to end and rule by rule: rounds, the review queue, consent, the introduction,
follow-up by signed link, the timebank and connections. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from hub import mail, timebank, weaving
from hub.errors import Forbidden
from hub.models import (
    Connection,
    Exchange,
    FollowUpAnswer,
    Introduction,
    LedgerEntry,
    MatchRound,
    Member,
    MemberPreference,
    Post,
    Suggestion,
    SuggestionDecision,
)
from tests.support import as_read, fresh, make_member, make_post, sign_in_as, text_of

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


async def prefer(db, member, consent: str) -> None:  # noqa: ANN001
    db.add(MemberPreference(member_id=member.id, intro_consent=consent))
    await db.commit()


async def community(db, consent: str = "direct"):  # noqa: ANN001, ANN201
    """An asker who needs help with network mapping, a helper who offers it, and a weaver."""
    asker = await make_member(db, name="Asha Asker", interests=["Co-production"], hours_per_month=2,
                              sector="third_sector", nation="wales")
    ask = await make_post(db, asker, "ask", title="Help mapping our network of carers groups",
                          description="We want to map who works with whom across the county.",
                          tags=["Network mapping"])
    helper = await make_member(db, name="Hugo Helper", interests=["Network mapping", "Kumu"], hours_per_month=6)
    offer = await make_post(db, helper, "offer", title="An hour on network mapping with Kumu",
                            description="I have mapped networks of carers and community groups.",
                            tags=["Network mapping"])
    weaver = await make_member(db, name="Wren Weaver", hub_role="weaver", interests=["Gardening"], hours_per_month=0)
    for person in (asker, helper):
        await prefer(db, person, consent)
    return asker, ask, helper, offer, weaver


async def run_round(db, factory, settings, clock, weaver, scope="community", value=""):  # noqa: ANN001, ANN201
    await fresh(db)
    row = await weaving.start_round(db, weaver, scope, value, clock())
    await weaving.round_sweep(factory, settings.with_(match_round_days=0), clock)
    await fresh(db)
    return await db.get(MatchRound, row.id)


async def pending(db) -> list[Suggestion]:  # noqa: ANN001
    await fresh(db)
    rows = list((await db.scalars(select(Suggestion).where(Suggestion.status == "pending").order_by(Suggestion.id))).all())
    await db.commit()  # end the read, so a later write through `db` does not hold an old snapshot
    return rows


async def deliver(factory, settings, clock) -> int:  # noqa: ANN001
    return await mail.deliver_due(factory, settings, mail.SmtpTransport(settings), now=clock)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def links(message, path: str) -> list[str]:  # noqa: ANN001
    return re.findall(r"(http://testserver\.local" + re.escape(path) + r"\?[^\s]+)", text_of(message))


async def csrf_from(client, url: str):  # noqa: ANN001, ANN201
    page = await client.get(url)
    match = CSRF.search(page.text)
    return page, match.group(1) if match else None


# --- The whole flow --------------------------------------------------------------------------------


async def test_the_whole_flow_round_approve_mail_follow_up_ledger_connection(db, client, settings, clock, inbox, factory):
    asker, ask, helper, offer, weaver = await community(db)
    csrf = await sign_in_as(client, db, settings, weaver, clock())

    started = await client.post("/weaving/rounds", data={"scope": "community", "_csrf": csrf})
    assert started.status_code == 303 and started.headers["location"].startswith("/weaving/rounds/")
    round_page = await client.get(started.headers["location"])
    assert "queued" in round_page.text and 'data-round-poll="/api/weaving/rounds/' in round_page.text

    await weaving.round_sweep(factory, settings.with_(match_round_days=0), clock)
    row = (await fresh(db)) and (await db.scalars(select(MatchRound))).one()
    assert (row.status, row.progress) == ("done", 100)
    assert (await client.get(f"/api/weaving/rounds/{row.id}")).json()["suggestions"] == 1
    (s,) = await pending(db)
    assert (s.a_id, s.b_id, s.ask_id, s.offer_id) == (asker.id, helper.id, ask.id, offer.id)
    assert s.reasons and s.score > 0

    queue = await client.get("/weaving")
    assert queue.status_code == 200
    for text in ("Asha Asker", "Hugo Helper", ask.title, offer.title, s.reasons[0].replace("'", "&#39;"), "None recorded"):
        assert text in queue.text

    approved = await client.post(f"/weaving/suggestions/{s.id}/approve",
                                 data={"note": "You two should talk about carers' maps.", "_csrf": csrf})
    assert approved.status_code == 303
    assert await deliver(factory, settings, clock) == 1
    (intro_mail,) = inbox.messages
    assert asker.email in intro_mail["To"] and helper.email in intro_mail["To"]
    body = text_of(intro_mail)
    assert "You two should talk about carers' maps." in body and ask.title in body and offer.title in body
    assert asker.email in body and helper.email in body and "Wren Weaver" in body

    intro = (await fresh(db)) and (await db.scalars(select(Introduction))).one()
    assert intro.status == "sent" and intro.follow_up_due_at == clock() + dt.timedelta(days=14)

    clock.advance(days=13)
    assert await weaving.follow_up_sweep(factory, settings, clock) == 0
    clock.advance(days=1)
    assert await weaving.follow_up_sweep(factory, settings, clock) == 1
    assert await weaving.follow_up_sweep(factory, settings, clock) == 0  # once only
    inbox.clear()
    assert await deliver(factory, settings, clock) == 2
    helper_mail, asker_mail = inbox.to(helper.email)[0], inbox.to(asker.email)[0]
    assert helper_mail["Subject"] == "Did you meet Asha Asker?"

    client.cookies.clear()  # answered from the email, without signing in
    met_link = next(u for u in links(helper_mail, "/follow-up") if u.endswith("met=met"))
    form, token_csrf = await csrf_from(client, path_of(met_link))
    assert form.status_code == 200 and 'value="met" checked' in form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    done = await client.post("/follow-up", data={"token": token, "met": "met", "helped": "yes", "hours": "1.5",
                                                 "_csrf": token_csrf})
    assert done.status_code == 200 and "Thank you" in done.text

    await fresh(db)
    assert (await db.get(Introduction, intro.id)).status == "met"
    balances = await timebank.balances(db)
    assert balances[helper.id] == timebank.Balance(1.5, 0.0) and balances[asker.id] == timebank.Balance(0.0, 1.5)
    assert await db.scalar(select(func.sum(LedgerEntry.hours))) == 0
    (connection,) = (await db.scalars(select(Connection))).all()
    assert (connection.a_id, connection.b_id, connection.kind, connection.source_id) == (
        min(asker.id, helper.id), max(asker.id, helper.id), "introduction", intro.id)

    # the asker answers too: their ask is fulfilled, and the hours are one exchange, which waits
    # for a weaver because the asker remembers 2 hours (tests below follow that through)
    asker_link = next(u for u in links(asker_mail, "/follow-up") if u.endswith("met=met"))
    form, token_csrf = await csrf_from(client, path_of(asker_link))
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    assert "is now fulfilled" in form.text
    await client.post("/follow-up", data={"token": token, "met": "met", "hours": "2", "fulfilled": "1",
                                          "_csrf": token_csrf})
    await fresh(db)
    assert (await db.get(Post, ask.id)).status == "fulfilled"
    assert [x.status for x in (await db.scalars(select(Exchange))).all()] == ["pending"]
    assert await db.scalar(select(func.count()).select_from(Connection)) == 1


# --- Permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/weaving", "/weaving/rounds", "/weaving/introductions", "/weaving/timebank",
                                  "/weaving/rounds/1", "/api/weaving/rounds/1"])
async def test_only_weavers_see_the_queue_rounds_introductions_and_ledger(db, client, settings, clock, path):
    member = await make_member(db)
    assert (await client.get(path)).status_code in (303, 401)
    await sign_in_as(client, db, settings, member, clock())
    assert (await client.get(path)).status_code == 403


async def test_a_member_cannot_start_rounds_or_decide_on_suggestions(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    csrf = await sign_in_as(client, db, settings, asker, clock())
    assert (await client.post("/weaving/rounds", data={"scope": "community", "_csrf": csrf})).status_code == 403
    for action in ("approve", "decline", "skip", "swap", "note"):
        response = await client.post(f"/weaving/suggestions/{s.id}/{action}", data={"_csrf": csrf})
        assert response.status_code == 403, action
    bulk = await client.post("/weaving/suggestions/bulk-approve", data={"ids": str(s.id), "_csrf": csrf})
    assert bulk.status_code == 403
    assert [p.id for p in await pending(db)] == [s.id]


async def test_a_weaver_cannot_approve_an_introduction_involving_themselves(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    helper_weaver = await make_member(db, name="Hana Weaver-Helper", hub_role="weaver")
    db.add(Suggestion(a_id=asker.id, b_id=helper_weaver.id, ask_id=ask.id, status="pending", source="round",
                      created_at=clock(), reasons=["test"]))
    await db.commit()
    (s,) = await pending(db)
    csrf = await sign_in_as(client, db, settings, helper_weaver, clock())
    queue = await client.get("/weaving")
    assert "This suggestion involves you" in queue.text
    assert (await client.post(f"/weaving/suggestions/{s.id}/approve", data={"_csrf": csrf})).status_code == 403
    bulk = await client.post("/weaving/suggestions/bulk-approve", data={"ids": str(s.id), "_csrf": csrf})
    assert bulk.status_code == 303 and "involves+you" in bulk.headers["location"]
    assert [p.status for p in await pending(db)] == ["pending"]
    assert await db.scalar(select(func.count()).select_from(Introduction)) == 0


# --- Idempotency ----------------------------------------------------------------------------------


async def test_approving_twice_sends_one_email(db, client, settings, clock, inbox, factory):
    asker, ask, helper, offer, weaver = await community(db)
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    for _ in range(2):
        assert (await client.post(f"/weaving/suggestions/{s.id}/approve", data={"_csrf": csrf})).status_code == 303
    await weaving.approve(db, settings, weaver, s.id, clock())
    await deliver(factory, settings, clock)
    assert len(inbox.messages) == 1
    await fresh(db)
    assert await db.scalar(select(func.count()).select_from(Introduction)) == 1
    actions = (await db.scalars(select(SuggestionDecision.action))).all()
    assert actions == ["approve"]


async def test_two_weavers_approving_at_the_same_moment_make_one_introduction(db, settings, clock, factory, inbox):
    asker, ask, helper, offer, weaver = await community(db)
    other_weaver = await make_member(db, hub_role="weaver")
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)

    async def approve_as(actor):  # noqa: ANN001, ANN202
        async with factory() as session:
            try:
                await weaving.approve(session, settings, actor, s.id, clock())
            except weaving.Conflict:
                pass

    await asyncio.gather(approve_as(weaver), approve_as(other_weaver))
    await deliver(factory, settings, clock)
    assert len(inbox.messages) == 1
    await fresh(db)
    assert await db.scalar(select(func.count()).select_from(Introduction)) == 1


async def sent_introduction(db, settings, clock, factory, inbox):  # noqa: ANN001, ANN201
    """A community with its introduction sent and the follow-up mails delivered."""
    asker, ask, helper, offer, weaver = await community(db)
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    intro = await weaving.approve(db, settings, weaver, s.id, clock())
    clock.advance(days=14)
    await weaving.follow_up_sweep(factory, settings, clock)
    await deliver(factory, settings, clock)
    return asker, helper, intro


def token_for(message) -> str:  # noqa: ANN001
    url = links(message, "/follow-up")[0]
    return re.search(r"token=([^&\s]+)", url).group(1)


async def test_answering_a_follow_up_twice_records_the_hours_once(db, settings, clock, factory, inbox):
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    helper_token = token_for(inbox.to(helper.email)[-1])
    asker_token = token_for(inbox.to(asker.email)[-1])
    answer = weaving.FollowUpInput("met", True, 2.0, False)
    await weaving.answer_follow_up(db, settings, helper_token, answer, clock())
    with pytest.raises(weaving.Conflict):
        await weaving.answer_follow_up(db, settings, helper_token, answer, clock())
    await weaving.answer_follow_up(db, settings, asker_token, weaving.FollowUpInput("met", True, 2.0, False), clock())
    await fresh(db)
    assert [(e.giver_id, e.receiver_id, e.hours, e.status) for e in (await db.scalars(select(Exchange))).all()] == [
        (helper.id, asker.id, 2.0, "confirmed")]
    assert await db.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    assert await db.scalar(select(func.count()).select_from(FollowUpAnswer)) == 2


async def test_two_answers_racing_each_other_record_the_hours_once(db, settings, clock, factory, inbox):
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    tokens = [token_for(inbox.to(helper.email)[-1]), token_for(inbox.to(asker.email)[-1])]

    async def answer(token):  # noqa: ANN001, ANN202
        async with factory() as session:
            await weaving.answer_follow_up(session, settings, token, weaving.FollowUpInput("met", True, 1.0, False), clock())

    await asyncio.gather(*(answer(t) for t in tokens))
    await fresh(db)
    assert await db.scalar(select(func.count()).select_from(Exchange)) == 1
    assert await db.scalar(select(func.count()).select_from(Connection)) == 1


async def test_two_different_answers_given_at_the_same_moment_still_wait_for_a_weaver(db, settings, clock, factory, inbox):
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    tokens = {token_for(inbox.to(helper.email)[-1]): 1.0, token_for(inbox.to(asker.email)[-1]): 2.0}

    async def answer(token, hours):  # noqa: ANN001, ANN202
        async with factory() as session:
            await weaving.answer_follow_up(session, settings, token, weaving.FollowUpInput("met", True, hours, False),
                                           clock())

    await asyncio.gather(*(answer(t, h) for t, h in tokens.items()))
    await fresh(db)
    assert [x.status for x in (await db.scalars(select(Exchange))).all()] == ["pending"]
    assert await db.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    assert sorted((await db.scalars(select(FollowUpAnswer.hours))).all()) == [1.0, 2.0]


# (helper's answer, asker's answer) -> the exchange's status and hours, or None for no exchange
LEDGER_CASES = {
    "both the same": (("met", 2.0), ("met", 2.0), ("confirmed", 2.0)),
    "one said not yet": (("met", 2.0), ("not_yet", 0.0), ("confirmed", 2.0)),
    "one gave no hours": (("met", 0.0), ("met", 1.5), ("confirmed", 1.5)),
    "different hours": (("met", 1.5), ("met", 2.0), ("pending", 1.5)),  # as first recorded, until a weaver decides
    "met, then did not happen": (("met", 2.0), ("did_not_happen", 0.0), ("pending", 2.0)),
    "did not happen, then met": (("did_not_happen", 0.0), ("met", 1.0), ("pending", 1.0)),
    "both did not happen": (("did_not_happen", 0.0), ("did_not_happen", 0.0), None),
}


@pytest.mark.parametrize("case", LEDGER_CASES)
async def test_the_ledger_follows_both_peoples_follow_up_answers(db, settings, clock, factory, inbox, case):
    helper_answer, asker_answer, expected = LEDGER_CASES[case]
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    for person, (met, hours) in ((helper, helper_answer), (asker, asker_answer)):
        await weaving.answer_follow_up(db, settings, token_for(inbox.to(person.email)[-1]),
                                       weaving.FollowUpInput(met, None, hours, False), clock())
    await fresh(db)
    exchanges = [(x.status, x.hours) for x in (await db.scalars(select(Exchange))).all()]
    assert exchanges == ([expected] if expected else [])
    counted = expected[1] if expected and expected[0] == "confirmed" else 0
    zero = timebank.Balance(0.0, 0.0)
    assert (await timebank.balances(db)).get(helper.id, zero) == timebank.Balance(counted, 0.0)
    assert {a.member_id: (a.met, a.hours) for a in (await db.scalars(select(FollowUpAnswer))).all()} == {
        helper.id: helper_answer, asker.id: asker_answer}


async def test_the_second_persons_different_hours_are_kept_and_a_weaver_confirms_the_ledger_entry(
    db, client, settings, clock, factory, inbox
):
    """Both answer the follow-up, 1.5 h and 2 h: both answers are kept and shown to a weaver, each
    person is told what happens, and only the amount the weaver confirms reaches the ledger."""
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    weaver = (await fresh(db)) and await db.get(Member, intro.introduced_by_id)
    said = {}
    for person, hours in ((helper, "1.5"), (asker, "2")):
        token = token_for(inbox.to(person.email)[-1])
        _, csrf = await csrf_from(client, f"/follow-up?token={token}")
        done = await client.post("/follow-up", data={"token": token, "met": "met", "hours": hours, "_csrf": csrf})
        assert done.status_code == 200
        said[person.id] = as_read(done.text)
    assert "The hub's timebank records 1.5 hours for this introduction." in said[helper.id]
    assert "If Asha Asker answers with a different number, a network weaver will confirm the hours." in said[helper.id]
    assert "Hugo Helper said 1.5 hours; a network weaver will confirm the hours for the timebank." in said[asker.id]
    assert "Your hours are in" not in said[asker.id]

    await fresh(db)
    assert {a.member_id: a.hours for a in (await db.scalars(select(FollowUpAnswer))).all()} == {helper.id: 1.5, asker.id: 2.0}
    assert await timebank.balances(db) == {}  # neither amount counts until a weaver confirms one
    (exchange,) = (await db.scalars(select(Exchange))).all()
    assert exchange.status == "pending"

    csrf = await sign_in_as(client, db, settings, asker, clock())
    refused = await client.post(f"/weaving/timebank/hours/{exchange.id}", data={"hours": "2", "_csrf": csrf})
    assert refused.status_code == 403
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    page = await client.get("/weaving/timebank")
    shown = as_read(page.text)
    assert "<h2>Follow-up hours to confirm</h2>" in shown
    assert "Asha Asker said: yes, we met, 2 hours." in shown and "Hugo Helper said: yes, we met, 1.5 hours." in shown
    assert f'<label for="hours-{exchange.id}">Hours Hugo Helper gave Asha Asker</label>' in shown
    assert "waiting for a network weaver to confirm the hours" in shown  # in the list of exchanges
    empty = await client.post(f"/weaving/timebank/hours/{exchange.id}", data={"hours": "", "_csrf": csrf})
    assert empty.status_code == 422 and "Enter the hours to record, or 0 to record none." in empty.text
    field = f"hours-{exchange.id}"
    described = rf'<input id="{field}" name="hours"[^>]*aria-describedby="{field}-hint {field}-error"\s+aria-invalid="true"'
    assert re.search(described, empty.text)
    assert f'<a href="#{field}">Enter the hours' in empty.text  # the error summary links to the field
    settled = await client.post(f"/weaving/timebank/hours/{exchange.id}", data={"hours": "2", "_csrf": csrf})
    assert settled.status_code == 303 and settled.headers["location"] == "/weaving/timebank?notice=hours-settled"
    page = await client.get(settled.headers["location"])
    assert "The follow-up&#39;s hours are settled." in page.text and "None: the two answers of every follow-up agree." in page.text
    again = await client.post(f"/weaving/timebank/hours/{exchange.id}", data={"hours": "1.5", "_csrf": csrf})
    assert again.status_code == 409

    await fresh(db)
    assert await timebank.balances(db) == {helper.id: timebank.Balance(2.0, 0.0), asker.id: timebank.Balance(0.0, 2.0)}
    assert await db.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    exchange = await db.get(Exchange, exchange.id)
    assert (exchange.status, exchange.hours, exchange.decided_by_id) == ("confirmed", 2.0, weaver.id)


async def test_a_weaver_can_settle_differing_follow_up_hours_at_none(db, settings, clock, factory, inbox):
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    await weaving.answer_follow_up(db, settings, token_for(inbox.to(helper.email)[-1]),
                                   weaving.FollowUpInput("met", True, 3.0, False), clock())
    await weaving.answer_follow_up(db, settings, token_for(inbox.to(asker.email)[-1]),
                                   weaving.FollowUpInput("did_not_happen", None, 0.0, False), clock())
    await fresh(db)
    weaver = await db.get(Member, intro.introduced_by_id)
    (item,) = await weaving.hours_to_confirm(db, weaver)
    assert [(p.name, a.met, a.hours) for p, a in item.answers] == [
        ("Asha Asker", "did_not_happen", 0.0), ("Hugo Helper", "met", 3.0)]
    with pytest.raises(Forbidden):
        await timebank.confirm_follow_up_hours(db, await db.get(Member, asker.id), item.exchange.id, 0.0, clock())
    involved = Member(id=helper.id, hub_role="weaver", status="active")  # were the helper a weaver: not their own hours
    with pytest.raises(Forbidden):
        await timebank.confirm_follow_up_hours(db, involved, item.exchange.id, 3.0, clock())
    await timebank.confirm_follow_up_hours(db, weaver, item.exchange.id, 0.0, clock())
    await fresh(db)
    assert [x.status for x in (await db.scalars(select(Exchange))).all()] == ["declined"]
    assert await timebank.balances(db) == {} and await weaving.hours_to_confirm(db, weaver) == []


async def test_not_yet_can_be_followed_by_met_but_a_final_answer_cannot_be_changed(db, settings, clock, factory, inbox):
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    token = token_for(inbox.to(helper.email)[-1])
    await weaving.answer_follow_up(db, settings, token, weaving.FollowUpInput("not_yet", None, 0, False), clock())
    await fresh(db)
    assert (await db.get(Introduction, intro.id)).status == "not_yet"
    await weaving.answer_follow_up(db, settings, token, weaving.FollowUpInput("met", True, 1.0, False), clock())
    await fresh(db)
    assert (await db.get(Introduction, intro.id)).status == "met"
    with pytest.raises(weaving.Conflict):
        await weaving.answer_follow_up(db, settings, token, weaving.FollowUpInput("did_not_happen", None, 0, False), clock())


# --- Signed links -------------------------------------------------------------------------------


async def test_signed_links_cannot_be_forged_or_used_for_someone_elses_answer(db, client, settings, clock, factory, inbox):
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    helper_token = token_for(inbox.to(helper.email)[-1])
    now = clock()
    forged = [
        weaving.sign(settings.with_(secret_key="not-ours"), "follow_up", intro.id, asker.id, now + dt.timedelta(days=5)),
        weaving.sign(settings, "consent", intro.id, asker.id, now + dt.timedelta(days=5)),  # another purpose
        weaving.sign(settings, "follow_up", intro.id, asker.id, now - dt.timedelta(seconds=1)),  # expired
        helper_token[:-2] + ("AA" if not helper_token.endswith("AA") else "BB"),
        "", "x", "a.b.c", "\x00",
    ]
    # the helper's payload with the asker's id swapped in, keeping the helper's signature
    body, mac = helper_token.split(".")
    import base64

    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split(".")
    payload[2] = str(asker.id)
    forged.append(base64.urlsafe_b64encode(".".join(payload).encode()).decode().rstrip("=") + "." + mac)
    for token in forged:
        with pytest.raises(weaving.InvalidLink):
            weaving.verify(settings, token, "follow_up", now)
        page = await client.get("/follow-up", params={"token": token, "met": "met"})
        assert page.status_code == 400, token
    # The helper's genuine link answers for the helper only.
    await weaving.answer_follow_up(db, settings, helper_token, weaving.FollowUpInput("did_not_happen", None, 0, False), clock())
    await fresh(db)
    answers = (await db.scalars(select(FollowUpAnswer))).all()
    assert [(a.member_id, a.met) for a in answers] == [(helper.id, "did_not_happen")]


async def test_a_follow_up_form_with_nonsense_answers_inline_never_500(db, client, settings, clock, factory, inbox):
    asker, helper, intro = await sent_introduction(db, settings, clock, factory, inbox)
    token = token_for(inbox.to(asker.email)[-1])
    page, csrf = await csrf_from(client, f"/follow-up?token={token}")
    for data in ({"met": "met", "hours": "lots"}, {"met": "met", "hours": "1e309"}, {"met": "maybe"},
                 {"met": "met", "hours": "-1"}, {"met": "met", "helped": "perhaps"}, {}):
        response = await client.post("/follow-up", data={**data, "token": token, "_csrf": csrf})
        assert response.status_code == 422, data
        assert "error-summary" in response.text
    bad = await client.post("/follow-up", data={"token": "nonsense", "met": "met", "_csrf": csrf})
    assert bad.status_code == 400
    no_csrf = await client.post("/follow-up", data={"token": token, "met": "met"})
    assert no_csrf.status_code == 403
    await fresh(db)
    assert await db.scalar(select(func.count()).select_from(FollowUpAnswer)) == 0


# --- Consent ------------------------------------------------------------------------------------


async def test_ask_first_members_are_asked_and_no_address_is_shared_before_both_agree(db, client, settings, clock, inbox, factory):
    asker, ask, helper, offer, weaver = await community(db, consent="ask_first")
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    intro = await weaving.approve(db, settings, weaver, s.id, clock(), note="Worth a chat")
    intro_id = intro.id
    assert (intro.status, intro.a_consent, intro.b_consent) == ("awaiting_consent", "pending", "pending")
    await deliver(factory, settings, clock)
    assert len(inbox.messages) == 2
    to_asker, to_helper = inbox.to(asker.email)[0], inbox.to(helper.email)[0]
    assert to_asker["Subject"] == "Wren Weaver would like to introduce you to Hugo Helper"
    assert "who could help with “Help mapping our network of carers groups”" in text_of(to_asker)
    assert helper.email not in text_of(to_asker) + str(to_asker) and asker.email not in text_of(to_helper) + str(to_helper)

    inbox.clear()
    yes = next(u for u in links(to_asker, "/introductions/consent") if u.endswith("answer=yes"))
    form, csrf = await csrf_from(client, path_of(yes))
    assert form.status_code == 200 and 'value="yes" checked' in form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    done = await client.post("/introductions/consent", data={"token": token, "answer": "yes", "_csrf": csrf})
    assert done.status_code == 200 and "as soon as <bdi>Hugo Helper</bdi> has agreed" in done.text
    await deliver(factory, settings, clock)
    assert inbox.messages == []  # nothing shared while the helper has not agreed

    helper_yes = next(u for u in links(to_helper, "/introductions/consent") if u.endswith("answer=yes"))
    token = re.search(r"token=([^&]+)", helper_yes).group(1)
    view = await weaving.answer_consent(db, settings, token, "yes", clock())
    assert view.intro.status == "sent"
    await deliver(factory, settings, clock)
    (introduction,) = inbox.messages
    assert asker.email in text_of(introduction) and helper.email in text_of(introduction)
    assert "Worth a chat" in text_of(introduction)
    # answering again changes nothing and sends nothing
    await weaving.answer_consent(db, settings, token, "no", clock())
    await deliver(factory, settings, clock)
    assert len(inbox.messages) == 1
    await fresh(db)
    assert (await db.get(Introduction, intro_id)).status == "sent"


async def test_both_saying_yes_at_the_same_moment_sends_exactly_one_introduction(db, settings, clock, inbox, factory):
    asker, ask, helper, offer, weaver = await community(db, consent="ask_first")
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    await weaving.approve(db, settings, weaver, s.id, clock())
    await deliver(factory, settings, clock)
    tokens = [re.search(r"token=([^&]+)", next(u for u in links(m, "/introductions/consent") if u.endswith("answer=yes"))).group(1)
              for m in inbox.messages]
    inbox.clear()

    async def say_yes(token):  # noqa: ANN001, ANN202
        async with factory() as session:
            await weaving.answer_consent(session, settings, token, "yes", clock())

    await asyncio.gather(*(say_yes(t) for t in tokens))
    await deliver(factory, settings, clock)
    assert len(inbox.messages) == 1
    intro = (await fresh(db)) and (await db.scalars(select(Introduction))).one()
    assert (intro.status, intro.a_consent, intro.b_consent) == ("sent", "yes", "yes")


async def test_a_direct_member_is_not_asked_but_the_ask_first_side_is(db, settings, clock, inbox, factory):
    asker, ask, helper, offer, weaver = await community(db, consent="direct")
    await db.execute(MemberPreference.__table__.update().where(MemberPreference.member_id == helper.id)
                     .values(intro_consent="ask_first"))
    await db.commit()
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    intro = await weaving.approve(db, settings, weaver, s.id, clock())
    assert (intro.a_consent, intro.b_consent) == ("auto", "pending")
    await deliver(factory, settings, clock)
    assert [m["To"] for m in inbox.messages] == [helper.email]


async def test_not_now_declines_the_introduction_and_the_pair_is_never_suggested_again(db, settings, clock, inbox, factory):
    asker, ask, helper, offer, weaver = await community(db, consent="ask_first")
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    await weaving.approve(db, settings, weaver, s.id, clock())
    await deliver(factory, settings, clock)
    no = next(u for u in links(inbox.to(helper.email)[0], "/introductions/consent") if u.endswith("answer=no"))
    inbox.clear()
    view = await weaving.answer_consent(db, settings, re.search(r"token=([^&]+)", no).group(1), "no", clock())
    assert view.intro.status == "declined"
    await deliver(factory, settings, clock)
    assert inbox.messages == []
    clock.advance(days=40)
    await run_round(db, factory, settings, clock, weaver)
    assert await pending(db) == []


async def test_members_choose_how_introductions_reach_them(db, client, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    page = await client.get("/preferences/introductions")
    assert 'value="ask_first" checked' in page.text
    assert (await client.post("/preferences/introductions",
                              data={"intro_consent": "sideways", "_csrf": csrf})).status_code == 422
    saved = await client.post("/preferences/introductions", data={"intro_consent": "direct", "_csrf": csrf})
    assert saved.status_code == 303
    await fresh(db)
    pref = await db.get(MemberPreference, me.id)
    assert (pref.intro_consent, pref.on_map) == ("direct", False)


# --- Who is suggested -----------------------------------------------------------------------------


async def test_paused_and_opted_out_members_are_never_suggested(db, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    today = clock().date()
    await db.execute(type(helper).__table__.update().where(type(helper).__table__.c.id == helper.id)
                     .values(matching="paused", matching_paused_until=today + dt.timedelta(days=10)))
    opted_out = await make_member(db, name="Olly Out", matching="opted_out", hours_per_month=6)
    await make_post(db, opted_out, "offer", title="Network mapping sessions", tags=["Network mapping"])
    paused_forever = await make_member(db, name="Pat Paused", matching="paused", hours_per_month=6)
    await make_post(db, paused_forever, "offer", title="Mapping networks", tags=["Network mapping"])
    suspended = await make_member(db, name="Sus Pended", status="suspended", hours_per_month=6)
    await make_post(db, suspended, "offer", title="Network mapping help", tags=["Network mapping"])
    await db.commit()

    await run_round(db, factory, settings, clock, weaver)
    assert await pending(db) == []
    assert await weaving.candidates_for_ask(db, ask, today) == []

    clock.advance(days=10)  # the pause ends on its date
    await run_round(db, factory, settings, clock, weaver)
    assert [(s.a_id, s.b_id) for s in await pending(db)] == [(asker.id, helper.id)]


async def test_a_declined_pair_is_never_suggested_again_but_a_skipped_one_may_be(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    assert (await client.post(f"/weaving/suggestions/{s.id}/skip", data={"_csrf": csrf})).status_code == 303
    await run_round(db, factory, settings, clock, weaver)
    (again,) = await pending(db)
    assert (again.a_id, again.b_id) == (asker.id, helper.id)
    assert (await client.post(f"/weaving/suggestions/{again.id}/decline", data={"_csrf": csrf})).status_code == 303
    await run_round(db, factory, settings, clock, weaver)
    assert await pending(db) == []
    assert await weaving.candidates_for_ask(db, ask, clock().date()) == []
    decisions = (await db.scalars(select(SuggestionDecision).order_by(SuggestionDecision.id))).all()
    assert [(d.action, d.actor_id, d.at) for d in decisions] == [("skip", weaver.id, clock()), ("decline", weaver.id, clock())]


async def test_a_round_for_one_interest_or_group_only_reaches_those_members(db, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    other = await make_member(db, name="Gwen Gardener", interests=["Gardening"], hours_per_month=4)
    await make_post(db, other, "ask", title="Help with a community garden", tags=["Gardening"])
    gardener = await make_member(db, name="Gary Grower", interests=["Gardening"], hours_per_month=4)
    await make_post(db, gardener, "offer", title="I run community gardens", tags=["Gardening"])

    row = await run_round(db, factory, settings, clock, weaver, "interest", "gardening")
    assert row.status == "done"
    assert [(s.a_id, s.b_id) for s in await pending(db)] == [(other.id, gardener.id)]
    row = await run_round(db, factory, settings, clock, weaver, "group", "nation:wales")
    assert row.status == "done" and "among 1 members" in row.message
    assert await weaving.start_round(db, weaver, "community", "", clock())
    with pytest.raises(weaving.Conflict):
        await weaving.start_round(db, weaver, "community", "", clock())


async def test_a_bad_round_form_shows_inline_errors(db, client, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    for data, field in (({"scope": "interest", "interest": ""}, "interest"), ({"scope": "group", "group": "x:y"}, "group"),
                        ({"scope": "planet"}, "scope")):
        response = await client.post("/weaving/rounds", data={**data, "_csrf": csrf})
        assert response.status_code == 422 and f'href="#{field}"' in response.text
    assert "Round 1" not in (await client.get("/weaving/rounds")).text


# --- Workers and the schedule ------------------------------------------------------------------


async def test_two_workers_never_run_the_same_round(db, settings, clock, factory):
    weaver = await make_member(db, hub_role="weaver")
    await weaving.start_round(db, weaver, "community", "", clock())

    async def claim():  # noqa: ANN202
        async with factory() as session:
            return await weaving.claim_round(session, clock())

    results = await asyncio.gather(*(claim() for _ in range(4)))
    assert sorted(r for r in results if r) == [1] and results.count(None) == 3


async def test_a_round_whose_worker_died_is_marked_failed_and_a_monthly_round_is_queued(db, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    await weaving.start_round(db, weaver, "community", "", clock())
    async with factory() as session:
        await weaving.claim_round(session, clock())
    clock.advance(hours=3)
    monthly = settings.with_(match_round_days=30)
    await weaving.round_sweep(factory, monthly, clock)
    rounds = (await fresh(db)) and (await db.scalars(select(MatchRound).order_by(MatchRound.id))).all()
    assert [(r.status, r.scheduled) for r in rounds] == [("failed", False)]  # a round was created < 30 days ago

    clock.advance(days=30)
    await weaving.round_sweep(factory, monthly, clock)
    await weaving.round_sweep(factory, monthly, clock)
    rounds = (await fresh(db)) and (await db.scalars(select(MatchRound).order_by(MatchRound.id))).all()
    assert [(r.status, r.scheduled) for r in rounds] == [("failed", False), ("done", True)]
    assert len(await pending(db)) == 1


# --- The queue's other decisions ------------------------------------------------------------------


async def test_swap_replaces_the_helper_with_the_next_best_candidate(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    second = await make_member(db, name="Sam Second", interests=["Network mapping"], hours_per_month=4)
    await make_post(db, second, "offer", title="Network mapping for community groups", tags=["Network mapping"])
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    first_b = s.b_id
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    await client.post(f"/weaving/suggestions/{s.id}/note", data={"note": "Keep this note", "_csrf": csrf})
    assert (await client.post(f"/weaving/suggestions/{s.id}/swap", data={"_csrf": csrf})).status_code == 303
    (new,) = await pending(db)
    assert new.a_id == asker.id and new.b_id not in (first_b, asker.id) and new.note == "Keep this note"
    assert (await db.get(Suggestion, s.id)).status == "superseded"
    decisions = (await db.scalars(select(SuggestionDecision).order_by(SuggestionDecision.id))).all()
    assert [d.action for d in decisions] == ["edit", "swap"] and decisions[1].detail["new_b"] == new.b_id
    # nobody else is left: swapping again explains itself
    response = await client.post(f"/weaving/suggestions/{new.id}/swap", data={"_csrf": csrf})
    assert response.status_code == 409 and "no other suitable person" in response.text


async def test_a_suggestion_for_an_ask_that_was_closed_meanwhile_cannot_be_approved(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    await db.execute(Post.__table__.update().where(Post.__table__.c.id == ask.id).values(status="fulfilled"))
    await db.commit()
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    response = await client.post(f"/weaving/suggestions/{s.id}/approve", data={"_csrf": csrf})
    assert response.status_code == 409 and "no longer open" in response.text
    assert [p.status for p in await pending(db)] == ["pending"]


async def test_a_too_long_note_is_shown_inline_and_nothing_changes(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    response = await client.post(f"/weaving/suggestions/{s.id}/approve", data={"note": "x" * 2001, "_csrf": csrf})
    assert response.status_code == 422 and "at most 2000 characters" in response.text
    assert [p.status for p in await pending(db)] == ["pending"]


async def test_bulk_approval_approves_each_and_records_who_and_when(db, client, settings, clock, factory, inbox):
    weaver = await make_member(db, name="Wren Weaver", hub_role="weaver")
    ids = []
    for i in range(3):
        a, b = await make_member(db), await make_member(db)
        for person in (a, b):
            await prefer(db, person, "direct")
        db.add(Suggestion(a_id=a.id, b_id=b.id, status="pending", source="round", created_at=clock(), reasons=["x"]))
        await db.commit()
    ids = [s.id for s in await pending(db)]
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    response = await client.post("/weaving/suggestions/bulk-approve", data={"ids": [str(i) for i in ids[:2]], "_csrf": csrf})
    assert response.status_code == 303
    assert "2 suggestions approved" in (await client.get(response.headers["location"])).text
    await deliver(factory, settings, clock)
    assert len(inbox.messages) == 2
    decisions = (await fresh(db)) and (await db.scalars(select(SuggestionDecision))).all()
    assert sorted((d.suggestion_id, d.action, d.actor_id, d.at) for d in decisions) == [
        (ids[0], "bulk_approve", weaver.id, clock()), (ids[1], "bulk_approve", weaver.id, clock())]
    assert [p.id for p in await pending(db)] == [ids[2]]
    log = await client.get("/weaving/introductions")
    assert log.text.count("<bdi>Wren Weaver</bdi></td>") == 2 and "approved (in bulk) the suggestion of" in log.text


async def test_the_queue_shows_past_contact_between_the_two(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    db.add(Suggestion(a_id=helper.id, b_id=asker.id, status="skipped", source="round", created_at=clock(), reasons=[]))
    await db.commit()
    await timebank.record_exchange(db, giver_id=helper.id, receiver_id=asker.id, hours=2, now=clock())
    await db.commit()
    await run_round(db, factory, settings, clock, weaver)
    await sign_in_as(client, db, settings, weaver, clock())
    page = await client.get("/weaving")
    assert "Suggested on" in page.text and "skipped" in page.text and "2 hours exchanged" in page.text


# --- Self-service -------------------------------------------------------------------------------


async def test_a_member_sees_people_who_could_help_and_requests_an_introduction(db, client, settings, clock, inbox, factory):
    asker, ask, helper, offer, weaver = await community(db)
    hidden = await make_member(db, name="Hidden Helper", visibility="weavers", hours_per_month=4)
    await make_post(db, hidden, "offer", title="Network mapping workshops", tags=["Network mapping"])
    csrf = await sign_in_as(client, db, settings, asker, clock())
    home = await client.get("/")
    assert f'href="/asks/{ask.id}/helpers"' in home.text and "Your timebank" in home.text
    page = await client.get(f"/asks/{ask.id}/helpers")
    assert page.status_code == 200 and "Hugo Helper" in page.text and "Hidden Helper" not in page.text
    assert (await client.post(f"/asks/{ask.id}/helpers/{hidden.id}", data={"_csrf": csrf})).status_code == 404
    response = await client.post(f"/asks/{ask.id}/helpers/{helper.id}", data={"_csrf": csrf})
    assert response.status_code == 303
    assert "<bdi>Hugo Helper</bdi>: waiting for a network weaver" in (await client.get(f"/asks/{ask.id}/helpers")).text
    (s,) = await pending(db)
    assert (s.source, s.a_id, s.b_id, s.requested_by_id, s.ask_id) == ("self_service", asker.id, helper.id, asker.id, ask.id)
    # it reaches the weavers' queue, and the requester's consent is already given
    intro = await weaving.approve(db, settings, weaver, s.id, clock())
    assert (intro.a_consent, intro.b_consent, intro.status) == ("yes", "auto", "sent")


async def test_nobody_sees_helpers_for_someone_elses_ask(db, client, settings, clock):
    asker, ask, helper, offer, weaver = await community(db)
    csrf = await sign_in_as(client, db, settings, helper, clock())
    assert (await client.get(f"/asks/{ask.id}/helpers")).status_code == 404
    assert (await client.post(f"/asks/{ask.id}/helpers/{helper.id}", data={"_csrf": csrf})).status_code == 404
    assert (await client.get(f"/asks/{offer.id}/helpers")).status_code == 404


# --- The timebank by hand -----------------------------------------------------------------------


async def test_members_record_time_given_to_them_and_weavers_record_any_exchange(db, client, settings, clock, factory):
    asker, ask, helper, offer, weaver = await community(db)
    await run_round(db, factory, settings, clock, weaver)
    (s,) = await pending(db)
    await weaving.approve(db, settings, weaver, s.id, clock())
    csrf = await sign_in_as(client, db, settings, asker, clock())
    page = await client.get("/timebank")
    assert f'<option value="{helper.id}"' in page.text
    bad = await client.post("/timebank", data={"other_id": str(helper.id), "hours": "0", "_csrf": csrf})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    self_ = await client.post("/timebank", data={"other_id": str(asker.id), "hours": "1", "_csrf": csrf})
    assert self_.status_code == 422
    ok = await client.post("/timebank", data={"other_id": str(helper.id), "hours": "1.3", "note": "Coffee", "_csrf": csrf})
    assert ok.status_code == 303
    transfer = await (await fresh(db)).scalar(select(Exchange.id))
    hcsrf = await sign_in_as(client, db, settings, helper, clock())  # it counts once the helper confirms it
    assert (await client.post(f"/timebank/transfers/{transfer}/confirm", data={"_csrf": hcsrf})).status_code == 303
    csrf = await sign_in_as(client, db, settings, asker, clock())
    assert (await client.post("/weaving/timebank", data={"giver_id": str(asker.id), "receiver_id": str(helper.id),
                                                         "hours": "1", "_csrf": csrf})).status_code == 403
    wcsrf = await sign_in_as(client, db, settings, weaver, clock())
    ok = await client.post("/weaving/timebank", data={"giver_id": str(asker.id), "receiver_id": str(helper.id),
                                                      "hours": "2", "_csrf": wcsrf})
    assert ok.status_code == 303
    bad = await client.post("/weaving/timebank", data={"giver_id": "999999", "receiver_id": str(helper.id),
                                                       "hours": "2", "_csrf": wcsrf})
    assert bad.status_code == 422
    await fresh(db)
    b = await timebank.balances(db)
    assert b[helper.id] == timebank.Balance(1.25, 2.0) and b[asker.id] == timebank.Balance(2.0, 1.25)
    assert b[helper.id].balance == -0.75


# --- Nothing typed reaches a 500 ----------------------------------------------------------------

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

from tests.hub.test_no_500s import NASTY  # noqa: E402

junk = st.one_of(st.sampled_from(NASTY), st.text(max_size=200))
FORMS = {
    "/weaving/rounds": ["scope", "interest", "group"],
    "/weaving/timebank": ["giver_id", "receiver_id", "hours", "note"],
    "/timebank": ["other_id", "hours", "note"],
    "/preferences/introductions": ["intro_consent", "on_map"],
    "/weaving/suggestions/bulk-approve": ["ids", "page", "round"],
    "/follow-up": ["token", "met", "helped", "hours", "fulfilled"],
    "/introductions/consent": ["token", "answer"],
}


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(sorted(FORMS)), data=st.data())
async def test_the_weaving_forms_never_fail_on_what_is_typed(client, db, settings, clock, path, data):
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    values = {f: data.draw(junk) for f in FORMS[path]}
    response = await client.post(path, data={**values, "_csrf": csrf})
    assert response.status_code in (200, 303, 400, 403, 404, 409, 422), response.text[:300]
    for query in ({"token": values.get("token", "x"), "met": "met"}, {"token": "x", "answer": "yes"}):
        page = await client.get("/follow-up" if "met" in query else "/introductions/consent",
                                params={k: v.replace("\x00", "") for k, v in query.items()})
        assert page.status_code in (200, 400), page.text[:300]
