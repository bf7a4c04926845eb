"""Settings come from the environment, with safe defaults and refusals."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    code = f"import api.settings as s; print({expr})"
    # The checkout's .env (development defaults) is left out: these tests are about
    # what the environment alone gives.
    env = {"REGISTRY_ENV_FILE": "", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_secret_key_is_required_when_debug_is_off():
    result = settings_in_subprocess({}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_generates_a_development_secret_key():
    result = settings_in_subprocess({"DEBUG": "true"}, "s.SECRET_KEY.startswith('dev-only-')")
    assert result.stdout.strip() == "True", result.stderr


def test_database_defaults_to_sqlite_file_in_project_and_follows_database_url():
    result = settings_in_subprocess({"SECRET_KEY": "x"}, "s.DATABASES['default']['NAME']")
    assert result.stdout.strip() == str(ROOT / "registry.sqlite3"), result.stderr
    result = settings_in_subprocess(
        {"SECRET_KEY": "x", "DATABASE_URL": "postgres://u@db.example:5432/reg"},
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST']",
    )
    assert "postgresql" in result.stdout and "db.example" in result.stdout, result.stderr


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("", "LocMemCache"),
        ("redis://127.0.0.1:6379/1", "django_redis.cache.RedisCache"),
    ],
)
def test_cache_follows_cache_url(url, backend):
    env = {"SECRET_KEY": "x", **({"CACHE_URL": url} if url else {})}
    result = settings_in_subprocess(env, "s.CACHES['default']['BACKEND']")
    assert backend in result.stdout, result.stderr


def test_a_local_env_file_gives_development_defaults_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\n")
    result = settings_in_subprocess({"REGISTRY_ENV_FILE": str(env_file)}, "s.DEBUG")
    assert result.stdout.strip() == "True", result.stderr
    result = settings_in_subprocess(
        {"REGISTRY_ENV_FILE": str(env_file), "DEBUG": "false", "SECRET_KEY": "x"}, "s.DEBUG"
    )
    assert result.stdout.strip() == "False", result.stderr


def test_time_is_utc_and_french_is_available():
    result = settings_in_subprocess(
        {"SECRET_KEY": "x"}, "s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE, dict(s.LANGUAGES)['fr']"
    )
    assert result.stdout.strip() == "UTC True en Français", result.stderr
