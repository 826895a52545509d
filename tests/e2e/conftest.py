"""A live hub (uvicorn in a thread, its own outbox worker, real SMTP) and a real Chromium.

Browser tests are about the pages, so they run on SQLite only. Without Debian's chromium or the
npm axe-core they are skipped (and fail under HUB_REQUIRE_ALL=1).
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn

from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.settings import Settings
from tests.conftest import skip_or_fail
from tests.support import Inbox, free_port, make_member, make_post

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent.parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]


@dataclass
class LiveHub:
    url: str
    settings: Settings
    inbox: Inbox


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail("browser", f"{CHROMIUM} is missing (apt-get install chromium)")
    if not AXE.exists():
        skip_or_fail("browser", f"{AXE} is missing (npm install in tests/node)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_or_fail("browser", f"the playwright package is missing: {exc}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


async def _seed(database_url: str) -> None:
    """Two other members, so the directory has people in it besides the newcomer."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            aisha = await make_member(
                db, email="aisha@example.org", name="Aisha Rahman", organisation="Leeds Community Health",
                sector="nhs", nation="england", interests=["Network mapping", "Co-production"],
                weaving_roles=["connector"],
            )
            await make_post(db, aisha, kind="offer", title="An hour on network mapping", tags=["Network mapping"])
            await make_member(
                db, email="owen@example.org", name="Owen Davies", organisation="Cardiff Third Sector Council",
                sector="third_sector", nation="wales", interests=["Psychological safety"],
            )
    finally:
        await engine.dispose()


def _run_in_own_thread(coroutine) -> None:  # noqa: ANN001
    """Playwright's sync API keeps an event loop running in the test's thread, so asyncio.run elsewhere."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def copy_of(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of the test's own, as a URL."""
    database = tmp_path / "hub.sqlite3"
    shutil.copy(sqlite_template, database)
    return f"sqlite+aiosqlite:///{database}"


@contextmanager
def serving(app, port: int) -> Iterator[None]:  # noqa: ANN001
    """Serve `app` over real HTTP on 127.0.0.1:`port`, in a thread, until the block ends."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # a real server starting in another thread, not app time
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_hub(sqlite_template, inbox, tmp_path):
    """The whole app served over HTTP on a free port, delivering its own mail to `inbox`."""
    database_url = copy_of(sqlite_template, tmp_path)
    _run_in_own_thread(_seed(database_url))

    port = free_port()
    settings = Settings(
        database_url=database_url, secret_key="e2e-secret", base_url=f"http://127.0.0.1:{port}",
        allowed_hosts=("127.0.0.1",), mail_mode="smtp", smtp_port=inbox.port,
        run_worker_in_web=True, worker_poll_seconds=0.05,
    )
    # The real clock: the app's own worker claims mail by wall-clock time (see the report in
    # test_member_journey.py), and nothing on these pages depends on the date.
    with serving(create_app(settings, start_worker=True), port):
        yield LiveHub(url=settings.base_url, settings=settings, inbox=inbox)
