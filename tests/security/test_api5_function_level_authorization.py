"""API5:2023 Broken Function Level Authorization.

Each function needs its scope, on every route: reads ``read``, writes ``write``,
analyses ``analysis``, personal data exports ``personal_data``, erasure
``personal_data`` and ``write``. A key is never an administrator: the admin and the
management of keys (admin only; no API route creates, lists or changes keys) are out
of reach with an API key, whatever its scopes.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from api.auth import KeyUser
from api.models import ALL_SCOPES, ApiKey
from registry.models import ChangeRecord
from tests.api.conftest import client_for, make_key
from tests.security.conftest import assert_problem, every_get_url, write_requests

pytestmark = pytest.mark.django_db


def client_without(scope: str, world) -> APIClient:
    scopes = [s for s in ALL_SCOPES if s != scope]
    _key, secret = make_key(scopes=scopes, territory=world.inside.dept, name=f"no-{scope}")
    return client_for(secret)


def needed_scopes(url: str) -> set[str]:
    needed = {"read"}
    if "/api/analysis/" in url:
        needed.add("analysis")
    if "personal-data-export" in url:
        needed.add("personal_data")
    return needed


@pytest.mark.parametrize("scope", ALL_SCOPES)
def test_api5_every_read_route_needs_its_scopes(world, scope):
    client = client_without(scope, world)
    for url in every_get_url(world):
        response = client.get(url)
        if scope in needed_scopes(url):
            body = assert_problem(response, 403)
            assert scope in body["detail"], (url, body["detail"])
        else:
            assert response.status_code in (200, 202), (url, response.content[:200])


def test_api5_every_write_route_needs_the_write_scope(world):
    client = client_without("write", world)
    before = ChangeRecord.objects.count()
    for method, url, body in write_requests(world):
        response = getattr(client, method)(url, body, format="json")
        assert "write" in assert_problem(response, 403)["detail"], (method, url)
    assert ChangeRecord.objects.count() == before


def test_api5_erasure_needs_personal_data_and_write(world):
    url = f"/api/actors/{world.inside.person.pk}/erase/"
    for scope in ("personal_data", "write"):
        assert_problem(client_without(scope, world).post(url, {}, format="json"), 403)
    world.inside.person.refresh_from_db()
    assert not world.inside.person.is_pseudonymised


def test_api5_analysis_jobs_need_the_analysis_scope(world):
    url = "/api/analysis/jobs/00000000-0000-0000-0000-000000000000/"
    assert_problem(client_without("analysis", world).get(url), 403)


def test_api5_a_key_is_never_staff_nor_has_a_django_permission(world):
    api_key = ApiKey.objects.get(prefix=world.key.partition(".")[0])
    user = KeyUser(api_key)
    assert not user.is_staff and not user.is_superuser
    assert not user.has_perm("api.add_apikey") and not user.has_perm("registry.view_personaldata")


ADMIN_URLS = [
    "/admin/",
    "/admin/api/apikey/",
    "/admin/api/apikey/add/",
    "/admin/registry/",
    "/admin/auth/user/",
]


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_api5_the_admin_is_unreachable_with_an_api_key(world, url):
    response = world.client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"], (
        response.status_code
    )
    before = ApiKey.objects.count()
    posted = world.client.post(url, {"name": "mine", "scopes": '["read"]'})
    assert posted.status_code in (302, 403)
    assert ApiKey.objects.count() == before


def test_api5_no_api_route_manages_keys_or_accounts():
    """The URL conf under /api/ has no route to keys, users, groups or permissions."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    routes = [r for r in walk(get_resolver().url_patterns) if r.startswith("api/")]
    assert routes
    for route in routes:
        for word in ("key", "user", "group", "permission", "token", "admin"):
            assert word not in route.lower().replace("api/", "", 1), route


@pytest.mark.no_schema_validation(reason="URLs that must not exist, on purpose")
@pytest.mark.parametrize("url", ["/api/keys/", "/api/api-keys/", "/api/users/", "/api/apikeys/"])
def test_api5_key_management_urls_do_not_exist_under_the_api(world, url):
    assert_problem(world.client.get(url), 404)
    assert_problem(world.client.post(url, {"scopes": ALL_SCOPES}, format="json"), 404)


def test_api5_a_non_staff_account_only_reads(world):
    user = get_user_model().objects.create_user("visitor", password="x")
    client = APIClient()
    client.force_login(user)
    before = ChangeRecord.objects.count()
    assert client.get("/api/actors/").status_code == 200
    for method, url, body in write_requests(world):
        assert_problem(getattr(client, method)(url, body, format="json"), 403)
    for url in every_get_url(world):
        if needed_scopes(url) - {"read"}:
            assert_problem(client.get(url), 403)
    assert ChangeRecord.objects.count() == before
    assert client.get("/admin/").status_code == 302


@pytest.mark.no_schema_validation(reason="a method no route has, on purpose")
def test_api5_trace_is_not_allowed(world):
    response = world.client.generic("TRACE", f"/api/actors/{world.inside.person.pk}/")
    assert_problem(response, 405)


@pytest.mark.no_schema_validation(reason="OPTIONS (DRF's route metadata) is not in the schema")
def test_api5_options_describes_an_outside_object_as_a_missing_one(world):
    """OPTIONS answers the route's metadata; for an object out of reach, exactly what it
    answers for a missing one (no write form that would prove it exists)."""
    outside = world.client.options(f"/api/actors/{world.outside.person.pk}/")
    missing = world.client.options("/api/actors/987654/")
    inside = world.client.options(f"/api/actors/{world.inside.person.pk}/")
    assert outside.status_code == missing.status_code == inside.status_code == 200
    assert outside.json() == missing.json()
    assert "PUT" in inside.json().get("actions", {})
    assert "PUT" not in outside.json().get("actions", {})


def test_api5_key_management_in_the_admin_needs_its_permission(world):
    api_key = ApiKey.objects.get(prefix=world.key.partition(".")[0])
    staff = get_user_model().objects.create_user("staff", password="x", is_staff=True)
    client = APIClient()
    client.force_login(staff)
    for url in ("/admin/api/apikey/", f"/admin/api/apikey/{api_key.pk}/change/"):
        assert client.get(url).status_code == 403, url


def test_api5_the_admin_never_shows_a_key_hash_and_keeps_its_audit_fields_read_only(world):
    api_key = ApiKey.objects.get(prefix=world.key.partition(".")[0])
    root = get_user_model().objects.create_superuser("root", password="x")
    client = APIClient()
    client.force_login(root)
    page = client.get(f"/admin/api/apikey/{api_key.pk}/change/").content.decode()
    assert api_key.hashed_key not in page and world.key.partition(".")[2] not in page
    for field in ("prefix", "last_used", "hashed_key"):
        assert f'name="{field}' not in page, f"{field} is editable in the admin"
    for field in ("scopes", "territory", "revoked", "expiry_date"):
        assert f'name="{field}' in page, f"{field} cannot be managed in the admin"
