from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEV_SET = REPO.parent / "shared" / "eval" / "matching_dev.json"


def member(mid, *, offers=(), asks=(), interests=(), capacity=1, given=0, received=0, org=None,
           sector=None, nation=None):
    """A member dict in the input format; offers/asks are (id, text) tuples."""
    return {"id": mid, "interests": list(interests),
            "offers": [{"id": i, "text": t, "tags": []} for i, t in offers],
            "asks": [{"id": i, "text": t, "tags": []} for i, t in asks],
            "capacity": capacity, "hours_given": given, "hours_received": received,
            "attributes": {k: v for k, v in (("organisation", org), ("sector", sector), ("nation", nation)) if v}}


@pytest.fixture
def small_community():
    return {"members": [
        member("asker", asks=[("k1", "how do we see who knows whom across our partners?")],
               interests=["network weaving"], org="Trust A"),
        member("kumu", offers=[("o1", "Kumu mapping clinics for partnerships")], interests=["network mapping"],
               capacity=2, given=10, org="Charity B"),
        member("editor", offers=[("o2", "Plain English editing of long reports")], interests=["writing"],
               org="Trust A"),
        member("writer", asks=[("k2", "Nobody reads our 40-page report")], org="Council C"),
        member("coach", offers=[("o3", "Burnout prevention and compassionate leadership")],
               interests=["wellbeing", "psychological safety"], org="Trust A"),
        member("carer", asks=[("k3", "Our team is exhausted and morale is low")],
               interests=["psychological safety"], org="Council C"),
    ], "history": []}


@pytest.fixture(scope="session")
def dev_data():
    if not DEV_SET.exists():
        pytest.skip(f"labelled dev set not found at {DEV_SET}")
    return json.loads(DEV_SET.read_text(encoding="utf-8"))


def run_cli(*args, input_data=None, tmp_path=None, raw: str | None = None):
    """Run `python -m matching ...` in a subprocess; INPUT is written to a temp file."""
    argv = list(args)
    if input_data is not None or raw is not None:
        path = Path(tmp_path) / "input.json"
        path.write_text(raw if raw is not None else json.dumps(input_data), encoding="utf-8")
        argv = [argv[0], str(path), *argv[1:]]
    return subprocess.run([sys.executable, "-m", "matching", *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=60)


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def call_main(*args, input_data=None, tmp_path=None, raw: str | None = None):
    """The same command line, in-process (fast); same argument handling as run_cli."""
    import contextlib
    import io

    from matching.__main__ import main

    argv = list(args)
    if input_data is not None or raw is not None:
        path = Path(tmp_path) / "input.json"
        path.write_text(raw if raw is not None else json.dumps(input_data), encoding="utf-8")
        argv = [argv[0], str(path), *argv[1:]]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    return Result(code, out.getvalue(), err.getvalue())
