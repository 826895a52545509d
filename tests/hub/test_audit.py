"""The audit log: every privileged action leaves one row (actor id, action, subject, details, time from
the app clock); only admins read it; nobody, not even SQL, can change or delete a row."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hub import audit, weaving
from hub.models import AuditEntry, Suggestion
from tests.support import make_member, reload_member, sign_in_as


async def entries(db) -> list[AuditEntry]:  # noqa: ANN001
    await db.commit()
    db.expunge_all()
    rows = list((await db.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())
    await db.commit()
    return rows


def summary(rows: list[AuditEntry]) -> list[tuple]:
    return [(e.actor_id, e.action, e.subject, e.details) for e in rows]


async def test_a_role_change_is_recorded_with_the_app_clock(db, client, settings, clock):
    admin = await make_member(db, hub_role="admin")
    target = await make_member(db)
    csrf = await sign_in_as(client, db, settings, admin, clock())
    clock.advance(hours=3)

    await client.post(f"/admin/members/{target.id}/role", data={"role": "weaver", "_csrf": csrf})

    [entry] = await entries(db)
    assert summary([entry]) == [(admin.id, "role_change", f"member:{target.id}", {"before": "member", "after": "weaver"})]
    assert entry.at == clock()


async def test_a_refused_role_change_leaves_no_entry(db, client, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    target = await make_member(db)
    csrf = await sign_in_as(client, db, settings, weaver, clock())

    assert (await client.post(f"/admin/members/{target.id}/role", data={"role": "admin", "_csrf": csrf})).status_code == 403
    assert await entries(db) == []


async def test_a_role_change_through_the_api_is_recorded(db, client, settings, clock):
    admin = await make_member(db, hub_role="admin")
    target = await make_member(db)
    csrf = await sign_in_as(client, db, settings, admin, clock())

    response = await client.put(f"/api/admin/members/{target.id}/role", json={"role": "admin"}, headers={"X-CSRF-Token": csrf})

    assert response.status_code == 200
    assert summary(await entries(db)) == [(admin.id, "role_change", f"member:{target.id}", {"before": "member", "after": "admin"})]


async def test_approving_a_member_is_recorded(db, client, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    newcomer = await make_member(db, status="pending")
    csrf = await sign_in_as(client, db, settings, weaver, clock())

    assert (await client.post(f"/admin/members/{newcomer.id}/approve", data={"_csrf": csrf})).status_code == 303

    assert summary(await entries(db)) == [(weaver.id, "member_approve", f"member:{newcomer.id}", {})]


async def suggestion_between(db, a, b, now: dt.datetime) -> Suggestion:  # noqa: ANN001
    s = Suggestion(a_id=a.id, b_id=b.id, status="pending", created_at=now)
    db.add(s)
    await db.commit()
    return s


async def test_approving_introductions_one_by_one_and_in_bulk_is_recorded(db, client, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    a, b, c = await make_member(db), await make_member(db), await make_member(db)
    one = await suggestion_between(db, a, b, clock())
    two = await suggestion_between(db, a, c, clock())
    csrf = await sign_in_as(client, db, settings, weaver, clock())

    assert (await client.post(f"/weaving/suggestions/{one.id}/approve", data={"_csrf": csrf})).status_code == 303
    assert (await client.post("/weaving/suggestions/bulk-approve", data={"ids": str(two.id), "_csrf": csrf})).status_code == 303

    rows = await entries(db)
    assert [(e.actor_id, e.action, e.subject) for e in rows] == [
        (weaver.id, "introduction_approve", f"suggestion:{one.id}"),
        (weaver.id, "introduction_bulk_approve", f"suggestion:{two.id}"),
    ]
    assert rows[0].details["a"] == a.id and rows[0].details["b"] == b.id and rows[0].details["introduction"]


async def test_approving_the_same_introduction_twice_is_recorded_once(db, settings, clock):
    weaver = await make_member(db, hub_role="weaver")
    a, b = await make_member(db), await make_member(db)
    s = await suggestion_between(db, a, b, clock())
    s_id = s.id

    await weaving.approve(db, settings, weaver, s_id, clock())
    await weaving.approve(db, settings, weaver, s_id, clock())

    assert [e.action for e in await entries(db)] == ["introduction_approve"]


@pytest.mark.parametrize("name", ["kumu-elements.csv", "kumu-connections.csv", "kumu.json", "network.gexf",
                                  "network.graphml", "introductions.csv", "hours.csv"])
async def test_every_network_export_is_recorded(db, client, settings, clock, name):
    weaver = await make_member(db, hub_role="weaver")
    await sign_in_as(client, db, settings, weaver, clock())

    assert (await client.get(f"/network/export/{name}")).status_code == 200

    assert summary(await entries(db)) == [(weaver.id, "network_export", "network", {"export": name})]


async def test_admins_read_the_log_newest_first_filtered_and_paged(db, client, settings, clock):
    admin = await make_member(db, hub_role="admin")
    for i in range(audit.PAGE_SIZE + 5):
        audit.record(db, 7, "network_export", "network", clock() + dt.timedelta(minutes=i), export=f"n{i}.csv")
    audit.record(db, 8, "role_change", "member:9", clock() - dt.timedelta(days=1), before="member", after="weaver")
    await db.commit()
    await sign_in_as(client, db, settings, admin, clock())

    first = await client.get("/admin/audit")
    assert first.status_code == 200
    assert "56 entries, page 1 of 2" in first.text
    assert first.text.index("n54.csv") < first.text.index("n53.csv")  # newest first
    assert "member:9" not in first.text and 'href="/admin/audit?page=2"' in first.text
    second = await client.get("/admin/audit?page=2")
    assert "member:9" in second.text and "n0.csv" in second.text
    only_roles = await client.get("/admin/audit?action=role_change")
    assert "1 entry." in only_roles.text and "member:9" in only_roles.text and "n0.csv" not in only_roles.text
    assert '<option value="role_change" selected>' in only_roles.text
    # Unknown actions and absurd pages are answered, not errors.
    assert (await client.get("/admin/audit?action=nonsense&page=999")).status_code == 200
    assert (await client.get("/admin/audit?page=0")).status_code == 400


@pytest.mark.parametrize("role", ["member", "weaver"])
async def test_only_admins_read_the_log(db, client, settings, clock, role):
    me = await make_member(db, hub_role=role)
    await sign_in_as(client, db, settings, me, clock())
    assert (await client.get("/admin/audit")).status_code == 403


async def test_there_is_no_route_that_changes_the_log(app):
    for route in app.routes:
        if "audit" in route.path:
            assert set(getattr(route, "methods", set())) <= {"GET", "HEAD", "OPTIONS"}, route.path


async def test_the_database_refuses_to_update_or_delete_audit_rows(db, clock):
    audit.record(db, 1, "role_change", "member:2", clock(), before="member", after="admin")
    await db.commit()

    for statement in ("UPDATE audit_log SET actor_id = 99", "UPDATE audit_log SET details = '{}'",
                      "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            await db.execute(text(statement))
        await db.rollback()

    [entry] = await entries(db)
    assert (entry.actor_id, entry.details) == (1, {"before": "member", "after": "admin"})


async def test_the_orm_cannot_edit_an_entry_either(db, clock):
    entry = audit.record(db, 1, "role_change", "member:2", clock())
    await db.commit()
    entry.actor_id = 5
    with pytest.raises(DBAPIError, match="append-only"):
        await db.commit()
    await db.rollback()
    await db.delete(entry)
    with pytest.raises(DBAPIError, match="append-only"):
        await db.commit()


async def test_deleting_an_account_keeps_its_audit_rows_with_the_same_numbers(db, client, settings, clock):
    admin = await make_member(db, hub_role="admin", email="admin@example.org")
    await make_member(db, hub_role="admin")
    target = await make_member(db)
    csrf = await sign_in_as(client, db, settings, admin, clock())
    await client.post(f"/admin/members/{target.id}/role", data={"role": "weaver", "_csrf": csrf})

    response = await client.post("/account/delete", data={"_csrf": csrf, "confirm_email": "admin@example.org"})

    assert response.status_code == 303
    assert [(e.actor_id, e.action) for e in await entries(db)] == [(admin.id, "role_change"), (admin.id, "account_delete")]
    assert (await reload_member(db, admin.id)).status == "deleted"
