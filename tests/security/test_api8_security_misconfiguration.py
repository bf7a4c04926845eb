"""API8:2023 Security Misconfiguration.

The production profile (DEBUG off, HSTS, secure cookies, SSL redirect, CORS for the
configured origins only, ``check --deploy`` clean) is tested in a real production
environment by ``tests/test_deploy.py``; the shape of each error by
``tests/api/test_errors.py``. Here, across every route and every kind of error, with
DEBUG off and on: an error is a problem document, never HTML, never a stack trace,
SQL, a driver message, a file path or an exception name; answers carry the security
headers; CORS is never open to any origin nor with credentials.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, ProgrammingError
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.api.conftest import client_for, make_key
from tests.security.conftest import PROBLEM, every_get_url, write_requests

pytestmark = pytest.mark.django_db

#: What must never reach a client: traces, SQL, drivers, paths, exception names, HTML.
LEAKS = (
    "Traceback",
    'File "',
    ".py",
    "SELECT",
    "INSERT",
    "UPDATE ",
    "FROM registry",
    "registry_",
    "sqlite",
    "psycopg",
    "django.db",
    "IntegrityError",
    "OperationalError",
    "ProgrammingError",
    "RuntimeError",
    "KeyError",
    "Exception",
    "<html",
    "<!DOCTYPE",
    "zorglub@",
)
#: What a browser sends: HTML first, anything after.
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_bare_problem(response, status: int | tuple[int, ...]) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:400])
    assert response["Content-Type"] == PROBLEM, response["Content-Type"]
    text = response.content.decode(errors="replace")
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked into a {response.status_code}: {text[:400]}"
    for header, value in SECURITY_HEADERS.items():
        assert response.get(header) == value, (header, response.get(header))


def test_api8_the_test_settings_run_with_debug_off():
    """As production does (tests/test_deploy.py checks the real production environment)."""
    assert settings.DEBUG is False


# --- unexpected errors on every route ---------------------------------------------------

FAILURES = [
    (RuntimeError("boom: SELECT email FROM registry_personaldata"), 500),
    (KeyError("zorglub@example.org"), 500),
    (IntegrityError('duplicate key value violates unique constraint "registry_actor_pkey"'), 500),
    (ProgrammingError('relation "registry_actor" does not exist LINE 1: SELECT ...'), 500),
    (DatabaseError("psycopg.errors.QueryCanceled: canceling statement due to timeout"), 500),
    (OperationalError("sqlite3.OperationalError: database is locked"), 503),
]


@pytest.mark.no_schema_validation(reason="injected crashes: a 500 is no operation's contract")
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(("error", "status"), FAILURES, ids=[type(e).__name__ for e, _ in FAILURES])
def test_api8_no_stack_trace_or_sql_in_any_error_of_any_route(world, debug, error, status):
    """The failure is raised after authentication, inside each route's own handling."""
    client = world.client
    client.raise_request_exception = False
    requests = [("get", url, None) for url in every_get_url(world)] + write_requests(world)
    with (
        override_settings(DEBUG=debug),
        mock.patch.object(APIView, "check_throttles", side_effect=error),
    ):
        for method, url, body in requests:
            kwargs = {"format": "json"} if body is not None else {}
            response = getattr(client, method)(url, body or {}, HTTP_ACCEPT=BROWSER, **kwargs)
            assert_bare_problem(response, status)
            if status == 503:
                assert int(response["Retry-After"]) > 0


# --- every kind of client error ---------------------------------------------------------


def client_errors(world) -> list[tuple[str, object, int]]:
    body = world.inside.body
    reader_key = make_key(scopes=("read",), name="reader")[1]
    return [
        ("malformed JSON", lambda c: c.generic("POST", "/api/actors/", b"{'x': SELECT", content_type="application/json"), 400),
        ("bad filter", lambda c: c.get("/api/actors/?kind=DROP TABLE"), 400),
        ("bad cursor", lambda c: c.get("/api/changes/?cursor=' OR 1=1 --"), 400),
        ("bad date", lambda c: c.get(f"/api/bodies/{body.pk}/members/?as_of=2026-13-45"), 400),
        ("no key", lambda c: APIClient().get("/api/actors/"), 401),
        ("bad key", lambda c: client_for("nope.nope").get("/api/actors/"), 401),
        ("no scope", lambda c: client_for(reader_key).post("/api/actors/", {}, format="json"), 403),
        ("unknown object", lambda c: c.get("/api/actors/987654/"), 404),
        ("outside object", lambda c: c.get(f"/api/actors/{world.outside.person.pk}/"), 404),
        ("unknown route", lambda c: c.get("/api/../../etc/passwd"), 404),
        ("unknown api route", lambda c: c.get("/api/nope/"), 404),
        ("method", lambda c: c.delete("/api/actors/"), 405),
        ("accept", lambda c: c.get("/api/actors/", HTTP_ACCEPT="application/xml"), 406),
        ("referenced", lambda c: c.delete(f"/api/bodies/{body.pk}/"), 409),
        ("stale if-match", lambda c: c.patch(f"/api/bodies/{body.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH='"stale"'), 412),
        ("too large", lambda c: c.generic("POST", "/api/actors/", b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), content_type="application/json"), 413),
        ("too long", lambda c: c.get("/api/actors/?q=" + "x" * 9000), 414),
        ("media type", lambda c: c.generic("POST", "/api/actors/", b"<x/>", content_type="application/xml"), 415),
        ("invalid", lambda c: c.post("/api/actors/", {"kind": "alien", "name": "x" * 5000}, format="json"), 422),
        ("invalid sync", lambda c: c.put(f"/api/bodies/{body.pk}/members/", {"members": [{"actor": "1 OR 1=1"}]}, format="json"), 422),
        ("bad idempotency key", lambda c: c.post("/api/actors/bulk/", {"items": []}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201), 400),
        ("bad date in analysis", lambda c: c.get(f"/api/analysis/influence-map?territory={world.inside.dept.pk}&as_of=yesterday"), 400),
    ]  # fmt: skip


@pytest.mark.no_schema_validation(reason="unknown URLs and methods, on purpose")
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_api8_every_kind_of_client_error_is_a_bare_problem(world, debug):
    with override_settings(DEBUG=debug):
        for name, call, status in client_errors(world):
            response = call(world.client)
            try:
                assert_bare_problem(response, status)
            except AssertionError as exc:
                raise AssertionError(f"{name}: {exc}") from None


def test_api8_a_foreign_host_header_is_a_bare_400(world):
    response = world.client.get("/api/actors/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert b"evil.example" not in response.content and b"ALLOWED_HOSTS" not in response.content


def test_api8_security_headers_on_successful_answers_of_every_route(world):
    for url in every_get_url(world):
        response = world.client.get(url)
        for header, value in SECURITY_HEADERS.items():
            assert response.get(header) == value, (url, header)
        assert "Server" not in response or "Django" not in response["Server"]


def test_api8_cors_is_never_open_to_every_origin_nor_with_credentials():
    assert not getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False)
    assert not getattr(settings, "CORS_ORIGIN_ALLOW_ALL", False)
    assert settings.CORS_ALLOW_CREDENTIALS is False
    assert "*" not in settings.CORS_ALLOWED_ORIGINS
    assert not getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", [])
    assert settings.CORS_URLS_REGEX == r"^/api/.*$"


@pytest.mark.no_schema_validation(reason="a CORS preflight (OPTIONS) is not an operation")
def test_api8_no_cors_header_for_an_origin_not_configured(world):
    response = world.client.get("/api/actors/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    preflight = world.client.options(
        "/api/actors/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_api8_cookies_are_httponly_and_the_admin_denies_framing():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True


@pytest.mark.no_schema_validation(reason="an injected crash: a 500 is no operation's contract")
def test_api8_dates_in_problems_do_not_reveal_server_internals(world):
    """The request id is the only correlation handle given; the log has the rest."""
    world.client.raise_request_exception = False
    with mock.patch.object(APIView, "check_throttles", side_effect=RuntimeError("x")):
        response = world.client.get("/api/actors/")
    body = response.json()
    assert set(body) <= {"type", "title", "status", "detail", "code", "instance", "request_id"}
    assert body["request_id"] and dt.date.today().isoformat() not in body["detail"]


@pytest.mark.no_schema_validation(reason="unknown URLs, on purpose")
def test_api8_with_debug_off_no_page_lists_the_url_configuration(world):
    for url in ("/nope/", "/admin/nope/", "/api/nope/", "/static/nope.js"):
        response = world.client.get(url)
        assert response.status_code in (302, 404), url
        assert b"URLconf" not in response.content and b"api.urls" not in response.content
        assert b"Traceback" not in response.content


def test_api8_the_debug_toolbar_and_similar_apps_are_not_installed():
    risky = {"debug_toolbar", "django_extensions", "silk", "django.contrib.admindocs"}
    assert not risky & set(settings.INSTALLED_APPS)
