"""The production profile: `check --deploy` is clean, answers carry the security and CORS
headers, and a server error is a bare problem document.

Each test runs Django in a subprocess with a production environment (DEBUG unset,
a real secret, no .env file), so what is tested is what ``api/settings.py`` gives.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = "registry.example.org"
ALLOWED_ORIGIN = "https://app.example.org"


def production_environment(tmp_path: Path) -> dict[str, str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "CORS_", "CSRF_", "SESSION_", "REGISTRY_"))
        and k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CACHE_URL", "ALLOWED_HOSTS"}
    }
    return {
        **inherited,
        "REGISTRY_ENV_FILE": "",  # the checkout's .env says DEBUG=true
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "CORS_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "DJANGO_SETTINGS_MODULE": "api.settings",
    }


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return production_environment(tmp_path)


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_without_warnings(production_env):
    result = check_deploy(production_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "security.W" not in output, output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize(
    ("override", "warning"),
    [
        ({"DEBUG": "true"}, "security.W018"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"SECRET_KEY": "short"}, "security.W009"),
    ],
)
def test_check_deploy_catches_an_unsafe_setting(production_env, override, warning):
    result = check_deploy({**production_env, **override})
    assert result.returncode != 0 and warning in result.stdout + result.stderr


#: Requests through Django's test client, in a process configured for production.
PROBE = textwrap.dedent(
    """
    import json
    from unittest import mock

    import django

    django.setup()
    from django.test import Client

    from api.resources.health import HealthView

    HOST, ORIGIN = {host!r}, {origin!r}
    client = Client(HTTP_HOST=HOST, raise_request_exception=False)


    def seen(response):
        return {{
            "status": response.status_code,
            "headers": {{k.lower(): v for k, v in response.headers.items()}},
            "body": response.content.decode(errors="replace"),
        }}


    out = {{
        "https": seen(client.get("/api/health/", secure=True)),
        "http": seen(client.get("/api/actors/")),
        "allowed": seen(client.get("/api/health/", secure=True, HTTP_ORIGIN=ORIGIN)),
        "other": seen(client.get("/api/health/", secure=True, HTTP_ORIGIN="https://evil.example")),
        "preflight": seen(
            client.options(
                "/api/actors/1/",
                secure=True,
                HTTP_ORIGIN=ORIGIN,
                HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
                HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-match, idempotency-key",
            )
        ),
        "outside_api": seen(client.get("/admin/login/", secure=True, HTTP_ORIGIN=ORIGIN)),
    }}
    boom = RuntimeError("boom: SELECT secret FROM registry_personaldata")
    with mock.patch.object(HealthView, "get", side_effect=boom):
        out["error"] = seen(client.get("/api/health/", secure=True, HTTP_ACCEPT="text/html"))
    print("RESULT" + json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict:
    tmp_path = tmp_path_factory.mktemp("prod")
    env = production_environment(tmp_path)
    code = PROBE.format(host=HOST, origin=ALLOWED_ORIGIN)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    return json.loads(line.removeprefix("RESULT"))


def test_https_answers_carry_the_security_headers(answers):
    headers = answers["https"]["headers"]
    assert answers["https"]["status"] == 200, answers["https"]
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_plain_http_is_redirected_to_https(answers):
    assert answers["http"]["status"] == 301
    assert answers["http"]["headers"]["location"] == f"https://{HOST}/api/actors/"


def test_cors_for_the_allowed_origin_only(answers):
    allowed = answers["allowed"]["headers"]
    assert allowed["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = {h.strip().lower() for h in allowed["access-control-expose-headers"].split(",")}
    assert {"etag", "retry-after", "x-request-id"} <= exposed
    assert "access-control-allow-credentials" not in allowed
    assert "access-control-allow-origin" not in answers["other"]["headers"]
    assert "access-control-allow-origin" not in answers["outside_api"]["headers"]


def test_cors_preflight_allows_the_api_headers(answers):
    preflight = answers["preflight"]
    assert preflight["status"] == 200, preflight
    headers = preflight["headers"]
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "if-match", "idempotency-key"} <= allowed
    assert "PATCH" in headers["access-control-allow-methods"]


def test_server_error_is_a_bare_problem_document(answers):
    error = answers["error"]
    assert error["status"] == 500
    assert error["headers"]["content-type"] == "application/problem+json"
    body = json.loads(error["body"])
    assert body["status"] == 500 and body["code"] == "server-error"
    for leak in ("Traceback", "SELECT", "boom", "RuntimeError", ".py", "<html", "personaldata"):
        assert leak not in error["body"], f"{leak!r} leaked: {error['body']}"
