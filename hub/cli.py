"""The `hub` command: serve, worker, migrate, demo, create-admin, import-members."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from hub.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env(os.environ)
    except SettingsError as exc:
        sys.exit(f"hub: {exc}")


def cmd_migrate(args: argparse.Namespace) -> int:
    from hub.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(f"Database is up to date ({_safe_url(settings.database_url)}).")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def _with_session(settings: Settings, work):  # noqa: ANN001, ANN202
    from hub.db import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def _served_at(host: str, port: int) -> str:
    """The address a browser on this machine reaches `hub serve --host --port` at."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def cmd_demo(args: argparse.Namespace) -> int:
    from hub.db import utcnow
    from hub.demo import DEMO_ACCOUNTS, load_demo

    # Links in the printed text and in the mails follow --host/--port unless BASE_URL says where
    # the hub is reached; set in the environment, which the served app and its worker read.
    if not os.environ.get("BASE_URL"):
        os.environ["BASE_URL"] = _served_at(args.host, args.port)
    cmd_migrate(args)
    settings = _settings()
    added = asyncio.run(_with_session(settings, lambda s: load_demo(s, utcnow(), size=args.size)))
    print(f"Demo community: {'added ' + str(added) + ' members' if added else 'already loaded'}.")
    print("\nSign in at", settings.base_url + "/sign-in", "with one of these addresses:")
    for role, email in DEMO_ACCOUNTS.items():
        print(f"  demo {role:<7} {email}")
    if settings.mail_mode == "catch":
        print(f"Then open the sign-in link from the caught mail at {settings.base_url}/dev/mail\n")
    if args.no_serve:
        return 0
    return cmd_serve(args)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings()
    catcher = None
    if settings.mail_mode == "catch" and settings.run_worker_in_web:
        from hub.mailcatcher import start_catcher

        catcher = start_catcher(settings.mail_dir, settings.smtp_host, settings.smtp_port)
    try:
        uvicorn.run(
            "hub.app:serving_app", factory=True, host=args.host, port=args.port, workers=args.workers,
            proxy_headers=True, forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        )
    finally:
        if catcher is not None:
            catcher.stop()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from hub.app import background_sweeps
    from hub.db import create_engine, session_factory, utcnow
    from hub.mail import SmtpTransport, run_worker, worker_id

    settings = _settings()
    worker = worker_id()  # names this process in its claims, so the others can take them over if it dies

    async def main() -> None:
        engine = create_engine(settings.database_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"Worker {worker} running; Ctrl+C to stop.")
        try:
            factory = session_factory(engine)
            sweeps = background_sweeps(factory, settings, utcnow)
            await run_worker(factory, settings, SmtpTransport(settings), stop, sweeps=sweeps, now=utcnow, worker=worker)
        finally:
            await engine.dispose()

    asyncio.run(main())
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from hub.auth import normalise_email
    from hub.db import utcnow
    from hub.errors import InvalidInput
    from hub.models import Member

    try:
        email = normalise_email(args.email)
    except InvalidInput as exc:
        sys.exit(f"hub: {exc.errors['email']}")

    async def work(session):  # noqa: ANN001, ANN202
        member = await session.scalar(select(Member).where(Member.email == email))
        if member is None:
            member = Member(email=email, name=args.name or "", hub_role="admin", created_at=utcnow())
            session.add(member)
        member.hub_role, member.status = "admin", "active"
        await session.commit()

    asyncio.run(_with_session(_settings(), work))
    print(f"{email} is an admin. They sign in with a link sent to that address.")
    return 0


def cmd_import_members(args: argparse.Namespace) -> int:
    from hub.db import utcnow
    from hub.importer import ImportFailed, import_csv

    path = Path(args.csv)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"hub: cannot read {path}: {exc}")
    try:
        count = asyncio.run(_with_session(_settings(), lambda s: import_csv(s, text, utcnow())))
    except ImportFailed as exc:
        print(f"Nothing was imported from {path}; please fix these rows and try again:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(f"Imported {count} members from {path}.")
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    """Queue a matching round and, unless --queue-only, run it here and print the result."""
    from hub import weaving
    from hub.db import create_engine, session_factory, utcnow
    from hub.errors import DomainError

    settings = _settings()
    values = {"scope": args.scope, "interest": args.value, "group": args.value}

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            factory = session_factory(engine)
            async with factory() as session:
                try:
                    scope, value = weaving.parse_round_form(values)
                    row = await weaving.start_round(session, None, scope, value, utcnow())
                except DomainError as exc:
                    detail = "; ".join(exc.errors.values()) or exc.message
                    print(f"hub: {detail}", file=sys.stderr)
                    return 2
            print(f"Round {row.id} queued for {weaving.scope_label(scope, value).lower()}.")
            if args.queue_only:
                print("A worker (hub worker, or hub serve on the embedded default) will run it.")
                return 0
            async with factory() as session:
                claimed = await weaving.claim_round(session, utcnow())
            if claimed != row.id:
                print("Another worker took the round first; follow it on /weaving/rounds.")
                return 0
            await weaving.run_round(factory, row.id, utcnow)
            async with factory() as session:
                done = await session.get(weaving.MatchRound, row.id)
                print(f"Round {row.id} {done.status}: {done.message}")
                return 0 if done.status == "done" else 1
        finally:
            await engine.dispose()

    return asyncio.run(main())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="The Network Weaving Hub.")
    sub = parser.add_subparsers(dest="command", required=True)

    def serve_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--workers", type=int, default=1, help="web processes (PostgreSQL only)")

    p = sub.add_parser("serve", help="serve the web app (and, on the embedded default, the mail worker)")
    serve_options(p)
    p.set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="deliver queued mail until stopped").set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    p = sub.add_parser("demo", help="migrate, load the demo community and serve")
    serve_options(p)
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--no-serve", action="store_true", help="load the demo and exit")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("create-admin", help="make an email address an admin")
    p.add_argument("email")
    p.add_argument("--name", default="")
    p.set_defaults(func=cmd_create_admin)
    p = sub.add_parser("import-members", help="import members from a CSV file")
    p.add_argument("csv")
    p.set_defaults(func=cmd_import_members)
    p = sub.add_parser("match", help="start a matching round (and run it here unless --queue-only)")
    p.add_argument("--scope", choices=("community", "interest", "group"), default="community")
    p.add_argument("--value", default="", help="the interest (e.g. 'Network mapping') or group (sector:nhs, nation:wales)")
    p.add_argument("--queue-only", action="store_true", help="leave the round for a worker")
    p.set_defaults(func=cmd_match)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
