"""The security page says what protects members and where to report a problem; security.txt
(RFC 9116) points to the same contact and is never stale."""

from __future__ import annotations

import datetime as dt


async def test_anyone_can_read_the_security_page_and_find_the_reporting_address(client, settings):
    settings_contact = "security@example.org"
    from hub.app import create_app
    from tests.support import browser_like_client

    app = create_app(settings.with_(security_contact=settings_contact))
    async with browser_like_client(app) as visitor:
        response = await visitor.get("/security")
    assert response.status_code == 200
    assert "<h1>How the hub keeps your account and your challenges safe</h1>" in response.text
    assert f'href="mailto:{settings_contact}"' in response.text
    assert "Reporting a problem" in response.text


async def test_security_txt_names_the_contact_and_expires_a_year_from_now(client, settings, clock):
    response = await client.get("/.well-known/security.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.text.strip().splitlines())
    assert fields["Contact"] == "mailto:hub@example.org"  # MAIL_FROM's address when SECURITY_CONTACT is unset
    expires = dt.datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert expires == (clock() + dt.timedelta(days=365)).replace(microsecond=0)
    assert fields["Policy"] == f"{settings.base_url}/security"


async def test_every_page_links_to_the_security_page(client):
    assert 'href="/security"' in (await client.get("/sign-in")).text
