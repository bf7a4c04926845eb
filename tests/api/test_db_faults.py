"""The database going away: a 503 problem with Retry-After, then recovery on its own.

The first tests simulate the driver's errors; the last one stops and restarts a real
PostgreSQL server, a private one started for the test (never the shared server).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import orjson
import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import override_settings
from django.urls import path
from rest_framework.test import APIClient

from api.auth import KeyRateThrottle
from api.resources.actors import ActorViewSet
from tests.factories import ActorFactory

#: Injected faults: a lost database answers 503 (500 for other errors) on any route, which
#: the schema leaves to the problem types; the test URLconf's views are no operations.
pytestmark = pytest.mark.no_schema_validation(reason="injected database faults")

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = "application/problem+json"
#: What psycopg says when the server goes away; none of it may reach the client.
DRIVER_MESSAGES = [
    'connection failed: connection to server at "10.0.0.7", port 5432 failed: Connection refused',
    "consuming input failed: server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the connection is closed",
]


def assert_503(response) -> dict:
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert response["Content-Type"] == PROBLEM
    assert int(response["Retry-After"]) == 5
    body = orjson.loads(response.content)
    assert body["status"] == 503 and body["code"] == "service-unavailable", body
    assert body["type"].endswith("/service-unavailable") and body["detail"]
    for leak in (
        b"SELECT",
        b"registry_",
        b"Traceback",
        b"Error",
        b".py",
        b"10.0.0.7",
        b"server closed",
        b"administrator",
    ):
        assert leak not in response.content, f"{leak!r} leaked: {response.content!r}"
    return body


# --- simulated ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("message", DRIVER_MESSAGES)
def test_lost_database_in_a_view_is_a_503_problem(full_client, message, debug):
    ActorFactory()
    full_client.raise_request_exception = False
    error = OperationalError(f"{message}\nSELECT secret FROM registry_actor")
    with override_settings(DEBUG=debug), mock.patch.object(ActorViewSet, "list", side_effect=error):
        response = full_client.get("/api/actors/", HTTP_ACCEPT="text/html")
    body = assert_503(response)
    assert body["instance"] == "/api/actors/"


@pytest.mark.django_db
@pytest.mark.parametrize("exc_class", [OperationalError, InterfaceError])
def test_every_query_failing_is_a_503_even_authentication(full_client, exc_class):
    """The cursor itself fails: the API key lookup is the first query of the request."""
    full_client.raise_request_exception = False
    error = exc_class("server closed the connection unexpectedly: SELECT * FROM api_apikey")
    with mock.patch.object(CursorWrapper, "execute", side_effect=error):
        response = full_client.get("/api/actors/")
    assert_503(response)
    # The connection is not spoilt for what follows.
    assert full_client.get("/api/actors/").status_code == 200


@pytest.mark.django_db
def test_cache_server_down_is_a_503_too(full_client):
    """Redis (throttle counters) refusing connections: the same 503, not a 500."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    full_client.raise_request_exception = False
    error = RedisConnectionError("Error 111 connecting to 10.0.0.7:6379. Connection refused.")
    with mock.patch.object(KeyRateThrottle.cache, "get", side_effect=error):
        response = full_client.get("/api/actors/")
    assert_503(response)


@pytest.mark.django_db
def test_other_database_errors_stay_500(full_client):
    from django.db import ProgrammingError

    full_client.raise_request_exception = False
    with mock.patch.object(ActorViewSet, "list", side_effect=ProgrammingError("no such table")):
        response = full_client.get("/api/actors/")
    assert response.status_code == 500 and "Retry-After" not in response


@pytest.mark.django_db
@pytest.mark.parametrize(
    "message",
    [
        "expression tree is too large (maximum depth 1000)",
        "no such table: registry_actor",
        "canceling statement due to statement timeout",
        "too many SQL variables",
    ],
)
def test_an_operational_error_that_is_not_a_lost_database_is_a_500(full_client, message):
    """A query bug must not tell clients to retry after 5 s (they would, forever)."""
    full_client.raise_request_exception = False
    with mock.patch.object(ActorViewSet, "list", side_effect=OperationalError(message)):
        response = full_client.get("/api/actors/")
    assert response.status_code == 500 and "Retry-After" not in response
    assert response["Content-Type"] == PROBLEM
    body = orjson.loads(response.content)
    assert body["code"] == "server-error" and b"registry_actor" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "message", ["database is locked", "database table is locked", "could not connect to server"]
)
def test_a_locked_database_is_a_503(full_client, message):
    full_client.raise_request_exception = False
    with mock.patch.object(ActorViewSet, "list", side_effect=OperationalError(message)):
        assert_503(full_client.get("/api/actors/"))


def test_the_sqlstate_of_the_driver_decides():
    from api.problems import is_db_unavailable

    class Driver(Exception):
        def __init__(self, sqlstate):
            super().__init__("some message")
            self.sqlstate = sqlstate

    def wrapped(sqlstate):
        error = OperationalError("some message")
        error.__cause__ = Driver(sqlstate)
        return error

    assert is_db_unavailable(wrapped("08006")) and is_db_unavailable(wrapped("57P01"))
    assert is_db_unavailable(wrapped("55P03"))  # lock not available
    assert not is_db_unavailable(wrapped("57014"))  # statement timeout: a 500
    assert not is_db_unavailable(wrapped(None))
    assert is_db_unavailable(InterfaceError("anything"))
    assert not is_db_unavailable(ValueError("connection refused"))


def _plain_view(request):
    raise OperationalError("connection refused: SELECT 1")


class _FailingMiddleware:
    """Stands for a middleware that reads the database before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            raise OperationalError("the connection is closed: SELECT 1")
        return self.get_response(request)


urlpatterns = [path("api/plain/", _plain_view), path("elsewhere/plain/", _plain_view)]
handler500 = "api.problems.handler500"


@pytest.mark.parametrize("debug", [False, True])
@override_settings(ROOT_URLCONF=__name__)
def test_plain_django_view_under_api_is_a_503_problem(debug):
    with override_settings(DEBUG=debug):
        client = APIClient(raise_request_exception=False)
        assert_503(client.get("/api/plain/"))
        other = client.get("/elsewhere/plain/")
    assert other.status_code == 500 and other["Content-Type"] != PROBLEM


def test_error_raised_by_a_middleware_is_a_503_problem():
    from django.conf import settings

    with override_settings(
        MIDDLEWARE=[*settings.MIDDLEWARE, f"{__name__}._FailingMiddleware"],
        ROOT_URLCONF=__name__,
    ):
        client = APIClient(raise_request_exception=False)
        assert_503(client.get("/api/plain/"))


def test_settings_recover_by_themselves():
    from django.conf import settings

    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert "api.middleware.DatabaseUnavailableMiddleware" in settings.MIDDLEWARE


# --- a real server stopped and started again ----------------------------------------


def _pg_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary folder, on a port of its own."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="registry-pgfault-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:  # PostgreSQL refuses to run as root
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=check)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def _get(url: str, key: str | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url)
    if key:
        request.add_header("Authorization", f"Api-Key {key}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), orjson.loads(error.read())


@pytest.mark.postgres
def test_real_server_stopped_then_started_again():
    """A served registry (gunicorn, persistent connections) on a private PostgreSQL:
    200, server stopped -> 503 with Retry-After, server started -> 200, nothing restarted."""
    bindir = _pg_bindir()
    if bindir is None:
        message = "needs the PostgreSQL server binaries (initdb, pg_ctl) to run a private server"
        if os.environ.get("REGISTRY_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    pg = PrivatePostgres(bindir)
    server = None
    try:
        pg.init()
        pg.start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "REGISTRY_ENV_FILE": "",
            "DEBUG": "false",
            "SECRET_KEY": "test-only-" + "x" * 50,
            "DATABASE_URL": pg.url,
            "CACHE_URL": "locmemcache://faults",
            "CONN_MAX_AGE": "600",  # a persistent connection, so the restart is noticed
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DB_CONNECT_TIMEOUT": "2",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run(
            [*manage, "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        key = subprocess.run(
            [*manage, "create_api_key", "faults", "--key-only", "--scopes", "read"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "api.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                status, _headers, health = _get(f"{base}/api/health/")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200 and health["database"]["ok"], health
        assert _get(f"{base}/api/territories/", key)[0] == 200

        pg.stop("fast")  # closes the worker's persistent connection ("administrator command")
        for url in (f"{base}/api/territories/", f"{base}/api/health/"):
            status, headers, body = _get(url, key)
            assert status == 503, (url, status, body)
            assert headers["Content-Type"] == PROBLEM and int(headers["Retry-After"]) > 0
            assert body["code"] == "service-unavailable"
            text = orjson.dumps(body).decode()
            assert "SELECT" not in text and "Traceback" not in text and "5432" not in text
        assert body["database"]["ok"] is False and body["cache"]["ok"] is True

        pg.start()
        status, _headers, health = _get(f"{base}/api/health/")
        assert status == 200 and health["status"] == "ok", health
        status, _headers, page = _get(f"{base}/api/territories/", key)
        assert status == 200, page

        # Restarted between two requests: the worker's persistent connection is stale,
        # the health check at the start of the next request replaces it, no request fails.
        pg.stop("fast")
        pg.start()
        status, _headers, page = _get(f"{base}/api/territories/", key)
        assert status == 200, page
        assert server.poll() is None, "the server was not supposed to restart"
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        pg.cleanup()
