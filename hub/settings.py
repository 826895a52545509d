"""Typed settings read from the environment in one place, never at import time."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

JOIN_POLICIES = ("open", "invite", "approval")
MAIL_MODES = ("catch", "smtp")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _choice(environ: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = environ.get(name) or default
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Every knob of the hub. The README documents each environment variable."""

    #: HUB_ENV: "development" (demo conveniences allowed) or "production".
    env: str = "development"
    #: DATABASE_URL: SQLAlchemy async URL; sqlite+aiosqlite or postgresql+asyncpg.
    database_url: str = "sqlite+aiosqlite:///var/hub.sqlite3"
    #: SECRET_KEY: signs sessions, CSRF tokens and links. Generated into var/ for development.
    secret_key: str = field(default="", repr=False)
    #: BASE_URL: how members reach the hub; used in links inside emails.
    base_url: str = "http://127.0.0.1:8000"
    #: JOIN_POLICY: open | invite | approval.
    join_policy: str = "open"
    #: COOKIE_SECURE: send cookies only over HTTPS (and use the __Host- prefix).
    cookie_secure: bool = False
    #: ALLOWED_HOSTS: comma separated host names the hub answers to.
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "testserver")
    #: MAIL_MODE: "catch" (a local SMTP catcher inside `hub serve`, viewable at /dev/mail) or "smtp".
    mail_mode: str = "catch"
    #: SMTP_HOST / SMTP_PORT / SMTP_USERNAME / SMTP_PASSWORD / SMTP_STARTTLS.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    #: MAIL_FROM: the sender of every mail.
    mail_from: str = "Network Weaving Hub <hub@example.org>"
    #: MAIL_DIR: where the catcher keeps caught mail (a Maildir).
    mail_dir: str = "var/mail"
    #: MAGIC_LINK_MINUTES: how long a sign-in link works.
    magic_link_minutes: int = 15
    #: SESSION_DAYS: how long a sign-in lasts without activity.
    session_days: int = 14
    #: SIGNIN_LIMIT_PER_EMAIL / SIGNIN_LIMIT_PER_IP: sign-in mails allowed per hour.
    signin_limit_per_email: int = 5
    signin_limit_per_ip: int = 30
    #: MAIL_ACTIONS_PER_HOUR: how many mail-sending actions (invitations, event announcements) one member may take an hour.
    mail_actions_per_hour: int = 20
    #: SECURITY_CONTACT: where security problems are reported (/security, security.txt); defaults to MAIL_FROM's address.
    security_contact: str = ""
    #: RUN_WORKER_IN_WEB: run the outbox worker inside `hub serve` (the embedded default).
    run_worker_in_web: bool = True
    #: WORKER_POLL_SECONDS: how often an idle worker looks for due mail.
    worker_poll_seconds: float = 1.0
    #: FOLLOW_UP_DAYS: days after an introduction is sent before both sides are asked how it went.
    follow_up_days: int = 14
    #: MATCH_ROUND_DAYS: queue a scheduled matching round when the last one is this many days old (0: never).
    match_round_days: int = 30
    #: OIDC_ISSUER: your organisation's OpenID Connect issuer URL (its discovery document lives at
    #: {issuer}/.well-known/openid-configuration). Empty: no "Sign in with your organisation".
    oidc_issuer: str = ""
    #: OIDC_CLIENT_ID / OIDC_CLIENT_SECRET: the hub's client at that provider; register
    #: {BASE_URL}/sign-in/oidc/callback as its redirect URI.
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    #: OIDC_LABEL: the sign-in button's text, e.g. "Sign in with NHS mail".
    oidc_label: str = "Sign in with your organisation"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def session_cookie(self) -> str:
        return "__Host-hub_session" if self.cookie_secure else "hub_session"

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], var_dir: Path | None = None) -> "Settings":
        env = _choice(environ, "HUB_ENV", "development", ("development", "production"))
        secret = environ.get("SECRET_KEY", "")
        if not secret:
            if env == "production":
                raise SettingsError("SECRET_KEY is required when HUB_ENV=production")
            secret = _development_secret(var_dir or Path("var"))
        hosts = tuple(h.strip() for h in environ.get("ALLOWED_HOSTS", "").split(",") if h.strip())
        _check_oidc(environ)
        return cls(
            env=env,
            database_url=environ.get("DATABASE_URL") or cls.database_url,
            secret_key=secret,
            base_url=(environ.get("BASE_URL") or cls.base_url).rstrip("/"),
            join_policy=_choice(environ, "JOIN_POLICY", "open", JOIN_POLICIES),
            cookie_secure=_bool(environ, "COOKIE_SECURE", env == "production"),
            allowed_hosts=hosts or cls.allowed_hosts,
            mail_mode=_choice(environ, "MAIL_MODE", "smtp" if env == "production" else "catch", MAIL_MODES),
            smtp_host=environ.get("SMTP_HOST") or cls.smtp_host,
            smtp_port=_int(environ, "SMTP_PORT", cls.smtp_port),
            smtp_username=environ.get("SMTP_USERNAME", ""),
            smtp_password=environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=_bool(environ, "SMTP_STARTTLS", False),
            mail_from=environ.get("MAIL_FROM") or cls.mail_from,
            mail_dir=environ.get("MAIL_DIR") or cls.mail_dir,
            magic_link_minutes=_int(environ, "MAGIC_LINK_MINUTES", cls.magic_link_minutes),
            session_days=_int(environ, "SESSION_DAYS", cls.session_days),
            signin_limit_per_email=_int(environ, "SIGNIN_LIMIT_PER_EMAIL", cls.signin_limit_per_email),
            signin_limit_per_ip=_int(environ, "SIGNIN_LIMIT_PER_IP", cls.signin_limit_per_ip),
            mail_actions_per_hour=_int(environ, "MAIL_ACTIONS_PER_HOUR", cls.mail_actions_per_hour),
            security_contact=environ.get("SECURITY_CONTACT", ""),
            run_worker_in_web=_bool(environ, "RUN_WORKER_IN_WEB", env != "production"),
            follow_up_days=_int(environ, "FOLLOW_UP_DAYS", cls.follow_up_days),
            match_round_days=_int(environ, "MATCH_ROUND_DAYS", cls.match_round_days),
            oidc_issuer=(environ.get("OIDC_ISSUER") or "").strip().rstrip("/"),
            oidc_client_id=(environ.get("OIDC_CLIENT_ID") or "").strip(),
            oidc_client_secret=environ.get("OIDC_CLIENT_SECRET", ""),
            oidc_label=(environ.get("OIDC_LABEL") or "").strip() or cls.oidc_label,
        )


def _check_oidc(environ: Mapping[str, str]) -> None:
    issuer = (environ.get("OIDC_ISSUER") or "").strip()
    if not issuer:
        return
    if not issuer.startswith(("https://", "http://")):
        raise SettingsError(f"OIDC_ISSUER must be a URL starting with https://, not {issuer!r}")
    if not (environ.get("OIDC_CLIENT_ID") or "").strip():
        raise SettingsError("OIDC_CLIENT_ID is required when OIDC_ISSUER is set")


def _development_secret(var_dir: Path) -> str:
    """Generate the demo's secret once and keep it, so sign-ins survive a restart."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
