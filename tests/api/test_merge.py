"""POST /api/actors/{id}/merge/ and the 410 a merged id answers on every actor route."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from registry.models import Actor, ActorOtherName, ChangeRecord, Membership
from registry.models.merge import ActorMerge
from registry.services import actors as actor_services
from registry.services.territories import territory_create
from tests.factories import BodyFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def merge_url(actor_id) -> str:
    return f"/api/actors/{actor_id}/merge/"


def problem_of(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == PROBLEM
    body = orjson.loads(response.content)
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def places():
    region = territory_create(level="region", code="84", name="Auvergne-Rhône-Alpes")
    lyon = territory_create(
        level="commune", code="69123", name="Lyon", parents=[(region, "administrative")]
    )
    nantes = territory_create(level="commune", code="44109", name="Nantes")
    return {"region": region, "lyon": lyon, "nantes": nantes}


def person(name, territory=None, **personal):
    return actor_services.actor_create(
        kind="person",
        category="resident",
        name=name,
        territory=territory,
        personal_data={"lawful_basis": "consent", "retention_until": "2031-01-01", **personal}
        if personal
        else None,
    )


@pytest.fixture
def pair(places):
    survivor = person("Maëlle Quentin", places["lyon"], email="maelle@example.org")
    merged = person("QUENTIN Maelle", places["lyon"], email="mq@example.org", birth_year=1984)
    body = BodyFactory(territory=places["lyon"])
    MembershipFactory(actor=survivor, body=body, start_date=dt.date(2024, 1, 1))
    MembershipFactory(actor=merged, body=body, start_date=dt.date(2023, 3, 1))
    return survivor, merged, body


def test_merge_answers_what_moved_joined_and_the_conflicts(full_client, pair):
    survivor, merged, body = pair
    response = full_client.post(merge_url(merged.pk), {"into": survivor.pk}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["merged"], data["into"], data["dry_run"]) == (merged.pk, survivor.pk, False)
    assert data["joined"]["memberships"][0]["start_date"] == "2023-03-01"
    assert "personal_data.birth_year" in data["filled"]
    assert {
        "field": "personal_data.email",
        "survivor": "maelle@example.org",
        "merged": "mq@example.org",
        "kept": "survivor",
    } in data["conflicts"]
    assert data["other_name"] == {"name": "QUENTIN Maelle", "note": "merged record"}
    assert not Actor.objects.filter(pk=merged.pk).exists()
    assert Membership.objects.filter(actor=survivor).count() == 1


def test_a_key_without_personal_data_sees_which_fields_conflict_not_their_values(
    api_client_factory, pair
):
    survivor, merged, _body = pair
    client = api_client_factory(scopes=("read", "write"))
    data = client.post(merge_url(merged.pk), {"into": survivor.pk}, format="json").json()
    (conflict,) = [c for c in data["conflicts"] if c["field"] == "personal_data.email"]
    assert conflict == {"field": "personal_data.email", "kept": "survivor"}
    assert "maelle@example.org" not in str(data) and "mq@example.org" not in str(data)


def test_prefer_personal_data_needs_the_scope(api_client_factory, pair):
    survivor, merged, _body = pair
    client = api_client_factory(scopes=("read", "write"))
    response = client.post(
        merge_url(merged.pk), {"into": survivor.pk, "prefer": {"email": "merged"}}, format="json"
    )
    body = problem_of(response, 422)
    assert [e["field"] for e in body["errors"]] == ["prefer.personal_data.email"]
    assert Actor.objects.filter(pk=merged.pk).exists()


def test_the_dry_run_answers_the_same_and_writes_nothing(full_client, pair):
    survivor, merged, _body = pair
    before = ChangeRecord.objects.count()
    dry = full_client.post(
        merge_url(merged.pk) + "?dry_run=true", {"into": survivor.pk}, format="json"
    )
    assert dry.status_code == 200, dry.content
    assert ChangeRecord.objects.count() == before and Actor.objects.filter(pk=merged.pk).exists()
    real = full_client.post(merge_url(merged.pk), {"into": survivor.pk}, format="json")
    assert {**dry.json(), "dry_run": False} == real.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "into"),
        ({"into": "12"}, "into"),
        ({"into": True}, "into"),
        ({"into": 999_999_999}, "into"),
        ({"into": "self"}, "into"),
        ({"into": "organization"}, "into"),
        ({"into": "survivor", "prefer": {"email": "both"}}, "prefer.email"),
        ({"into": "survivor", "prefer": {"is_pseudonymised": "merged"}}, "prefer.is_pseudonymised"),
        ({"into": "survivor", "prefer": ["email"]}, "prefer"),
    ],
)
def test_refusals_are_422_naming_the_field_and_write_nothing(full_client, pair, payload, field):
    survivor, merged, _body = pair
    ids = {"self": merged.pk, "survivor": survivor.pk, "organization": OrganizationFactory().pk}
    payload = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    before = ChangeRecord.objects.count()
    body = problem_of(full_client.post(merge_url(merged.pk), payload, format="json"), 422)
    assert field in [e["field"] for e in body["errors"]], body
    assert ChangeRecord.objects.count() == before


def test_merge_needs_the_write_scope(api_client_factory, pair):
    survivor, merged, _body = pair
    client = api_client_factory(scopes=("read",))
    problem_of(client.post(merge_url(merged.pk), {"into": survivor.pk}, format="json"), 403)


def test_a_scoped_key_merges_only_within_its_territory(api_client_factory, places, pair):
    survivor, merged, _body = pair
    far = person("Maëlle Quentin", places["nantes"])
    lyon_key = api_client_factory(territory=places["lyon"])
    # into outside: as for a missing id
    outside = lyon_key.post(merge_url(merged.pk), {"into": far.pk}, format="json")
    missing = lyon_key.post(merge_url(merged.pk), {"into": 999_999_999}, format="json")
    assert problem_of(outside, 422)["errors"] == problem_of(missing, 422)["errors"]
    # the merged actor outside: the 404 of a missing id
    a = problem_of(lyon_key.post(merge_url(far.pk), {"into": survivor.pk}, format="json"), 404)
    b = problem_of(lyon_key.post(merge_url(999_999_999), {"into": survivor.pk}, format="json"), 404)
    assert a["detail"] == b["detail"]
    assert Actor.objects.filter(pk=far.pk).exists()


#: A request body per actor-id route (method, path as the OpenAPI document lists it).
ACTOR_ROUTE_BODIES: dict[tuple[str, str], dict | None] = {
    ("get", "/api/actors/{pk}/"): None,
    ("put", "/api/actors/{pk}/"): {"kind": "person", "category": "resident", "name": "X"},
    ("patch", "/api/actors/{pk}/"): {"name": "X"},
    ("delete", "/api/actors/{pk}/"): None,
    ("get", "/api/actors/{pk}/history/"): None,
    ("get", "/api/actors/{pk}/personal-data-export/"): None,
    ("post", "/api/actors/{pk}/erase/"): {"reason": "ticket 7"},
    ("post", "/api/actors/{pk}/merge/"): {"into": 1},
    ("get", "/api/analysis/actors/{pk}/network"): None,
}


def actor_id_routes() -> set[tuple[str, str]]:
    """Every route whose path id is an actor id, as the OpenAPI document lists them."""
    from drf_spectacular.generators import EndpointEnumerator

    return {
        (method.lower(), path)
        for path, _regex, method, _callback in EndpointEnumerator().get_api_endpoints()
        if path.startswith(("/api/actors/{pk}", "/api/analysis/actors/{pk}"))
    }


def test_every_actor_id_route_is_checked_for_merged_ids():
    """A new route taking an actor id fails here until the 410 test sends it a request."""
    assert actor_id_routes() == set(ACTOR_ROUTE_BODIES)


def actor_routes(actor_id: int) -> list[tuple[str, str, dict | None]]:
    return [
        (method, path.replace("{pk}", str(actor_id)), body)
        for (method, path), body in sorted(ACTOR_ROUTE_BODIES.items())
    ]


def test_a_merged_id_answers_410_with_a_pointer_on_every_actor_route(full_client, pair):
    survivor, merged, _body = pair
    merged_id = merged.pk
    full_client.post(merge_url(merged_id), {"into": survivor.pk}, format="json")
    for method, url, payload in actor_routes(merged_id):
        response = getattr(full_client, method)(url, payload, format="json")
        body = problem_of(response, 410, "merged")
        assert body["merged_into"] == survivor.pk, url
        assert body["survivor"].endswith(f"/api/actors/{survivor.pk}/")
        assert response["Location"].endswith(url.replace(str(merged_id), str(survivor.pk)))
    # a missing id is still 404
    problem_of(full_client.get("/api/actors/999999999/"), 404)


def test_a_key_that_may_not_see_the_survivor_gets_the_404_of_a_missing_id(
    api_client_factory, places, pair
):
    survivor, merged, _body = pair
    merged_id = merged.pk
    api_client_factory().post(merge_url(merged_id), {"into": survivor.pk}, format="json")
    nantes_key = api_client_factory(territory=places["nantes"])
    for method, url, payload in actor_routes(merged_id):
        gone = getattr(nantes_key, method)(url, payload, format="json")
        missing = getattr(nantes_key, method)(
            url.replace(str(merged_id), "999999999"), payload, format="json"
        )
        assert gone.status_code == missing.status_code == 404, url
        assert "merged_into" not in gone.json()


def test_merging_the_survivor_again_keeps_every_old_id_one_step_away(full_client, places):
    a, b, c = (person(n, places["lyon"]) for n in ("Enzo Rivière", "Enzo Riviere", "E. Rivière"))
    a_id, b_id = a.pk, b.pk
    full_client.post(merge_url(a_id), {"into": b_id}, format="json")
    full_client.post(merge_url(b_id), {"into": c.pk}, format="json")
    assert problem_of(full_client.get(f"/api/actors/{a_id}/"), 410)["merged_into"] == c.pk
    assert ActorMerge.objects.filter(into=c).count() == 2
    assert set(ActorOtherName.objects.filter(actor=c).values_list("name", flat=True)) == {
        "Enzo Rivière",
        "Enzo Riviere",
    }


def test_erasure_of_a_merged_id_points_to_the_survivor_whose_erasure_covers_both(full_client, pair):
    survivor, merged, _body = pair
    merged_id = merged.pk
    full_client.post(merge_url(merged_id), {"into": survivor.pk}, format="json")
    gone = full_client.post(
        f"/api/actors/{merged_id}/erase/", {"reason": "ticket 9"}, format="json"
    )
    assert problem_of(gone, 410, "merged")["merged_into"] == survivor.pk
    assert gone["Location"].endswith(f"/api/actors/{survivor.pk}/erase/")
    erased = full_client.post(gone["Location"], {"reason": "ticket 9"}, format="json")
    assert erased.status_code == 200, erased.content
    assert ActorMerge.objects.get(merged_id=merged_id).merged_name == erased.json()["pseudonym"]
    assert not ChangeRecord.objects.filter(object_repr__contains="Maelle").exists()


def test_refusals_and_the_410_speak_french_when_asked(full_client, pair):
    survivor, merged, _body = pair
    org = OrganizationFactory()
    fr = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    body = problem_of(
        full_client.post(merge_url(merged.pk), {"into": org.pk}, format="json", **fr), 422
    )
    assert body["detail"] == "Seuls deux acteurs de même nature peuvent être fusionnés."
    assert body["errors"][0]["detail"] == (
        f"L’acteur {org.pk} est de nature « Organisation », l’acteur {merged.pk} de nature "
        "« Personne »."
    )
    merged_id = merged.pk
    full_client.post(merge_url(merged_id), {"into": survivor.pk}, format="json")
    gone = problem_of(full_client.get(f"/api/actors/{merged_id}/", **fr), 410)
    assert gone["detail"] == (
        f"L’acteur {merged_id} a été fusionné dans l’acteur {survivor.pk} : utilisez {survivor.pk}."
    )
