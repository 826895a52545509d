"""`pip install .` gives a hub that serves its pages: the wheel carries the templates, the static files and the
vendored Cytoscape, and the installed hub finds them beside its own code, whatever folder it is started from.

Slow-ish (about 20 s of CPU; longer on a loaded machine): it builds the wheel, installs it into a fresh venv and serves it over real HTTP."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

#: What a build never needs; copying the rest keeps the build's build/ and egg-info out of the checkout.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "var", "node_modules", "__pycache__", "build", "dist",
                                    "*.egg-info", ".pytest_cache", ".hypothesis", ".ruff_cache", "*.sqlite3")


#: The kinds of file the hub's packages hold: code, templates, styles, scripts and data.
SHIPPED = {".py", ".html", ".txt", ".css", ".js", ".json", ".mako"}


def _venv_builds_wheels() -> bool:
    """setuptools builds wheels by itself from 70.1; before that it needs the `wheel` package."""
    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    result = subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    isolation = ["--no-build-isolation"] if _venv_builds_wheels() else []  # offline when the venv can build
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(tmp_path / "dist"), str(source)])
    shutil.rmtree(source)  # nothing of the checkout survives the build
    (wheel,) = (tmp_path / "dist").glob("network_weaving_hub-*.whl")
    return wheel


def _shipped_files() -> set[str]:
    """Every file the hub runs from, named as the wheel holds it (templates/ becomes hub/templates/)."""
    files = set()
    for top, inside in (("hub", "hub"), ("events", "events"), ("matching", "matching"), ("templates", "hub/templates")):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and path.suffix in SHIPPED and "__pycache__" not in path.parts:
                files.add(f"{inside}/{path.relative_to(ROOT / top).as_posix()}")
    return files


def _fresh_venv_with(wheel: Path, tmp_path: Path) -> Path:
    """A new venv holding only the wheel; the third-party libraries come from the test venv's site-packages,
    added after the venv's own, as a plain path (so the editable install's finder there is never run)."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)])
    own = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (own / "zz_third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_installed_wheel_serves_pages_styles_the_map_script_and_the_api_schema(tmp_path):
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        missing = _shipped_files() - set(archive.namelist())
    assert not missing, f"the wheel leaves out {sorted(missing)} (see setup.py)"
    venv = _fresh_venv_with(wheel, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = _free_port()
    env = {  # no PYTHONPATH: nothing but the installed wheel can be imported as the hub
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(elsewhere),
        "DATABASE_URL": f"sqlite+aiosqlite:///{elsewhere / 'hub.sqlite3'}", "SECRET_KEY": "wheel-test-secret",
        "BASE_URL": f"http://127.0.0.1:{port}", "MAIL_MODE": "smtp", "SMTP_PORT": str(_free_port()),
        "RUN_WORKER_IN_WEB": "false",
    }
    where = _run([str(venv / "bin" / "python"), "-c",
                  "import hub, events, matching, sys; print(hub.__file__, events.__file__, matching.__file__);"
                  "print(*sys.path, sep='\\n')"], env=env, cwd=elsewhere).stdout.splitlines()
    assert all(path.startswith(str(venv)) for path in where[0].split()), where[0]
    assert not any(Path(p, "pyproject.toml").exists() for p in where[1:] if p), "a source checkout is importable"

    _run([str(venv / "bin" / "hub"), "migrate"], env=env, cwd=elsewhere)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([str(venv / "bin" / "hub"), "serve", "--port", str(port)],
                              env=env, cwd=elsewhere, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 120  # generous: two shared cores under load start slowly
            while True:  # a real server starting in another process, not app time
                try:
                    home = client.get("/")
                    break
                except httpx.TransportError:
                    assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                    time.sleep(0.1)
            answers = {path: client.get(path) for path in (
                "/sign-in", "/static/hub.css", "/static/network.js", "/static/vendor/cytoscape-3.34.4.min.js",
                "/api/schema/openapi.json")}
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    served = (tmp_path / "serve.log").read_text()
    assert home.status_code == 200 and "<html" in home.text, served
    for path, response in answers.items():
        assert response.status_code == 200, f"{path}: {response.status_code}\n{served}"
    assert 'name="email"' in answers["/sign-in"].text
    assert answers["/static/hub.css"].content == (ROOT / "hub" / "static" / "hub.css").read_bytes()
    assert answers["/static/vendor/cytoscape-3.34.4.min.js"].content == (
        ROOT / "hub" / "static" / "vendor" / "cytoscape-3.34.4.min.js").read_bytes()
    assert "javascript" in answers["/static/network.js"].headers["content-type"]
    schema = json.loads(answers["/api/schema/openapi.json"].text)
    assert schema["info"]["title"] == "Network Weaving Hub API" and "/api/me" in schema["paths"]
