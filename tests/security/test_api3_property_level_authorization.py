"""API3:2023 Broken Object Property Level Authorization.

Personal data (contact details, gender, birth year) reaches only keys with the
``personal_data`` scope, through every route, expansion, filter, ordering, search,
the change feed and the exports. On writes, read-only and server-set properties
(ids, timestamps, history, pseudonymisation, successor, scopes, foreign keys spelt
``*_id``) are ignored or refused: no mass assignment.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.models import ApiKey
from api.urls import router
from registry.models import Actor, ChangeRecord, College, PersonalData
from tests.api.conftest import client_for, make_key
from tests.security.conftest import assert_problem, every_get_url

pytestmark = pytest.mark.django_db

NO_PERSONAL_DATA = ("read", "write", "analysis")
LONG_AGO = "2000-01-01T00:00:00Z"


def personal_values(side) -> list[bytes]:
    pd = PersonalData.objects.get(actor=side.person)
    return [pd.email.encode(), pd.phone.encode(), f'"birth_year":{pd.birth_year}'.encode()]


def read_only_fields(serializer_class) -> list[str]:
    request = Request(APIRequestFactory().get("/api/"))
    fields = serializer_class(context={"request": request, "view": None}).fields
    return [name for name, field in fields.items() if field.read_only]


# --- personal data only with the personal_data scope ----------------------------------


def test_api3_no_route_shows_personal_data_without_the_scope(world):
    """Every GET route, with every expansion: no e-mail, phone or birth year."""
    _key, secret = make_key(scopes=NO_PERSONAL_DATA, territory=world.inside.dept)
    client = client_for(secret)
    secrets = personal_values(world.inside)
    urls = [u for u in every_get_url(world) if "personal-data-export" not in u]
    for prefix, viewset, _basename in router.registry:
        expand = ",".join(getattr(viewset.serializer_class, "expandable", {}) or {})
        if expand:
            urls.append(f"/api/{prefix}/?expand={expand}&limit=1000")
    urls.append("/api/changes/?limit=1000")
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 202), (url, response.content[:300])
        for value in secrets:
            assert value not in response.content, (url, value)
    # The control: the same routes with the scope do show it.
    shown = world.client.get(f"/api/actors/{world.inside.person.pk}/").content
    assert all(value in shown for value in secrets)


def test_api3_personal_data_export_needs_the_scope(world):
    _key, secret = make_key(scopes=NO_PERSONAL_DATA, territory=world.inside.dept)
    url = reverse("actor-personal-data-export", args=[world.inside.person.pk])
    body = assert_problem(client_for(secret).get(url), 403)
    assert "personal_data" in body["detail"]
    erase = reverse("actor-erase", args=[world.inside.person.pk])
    assert_problem(client_for(secret).post(erase, {}, format="json"), 403)


@pytest.mark.parametrize(
    "query",
    [
        {"fields": "id,personal_data"},
        {"ordering": "personal_data__email"},
        {"ordering": "personal_data__birth_year"},
        {"personal_data__email": "alpha@example.org"},
        {"email": "alpha@example.org"},
        {"birth_year": "1951"},
        {"q": "alpha@example.org"},
    ],
)
def test_api3_personal_data_cannot_be_selected_filtered_sorted_or_searched(world, query):
    """No field selection, filter, ordering or search gives personal data away, even as an
    oracle (a filter or search on it finding the person)."""
    _key, secret = make_key(scopes=NO_PERSONAL_DATA)
    response = client_for(secret).get("/api/actors/", query)
    if response.status_code == 400:
        assert_problem(response, 400)
        return
    assert response.status_code == 200
    for value in personal_values(world.inside):
        assert value not in response.content
    if "q" in query or "email" in query or "personal_data__email" in query or "birth_year" in query:
        # Either ignored (every actor) or not an oracle (nobody found by it).
        ids = {row["id"] for row in response.json()["results"]}
        assert ids in (set(Actor.objects.values_list("pk", flat=True)), set()), ids


def test_api3_personal_data_cannot_be_written_without_the_scope(world):
    _key, secret = make_key(scopes=NO_PERSONAL_DATA)
    client = client_for(secret)
    person = world.inside.person
    personal = {"email": "new@example.org", "lawful_basis": "consent", "birth_year": 1999}
    patched = client.patch(f"/api/actors/{person.pk}/", {"personal_data": personal}, format="json")
    assert patched.status_code in (200, 422), patched.content
    created = client.post(
        "/api/actors/",
        {"kind": "person", "category": "resident", "name": "Nouveau", "personal_data": personal},
        format="json",
    )
    assert created.status_code in (201, 422), created.content
    assert not PersonalData.objects.filter(email="new@example.org").exists()
    assert PersonalData.objects.get(actor=person).email == "alpha@example.org"


# --- no mass assignment -------------------------------------------------------------


def hostile_fields(world, basename: str, serializer_class) -> dict:
    """Bogus values for every read-only field, and server-side names the API does not offer."""
    outside = world.outside
    values = {
        "id": outside.obj(basename).pk,
        "url": "http://evil.example/",
        "display": "Hijacked",
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
        "is_pseudonymised": True,
        "is_current": False,
        "successor": outside.commune.pk,
        "parents": [outside.region.pk],
        "key": "commune:00000",
        "classification": "hijacked",
    }
    body = {name: values.get(name, "hijacked") for name in read_only_fields(serializer_class)}
    body |= {
        "pk": outside.obj(basename).pk,
        "history": [{"action": "delete"}],
        "scopes": ["personal_data", "write"],
        "api_key": "hijacked",
        "territory_id": outside.commune.pk,
        "body_id": outside.body.pk,
        "actor_id": outside.person.pk,
        "source_id": outside.person.pk,
        "created_by": 1,
        "pseudonymised_at": LONG_AGO,
    }
    return body


def snapshot(obj) -> dict:
    obj = type(obj)._default_manager.get(pk=obj.pk)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize(
    ("prefix", "viewset", "basename"), router.registry, ids=[r[2] for r in router.registry]
)
def test_api3_patch_ignores_read_only_and_server_set_fields(world, prefix, viewset, basename):
    inside, outside = world.inside.obj(basename), world.outside.obj(basename)
    before_inside, before_outside = snapshot(inside), snapshot(outside)
    payload = hostile_fields(world, basename, viewset.serializer_class)
    response = world.client.patch(f"/api/{prefix}/{inside.pk}/", payload, format="json")
    assert response.status_code in (200, 400, 422), response.content[:400]
    after = snapshot(inside)
    assert after == before_inside, {
        k: (before_inside[k], v) for k, v in after.items() if v != before_inside[k]
    }
    assert snapshot(outside) == before_outside


@pytest.mark.parametrize(
    ("prefix", "viewset", "basename"), router.registry, ids=[r[2] for r in router.registry]
)
def test_api3_a_legit_change_beside_hostile_fields_changes_only_the_legit_field(
    world, prefix, viewset, basename
):
    """Sent with a real change, read-only fields are still not applied: a new id, the
    server's own timestamps, no other object touched."""
    inside = world.inside.obj(basename)
    before = snapshot(inside)
    payload = hostile_fields(world, basename, viewset.serializer_class)
    writable = {
        "territory": ("name", "Alpha commune bis"),
        "actor": ("name", "Alpha Personne bis"),
        "body": ("name", "Alpha Conseil bis"),
        "college": ("name", "Alpha Collège bis"),
        "membership": ("external_id", "Alpha-seat-bis"),
        "meeting": ("title", "Alpha séance bis"),
        "opinion": ("title", "Alpha avis bis"),
        "interaction": ("weight", 4),
        "charter": ("name", "Alpha Charte bis"),
    }[basename]
    payload[writable[0]] = writable[1]
    started = timezone.now()
    response = world.client.patch(f"/api/{prefix}/{inside.pk}/", payload, format="json")
    if response.status_code == 422:
        # Refused outright (a read-only field named): then nothing changed at all.
        assert snapshot(inside) == before
        return
    assert response.status_code == 200, response.content[:400]
    after = snapshot(inside)
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {writable[0], "updated_at"}, changed
    assert after["id"] == inside.pk and after["created_at"] == before["created_at"]
    assert after["updated_at"] >= started - dt.timedelta(seconds=1)
    assert ChangeRecord.objects.filter(object_id=inside.pk).exclude(action="create").count() == 1


def test_api3_create_ignores_a_chosen_id_and_timestamps(world):
    outside = world.outside.person
    before = snapshot(outside)
    response = world.client.post(
        "/api/actors/",
        {
            "id": outside.pk,
            "kind": "organization",
            "category": "association",
            "name": "Alpha Nouvelle",
            "territory": world.inside.commune.pk,
            "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
            "is_pseudonymised": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Actor.objects.get(pk=response.json()["id"])
    assert created.pk != outside.pk and created.name == "Alpha Nouvelle"
    assert created.created_at.year == timezone.now().year and not created.is_pseudonymised
    assert snapshot(outside) == before


def test_api3_nested_colleges_cannot_take_over_another_bodys_college(world):
    outside_college = world.outside.college
    before = snapshot(outside_college)
    response = world.client.patch(
        f"/api/bodies/{world.inside.body.pk}/",
        {
            "colleges": [
                {"id": outside_college.pk, "name": "Hijacked", "selection_mode": "volunteer"}
            ]
        },
        format="json",
    )
    assert response.status_code in (200, 422), response.content
    assert snapshot(outside_college) == before
    assert not College.objects.filter(name="Hijacked", body=world.outside.body).exists()


@pytest.mark.parametrize(
    ("url", "item"),
    [
        (
            "/api/actors/bulk/",
            # "id" names the actor (bulk items may); its own timestamps are read-only.
            {"identifier": {"scheme": "rna", "value": "W1ALPHA"}, "updated_at": LONG_AGO},
        ),
        (
            "/api/actors/bulk/",
            {"identifier": {"scheme": "rna", "value": "W1ALPHA"}, "created_at": LONG_AGO},
        ),
        (
            "/api/actors/bulk/",
            {"identifier": {"scheme": "rna", "value": "W1ALPHA"}, "is_pseudonymised": True},
        ),
        (
            "/api/actors/bulk/",
            {
                "identifier": {"scheme": "rna", "value": "W1ALPHA"},
                "personal_data": {"email": "x@y.z"},
            },
        ),
        ("/api/interactions/bulk/", {"external_id": "Alpha-tie", "updated_at": LONG_AGO}),
        ("/api/interactions/bulk/", {"external_id": "Alpha-tie", "id": 1}),
    ],
)
def test_api3_bulk_items_with_read_only_fields_are_refused_naming_them(world, url, item):
    before = ChangeRecord.objects.count()
    body = assert_problem(world.client.post(url, {"items": [item]}, format="json"), 422)
    named = {e["field"] for e in body["errors"]}
    bad = (set(item) - {"identifier", "external_id"}).pop()
    assert any(bad in field for field in named), named
    assert ChangeRecord.objects.count() == before


def test_api3_member_sync_cannot_set_ids_or_history(world):
    url = f"/api/bodies/{world.inside.body.pk}/members/"
    membership = world.inside.membership
    before = snapshot(membership)
    response = world.client.put(
        url,
        {
            "members": [
                {
                    "actor": world.inside.person.pk,
                    "external_id": "Alpha-seat",
                    "id": world.outside.membership.pk,
                    "created_at": LONG_AGO,
                    "body": world.outside.body.pk,
                }
            ]
        },
        format="json",
    )
    assert response.status_code in (200, 422), response.content
    assert snapshot(world.outside.membership)["body_id"] == world.outside.body.pk
    after = snapshot(membership)
    assert after["id"] == before["id"] and after["created_at"] == before["created_at"]
    assert after["body_id"] == world.inside.body.pk


@pytest.mark.no_schema_validation(reason="methods the routes do not have, on purpose")
@pytest.mark.parametrize("url", ["/api/changes/", "/api/actors/{pk}/history/"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api3_history_and_change_feed_are_read_only(world, url, method):
    before = ChangeRecord.objects.count()
    url = url.format(pk=world.inside.person.pk)
    response = getattr(world.client, method)(url, {"action": "delete"}, format="json")
    assert_problem(response, 405)
    assert ChangeRecord.objects.count() == before


@pytest.mark.no_schema_validation(reason="methods the routes do not have, on purpose")
def test_api3_a_key_cannot_grant_itself_scopes_or_a_wider_territory(world):
    api_key = ApiKey.objects.get(prefix=world.key.partition(".")[0])
    for payload in (
        {"scopes": ["read", "write", "personal_data", "analysis", "admin"]},
        {"territory": None, "territory_id": None},
    ):
        for url in ("/api/actors/", f"/api/actors/{world.inside.person.pk}/"):
            world.client.patch(url, payload, format="json")
            world.client.post(url, payload, format="json")
    api_key.refresh_from_db()
    assert api_key.territory_id == world.inside.dept.pk
    assert sorted(api_key.scopes) == sorted(["read", "write", "personal_data", "analysis"])


@pytest.mark.django_db(transaction=True)  # the change feed, on PostgreSQL, holds committed changes
def test_api3_after_erasure_no_route_shows_the_person(world):
    """Name, identifier and personal data of an erased person are gone from every route,
    the history and the change feed included, even for a key with every scope."""
    person = world.inside.person
    gone = [b"Alpha Personne", b"W1ALPHA", *personal_values(world.inside)]
    url = reverse("actor-erase", args=[person.pk])
    erased = world.national.post(url, {"reason": "request of 2026-11-25, ticket 7"}, format="json")
    assert erased.status_code == 200, erased.content
    urls = [u for u in every_get_url(world) if "personal-data-export" not in u]
    urls += [
        "/api/memberships/?expand=actor&limit=1000",
        "/api/changes/?limit=1000",
        f"/api/actors/{person.pk}/history/",
        "/api/actors/?q=Alpha",
    ]
    for url in urls:
        response = world.national.get(url)
        assert response.status_code < 500, (url, response.content[:200])
        for value in gone:
            assert value not in response.content, (url, value)
