"""``/api/health/``: 200 when the database and the cache answer, else a 503 problem."""

from __future__ import annotations

from unittest import mock

import orjson
import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import override_settings
from rest_framework.test import APIClient

from api.auth import KeyRateThrottle

pytestmark = pytest.mark.django_db

URL = "/api/health/"
PROBLEM = "application/problem+json"


def assert_never_cached(response):
    assert "no-store" in response["Cache-Control"], response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_healthy_without_any_key():
    response = APIClient().get(URL)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = orjson.loads(response.content)
    assert body["status"] == "ok"
    for name in ("database", "cache"):
        assert body[name]["ok"] is True, body
        assert isinstance(body[name]["latency_ms"], float) and body[name]["latency_ms"] >= 0
        assert "error" not in body[name]
    assert_never_cached(response)


def test_json_whatever_the_client_accepts_and_head_works():
    client = APIClient()
    response = client.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert client.head(URL).status_code == 200


def test_database_down_is_a_503_problem_with_the_checks():
    with mock.patch(
        "api.resources.health.check_database",
        side_effect=OperationalError('connection to server at "db.internal" failed: SELECT 1'),
    ):
        response = APIClient().get(URL)
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert int(response["Retry-After"]) > 0
    assert_never_cached(response)
    body = orjson.loads(response.content)
    assert body["status"] == 503 and body["code"] == "service-unavailable"
    assert body["type"].endswith("/service-unavailable") and body["instance"] == URL
    assert body["database"]["ok"] is False and body["database"]["error"]
    assert body["cache"]["ok"] is True
    assert "database" in body["detail"]
    for leak in (b"db.internal", b"SELECT", b"OperationalError", b"Traceback"):
        assert leak not in response.content


def test_cache_down_is_a_503_problem():
    with mock.patch.object(cache, "set", side_effect=ConnectionError("redis:6379 refused")):
        response = APIClient().get(URL)
    assert response.status_code == 503 and response["Content-Type"] == PROBLEM
    body = orjson.loads(response.content)
    assert body["cache"]["ok"] is False and body["database"]["ok"] is True
    assert b"redis:6379" not in response.content


def test_wrong_cache_answer_is_a_failure():
    with mock.patch.object(cache, "get", return_value=None):
        response = APIClient().get(URL)
    assert response.status_code == 503
    assert orjson.loads(response.content)["cache"]["ok"] is False


def test_not_throttled(monkeypatch, read_client):
    # Throttling counts in the cache the health check is about: probes are never refused.
    monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "1/min"})
    cache.clear()
    client = APIClient()
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    assert [read_client.get("/api/territories/").status_code for _ in range(2)] == [200, 429]


def test_a_key_is_not_even_looked_up(read_client):
    """A probe that sends a key still gets the checks when the database is down."""
    read_client.credentials(HTTP_AUTHORIZATION="Api-Key not.a-key")
    assert read_client.get(URL).status_code == 200
    with mock.patch("api.resources.health.check_database", side_effect=OperationalError("refused")):
        response = read_client.get(URL)
    assert response.status_code == 503
    assert orjson.loads(response.content)["database"]["ok"] is False


@pytest.mark.no_schema_validation(reason="the HTTPS redirect of the deployment, not an operation")
def test_not_redirected_to_https():
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = APIClient()  # the security middleware reads its settings when loaded
        assert client.get(URL).status_code == 200
        assert client.get("/api/actors/").status_code == 301
