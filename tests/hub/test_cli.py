"""The `hub` command: migrate, demo and create-admin on the embedded default (a SQLite file)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db import create_engine, session_factory
from hub.models import Member

ROOT = Path(__file__).resolve().parents[2]


def hub(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}", "SECRET_KEY": "x",
           "MAIL_DIR": str(tmp_path / "mail")}
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def roles(tmp_path: Path) -> dict[str, str]:
    async def read() -> dict[str, str]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
        async with session_factory(engine)() as session:
            rows = (await session.execute(select(Member.email, Member.hub_role))).all()
        await engine.dispose()
        return dict(rows)

    return asyncio.run(read())


def test_demo_migrates_loads_the_community_once_and_prints_how_to_sign_in(tmp_path):
    first = hub(tmp_path, "demo", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert "added 320 members" in first.stdout
    for line in ("demo member  member@example.org", "demo weaver  weaver@example.org", "demo admin   admin@example.org"):
        assert line in first.stdout
    again = hub(tmp_path, "demo", "--no-serve")
    assert "already loaded" in again.stdout and len(roles(tmp_path)) == 320


# `hub demo` with its serving replaced by a report of the address the served app (and its mail
# worker) would put in links: they read BASE_URL from the environment, as uvicorn's factory does.
DEMO_WITHOUT_SERVING = """
import os, sys
from hub import cli
from hub.settings import Settings
cli.cmd_serve = lambda args: print("serving on port", args.port, "with links to",
                                  Settings.from_env(os.environ).base_url) or 0
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("base_url", "expected"), [
    (None, "http://127.0.0.1:8100"), ("https://hub.example.org", "https://hub.example.org")])
def test_demo_on_another_port_prints_and_mails_links_for_that_port_unless_base_url_says(tmp_path, base_url, expected):
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}", "SECRET_KEY": "x",
           "MAIL_DIR": str(tmp_path / "mail"), "MAIL_MODE": "catch"}
    env.pop("BASE_URL", None)
    if base_url:
        env["BASE_URL"] = base_url
    result = subprocess.run([sys.executable, "-c", DEMO_WITHOUT_SERVING, "demo", "--port", "8100", "--size", "3"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"Sign in at {expected}/sign-in" in result.stdout and f"{expected}/dev/mail" in result.stdout
    assert f"serving on port 8100 with links to {expected}\n" in result.stdout and ":8000" not in result.stdout


def test_create_admin_makes_an_address_an_admin_and_refuses_a_bad_one(tmp_path):
    assert hub(tmp_path, "migrate").returncode == 0
    made = hub(tmp_path, "create-admin", "Chair@Example.org")
    assert made.returncode == 0 and roles(tmp_path) == {"chair@example.org": "admin"}
    bad = hub(tmp_path, "create-admin", "not-an-address")
    assert bad.returncode != 0 and "Enter an email address" in bad.stderr and "Traceback" not in bad.stderr


def test_production_without_a_secret_key_stops_with_a_clear_message(tmp_path):
    env = {**os.environ, "HUB_ENV": "production", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "-m", "hub.cli", "migrate"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr and "Traceback" not in result.stderr


def test_the_app_hub_serve_runs_is_frozen_out_of_the_garbage_collectors_sight(settings):
    """Full collections over a started app's objects stalled one request in a hundred by 100 ms or
    more; `hub serve` builds the app through serving_app, which freezes them."""
    import gc

    from hub.app import serving_app

    before = gc.get_freeze_count()
    try:
        app = serving_app(settings, start_worker=False)
        assert app.route_handler_method_map  # a real, built app
        assert gc.get_freeze_count() > before + 10_000
    finally:
        gc.unfreeze()
