"""schemathesis over the whole OpenAPI document: no 5xx, and every answer is one the document declares.

A bounded run on SQLite and PostgreSQL: schemathesis's coverage cases (boundaries, wrong types, missing
fields) and a few generated examples per operation, with a fixed seed. The longer run is
`.venv/bin/python bench/api_fuzz.py`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings as hsettings
from litestar.serialization import encode_json
from sqlalchemy.engine import make_url
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hub.app import create_app
from hub.migrate import upgrade
from hub.settings import Settings
from tests.conftest import _admin_execute
from tests.support import FixedClock, make_member, seed_fuzz_database, sign_in_as

HOST = "testserver.local"
#: Every other check runs (no 5xx; status codes, content types, bodies and headers as declared; schema-invalid
#: input refused; 405 with Allow). Left out: "a schema-valid request must succeed". The document gives shapes,
#: the services give rules (a title that is only spaces, a date in the past, an unknown nation) and answer
#: those with a declared 422 naming each field.
EXCLUDED_CHECKS = [positive_data_acceptance]


def openapi_document() -> dict:
    """The document the app serves at /api/schema/openapi.json (building the app opens no database)."""
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="schema-only",
                              mail_mode="smtp", run_worker_in_web=False))
    return json.loads(encode_json(app.openapi_schema.to_schema()))


schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzz_target(request, tmp_path_factory):
    """One seeded database and app per backend for every operation (seeding per operation would cost more
    than the fuzzing). PostgreSQL gets a database of its own, so other tests emptying theirs cannot interfere."""
    server = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("api-fuzz") / "hub.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres_database")  # skips, or fails under HUB_REQUIRE_ALL=1
        name = f"hub_fuzz_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin_execute(server, f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
    settings = Settings(database_url=url, secret_key="test-secret", base_url=f"http://{HOST}", mail_mode="smtp",
                        run_worker_in_web=False, allowed_hosts=(HOST,))
    clock = FixedClock()
    seeded = asyncio.run(seed_fuzz_database(settings, clock()))
    yield create_app(settings, clock=clock), seeded
    schemathesis_asgi.shutdown_lifespans()  # the app's engine is disposed on the loop it ran on
    if server is not None:
        asyncio.run(_admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@schema.parametrize()
@hsettings(max_examples=5, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_api_operation_fails_or_answers_outside_its_schema(case, fuzz_target):
    app, seeded = fuzz_target
    case.call_and_validate(
        app=app, base_url=f"http://{HOST}", headers={"x-csrf-token": seeded["csrf"]}, cookies=seeded["cookies"],
        excluded_checks=EXCLUDED_CHECKS,
    )


async def test_the_fuzzed_document_is_the_one_the_app_serves(client):
    assert (await client.get("/api/schema/openapi.json")).json() == openapi_document()


async def test_a_method_the_api_does_not_have_is_refused_with_the_methods_it_does(client):
    response = await client.request("TRACE", "/api/me")
    assert response.status_code == 405
    assert response.json()["detail"] == "Method Not Allowed"
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "PUT"}


@pytest.mark.parametrize("path, methods", [("/api/me", {"GET", "PUT", "OPTIONS"}),
                                           ("/api/events", {"GET", "POST", "OPTIONS"})])
async def test_options_lists_every_method_of_a_path_that_two_handlers_share(client, path, methods):
    # Litestar's automatic OPTIONS answer remembers only the first handler registered for a path.
    response = await client.options(path)
    assert response.status_code == 204
    assert {m.strip() for m in response.headers["allow"].split(",")} == methods


EVENT = {"title": "Peer assist", "date": "2026-12-01", "start_time": "14:00", "end_time": "15:30", "capacity": 10,
         "timezone": "Europe/London", "online_link": "https://meet.example.org/room-1"}


@pytest.mark.parametrize("odd, status, field", [
    ({"repeat": {}}, 400, "repeat"),  # the wrong type: refused at the edge, the field named in `extra`
    ({"format": []}, 400, "format"),
    ({"mode": {"online": True}}, 400, "mode"),
    ({"closes_at": "0001-01-01T00:00", "timezone": "Asia/Tokyo"}, 422, "closes_at"),  # before year 1 in UTC
    ({"date": "9999-12-31", "end_time": "13:00"}, 422, "date"),  # would end in year 10000
    ({"date": "9999-12-20", "repeat": "weekly", "occurrences": 12}, 422, "date"),
])
async def test_odd_values_in_a_new_event_get_a_4xx_that_names_the_field(client, db, settings, clock, odd, status,
                                                                         field):
    weaver = await make_member(db, hub_role="weaver")
    csrf = await sign_in_as(client, db, settings, weaver, clock())
    response = await client.post("/api/events", json={**EVENT, **odd}, headers={"x-csrf-token": csrf})
    assert response.status_code == status, response.text
    body = response.json()
    named = body["errors"] if status == 422 else [e["key"] for e in body["extra"]]
    assert field in named


@pytest.mark.parametrize("who", ["stranger", "newcomer awaiting approval", "member"])
async def test_every_operation_answers_everyone_as_it_declares(client, db, settings, clock, who):
    """The fuzz runs as a signed-in admin; a stranger (no session, no CSRF token), a newcomer whose membership
    is pending and an ordinary member must get declared answers too (401, 403, 404, 422 ...)."""
    headers = {}
    if who != "stranger":
        person = await make_member(db, status="pending" if who.startswith("newcomer") else "active")
        headers["x-csrf-token"] = await sign_in_as(client, db, settings, person, clock())
    doc = openapi_document()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            url = path.replace("{", "").replace("}", "")
            url = "/".join("1" if part.endswith("_id") else part for part in url.split("/"))
            body = {} if "requestBody" in op else None
            response = await client.request(method.upper(), url, json=body, headers=headers)
            assert response.status_code < 500, (method, path, response.text)
            assert str(response.status_code) in op["responses"], (method, path, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/json"), (method, path)
