"""API keys (hashed, scoped, territory-limited), session auth and per-key throttling."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import orjson
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from api.auth import KeyRateThrottle
from api.models import ApiKey
from registry.models import Actor, Body, ChangeRecord, Membership, PersonalData
from registry.services import actors as actor_services
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key
from tests.factories import ActorFactory, BodyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"] == PROBLEM
    body = orjson.loads(response.content)
    assert body["status"] == status and body["title"] and body["detail"], body
    return body


# --- keys are stored hashed -----------------------------------------------------------


def test_keys_are_stored_hashed_with_only_the_prefix_in_clear():
    api_key, key = make_key(scopes=("read", "write"))
    prefix, _dot, secret = key.partition(".")
    assert prefix == api_key.prefix and len(secret) >= 32
    table = ApiKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    assert secret not in stored, "the secret part of a key must never be stored"
    assert key not in stored
    assert prefix in stored
    assert ApiKey.objects.get(pk=api_key.pk).hashed_key.startswith("sha512$$")
    # ...and yet the key is recognised from its hash.
    assert ApiKey.objects.get_from_key(key).pk == api_key.pk


# --- the create_api_key command ------------------------------------------------------


@pytest.fixture
def dept():
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    return territory_create(
        level="departement", code="28", name="Eure-et-Loir", parents=[(region, "administrative")]
    )


def test_create_api_key_prints_the_key_once_and_stores_its_scope(dept):
    out = StringIO()
    call_command(
        "create_api_key",
        "Chartres métropole sync",
        scopes="write, read,personal_data",
        territory="departement:28",
        expires_in_days=30,
        contact="si@example.org",
        stdout=out,
    )
    text = out.getvalue()
    key = text.strip().splitlines()[-1]
    assert text.count(key) == 1, "the key is printed exactly once"
    api_key = ApiKey.objects.get_from_key(key)
    assert api_key.scopes == ["personal_data", "read", "write"]
    assert api_key.territory_id == dept.pk
    assert api_key.contact == "si@example.org"
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs((api_key.expiry_date - expected).total_seconds()) < 60
    assert api_key.prefix in text and "Eure-et-Loir" in text
    # The printed key works against the API, within its territory.
    response = client_for(key).get(f"/api/territories/{dept.pk}/")
    assert response.status_code == 200


def test_create_api_key_by_territory_id_and_key_only(dept):
    out = StringIO()
    call_command("create_api_key", "script", territory=str(dept.pk), key_only=True, stdout=out)
    key = out.getvalue().strip()
    assert "\n" not in key
    api_key = ApiKey.objects.get_from_key(key)
    assert api_key.scopes == ["read"] and api_key.territory_id == dept.pk
    assert api_key.expiry_date is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scopes": "read,admin"}, "Unknown scope(s): admin"),
        ({"territory": "departement:99"}, "No territory"),
        ({"territory": "999999"}, "No territory"),
        ({"territory": "Paris"}, "--territory 'Paris': Give a territory id or level:code"),
        ({"expires_in_days": "٣"}, "--expires-in-days '٣': Give a whole number"),
        ({"expires_in_days": 0}, "positive"),
    ],
)
def test_create_api_key_refuses_bad_options(dept, options, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("create_api_key", "bad", stdout=StringIO(), **options)
    assert not ApiKey.objects.exists()


# --- invalid credentials: 401 ------------------------------------------------------


def test_expired_key_is_401():
    _api_key, key = make_key(expiry_date=timezone.now() - dt.timedelta(minutes=1))
    body = assert_problem(client_for(key).get("/api/actors/"), 401)
    assert "expired" in body["detail"]


def test_revoked_key_is_401():
    api_key, key = make_key()
    assert client_for(key).get("/api/actors/").status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(revoked=True)
    assert_problem(client_for(key).get("/api/actors/"), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key garbage",
        "Api-Key ",
        "Api-Key {prefix}.wrong-secret",
        "Api-Key {prefix}",
        "Api-Key {key}x",
        "Api-Key",
        "Bearer {key}",
        "{key}",
    ],
)
def test_malformed_or_wrong_credentials_are_401(header):
    api_key, key = make_key()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(key=key, prefix=api_key.prefix))
    response = client.get("/api/actors/")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_valid_key_records_when_it_was_last_used():
    api_key, key = make_key()
    assert api_key.last_used is None
    assert client_for(key).get("/api/actors/").status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used is not None


# --- scopes ------------------------------------------------------------------------


def test_read_only_key_cannot_write(read_client):
    actor = ActorFactory(name="Avant")
    created = read_client.post(
        "/api/actors/",
        {"kind": "person", "category": "resident", "name": "New"},
        format="json",
    )
    body = assert_problem(created, 403)
    assert "write" in body["detail"]
    assert_problem(
        read_client.patch(f"/api/actors/{actor.pk}/", {"name": "Après"}, format="json"), 403
    )
    assert_problem(read_client.delete(f"/api/actors/{actor.pk}/"), 403)
    actor.refresh_from_db()
    assert actor.name == "Avant"
    assert Actor.objects.count() == 1
    assert read_client.get(f"/api/actors/{actor.pk}/").status_code == 200


def test_key_without_read_scope_cannot_read(api_client_factory):
    client = api_client_factory(scopes=("analysis",))
    assert_problem(client.get("/api/actors/"), 403)


@pytest.fixture
def person_with_personal_data():
    return actor_services.actor_create(
        kind="person",
        category="resident",
        name="Claire Martin",
        personal_data={
            "email": "claire.martin@example.org",
            "phone": "+33 6 00 00 00 00",
            "birth_year": 1970,
            "lawful_basis": "public_task",
            "retention_until": dt.date(2030, 1, 1),
        },
    )


def test_key_without_personal_data_scope_does_not_see_it(
    api_client_factory, person_with_personal_data
):
    actor = person_with_personal_data
    client = api_client_factory(scopes=("read", "write"))
    for url in (f"/api/actors/{actor.pk}/", "/api/actors/", f"/api/actors/{actor.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"claire.martin@example.org" not in response.content, url
        assert b"1970" not in response.content, url
    assert "personal_data" not in client.get(f"/api/actors/{actor.pk}/").json()
    body = assert_problem(client.get(f"/api/actors/{actor.pk}/?fields=personal_data"), 400)
    assert body["errors"][0]["field"] == "fields"
    # Nor can it write personal data: the field is not part of its representation.
    response = client.patch(
        f"/api/actors/{actor.pk}/",
        {"personal_data": {"email": "x@example.org", "lawful_basis": "consent"}},
        format="json",
    )
    assert response.status_code == 200
    assert PersonalData.objects.get(actor=actor).email == "claire.martin@example.org"


def test_key_with_personal_data_scope_sees_it(full_client, person_with_personal_data):
    actor = person_with_personal_data
    data = full_client.get(f"/api/actors/{actor.pk}/").json()
    assert data["personal_data"]["email"] == "claire.martin@example.org"
    assert data["personal_data"]["birth_year"] == 1970


# --- territory scope ----------------------------------------------------------------


@pytest.fixture
def scoped():
    """A key limited to Eure-et-Loir, with data inside it and outside it (Loiret)."""
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    eure_et_loir = territory_create(
        level="departement", code="28", name="Eure-et-Loir", parents=[(region, "administrative")]
    )
    loiret = territory_create(
        level="departement", code="45", name="Loiret", parents=[(region, "administrative")]
    )
    chartres = territory_create(
        level="commune", code="28085", name="Chartres", parents=[(eure_et_loir, "administrative")]
    )
    orleans = territory_create(
        level="commune", code="45234", name="Orléans", parents=[(loiret, "administrative")]
    )
    inside_actor = ActorFactory(name="Inside", territory=chartres)
    outside_actor = ActorFactory(name="Outside", territory=orleans)
    inside_body = BodyFactory(name="CQ Chartres", territory=chartres)
    outside_body = BodyFactory(name="CQ Orléans", territory=orleans)
    inside_membership = MembershipFactory(actor=inside_actor, body=inside_body)
    outside_membership = MembershipFactory(actor=outside_actor, body=outside_body)
    _api_key, key = make_key(scopes=("read", "write"), territory=eure_et_loir)
    return {
        "client": client_for(key),
        "region": region,
        "eure_et_loir": eure_et_loir,
        "loiret": loiret,
        "chartres": chartres,
        "orleans": orleans,
        "actor": (inside_actor, outside_actor),
        "body": (inside_body, outside_body),
        "membership": (inside_membership, outside_membership),
    }


RESOURCES = [("actors", "actor"), ("bodies", "body"), ("memberships", "membership")]


@pytest.mark.parametrize(("resource", "key"), RESOURCES)
def test_territory_scoped_key_lists_only_its_territory(scoped, resource, key):
    inside, _outside = scoped[key]
    data = scoped["client"].get(f"/api/{resource}/").json()
    assert [row["id"] for row in data["results"]] == [inside.pk]
    assert data["count"] == 1
    cursor = scoped["client"].get(f"/api/{resource}/?pagination=cursor").json()
    assert [row["id"] for row in cursor["results"]] == [inside.pk]


@pytest.mark.parametrize(("resource", "key"), RESOURCES)
@pytest.mark.parametrize("suffix", ["", "history/"])
def test_territory_scoped_key_reads_inside_and_not_outside(scoped, resource, key, suffix):
    inside, outside = scoped[key]
    client = scoped["client"]
    assert client.get(f"/api/{resource}/{inside.pk}/{suffix}").status_code == 200
    assert_problem(client.get(f"/api/{resource}/{outside.pk}/{suffix}"), 404)


def test_territory_scoped_key_sees_its_territory_and_below_only(scoped):
    client = scoped["client"]
    ids = {row["id"] for row in client.get("/api/territories/").json()["results"]}
    assert ids == {scoped["eure_et_loir"].pk, scoped["chartres"].pk}
    assert_problem(client.get(f"/api/territories/{scoped['region'].pk}/"), 404)
    assert_problem(client.get("/api/territories/commune:45234/"), 404)
    assert client.get("/api/territories/commune:28085/").status_code == 200


def test_territory_scoped_key_updates_inside_only(scoped):
    client = scoped["client"]
    inside, outside = scoped["body"]
    assert_problem(
        client.patch(f"/api/bodies/{outside.pk}/", {"name": "Hijacked"}, format="json"), 404
    )
    assert_problem(client.delete(f"/api/bodies/{outside.pk}/"), 404)
    outside.refresh_from_db()
    assert outside.name == "CQ Orléans"
    response = client.patch(
        f"/api/bodies/{inside.pk}/", {"name": "CQ Chartres-centre"}, format="json"
    )
    assert response.status_code == 200, response.content
    inside.refresh_from_db()
    assert inside.name == "CQ Chartres-centre"


def test_territory_scoped_key_cannot_move_or_create_outside(scoped):
    client = scoped["client"]
    inside, _outside = scoped["body"]
    orleans = scoped["orleans"]
    moved = client.patch(f"/api/bodies/{inside.pk}/", {"territory": orleans.pk}, format="json")
    body = assert_problem(moved, 422)
    assert "territory" in {e["field"] for e in body["errors"]}
    inside.refresh_from_db()
    assert inside.territory_id == scoped["chartres"].pk
    created = client.post(
        "/api/bodies/",
        {"name": "CQ Source", "body_type": "conseil_quartier", "territory": orleans.pk},
        format="json",
    )
    assert_problem(created, 422)
    assert not Body.objects.filter(name="CQ Source").exists()
    outside_actor = scoped["actor"][1]
    joined = client.post(
        "/api/memberships/",
        {"actor": outside_actor.pk, "body": inside.pk, "start_date": "2025-01-01"},
        format="json",
    )
    body = assert_problem(joined, 422)
    assert "actor" in {e["field"] for e in body["errors"]}
    assert Membership.objects.count() == 2


@pytest.mark.parametrize(
    "query",
    [
        "territory={orleans}",
        "territory={loiret}",
        "territory=commune:45234",
        "territory_id={orleans}",
    ],
)
def test_territory_scoped_key_filtering_outside_returns_nothing(scoped, query):
    query = query.format(orleans=scoped["orleans"].pk, loiret=scoped["loiret"].pk)
    for resource in ("actors", "bodies"):
        data = scoped["client"].get(f"/api/{resource}/?{query}").json()
        assert data["count"] == 0 and data["results"] == [], (resource, query)


def test_territory_scoped_key_filtering_a_parent_returns_only_inside(scoped):
    data = scoped["client"].get(f"/api/memberships/?territory={scoped['region'].pk}").json()
    assert [row["id"] for row in data["results"]] == [scoped["membership"][0].pk]


# --- the ledger records the key prefix, never the secret ---------------------------


def test_writes_record_the_key_prefix_in_the_ledger():
    api_key, key = make_key(scopes=("read", "write"))
    client = client_for(key)
    secret = key.partition(".")[2]
    created = client.post(
        "/api/actors/",
        {"kind": "organization", "category": "association", "name": "Les Amis"},
        format="json",
    )
    assert created.status_code == 201, created.content
    actor_id = created.json()["id"]
    assert (
        client.patch(
            f"/api/actors/{actor_id}/", {"name": "Les Amis du Parc"}, format="json"
        ).status_code
        == 200
    )
    assert client.delete(f"/api/actors/{actor_id}/").status_code == 204
    records = list(ChangeRecord.objects.filter(model="registry.actor", object_id=actor_id))
    assert [r.action for r in records] == ["create", "update", "delete"]
    for record in records:
        assert record.api_key == api_key.prefix
        assert record.via == "api"
        assert record.user_id is None
        assert record.request_id
    everything = orjson.dumps(list(ChangeRecord.objects.values())).decode()
    assert secret not in everything


# --- session auth for the browsable API ----------------------------------------------


@pytest.fixture
def staff_client(db):
    user = get_user_model().objects.create_user("consultant", password="x", is_staff=True)
    client = APIClient()
    client.force_login(user)
    return client


def test_session_auth_serves_the_browsable_api(staff_client):
    BodyFactory(name="Conseil de quartier Saint-Jean")
    response = staff_client.get("/api/bodies/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Conseil de quartier Saint-Jean" in response.content.decode()
    json = staff_client.get("/api/bodies/", HTTP_ACCEPT="application/json")
    assert json.status_code == 200 and json.json()["count"] == 1


def test_session_of_a_staff_user_without_the_permission_hides_personal_data(
    staff_client, person_with_personal_data
):
    response = staff_client.get(f"/api/actors/{person_with_personal_data.pk}/")
    assert response.status_code == 200
    assert "personal_data" not in response.json()


def test_session_of_a_non_staff_user_is_read_only(db):
    user = get_user_model().objects.create_user("visitor", password="x")
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/bodies/").status_code == 200
    territory = territory_create(level="commune", code="28085", name="Chartres")
    response = client.post(
        "/api/bodies/",
        {"name": "CQ", "body_type": "conseil_quartier", "territory": territory.pk},
        format="json",
    )
    assert_problem(response, 403)
    assert not Body.objects.exists()


# --- throttling per key, in the shared cache ---------------------------------------


@pytest.fixture
def tiny_rate(monkeypatch):
    """Two requests a minute, counted in a cache of the test's own.

    DRF binds the rates to the throttle class at import time, hence the patch
    beside the setting.
    """
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"key": "2/min"}}
    caches_setting = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle-test",
        }
    }
    with override_settings(REST_FRAMEWORK=rest, CACHES=caches_setting):
        monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "2/min"})
        caches["default"].clear()
        yield caches["default"]
        caches["default"].clear()


def test_each_key_has_its_own_budget_in_the_configured_cache(tiny_rate):
    key_a, secret_a = make_key(name="a")
    key_b, secret_b = make_key(name="b")
    client_a, client_b = client_for(secret_a), client_for(secret_b)
    assert [client_a.get("/api/actors/").status_code for _ in range(2)] == [200, 200]
    assert_problem(client_a.get("/api/actors/"), 429)
    assert client_b.get("/api/actors/").status_code == 200, "key b has its own budget"
    history_a = tiny_rate.get(f"throttle_key_key:{key_a.prefix}")
    history_b = tiny_rate.get(f"throttle_key_key:{key_b.prefix}")
    assert len(history_a) == 2 and len(history_b) == 1
    # Forget the counters (as another worker sharing the cache would see them) and a
    # is served again.
    tiny_rate.clear()
    assert client_a.get("/api/actors/").status_code == 200
