"""The JSON API is described by an OpenAPI document that covers the member endpoints."""

from __future__ import annotations

import json
import re


async def test_the_openapi_document_describes_the_member_api(client):
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Network Weaving Hub API"
    for path in ("/api/me", "/api/members", "/api/members/{member_id}", "/api/offers", "/api/asks",
                 "/api/posts/{post_id}", "/api/tags"):
        assert path in doc["paths"], path
    assert not any(p.startswith(("/profile", "/sign-in")) for p in doc["paths"])  # pages are not API


async def test_the_openapi_document_is_valid_openapi_3_1(client):
    from jsonschema import Draft202012Validator
    from schemathesis.specs.openapi.definitions import OPENAPI_31  # the OpenAPI Initiative's 3.1 schema

    doc = (await client.get("/api/schema/openapi.json")).json()
    assert doc["openapi"].startswith("3.1.")
    validator = Draft202012Validator(OPENAPI_31)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    assert not problems, problems
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)  # each model is itself a valid JSON Schema 2020-12
    operations = [op for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    refs = {m for m in re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', json.dumps(doc))}
    assert refs <= set(doc["components"]["schemas"]), refs - set(doc["components"]["schemas"])


async def test_every_api_operation_declares_its_json_error_answers(client):
    doc = (await client.get("/api/schema/openapi.json")).json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path == "/api/csrf":
                continue  # needs no sign-in and takes nothing: it cannot fail
            assert "401" in op["responses"], f"{method.upper()} {path} does not say it needs a sign-in"
            if "{" in path:
                assert "404" in op["responses"], f"{method.upper()} {path} does not declare 404"
            for status, answer in op["responses"].items():
                if status.startswith("4"):
                    assert "application/json" in answer["content"], f"{method.upper()} {path} {status}"
