"""The JSON API is described by an OpenAPI document that covers the member endpoints."""

from __future__ import annotations


async def test_the_openapi_document_describes_the_member_api(client):
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Network Weaving Hub API"
    for path in ("/api/me", "/api/members", "/api/members/{member_id}", "/api/offers", "/api/asks",
                 "/api/posts/{post_id}", "/api/tags"):
        assert path in doc["paths"], path
    assert not any(p.startswith(("/profile", "/sign-in")) for p in doc["paths"])  # pages are not API
