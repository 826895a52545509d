"""A real OpenID Connect provider (npm oidc-provider, tests/node/oidc_provider.js) for tests, and
a helper that logs in on its own pages the way a person would, over plain HTTP.

Without node or the npm package the tests are skipped (and fail under HUB_REQUIRE_ALL=1).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.conftest import skip_or_fail
from tests.support import free_port

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
SCRIPT = NODE_DIR / "oidc_provider.js"
CLIENT_ID = "hub-test"
CLIENT_SECRET = "hub-test-secret"


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_provider(redirect_uris: list[str], log_dir: Path, claims_in_userinfo: bool = False) -> RunningProvider:
    """Start oidc-provider on a free port with one client allowed to come back to `redirect_uris`;
    `claims_in_userinfo` keeps email out of the ID token (only the UserInfo endpoint gives it)."""
    node = shutil.which("node")
    if node is None:
        skip_or_fail("oidc", "node is not installed")
    if not (NODE_DIR / "node_modules" / "oidc-provider").exists():
        skip_or_fail("oidc", f"oidc-provider is missing (npm install in {NODE_DIR})")
    port = free_port()
    log = log_dir / f"oidc-provider-{port}.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [node, str(SCRIPT), str(port), *redirect_uris], cwd=NODE_DIR,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
            env={**os.environ, "OIDC_CLAIMS_IN_USERINFO": "1" if claims_in_userinfo else "0"},
        )
    ready: list[str] = []
    reader = threading.Thread(target=lambda: ready.append(process.stdout.readline().decode()), daemon=True)
    reader.start()
    reader.join(timeout=20)  # a real process starting, not app time
    if not ready or not ready[0].startswith("ready "):
        process.kill()
        process.wait()
        raise RuntimeError(f"oidc-provider did not start: {log.read_text()[-2000:]}")
    return RunningProvider(issuer=ready[0].split()[1], process=process, log=log)


async def login_at_provider(authorize_url: str, login: str, back_to: str, abort: bool = False) -> str:
    """Follow the provider's pages from the authorization URL: fill in its login form (any
    password works) and return the URL it sends the browser back to (under `back_to`)."""
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        url = authorize_url
        for _ in range(12):
            if url.startswith(back_to):
                return url
            response = await browser.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            assert response.status_code == 200, response.text
            if abort:
                url = urljoin(url, re.search(r'href="([^"]*/abort)"', response.text).group(1))
                continue
            action = re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1)
            answer = await browser.post(
                urljoin(url, action), data={"prompt": "login", "login": login, "password": "any password"}
            )
            assert answer.is_redirect, answer.text
            url = urljoin(url, answer.headers["location"])
        raise AssertionError(f"the provider never sent the browser back; last at {url}")
