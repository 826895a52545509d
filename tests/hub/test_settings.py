"""Settings come from the environment with documented defaults; production refuses unsafe ones."""

from __future__ import annotations

import pytest

from hub.settings import Settings, SettingsError


def test_the_defaults_are_a_sqlite_file_and_caught_mail(tmp_path):
    settings = Settings.from_env({}, var_dir=tmp_path)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.mail_mode == "catch" and settings.join_policy == "open"


def test_a_development_secret_is_generated_once_and_kept(tmp_path):
    first = Settings.from_env({}, var_dir=tmp_path).secret_key
    assert len(first) > 40 and Settings.from_env({}, var_dir=tmp_path).secret_key == first


def test_production_requires_a_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="SECRET_KEY is required"):
        Settings.from_env({"HUB_ENV": "production"}, var_dir=tmp_path)


def test_production_defaults_to_secure_cookies_real_smtp_and_a_separate_worker(tmp_path):
    s = Settings.from_env({"HUB_ENV": "production", "SECRET_KEY": "k"}, var_dir=tmp_path)
    assert s.cookie_secure and s.session_cookie == "__Host-hub_session"
    assert s.mail_mode == "smtp" and not s.run_worker_in_web


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [("JOIN_POLICY", "anyone", "JOIN_POLICY must be one of"), ("SMTP_PORT", "twenty", "SMTP_PORT must be a whole"),
     ("COOKIE_SECURE", "maybe", "COOKIE_SECURE must be true or false")],
)
def test_a_bad_setting_is_named(tmp_path, variable, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({variable: value}, var_dir=tmp_path)
