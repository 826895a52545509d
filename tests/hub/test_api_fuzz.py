"""schemathesis over the whole OpenAPI document: no 5xx, and every answer is one the document declares.

A bounded run (a few examples per operation, fixed seed) on SQLite and PostgreSQL; the longer run is
`.venv/bin/python bench/api_fuzz.py`.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings as hsettings
from litestar.serialization import encode_json
from schemathesis.python import asgi as schemathesis_asgi

from hub.app import create_app
from hub.settings import Settings
from tests.support import fuzz_seed_community

HOST = "testserver.local"


def openapi_document() -> dict:
    """The document the app serves at /api/schema/openapi.json (building the app opens no database)."""
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="schema-only",
                              mail_mode="smtp", run_worker_in_web=False))
    return json.loads(encode_json(app.openapi_schema.to_schema()))


schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture
async def seeded(db, settings, clock) -> dict:
    return await fuzz_seed_community(db, settings, clock())


@pytest.fixture
def fuzzed_app(app, seeded):
    yield app
    schemathesis_asgi.shutdown_lifespans()  # the app's engine is disposed on the loop it ran on


@schema.parametrize()
@hsettings(max_examples=8, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_api_operation_fails_or_answers_outside_its_schema(case, fuzzed_app, seeded):
    case.call_and_validate(
        app=fuzzed_app, base_url=f"http://{HOST}", headers={"x-csrf-token": seeded["csrf"]},
        cookies=seeded["cookies"],
    )


async def test_a_method_the_api_does_not_have_is_refused_with_the_methods_it_does(client):
    response = await client.request("TRACE", "/api/me")
    assert response.status_code == 405
    assert response.json()["detail"] == "Method Not Allowed"
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "PUT"}
