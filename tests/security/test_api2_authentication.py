"""API2:2023 Broken Authentication.

Every route but the health probe and the documentation needs a valid key: missing,
expired, revoked, malformed or wrong keys are 401 everywhere, with the scheme to use
and without telling which part was wrong. Keys travel only in the ``Authorization``
header (never in a query string, a form field or a cookie), are compared in constant
time against a hash, and never show in logs, URLs, answers or the change ledger.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import rest_framework_api_key.crypto as api_key_crypto
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ALL_SCOPES, ApiKey
from registry.models import Actor, ChangeRecord
from tests.api.conftest import client_for, make_key
from tests.security.conftest import PUBLIC_ROUTES, assert_problem, every_get_url, write_requests

pytestmark = pytest.mark.django_db


def bad_clients(world) -> dict[str, APIClient]:
    expired, expired_key = make_key(
        scopes=ALL_SCOPES, expiry_date=timezone.now() - dt.timedelta(seconds=1), name="expired"
    )
    revoked, revoked_key = make_key(scopes=ALL_SCOPES, name="revoked")
    ApiKey.objects.filter(pk=revoked.pk).update(revoked=True)
    prefix = world.key.partition(".")[0]
    headers = {
        "expired": f"Api-Key {expired_key}",
        "revoked": f"Api-Key {revoked_key}",
        "wrong secret": f"Api-Key {prefix}.{'x' * 32}",
        "unknown prefix": f"Api-Key zzzzzzzz.{world.key.partition('.')[2]}",
        "truncated": f"Api-Key {world.key[:-1]}",
        "prefix only": f"Api-Key {prefix}",
        "garbage": "Api-Key \x00\x01not-a-key",
        "very long": "Api-Key " + "a" * 8000,
    }
    clients = {}
    for name, header in headers.items():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        clients[name] = client
    clients["none"] = APIClient()
    return clients


def test_api2_every_route_but_health_and_docs_needs_a_valid_key(world):
    clients = bad_clients(world)
    for url in every_get_url(world):
        for name, client in clients.items():
            response = client.get(url)
            assert_problem(response, 401)
            assert response["WWW-Authenticate"] == "Api-Key", (name, url)
        assert world.client.get(url).status_code in (200, 202), url


def test_api2_every_write_route_needs_a_valid_key_and_writes_nothing(world):
    before = ChangeRecord.objects.count()
    for name, client in bad_clients(world).items():
        for method, url, body in write_requests(world):
            response = getattr(client, method)(url, body, format="json")
            assert_problem(response, 401)
            assert response["WWW-Authenticate"] == "Api-Key", (name, method, url)
    assert ChangeRecord.objects.count() == before


@pytest.mark.parametrize("url", PUBLIC_ROUTES)
def test_api2_only_health_and_documentation_are_public(anon_client, url):
    assert anon_client.get(url).status_code == 200


def test_api2_a_wrong_key_says_nothing_about_which_part_was_wrong(world):
    clients = bad_clients(world)
    details = {
        name: assert_problem(clients[name].get("/api/actors/"), 401)["detail"]
        for name in ("wrong secret", "unknown prefix", "truncated", "prefix only", "revoked")
    }
    assert len(set(details.values())) == 1, details
    # Expiry is the one thing said, so an integration knows to ask for a new key.
    assert "expired" in assert_problem(clients["expired"].get("/api/actors/"), 401)["detail"]


@pytest.mark.parametrize(
    "params",
    [
        "api_key={key}",
        "key={key}",
        "apikey={key}",
        "Authorization=Api-Key%20{key}",
        "access_token={key}",
        "token={key}",
    ],
)
def test_api2_a_key_in_the_query_string_is_ignored(world, params, anon_client):
    query = params.format(key=world.key)
    assert_problem(anon_client.get(f"/api/actors/?{query}"), 401)
    assert_problem(anon_client.post(f"/api/actors/?{query}", {}, format="json"), 401)


def test_api2_a_key_in_a_form_field_cookie_or_other_header_is_ignored(world, anon_client):
    assert_problem(anon_client.post("/api/actors/", {"api_key": world.key}), 401)
    anon_client.cookies["api_key"] = world.key
    assert_problem(anon_client.get("/api/actors/"), 401)
    other = APIClient()
    other.credentials(HTTP_X_API_KEY=world.key, HTTP_API_KEY=world.key)
    assert_problem(other.get("/api/actors/"), 401)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {world.key}")
    assert_problem(bearer.get("/api/actors/"), 401)


def test_api2_basic_auth_with_a_real_password_is_not_a_way_in(db):
    get_user_model().objects.create_user("staff", password="pw-123456", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic c3RhZmY6cHctMTIzNDU2")  # staff:pw-123456
    assert_problem(client.get("/api/actors/"), 401)


def test_api2_session_writes_need_the_csrf_token(db):
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/actors/").status_code == 200
    response = client.post(
        "/api/actors/", {"kind": "person", "category": "resident", "name": "X"}, format="json"
    )
    assert_problem(response, 403)
    assert "CSRF" in response.json()["detail"]
    assert not Actor.objects.filter(name="X").exists()


def test_api2_the_secret_is_compared_in_constant_time(world, monkeypatch):
    """The stored hash is checked with Django's constant_time_compare, never ``==``."""
    calls = []
    real = api_key_crypto.constant_time_compare

    def spy(a, b):
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(api_key_crypto, "constant_time_compare", spy)
    prefix = world.key.partition(".")[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {prefix}.{'x' * 32}")
    assert_problem(client.get("/api/actors/"), 401)
    assert calls, "the wrong secret went through constant_time_compare"
    calls.clear()
    assert world.client.get("/api/actors/").status_code == 200
    assert calls, "the right secret too"


def test_api2_keys_are_hashed_with_a_slow_or_keyed_hasher(world):
    stored = ApiKey.objects.get(prefix=world.key.partition(".")[0]).hashed_key
    assert world.key.partition(".")[2] not in stored
    assert stored.startswith(("sha512$$", "pbkdf2_sha256$", "argon2$"))


def test_api2_revoking_or_expiring_a_key_takes_effect_at_once(world):
    api_key = ApiKey.objects.get(prefix=world.key.partition(".")[0])
    assert world.client.get("/api/actors/").status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(expiry_date=timezone.now())
    assert_problem(world.client.get("/api/actors/"), 401)
    ApiKey.objects.filter(pk=api_key.pk).update(expiry_date=None, revoked=True)
    assert_problem(world.client.get("/api/actors/"), 401)


def test_api2_a_revoked_key_cannot_be_unrevoked():
    api_key, key = make_key()
    api_key.revoked = True
    api_key.save()
    stored = ApiKey.objects.get(pk=api_key.pk)
    stored.revoked = False
    with pytest.raises(ValidationError):
        stored.save()
    assert_problem(client_for(key).get("/api/actors/"), 401)


def test_api2_no_key_in_logs_answers_or_urls(world, caplog):
    """Requests of every kind (ok, 4xx, 5xx) log and answer without the secret."""
    secret = world.key.partition(".")[2]
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION=f"Api-Key {world.key}x")
    responses = []
    with caplog.at_level(logging.DEBUG), override_settings(DEBUG=False):
        for url in every_get_url(world):
            responses.append(world.client.get(url))
        responses.append(world.client.get("/api/actors/?limit=1"))  # has a `next` URL
        responses.append(world.client.get("/api/actors/?limit=nope"))  # 400
        responses.append(world.client.get("/api/actors/987654/"))  # 404
        responses.append(world.client.post("/api/actors/", {"kind": "x"}, format="json"))  # 422
        responses.append(world.client.delete(f"/api/bodies/{world.inside.body.pk}/"))  # 409
        responses.append(bad.get("/api/actors/"))  # 401
        responses.append(world.client.get(f"/api/actors/?api_key={world.key}"))
    for response in responses:
        assert secret.encode() not in response.content
        for header, value in response.items():
            assert secret not in value, header
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'request', '')!r}" for r in caplog.records
    )
    assert secret not in logged
    everything = "".join(
        str(v) for row in ChangeRecord.objects.values_list("api_key", "request_id") for v in row
    )
    assert secret not in everything


def test_api2_the_key_is_never_part_of_a_link_the_api_builds(world):
    data = world.client.get("/api/actors/", {"limit": 1}).json()
    assert data["next"] and world.key not in data["next"]
    for row in world.client.get("/api/actors/").json()["results"]:
        assert world.key not in row["url"]
