"""Set-up in one command, with nothing but Python 3.11: `python3.11 -m hub.bootstrap demo|test`.

It makes .venv, installs the hub into it (again only when pyproject.toml or setup.py changed), installs the
browser-test helpers from npm when npm is there, and then runs the hub's own command. This file
uses the standard library only, because it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
NODE_DIR = ROOT / "tests" / "node"


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def run(*args: str, cwd: Path = ROOT) -> None:
    subprocess.run(args, check=True, cwd=cwd)


def ensure_venv(extras: str) -> None:
    if not (BIN / "python").exists():
        say("creating .venv")
        run(sys.executable, "-m", "venv", str(VENV))
    stamp = VENV / f".installed-{extras or 'base'}"
    # setup.py lists the packages the install maps, so a change there needs a reinstall too.
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in ("pyproject.toml", "setup.py"))).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing the hub{' with ' + extras if extras else ''} into .venv (first run takes a few minutes)")
    run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def ensure_node_helpers() -> None:
    """axe-core (accessibility checks) and oidc-provider (a real OpenID provider) for tests."""
    if shutil.which("npm") is None:
        say("npm not found: browser accessibility checks will be skipped (install node and npm to enable)")
        return
    lock = NODE_DIR / "package-lock.json"
    stamp = NODE_DIR / "node_modules" / ".installed"
    digest = hashlib.sha256(lock.read_bytes() if lock.exists() else b"").hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("installing test helpers from npm into tests/node")
    run("npm", "ci" if lock.exists() else "install", "--no-audit", "--no-fund", "--silent", cwd=NODE_DIR)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print("usage: python3.11 -m hub.bootstrap demo [hub demo options] | test [pytest options]")
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "demo":
        ensure_venv("")
        return subprocess.call([str(BIN / "hub"), "demo", *rest])
    ensure_venv("test")
    ensure_node_helpers()
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
