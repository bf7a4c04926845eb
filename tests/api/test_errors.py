"""Every error under /api/ is an RFC 9457 problem document, never an HTML page."""

from __future__ import annotations

from unittest import mock

import orjson
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.urls import path
from rest_framework.test import APIClient

from api.auth import KeyRateThrottle
from api.resources.actors import ActorViewSet
from registry.models import Actor, Membership
from tests.api.conftest import client_for, make_key
from tests.factories import ActorFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _boom(request):
    raise RuntimeError("boom: SELECT secret FROM registry_actor")


# A URL configuration for the Django-level (non-DRF) server error: handler500 must
# answer a problem document under /api/ and leave other paths to Django.
urlpatterns = [path("api/boom/", _boom), path("elsewhere/boom/", _boom)]
handler500 = "api.problems.handler500"


def assert_problem(response, status: int, *, code: str | None = None) -> dict:
    """The response is a problem document with the RFC 9457 members; returns it."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == PROBLEM, (
        f"expected {PROBLEM}, got {response['Content-Type']}: {response.content[:200]!r}"
    )
    body = orjson.loads(response.content)
    for member in ("type", "title", "status", "detail"):
        assert body.get(member), f"problem member {member!r} missing or empty: {body}"
    assert body["status"] == status
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    if code is not None:
        assert body["code"] == code, body
        assert body["type"].endswith(f"/{code}"), body
    return body


def errors_by_field(body: dict) -> dict[str, dict]:
    assert body.get("errors"), f"no errors[] in {body}"
    for error in body["errors"]:
        assert {"field", "detail", "code"} <= set(error), error
        places = {"pointer", "parameter", "header"} & set(error)
        assert len(places) == 1, f"one of pointer/parameter/header expected: {error}"
        assert error.get("pointer", "#/").startswith("#/"), error
    return {e["field"]: e for e in body["errors"]}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- 404 -------------------------------------------------------------------------


@pytest.mark.no_schema_validation(reason="unknown URLs on purpose: no operation to check against")
@pytest.mark.parametrize("url", ["/api/nope/", "/api/actors/not-a-number/", "/api/a/b/c"])
def test_unknown_url_under_api_is_a_problem(full_client, url):
    body = assert_problem(full_client.get(url), 404, code="not-found")
    assert body["instance"] == url


@pytest.mark.no_schema_validation(reason="an unknown URL on purpose: no operation to check against")
@override_settings(DEBUG=True)
def test_unknown_url_is_a_problem_in_debug_too(full_client):
    response = full_client.get("/api/nope/", HTTP_ACCEPT="text/html")
    body = assert_problem(response, 404, code="not-found")
    assert b"<html" not in response.content.lower()
    assert "urlpatterns" not in body["detail"]


def test_unknown_object_is_a_problem(full_client):
    body = assert_problem(full_client.get("/api/actors/987654/"), 404, code="not-found")
    assert body["instance"] == "/api/actors/987654/"


def test_unknown_url_outside_api_is_left_to_django(full_client):
    response = full_client.get("/not-the-api/")
    assert response.status_code == 404
    assert response["Content-Type"] != PROBLEM


# --- 405, 406, 415, malformed body --------------------------------------------------


@pytest.mark.no_schema_validation(reason="a method the route does not have, on purpose")
def test_method_not_allowed(full_client):
    body = assert_problem(full_client.delete("/api/actors/"), 405, code="method-not-allowed")
    assert "DELETE" in body["detail"]


def test_not_acceptable_is_a_problem(full_client):
    response = full_client.get("/api/actors/", HTTP_ACCEPT="application/xml")
    assert_problem(response, 406, code="not-acceptable")


def test_unsupported_media_type(full_client):
    response = full_client.post("/api/actors/", data="name=x", content_type="text/plain")
    body = assert_problem(response, 415, code="unsupported-media-type")
    assert "text/plain" in body["detail"]
    assert not Actor.objects.exists()


def test_unparseable_json_is_400(full_client):
    response = full_client.post(
        "/api/actors/", data='{"name": "x",', content_type="application/json"
    )
    body = assert_problem(response, 400, code="bad-request")
    assert "JSON" in body["detail"]
    assert not Actor.objects.exists()


# --- invalid query parameters: 400 naming the parameter ------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/memberships/?as_of=notadate", "as_of"),
        ("/api/actors/?kind=alien", "kind"),
        ("/api/actors/?id=one", "id"),
        ("/api/bodies/?updated_since=yesterday", "updated_since"),
        ("/api/actors/?fields=name,shoe_size", "fields"),
        ("/api/memberships/?expand=weather", "expand"),
    ],
)
def test_invalid_query_parameter_is_400_naming_it(full_client, url, parameter):
    body = assert_problem(full_client.get(url), 400, code="invalid-input")
    errors = errors_by_field(body)
    assert parameter in errors, f"{parameter!r} not named in {body['errors']}"
    assert errors[parameter]["parameter"] == parameter
    assert "pointer" not in errors[parameter], "a query parameter is no body pointer"


# --- 422 validation --------------------------------------------------------------


def test_validation_error_is_422_naming_each_field(full_client):
    response = full_client.post(
        "/api/actors/", {"name": "", "kind": "alien", "power": "lots"}, format="json"
    )
    body = assert_problem(response, 422, code="invalid-input")
    errors = errors_by_field(body)
    assert {"name", "kind", "category", "power"} <= set(errors), body["errors"]
    assert errors["category"]["code"] == "required"
    assert errors["category"]["pointer"] == "#/category"
    assert not Actor.objects.exists()


def test_nested_validation_error_points_into_the_body(full_client):
    response = full_client.post(
        "/api/actors/",
        {
            "name": "Asso",
            "kind": "organization",
            "category": "association",
            "identifiers": [{"scheme": "siren", "value": "1"}, {"value": "2"}],
        },
        format="json",
    )
    body = assert_problem(response, 422)
    pointers = {e["pointer"] for e in body["errors"]}
    assert "#/identifiers/1/scheme" in pointers, body["errors"]
    assert not Actor.objects.exists()


def test_domain_validation_error_is_422_naming_the_field(full_client):
    membership = MembershipFactory()
    response = full_client.patch(
        f"/api/memberships/{membership.pk}/",
        {"end_date": "2020-01-01"},  # before its start: refused by the model
        format="json",
    )
    body = assert_problem(response, 422)
    assert body["errors"], body
    membership.refresh_from_db()
    assert membership.end_date is None


# --- 409 -------------------------------------------------------------------------


def test_deleting_a_protected_actor_is_409(full_client):
    membership = MembershipFactory()
    response = full_client.delete(f"/api/actors/{membership.actor_id}/")
    body = assert_problem(response, 409, code="conflict")
    assert "membership" in body["detail"]
    assert Actor.objects.filter(pk=membership.actor_id).exists()
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- 401 -------------------------------------------------------------------------


def test_anonymous_is_401_with_the_scheme_to_use(anon_client):
    response = anon_client.get("/api/actors/")
    body = assert_problem(response, 401, code="not-authenticated")
    assert response["WWW-Authenticate"] == "Api-Key"
    assert "Api-Key" in body["detail"]


# --- 429 -------------------------------------------------------------------------


@pytest.fixture
def tiny_rate(monkeypatch):
    """Two requests a minute per key. DRF binds the rates to the class at import time,
    so overriding the setting alone would not reach the throttle."""
    rest = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"key": "2/min"},
    }
    with override_settings(REST_FRAMEWORK=rest):
        monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "2/min"})
        cache.clear()
        yield


def test_throttled_is_429_with_retry_after(tiny_rate):
    _api_key, key = make_key(scopes=("read",))
    client = client_for(key)
    assert client.get("/api/actors/").status_code == 200
    assert client.get("/api/actors/").status_code == 200
    response = client.get("/api/actors/")
    body = assert_problem(response, 429, code="throttled")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    assert "available in" in body["detail"]


def test_a_rate_lowered_under_a_busy_key_still_says_when_to_come_back(tiny_rate, monkeypatch):
    """More requests on record than the (new) rate allows: the 429 keeps its Retry-After."""
    _api_key, key = make_key(scopes=("read",))
    client = client_for(key)
    assert client.get("/api/actors/").status_code == 200
    assert client.get("/api/actors/").status_code == 200
    monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "1/min"})
    for _ in range(3):
        response = client.get("/api/actors/")
        assert_problem(response, 429, code="throttled")
        assert 0 < int(response["Retry-After"]) <= 60


# --- 500 -------------------------------------------------------------------------


@pytest.mark.no_schema_validation(reason="an injected crash: a 500 is no operation's contract")
@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_exception_is_a_bare_500_problem(full_client, debug):
    ActorFactory()
    client = full_client
    client.raise_request_exception = False
    with (
        override_settings(DEBUG=debug),
        mock.patch.object(
            ActorViewSet, "list", side_effect=RuntimeError("boom: SELECT secret FROM actor")
        ),
    ):
        response = client.get("/api/actors/", HTTP_ACCEPT="text/html")
    body = assert_problem(response, 500, code="server-error")
    text = response.content.decode()
    for leak in ("Traceback", "SELECT", "boom", "RuntimeError", ".py", "<html"):
        assert leak not in text, f"{leak!r} leaked into the 500 answer: {text}"
    assert body["detail"] == "Server Error (500)"


@pytest.mark.no_schema_validation(reason="an injected crash: a 500 is no operation's contract")
def test_database_error_is_a_bare_500_problem(full_client):
    full_client.raise_request_exception = False

    def broken(self):
        from django.db import ProgrammingError

        raise ProgrammingError(f'relation "registry_actor" does not exist ({connection.vendor})')

    with mock.patch.object(ActorViewSet, "get_queryset", broken):
        response = full_client.get("/api/actors/")
    assert_problem(response, 500, code="server-error")
    assert b"registry_actor" not in response.content


@pytest.mark.no_schema_validation(reason="a test-only URLconf: no operation of the schema")
@override_settings(ROOT_URLCONF=__name__)
def test_server_error_outside_drf_is_a_problem_under_api_only():
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/boom/")
    assert_problem(response, 500, code="server-error")
    assert b"SELECT" not in response.content
    other = client.get("/elsewhere/boom/")
    assert other.status_code == 500
    assert other["Content-Type"] != PROBLEM


# --- never HTML from /api/ --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/actors/987654/", 404),
        pytest.param(
            "get",
            "/api/nope/",
            404,
            marks=pytest.mark.no_schema_validation(reason="an unknown URL on purpose"),
        ),
        pytest.param(
            "delete",
            "/api/actors/",
            405,
            marks=pytest.mark.no_schema_validation(
                reason="a method the route does not have, on purpose"
            ),
        ),
        ("get", "/api/actors/?kind=alien", 400),
    ],
)
def test_errors_are_problems_even_for_a_browser(full_client, method, url, status):
    response = getattr(full_client, method)(
        url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
    )
    assert_problem(response, status)
    assert b"<html" not in response.content.lower()


def test_browser_without_credentials_gets_a_problem(anon_client):
    response = anon_client.get("/api/bodies/", HTTP_ACCEPT="text/html")
    assert_problem(response, 401)


@pytest.mark.no_schema_validation(reason="URLs without their slash and unknown ones, on purpose")
def test_missing_trailing_slash_redirects_reads_and_explains_writes(full_client):
    read = full_client.get("/api/actors?limit=1")
    assert read.status_code == 301
    assert read["Location"] == "/api/actors/?limit=1"
    write = full_client.post("/api/actors", {"name": "x"}, format="json")
    assert write.status_code == 404
    assert write["Content-Type"] == "application/problem+json"
    assert "/api/actors/" in write.json()["detail"]
    assert full_client.get("/api/nothing-here").status_code == 404
