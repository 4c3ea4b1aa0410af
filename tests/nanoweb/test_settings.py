"""Settings come from the environment; a bad value stops the start with a message naming the variable."""

from __future__ import annotations

import pytest

from tests.worker import manage, process_env

PRODUCTION = {
    "NANOWEB_SECRET_KEY": "x" * 20 + "production-secret-key-that-is-long-enough-1234567890",
    "NANOWEB_DEBUG": "0",
    "NANOWEB_HTTPS": "1",
    "NANOWEB_ALLOWED_HOSTS": "nanoweb.example.org",
}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NANOWEB_DEBUG", "maybe", "NANOWEB_DEBUG must be one of"),
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "70000", "PORT must be at most 65535"),
        ("NANOWEB_SECRET_KEY", "short", "NANOWEB_SECRET_KEY must be at least 50 characters"),
        ("DATABASE_URL", "nosuchdb://x/y", "DATABASE_URL"),
        ("CELERY_BROKER_URL", "http://127.0.0.1/", "CELERY_BROKER_URL must start with"),
        ("NANOWEB_SEARCH_PROVIDERS", "duckduckgo,altavista", "NANOWEB_SEARCH_PROVIDERS names unknown values altavista"),
        ("NANOWEB_COMMONS_API_URL", "ftp://example.org/", "NANOWEB_COMMONS_API_URL must be a URL"),
        ("NANOWEB_TASK_SOFT_TIME_LIMIT", "-5", "NANOWEB_TASK_SOFT_TIME_LIMIT must be at least"),
    ],
)
def test_a_bad_value_stops_the_start_with_a_message_naming_the_variable(tmp_path, variable, value, message):
    env = process_env(**{"NANOWEB_DATA_DIR": str(tmp_path), "DATABASE_URL": None, variable: value})
    result = manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_bare_machine_needs_no_settings_and_keeps_its_generated_secret_key(tmp_path):
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=None, NANOWEB_SECRET_KEY=None,
                      CELERY_BROKER_URL=None)
    assert manage("check", env=env).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert len(first) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert manage("check", env=env).returncode == 0
    assert key_file.read_text() == first


def test_check_deploy_is_clean_with_production_style_values(tmp_path):
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=None, **PRODUCTION)
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_debug_is_left_on(tmp_path):
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=None, **{**PRODUCTION, "NANOWEB_DEBUG": "1"})
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
