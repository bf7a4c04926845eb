"""GET /api/actors/duplicates/: pairs, scores, reasons, scope, personal data, bad parameters."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from api.personal_data_log import PersonalDataAccess
from registry.services.actors import actor_create
from registry.services.territories import territory_create

URL = "/api/actors/duplicates/"
PROBLEM = "application/problem+json"
PD = {"lawful_basis": "public_task", "retention_until": dt.date(2030, 1, 1)}


@pytest.fixture
def world(db):
    region = territory_create(level="region", code="R9", name="Région")
    town = territory_create(
        level="commune", code="C9", name="Ville", parents=[(region, "administrative")]
    )
    other = territory_create(
        level="commune", code="C8", name="Autre ville", parents=[(region, "administrative")]
    )

    def person(name, territory, **pd):
        return actor_create(
            kind="person",
            category="resident",
            name=name,
            territory=territory,
            personal_data={**PD, **pd} if pd else None,
        )

    w = {
        "region": region,
        "town": town,
        "other": other,
        "marie": person("Marie Dupont", town, birth_year=1970, email="md@example.org"),
        "dupont": person("DUPONT Marie", town, birth_year=1970, email="MD@example.org"),
        "odile": person("Odile Chassagne", town, birth_year=1956, phone="01 99 00 12 34"),
        "olga": person("Olga Brunet", town, birth_year=1956, phone="+33 1 99 00 12 34"),
        "remote": person("Marie Dupond", other),
        "assoc": actor_create(
            kind="organization",
            category="association",
            name="Amicale des locataires",
            territory=town,
            identifiers=[{"scheme": "siren", "value": "732829320"}],
        ),
        "branch": actor_create(
            kind="organization",
            category="company",
            name="Gestion locative Nord",
            territory=other,
            identifiers=[{"scheme": "siret", "value": "73282932000074"}],
        ),
    }
    return w


def pairs(response) -> dict[frozenset, dict]:
    assert response.status_code == 200, response.content[:500]
    return {frozenset((p["a"]["id"], p["b"]["id"])): p for p in response.json()["results"]}


def key(w, x, y) -> frozenset:
    return frozenset((w[x].pk, w[y].pk))


def codes(pair) -> set[str]:
    return {r["code"] for r in pair["reasons"]}


def test_lists_pairs_with_score_and_reasons(world, api_client_factory):
    client = api_client_factory(scopes=("read",))
    response = client.get(URL, {"territory": world["region"].pk, "min_score": 0})
    found = pairs(response)
    body = response.json()
    assert body["territory_id"] == world["region"].pk and body["personal_data"] is False
    assert body["scanned"] == 7 and body["count"] == len(found)

    same = found[key(world, "marie", "dupont")]
    assert same["a"] == {"id": world["marie"].pk, "name": "Marie Dupont", "kind": "person"}
    assert codes(same) == {"name_similarity", "same_territory"}
    similarity = next(r for r in same["reasons"] if r["code"] == "name_similarity")
    assert similarity["value"] == 100 and similarity["text"] == "Names 100% alike"
    assert sum(r["points"] for r in same["reasons"]) == same["score"] == 80

    typo = found[key(world, "marie", "remote")]
    assert codes(typo) == {"name_similarity"} and typo["score"] < same["score"]

    shared = found[key(world, "assoc", "branch")]
    assert "shared_identifier" in codes(shared)
    assert {r["value"] for r in shared["reasons"] if r["code"] == "shared_identifier"} == {
        "siren:732829320 / siret:73282932000074"
    }
    # best first
    scores = [p["score"] for p in response.json()["results"]]
    assert scores == sorted(scores, reverse=True)
    # no personal reason without the scope, and a person never pairs with an organization
    assert key(world, "odile", "olga") not in found
    assert not any(
        {p["a"]["kind"], p["b"]["kind"]} == {"person", "organization"} for p in found.values()
    )


def test_a_territory_code_is_accepted(world, api_client_factory):
    client = api_client_factory(scopes=("read",))
    found = pairs(client.get(URL, {"territory": "commune:C9"}))
    assert key(world, "marie", "dupont") in found
    assert key(world, "marie", "remote") not in found  # the other commune is not scanned


def test_personal_data_reasons_only_with_the_scope(world, api_client_factory):
    plain = api_client_factory(scopes=("read",))
    personal = api_client_factory(scopes=("read", "personal_data"))
    params = {"territory": world["region"].pk, "min_score": 0}
    without = pairs(plain.get(URL, params))
    before = PersonalDataAccess.objects.count()
    response = personal.get(URL, params)
    with_pd = pairs(response)
    assert response.json()["personal_data"] is True

    same = with_pd[key(world, "marie", "dupont")]
    assert {"same_birth_year", "same_email"} <= codes(same)
    assert same["score"] > without[key(world, "marie", "dupont")]["score"]
    phone = with_pd[key(world, "odile", "olga")]  # found by the phone only
    assert {"same_phone", "same_birth_year"} <= codes(phone)
    # the persons whose personal data gave a reason are logged as read
    logged = set(
        PersonalDataAccess.objects.order_by("id")[before:].values_list("actor_id", flat=True)
    )
    assert logged == {world[k].pk for k in ("marie", "dupont", "odile", "olga")}


def test_without_the_scope_personal_data_move_nothing(world, api_client_factory):
    """No oracle: changing personal data changes neither pairs nor scores for such a key."""
    from registry.services.actors import actor_personal_data_set

    client = api_client_factory(scopes=("read",))
    params = {"territory": world["region"].pk, "min_score": 0}
    before = client.get(URL, params).json()["results"]
    actor_personal_data_set(actor=world["dupont"], birth_year=1999, email="other@example.org")
    actor_personal_data_set(actor=world["remote"], **PD, birth_year=1970, email="md@example.org")
    after = client.get(URL, params).json()["results"]
    assert after == before


def test_different_birth_years_lower_the_score(world, api_client_factory):
    from registry.services.actors import actor_personal_data_set

    client = api_client_factory(scopes=("read", "personal_data"))
    params = {"territory": world["region"].pk, "min_score": 0}
    before = pairs(client.get(URL, params))[key(world, "marie", "dupont")]["score"]
    actor_personal_data_set(actor=world["dupont"], birth_year=1985)
    after = pairs(client.get(URL, params))[key(world, "marie", "dupont")]
    assert "different_birth_year" in codes(after) and after["score"] < before


def test_french_texts(world, api_client_factory):
    client = api_client_factory(scopes=("read", "personal_data"))
    response = client.get(URL, {"territory": world["town"].pk}, HTTP_ACCEPT_LANGUAGE="fr")
    same = pairs(response)[key(world, "marie", "dupont")]
    texts = {r["code"]: r["text"] for r in same["reasons"]}
    assert texts["name_similarity"] == "Noms semblables à 100 %"
    assert texts["same_territory"] == "Même territoire"
    assert texts["same_birth_year"] == "Même année de naissance (1970)"


def test_a_scoped_key_scans_its_territory_only(world, api_client_factory):
    client = api_client_factory(scopes=("read",), territory=world["town"])
    # default: its own territory
    response = client.get(URL)
    found = pairs(response)
    assert response.json()["territory_id"] == world["town"].pk
    assert key(world, "marie", "dupont") in found
    assert key(world, "marie", "remote") not in found
    assert key(world, "assoc", "branch") not in found


def test_a_territory_out_of_reach_is_a_missing_one(world, api_client_factory):
    client = api_client_factory(scopes=("read",), territory=world["town"])
    outside = client.get(URL, {"territory": world["other"].pk})
    above = client.get(URL, {"territory": world["region"].pk})
    missing = client.get(URL, {"territory": 987654321})
    assert outside.status_code == above.status_code == missing.status_code == 404
    assert outside["Content-Type"] == PROBLEM

    def strip(response) -> dict:
        body = orjson.loads(response.content)
        return {k: v for k, v in body.items() if k not in ("instance", "request_id")}

    assert strip(outside) == strip(missing)


def test_limit_bounds_the_answer(world, api_client_factory):
    client = api_client_factory(scopes=("read",))
    response = client.get(URL, {"territory": world["region"].pk, "min_score": 0, "limit": 1})
    body = response.json()
    assert len(body["results"]) == 1 and body["count"] > 1 and body["truncated"] is True


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "territory"),
        ({"territory": "nowhere"}, "territory"),
        ({"territory": "١٢"}, "territory"),
        ({"territory": "1", "min_score": "101"}, "min_score"),
        ({"territory": "1", "min_score": "-1"}, "min_score"),
        ({"territory": "1", "min_score": "abc"}, "min_score"),
        ({"territory": "1", "limit": "0"}, "limit"),
        ({"territory": "1", "limit": "1001"}, "limit"),
        ({"territory": "1", "limit": "99999999999999999999999"}, "limit"),
        ({"territory": "1", "limit": "²"}, "limit"),
    ],
)
def test_bad_parameters_are_problems_naming_the_field(db, api_client_factory, params, field):
    client = api_client_factory(scopes=("read",))
    response = client.get(URL, params)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in orjson.loads(response.content)["errors"]]


def test_needs_a_key(db, anon_client):
    assert anon_client.get(URL, {"territory": "1"}).status_code == 401


def test_query_count_does_not_grow_with_the_actors(
    world, api_client_factory, django_assert_max_num_queries
):
    client = api_client_factory(scopes=("read", "personal_data"))
    params = {"territory": world["region"].pk}
    with django_assert_max_num_queries(12) as small:
        client.get(URL, params)
    for i in range(30):
        actor_create(
            kind="person",
            category="resident",
            name=f"Personne Numéro{i}",
            territory=world["town"],
            personal_data={**PD, "birth_year": 1950 + i},
            identifiers=[{"scheme": "external", "issuer": "crm", "value": f"CRM-{i:06d}"}],
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL, params)
