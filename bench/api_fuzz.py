"""The long API fuzz: schemathesis over the whole OpenAPI document, many examples per operation.

    .venv/bin/python bench/api_fuzz.py                                   # SQLite, 300 examples a mode
    .venv/bin/python bench/api_fuzz.py --examples 1000 --seed 7
    .venv/bin/python bench/api_fuzz.py --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/api_fuzz.py --operation "POST /api/events"   # one operation (repeatable)

The same set-up as tests/hub/test_api_fuzz.py (whose bounded run is part of the test suite): a fresh,
migrated database (a SQLite file in a temporary directory, or a scratch PostgreSQL database on the
server of --postgres-url, dropped at the end), seeded by tests.support.seed_fuzz_database, and the
real app called in-process as its admin with a session cookie and X-CSRF-Token. For each operation
it generates --examples schema-valid requests (positive mode) and as many schema-invalid ones
(negative mode: wrong types, missing fields, out-of-range values), and runs every schemathesis check
except "a schema-valid request must succeed" (the services' rules answer those with a declared 422).
(schemathesis's deterministic coverage cases, boundaries and wrong types, run in the test suite.)
Failures do not stop the run; it prints, per operation, the cases sent and the failures seen, then
each distinct failure once with a curl command that reproduces it. Exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings as hsettings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from litestar.serialization import encode_json  # noqa: E402
from schemathesis.core.failures import Failure, FailureGroup  # noqa: E402
from schemathesis.python import asgi as schemathesis_asgi  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.settings import Settings  # noqa: E402
from tests.conftest import _admin_execute  # noqa: E402
from tests.support import FixedClock, seed_fuzz_database  # noqa: E402

HOST = "testserver.local"


def run(args: argparse.Namespace, database_url: str) -> int:
    upgrade(database_url)
    settings = Settings(database_url=database_url, secret_key="bench-secret", base_url=f"http://{HOST}",
                        mail_mode="smtp", run_worker_in_web=False, allowed_hosts=(HOST,))
    clock = FixedClock()
    seeded = asyncio.run(seed_fuzz_database(settings, clock()))
    app = create_app(settings, clock=clock)
    schema = schemathesis.openapi.from_dict(json.loads(encode_json(app.openapi_schema.to_schema())))
    operations = [result.ok() for result in schema.get_all_operations()]
    if args.operation:
        operations = [op for op in operations if op.label in args.operation]
    cases: Counter[str] = Counter()
    failing: Counter[str] = Counter()
    distinct: dict[tuple[str, str], str] = {}
    started = time.perf_counter()
    try:
        for op in operations:
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

                @hsettings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
                           phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                @given(case=op.as_strategy(generation_mode=mode))
                def fuzz(case) -> None:  # noqa: ANN001
                    cases[op.label] += 1
                    try:
                        case.call_and_validate(
                            app=app, base_url=f"http://{HOST}", headers={"x-csrf-token": seeded["csrf"]},
                            cookies=seeded["cookies"], excluded_checks=[positive_data_acceptance],
                        )
                    except (FailureGroup, Failure) as exc:
                        failing[op.label] += 1
                        found = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
                        for failure in found:
                            key = (op.label, f"{failure.code} {failure.title}")
                            distinct.setdefault(key, f"{failure.message}\n    {case.as_curl_command()}")

                if args.seed is not None:
                    fuzz = seed(args.seed)(fuzz)
                try:
                    fuzz()
                except Unsatisfiable:
                    pass  # nothing in this operation can be made schema-invalid (GET /api/csrf takes no input)
            print(f"{op.label:<55} {cases[op.label]:>6} cases {failing[op.label]:>5} failing", flush=True)
    finally:
        schemathesis_asgi.shutdown_lifespans()
    seconds = time.perf_counter() - started
    print(f"\n{len(operations)} operations, {sum(cases.values())} cases, {sum(failing.values())} failing cases, "
          f"{len(distinct)} distinct failures, {seconds:.0f} s")
    for (label, title), detail in sorted(distinct.items()):
        print(f"\n{label}: {title}\n    {detail}")
    return 1 if distinct else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="generated cases per operation and mode")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed, to repeat a run")
    parser.add_argument("--postgres-url", help="run on a scratch database on this PostgreSQL server")
    parser.add_argument("--operation", action="append", help='only this operation, e.g. "PUT /api/me"')
    args = parser.parse_args()
    if args.postgres_url:
        name = f"bench_api_fuzz_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin_execute(args.postgres_url, f'CREATE DATABASE "{name}"'))
        try:
            return run(args, make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False))
        finally:
            asyncio.run(_admin_execute(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    with tempfile.TemporaryDirectory() as tmp:
        return run(args, f"sqlite+aiosqlite:///{tmp}/hub.sqlite3")


if __name__ == "__main__":
    sys.exit(main())
