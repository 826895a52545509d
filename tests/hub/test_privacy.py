"""Privacy under UK GDPR: a member downloads all their data, deletes their account (a tombstone that
keeps other people's records and the timebank consistent), weavers set how long declined or stale
suggestions are kept, and a public privacy notice says all this plainly."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from hub import auth, privacy, timebank
from hub.errors import InvalidInput
from hub.app import background_sweeps
from hub.models import (
    AuditEntry,
    Exchange,
    FollowUpAnswer,
    Introduction,
    Invite,
    LedgerEntry,
    LoginToken,
    Member,
    MemberPreference,
    OidcIdentity,
    Post,
    Suggestion,
    WebSession,
)
from tests.support import fresh, make_member, make_post, reload_member, sign_in_as


async def history(db, now: dt.datetime):  # noqa: ANN001, ANN201
    """Alice (who will leave) and Bob: an introduction, follow-up answers, an exchange of hours."""
    alice = await make_member(db, email="alice@example.org", name="Alice Leaver", organisation="Leavers Ltd",
                              bio="Private bio", interests=["Network mapping"])
    bob = await make_member(db, email="bob@example.org", name="Bob Stayer")
    weaver = await make_member(db, email="weaver@example.org", name="Wendy Weaver", hub_role="weaver")
    ask = await make_post(db, alice, "ask", title="Alice's private ask", tags=["Kumu"])
    offer = await make_post(db, alice, "offer", title="Alice's offer")
    db.add(MemberPreference(member_id=alice.id, intro_consent="direct", on_map=False))
    approved = Suggestion(a_id=alice.id, b_id=bob.id, ask_id=ask.id, status="approved", note="Alice needs Bob",
                          reasons=["Both like Kumu"], created_at=now, decided_at=now)
    declined = Suggestion(a_id=bob.id, b_id=alice.id, status="declined", created_at=now, decided_at=now)
    db.add_all([approved, declined])
    await db.flush()
    intro = Introduction(suggestion_id=approved.id, a_id=alice.id, b_id=bob.id, ask_id=ask.id,
                         note="Alice, meet Bob", reasons=["Both like Kumu"], status="met", a_consent="auto",
                         b_consent="yes", introduced_by_id=weaver.id, created_at=now, sent_at=now)
    waiting = Introduction(a_id=bob.id, b_id=alice.id, status="awaiting_consent", created_at=now)
    db.add_all([intro, waiting])
    await db.flush()
    db.add_all([
        FollowUpAnswer(introduction_id=intro.id, member_id=alice.id, met="met", helped=True, hours=2, answered_at=now),
        FollowUpAnswer(introduction_id=intro.id, member_id=bob.id, met="met", helped=True, hours=2, answered_at=now),
    ])
    await timebank.record_exchange(db, giver_id=bob.id, receiver_id=alice.id, hours=2, now=now,
                                   source="introduction", introduction_id=intro.id)
    await timebank.record_exchange(db, giver_id=alice.id, receiver_id=bob.id, hours=1.5, now=now)
    db.add(Invite(email="friend@example.org", invited_by_id=alice.id, created_at=now))
    db.add(Invite(email="alice-other@example.org", invited_by_id=bob.id, created_at=now))
    db.add(LoginToken(token_hash="f" * 64, email="alice@example.org", created_at=now,
                      expires_at=now + dt.timedelta(minutes=15)))
    db.add(OidcIdentity(member_id=alice.id, issuer="https://id.example.org", subject="alice-sub",
                        email="alice@example.org", created_at=now, last_used_at=now))
    await db.commit()
    return alice, bob, weaver, intro, waiting


# --- export --------------------------------------------------------------------------------------------

async def test_a_member_downloads_all_their_data_as_a_json_attachment(db, client, settings, clock):
    alice, bob, *_ = await history(db, clock())
    await sign_in_as(client, db, settings, alice, clock())

    response = await client.get("/account/export")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["email"] == "alice@example.org" and data["profile"]["bio"] == "Private bio"
    assert data["interests"] == ["Network mapping"]
    assert [a["title"] for a in data["asks"]] == ["Alice's private ask"] and data["asks"][0]["tags"] == ["Kumu"]
    assert [o["title"] for o in data["offers"]] == ["Alice's offer"]
    assert data["preferences"] == {"intro_consent": "direct", "on_map": False}
    assert {s["status"] for s in data["suggestions"]} == {"approved", "declined"}
    assert len(data["introductions"]) == 2
    assert [a["member_id"] for a in data["follow_up_answers"]] == [alice.id]
    assert sorted(x["hours"] for x in data["timebank"]["exchanges"]) == [1.5, 2]
    assert sorted(e["hours"] for e in data["timebank"]["ledger_entries"]) == [-2, 1.5]
    assert data["invitations_sent"] == [{"email": "friend@example.org", "created_at": clock().isoformat()}]
    assert len(data["sessions"]) == 1 and set(data["sessions"][0]) == {"created_at", "expires_at", "user_agent"}
    # No secrets, and nobody else's personal details.
    assert "id_hash" not in response.text and "token_hash" not in response.text
    assert "bob@example.org" not in response.text and "Bob Stayer" not in response.text


async def test_the_export_includes_event_registrations_and_feedback(db, client, settings, clock):
    from events.models import Event, EventFeedback, Registration

    alice = await make_member(db)
    event = Event(uid="e1", title="Peer assist", format="peer_assist", starts_at=clock() + dt.timedelta(days=3),
                  ends_at=clock() + dt.timedelta(days=3, hours=1), capacity=5, taken=1,
                 created_at=clock(), updated_at=clock())
    db.add(event)
    await db.flush()
    registration = Registration(event_id=event.id, member_id=alice.id, status="confirmed",
                                answers={"Why?": "To learn"}, queued_at=clock(), confirmed_at=clock())
    db.add(registration)
    await db.flush()
    db.add(EventFeedback(registration_id=registration.id, event_id=event.id, what_worked="The pairs", at=clock()))
    await db.commit()
    await sign_in_as(client, db, settings, alice, clock())

    data = (await client.get("/account/export")).json()

    [exported] = data["other_records"]["event_registration"]
    assert exported["event_id"] == event.id and exported["answers"] == {"Why?": "To learn"}
    assert [f["what_worked"] for f in data["other_records"]["event_feedback"]] == ["The pairs"]


async def test_the_api_export_gives_the_same_data_to_the_signed_in_member_only(db, client, settings, clock):
    alice = await make_member(db, email="alice@example.org")
    assert (await client.get("/api/me/export")).status_code == 401
    await sign_in_as(client, db, settings, alice, clock())

    response = await client.get("/api/me/export")

    assert response.status_code == 200 and response.json()["profile"]["id"] == alice.id


async def test_an_export_is_recorded_in_the_audit_log(db, client, settings, clock):
    alice = await make_member(db)
    await sign_in_as(client, db, settings, alice, clock())
    await client.get("/account/export")

    entries = (await (await fresh(db)).scalars(select(AuditEntry))).all()
    assert [(e.actor_id, e.action, e.subject, e.at) for e in entries] == [
        (alice.id, "member_export", f"member:{alice.id}", clock())
    ]


async def test_the_account_page_offers_download_and_delete(db, client, settings, clock):
    alice = await make_member(db)
    await sign_in_as(client, db, settings, alice, clock())

    page = await client.get("/account")

    assert page.status_code == 200
    assert 'href="/account/export"' in page.text and 'action="/account/delete"' in page.text
    assert '<label for="confirm_email">' in page.text


# --- deletion ------------------------------------------------------------------------------------------

async def delete_via_form(client, db, settings, clock, member, typed: str):  # noqa: ANN001, ANN201
    csrf = await sign_in_as(client, db, settings, member, clock())
    return await client.post("/account/delete", data={"_csrf": csrf, "confirm_email": typed})


async def test_deleting_an_account_removes_personal_data_and_keeps_a_tombstone(db, client, settings, clock):
    alice, bob, weaver, intro, waiting = await history(db, clock())

    response = await delete_via_form(client, db, settings, clock, alice, " Alice@Example.org ")

    assert response.status_code == 303 and response.headers["location"] == "/account/deleted"
    db = await fresh(db)
    tomb = await reload_member(db, alice.id)
    assert tomb.status == "deleted" and tomb.display_name == "Deleted member"
    assert "alice" not in tomb.email and tomb.name == "" and tomb.bio == "" and tomb.organisation == ""
    assert tomb.interests == [] and tomb.links == [] and tomb.posts == [] and tomb.search_text == ""
    assert await db.get(MemberPreference, alice.id) is None
    assert await db.scalar(select(func.count()).select_from(WebSession).where(WebSession.member_id == alice.id)) == 0
    assert await db.scalar(select(func.count()).select_from(LoginToken)) == 0
    assert await db.scalar(select(func.count()).select_from(OidcIdentity)) == 0
    assert await db.scalar(select(Invite.email).where(Invite.email == "alice-other@example.org")) is not None
    # Suggestions that never became introductions are gone; the approved one stays, without its note.
    assert [(s.status, s.note, s.reasons) for s in (await db.scalars(select(Suggestion))).all()] == [("approved", "", [])]
    # Other people's records stay, pointing at the tombstone.
    kept = await db.get(Introduction, intro.id)
    assert (kept.a_id, kept.b_id, kept.status, kept.note, kept.reasons) == (alice.id, bob.id, "met", "", [])
    assert (await db.get(Introduction, waiting.id)).status == "declined"
    assert await db.scalar(select(func.count()).select_from(FollowUpAnswer)) == 2
    assert await db.scalar(select(func.count()).select_from(Exchange)) == 2


async def test_the_timebank_still_balances_after_a_deletion(db, client, settings, clock):
    alice, bob, *_ = await history(db, clock())

    await delete_via_form(client, db, settings, clock, alice, "alice@example.org")

    db = await fresh(db)
    assert await db.scalar(select(func.sum(LedgerEntry.hours))) == 0
    per_exchange = (await db.execute(select(LedgerEntry.exchange_id, func.sum(LedgerEntry.hours))
                                     .group_by(LedgerEntry.exchange_id))).all()
    assert [total for _, total in per_exchange] == [0, 0]
    assert (await timebank.balance(db, bob.id)).balance == pytest.approx(0.5)


async def test_weavers_see_a_deleted_member_as_a_former_member_without_a_link(db, client, settings, clock):
    alice, bob, weaver, intro, waiting = await history(db, clock())
    await delete_via_form(client, db, settings, clock, alice, "alice@example.org")

    await sign_in_as(client, db, settings, weaver, clock())
    page = await client.get("/weaving/introductions")
    assert page.status_code == 200
    assert "<td>A former member and <a href=\"/members/%d\"><bdi>Bob Stayer</bdi></a></td>" % bob.id in page.text
    assert "<td><a href=\"/members/%d\"><bdi>Bob Stayer</bdi></a> and A former member</td>" % bob.id in page.text
    assert f'href="/members/{alice.id}"' not in page.text and "New member" not in page.text
    timebank_page = await client.get("/weaving/timebank")
    assert "A former member" in timebank_page.text and "New member" not in timebank_page.text


async def test_a_deleted_member_is_signed_out_and_cannot_sign_in_but_their_email_can_join_again(
    db, client, settings, clock
):
    alice = await make_member(db, email="alice@example.org")
    await delete_via_form(client, db, settings, clock, alice, "alice@example.org")

    assert (await client.get("/account")).status_code == 303  # the old session no longer works
    db = await fresh(db)
    tomb = await db.get(Member, alice.id)
    with pytest.raises(InvalidInput):  # the tombstone's placeholder is not an address one can sign in with
        await auth.request_sign_in(db, settings, tomb.email, "127.0.0.1", clock())
    await db.rollback()
    await auth.request_sign_in(db, settings, "alice@example.org", "127.0.0.1", clock())
    token = await db.scalar(select(LoginToken).where(LoginToken.email == "alice@example.org"))
    assert token is not None
    import secrets

    secret = secrets.token_urlsafe(8)
    token.token_hash = auth.digest(secret)
    await db.commit()
    signed_in = await auth.redeem(db, settings, secret, clock())
    assert signed_in.is_new and signed_in.member.id != alice.id and signed_in.member.status == "active"


async def test_deleting_needs_the_email_typed_to_confirm(db, client, settings, clock):
    alice = await make_member(db, email="alice@example.org", name="Alice")

    response = await delete_via_form(client, db, settings, clock, alice, "not-me@example.org")

    assert response.status_code == 400
    assert "Type the email address you sign in with" in response.text and 'aria-invalid="true"' in response.text
    assert (await reload_member(await fresh(db), alice.id)).status == "active"


async def test_the_last_admin_cannot_delete_their_account(db, client, settings, clock):
    admin = await make_member(db, email="admin@example.org", hub_role="admin")
    await make_member(db, hub_role="admin", status="deleted", email="deleted-member-9")
    await make_member(db, hub_role="admin", status="suspended")

    response = await delete_via_form(client, db, settings, clock, admin, "admin@example.org")

    assert response.status_code == 409 and "only admin" in response.text
    assert (await reload_member(await fresh(db), admin.id)).status == "active"


async def test_an_admin_can_delete_their_account_when_another_admin_remains(db, client, settings, clock):
    admin = await make_member(db, email="admin@example.org", hub_role="admin")
    await make_member(db, hub_role="admin")

    response = await delete_via_form(client, db, settings, clock, admin, "admin@example.org")

    assert response.status_code == 303
    assert (await reload_member(await fresh(db), admin.id)).hub_role == "member"


async def test_a_deletion_that_fails_part_way_changes_nothing(db, settings, clock, monkeypatch):
    alice, *_ = await history(db, clock())
    alice_id = alice.id

    async def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise RuntimeError("disk full")

    monkeypatch.setattr(privacy, "_erase_event_data", broken)
    with pytest.raises(RuntimeError):
        await privacy.delete_account(db, alice_id, "alice@example.org", clock())
    await db.rollback()

    db = await fresh(db)
    kept = await reload_member(db, alice_id)
    assert kept.status == "active" and kept.email == "alice@example.org" and len(kept.posts) == 2
    assert await db.scalar(select(func.count()).select_from(Suggestion)) == 2
    assert await db.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_a_deletion_is_audited_without_copying_names(db, client, settings, clock):
    alice = await make_member(db, email="alice@example.org", name="Alice Leaver")

    await delete_via_form(client, db, settings, clock, alice, "alice@example.org")

    [entry] = (await (await fresh(db)).scalars(select(AuditEntry))).all()
    assert (entry.actor_id, entry.action, entry.subject) == (alice.id, "account_delete", f"member:{alice.id}")
    assert "Alice" not in json.dumps(entry.details) and "alice@" not in json.dumps(entry.details)


async def test_deleting_gives_up_future_event_places_and_forgets_answers(db, client, settings, clock):
    from events.models import Event, EventFeedback, EventPreference, Registration

    alice = await make_member(db, email="alice@example.org")
    soon = Event(uid="e-soon", title="Troika", format="troika", starts_at=clock() + dt.timedelta(days=3),
                 ends_at=clock() + dt.timedelta(days=3, hours=1), capacity=3, taken=1,
                 created_at=clock(), updated_at=clock())
    past = Event(uid="e-past", title="Book club", format="book_club", starts_at=clock() - dt.timedelta(days=3),
                 ends_at=clock() - dt.timedelta(days=3) + dt.timedelta(hours=1), capacity=3, taken=1,
                 created_at=clock(), updated_at=clock())
    db.add_all([soon, past])
    await db.flush()
    db.add_all([
        Registration(event_id=soon.id, member_id=alice.id, status="confirmed", answers={"Why?": "Secret"},
                     queued_at=clock(), confirmed_at=clock(), next_reminder_at=clock() + dt.timedelta(days=2)),
        Registration(event_id=past.id, member_id=alice.id, status="confirmed", answers={"Why?": "Old"},
                     queued_at=clock(), confirmed_at=clock(), attended=True),
        EventPreference(member_id=alice.id, announce="weekly"),
    ])
    await db.flush()
    past_reg = await db.scalar(select(Registration).where(Registration.event_id == past.id))
    db.add(EventFeedback(registration_id=past_reg.id, event_id=past.id, what_worked="Mentions my manager", at=clock()))
    await db.commit()

    await delete_via_form(client, db, settings, clock, alice, "alice@example.org")

    db = await fresh(db)
    regs = {r.event_id: r for r in (await db.scalars(select(Registration))).all()}
    assert (regs[soon.id].status, regs[soon.id].answers, regs[soon.id].next_reminder_at) == ("cancelled", {}, None)
    assert (regs[past.id].status, regs[past.id].attended, regs[past.id].answers) == ("confirmed", True, {})
    assert (await db.get(Event, soon.id)).taken == 0 and (await db.get(Event, past.id)).taken == 1
    assert await db.get(EventPreference, alice.id) is None
    assert await db.scalar(select(func.count()).select_from(EventFeedback)) == 0


# --- retention -----------------------------------------------------------------------------------------

async def test_the_sweep_deletes_declined_and_stale_suggestions_older_than_the_setting(db, settings, clock, factory):
    a, b = await make_member(db), await make_member(db)
    now = clock()
    old, recent = now - dt.timedelta(days=181), now - dt.timedelta(days=179)
    rows = {
        "old declined": Suggestion(a_id=a.id, b_id=b.id, status="declined", created_at=old, decided_at=old),
        "old skipped": Suggestion(a_id=a.id, b_id=b.id, status="skipped", created_at=old, decided_at=old),
        "old pending": Suggestion(a_id=a.id, b_id=b.id, status="pending", created_at=old),
        "old approved": Suggestion(a_id=a.id, b_id=b.id, status="approved", created_at=old, decided_at=old),
        "recent declined": Suggestion(a_id=a.id, b_id=b.id, status="declined", created_at=old, decided_at=recent),
        "recent pending": Suggestion(a_id=a.id, b_id=b.id, status="pending", created_at=recent),
    }
    db.add_all(rows.values())
    await db.commit()
    ids = {name: s.id for name, s in rows.items()}

    [sweep] = [s for s in background_sweeps(factory, settings, clock) if s.__name__ == "suggestion_retention"]
    assert await sweep() == 3
    assert await sweep() == 0  # idempotent

    left = set((await (await fresh(db)).scalars(select(Suggestion.id))).all())
    assert left == {ids["old approved"], ids["recent declined"], ids["recent pending"]}
    clock.advance(days=2)
    assert await sweep() == 2
    assert set((await (await fresh(db)).scalars(select(Suggestion.id))).all()) == {ids["old approved"]}


async def test_a_weaver_changes_the_retention_and_the_sweep_follows_it(db, client, settings, clock, factory):
    weaver = await make_member(db, hub_role="weaver")
    a, b = await make_member(db), await make_member(db)
    ten_days_ago = clock() - dt.timedelta(days=10)
    db.add(Suggestion(a_id=a.id, b_id=b.id, status="declined", created_at=ten_days_ago, decided_at=ten_days_ago))
    await db.commit()
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    page = await client.get("/weaving/privacy")
    assert page.status_code == 200 and 'value="180"' in page.text

    saved = await client.post("/weaving/privacy", data={"_csrf": csrf, "days": "7"})

    assert saved.status_code == 303
    assert await privacy.retention_sweep(factory, clock) == 1
    [entry] = (await (await fresh(db)).scalars(select(AuditEntry))).all()
    assert (entry.actor_id, entry.action, entry.details) == (weaver.id, "retention_change", {"before": 180, "after": 7})


@pytest.mark.parametrize("days", ["0", "abc", "", "99999", "1.5"])
async def test_a_bad_retention_gets_an_inline_error_and_changes_nothing(db, client, settings, clock, days):
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())

    response = await client.post("/weaving/privacy", data={"_csrf": csrf, "days": days})

    assert response.status_code == 400 and "Enter a whole number of days from 1 to 3650" in response.text
    assert await privacy.retention_days(await fresh(db)) == 180


async def test_members_cannot_change_the_retention(db, client, settings, clock):
    member = await make_member(db)
    csrf = await sign_in_as(client, db, settings, member, clock())

    assert (await client.get("/weaving/privacy")).status_code == 403
    assert (await client.post("/weaving/privacy", data={"_csrf": csrf, "days": "1"})).status_code == 403
    assert await privacy.retention_days(await fresh(db)) == 180


# --- the notice ---------------------------------------------------------------------------------------

async def test_the_privacy_page_is_public_and_linked_from_every_page(client):
    page = await client.get("/privacy")

    assert page.status_code == 200
    for words in ("What we store", "Who sees it", "legitimate interests", "How long we keep it", "180 days",
                  "never names or email addresses", "Information Commissioner"):
        assert words in page.text, words
    assert 'href="/privacy"' in (await client.get("/about")).text
