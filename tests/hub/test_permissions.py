"""Who may see and change what: anonymous visitors, members, other members, weavers and admins."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from events.models import Event
from hub.models import AuditEntry
from tests.support import make_member, reload_member, sign_in_as

# Who reaches which route (anonymous, owner, another member, weaver, admin), over the app's whole
# route table and with IDOR probes, is tests/hub/test_authz_matrix.py. This file keeps the rules
# the matrix does not state: profiles, roles, the last admin, CSRF, origins, hosts and headers.


async def test_a_member_can_only_ever_edit_their_own_profile(client, db, settings, clock):
    other = await make_member(db, name="Other")
    me = await make_member(db, name="Me")
    csrf = await sign_in_as(client, db, settings, me, clock())
    # The profile form has no member id to change: it always edits the signed-in member.
    await client.post("/profile", data={"name": "Changed", "id": str(other.id), "member_id": str(other.id), "_csrf": csrf})
    assert (await reload_member(db, other.id)).name == "Other"
    assert (await reload_member(db, me.id)).name == "Changed"


async def test_weaver_only_profiles_are_hidden_from_members(client, db, settings, clock):
    hidden = await make_member(db, name="Hidden", visibility="weavers")
    me = await make_member(db)
    await sign_in_as(client, db, settings, me, clock())
    assert (await client.get(f"/members/{hidden.id}")).status_code == 404
    assert (await client.get(f"/api/members/{hidden.id}")).status_code == 404
    assert "Hidden" not in (await client.get("/members")).text


async def test_weavers_see_weaver_only_profiles(client, db, settings, clock):
    hidden = await make_member(db, name="Hidden", visibility="weavers")
    weaver = await make_member(db, hub_role="weaver")
    await sign_in_as(client, db, settings, weaver, clock())
    page = await client.get(f"/members/{hidden.id}")
    assert page.status_code == 200 and "Visible to network weavers only" in page.text
    assert "Hidden" in (await client.get("/members")).text


@pytest.mark.parametrize("role", ["member", "weaver"])
async def test_only_admins_change_roles(client, db, settings, clock, role):
    target = await make_member(db)
    me = await make_member(db, hub_role=role)
    csrf = await sign_in_as(client, db, settings, me, clock())
    response = await client.post(f"/admin/members/{target.id}/role", data={"role": "admin", "_csrf": csrf})
    assert response.status_code == 403
    assert (await reload_member(db, target.id)).hub_role == "member"


async def test_an_admin_promotes_a_member_to_weaver_and_to_admin(client, db, settings, clock):
    target = await make_member(db)
    admin = await make_member(db, hub_role="admin")
    csrf = await sign_in_as(client, db, settings, admin, clock())
    await client.post(f"/admin/members/{target.id}/role", data={"role": "weaver", "_csrf": csrf})
    assert (await reload_member(db, target.id)).hub_role == "weaver"
    api = await client.put(f"/api/admin/members/{target.id}/role", json={"role": "admin"}, headers={"x-csrf-token": csrf})
    assert api.status_code == 200 and api.json()["hub_role"] == "admin"


async def test_the_last_admin_cannot_step_down(client, db, settings, clock):
    admin = await make_member(db, hub_role="admin")
    csrf = await sign_in_as(client, db, settings, admin, clock())
    response = await client.post(f"/admin/members/{admin.id}/role", data={"role": "member", "_csrf": csrf})
    assert response.status_code == 409
    assert (await reload_member(db, admin.id)).hub_role == "admin"


async def test_a_weaver_approves_a_waiting_member_who_is_then_emailed(client, db, settings, clock):
    from sqlalchemy import select

    from hub.models import OutboxMessage

    waiting = await make_member(db, status="pending", email="waiting@example.org")
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    assert "waiting@example.org" in (await client.get("/admin/members")).text
    await client.post(f"/admin/members/{waiting.id}/approve", data={"_csrf": csrf})
    await client.post(f"/admin/members/{waiting.id}/approve", data={"_csrf": csrf})
    assert (await reload_member(db, waiting.id)).status == "active"
    mails = (await db.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "waiting@example.org"))).all()
    assert len(mails) == 1


async def test_forms_without_a_valid_csrf_token_are_refused(client, db, settings, clock):
    me = await make_member(db, name="Me")
    await sign_in_as(client, db, settings, me, clock())
    assert (await client.post("/profile", data={"name": "Forged"})).status_code == 403
    assert (await client.post("/profile", data={"name": "Forged", "_csrf": "0" * 64})).status_code == 403
    assert (await client.put("/api/me", json={"name": "Forged"})).status_code == 403
    assert (await reload_member(db, me.id)).name == "Me"


async def test_requests_from_another_site_are_refused_even_with_a_token(client, db, settings, clock):
    me = await make_member(db, name="Me")
    csrf = await sign_in_as(client, db, settings, me, clock())
    cross = await client.post("/profile", data={"name": "Forged", "_csrf": csrf},
                              headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    assert (await reload_member(db, me.id)).name == "Me"


async def test_unknown_hosts_are_refused(client):
    response = await client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400


async def test_every_page_carries_security_headers(client):
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- who may host events: a permission weavers grant, never a role members tick -------------------------

def _event_form(clock, title: str = "A peer assist") -> dict:  # noqa: ANN001
    day = (clock() + dt.timedelta(days=10)).date().isoformat()
    return {"title": title, "format": "peer_assist", "date": day, "start_time": "14:00", "end_time": "15:30",
            "timezone": "Europe/London", "mode": "online", "online_link": "https://meet.example.org/pa",
            "capacity": "8"}


async def test_ticking_the_facilitator_role_on_ones_profile_does_not_let_one_create_events(client, db, settings, clock):
    me = await make_member(db)
    csrf = await sign_in_as(client, db, settings, me, clock())
    saved = await client.post("/profile", data={"name": "Me", "weaving_roles": ["network_catalyst"], "_csrf": csrf})
    assert saved.status_code == 303 and (await reload_member(db, me.id)).role_names == ["network_catalyst"]
    assert (await client.get("/events/new")).status_code == 403
    assert (await client.post("/events", data={**_event_form(clock), "_csrf": csrf})).status_code == 403
    api = await client.post("/api/events", json=_event_form(clock), headers={"x-csrf-token": csrf})
    assert api.status_code == 403
    assert "Create an event" not in (await client.get("/events")).text
    assert (await db.scalar(select(func.count()).select_from(Event))) == 0


@pytest.mark.parametrize("role", ["weaver", "admin"])
async def test_a_weaver_or_admin_lets_a_member_host_events_and_takes_it_back_both_audited(
    client, db, settings, clock, role
):
    host = await make_member(db, name="Hana Host")
    granter = await make_member(db, hub_role=role)
    csrf = await sign_in_as(client, db, settings, granter, clock())
    profile = (await client.get(f"/members/{host.id}")).text
    assert f'action="/admin/members/{host.id}/host-events"' in profile
    granted = await client.post(f"/admin/members/{host.id}/host-events", data={"allow": "yes", "_csrf": csrf})
    assert granted.status_code == 303
    assert (await reload_member(db, host.id)).may_host_events is True
    assert "Hana Host" in (await client.get("/admin/members")).text  # listed among the event hosts

    host_csrf = await sign_in_as(client, db, settings, host, clock())
    assert (await client.get("/events/new")).status_code == 200
    assert (await client.post("/events", data={**_event_form(clock), "_csrf": host_csrf})).status_code == 303

    clock.advance(hours=1)
    csrf = await sign_in_as(client, db, settings, granter, clock())
    revoked = await client.post(f"/admin/members/{host.id}/host-events", data={"allow": "no", "_csrf": csrf})
    assert revoked.status_code == 303
    assert (await reload_member(db, host.id)).may_host_events is False
    host_csrf = await sign_in_as(client, db, settings, host, clock())
    refused = await client.post("/events", data={**_event_form(clock, "Another"), "_csrf": host_csrf})
    assert refused.status_code == 403 and "This form has expired" not in refused.text

    await db.commit()
    db.expunge_all()
    rows = (await db.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.actor_id, e.action, e.subject, e.details) for e in rows] == [
        (granter.id, "event_host_change", f"member:{host.id}", {"before": False, "after": True}),
        (granter.id, "event_host_change", f"member:{host.id}", {"before": True, "after": False}),
    ]
    assert rows[1].at == clock()


async def test_members_cannot_let_anyone_host_events_not_even_themselves(client, db, settings, clock):
    me = await make_member(db, weaving_roles=["network_catalyst"])
    csrf = await sign_in_as(client, db, settings, me, clock())
    assert f"/admin/members/{me.id}/host-events" not in (await client.get(f"/members/{me.id}")).text
    response = await client.post(f"/admin/members/{me.id}/host-events", data={"allow": "yes", "_csrf": csrf})
    assert response.status_code == 403
    assert (await reload_member(db, me.id)).may_host_events is False
    assert (await db.scalar(select(func.count()).select_from(AuditEntry))) == 0


async def test_an_unclear_hosting_answer_changes_nothing(client, db, settings, clock):
    host = await make_member(db)
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    response = await client.post(f"/admin/members/{host.id}/host-events", data={"allow": "maybe", "_csrf": csrf})
    assert response.status_code == 422
    nobody = await client.post("/admin/members/999999/host-events", data={"allow": "yes", "_csrf": csrf})
    assert nobody.status_code == 404
    assert (await reload_member(db, host.id)).may_host_events is False
