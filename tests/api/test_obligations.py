"""``GET /api/analysis/obligations``: answers, language, scope, bad parameters, cache, schema.

The world: région R > département D > commune BIG (85,000, municipale only) with quartier Q;
commune SMALL (3,000) elsewhere in région S. A conseil de quartier sits on Q, so BIG's
conseil de quartier obligation is met; its CCSPL (> 10,000), commission pour l'accessibilité
(5,000+) and CLSPD (> 5,000) are missing.
"""

from __future__ import annotations

import orjson
import pytest
from django.core.cache import cache

from api.models import ALL_SCOPES
from registry.models import LegalObligation
from registry.services.bodies import body_create
from registry.services.obligations import legal_obligation_update, legal_obligations_load_shipped
from registry.services.territories import territory_create

from .conftest import client_for, make_key
from .test_analysis_schema import check

pytestmark = pytest.mark.django_db

URL = "/api/analysis/obligations"
AS_OF = "2026-11-01"


@pytest.fixture
def world():
    cache.clear()
    legal_obligations_load_shipped()
    region = territory_create(level="region", code="97", name="Région R")
    dept = territory_create(
        level="departement", code="971", name="Département D", parents=[(region, "administrative")]
    )
    big = territory_create(
        level="commune",
        code="97101",
        name="Big",
        population=85_000,
        population_year=2023,
        parents=[(dept, "administrative")],
    )
    q = territory_create(level="quartier", code="97101-Q1", name="Q", parents=[(big, "municipal")])
    other = territory_create(level="region", code="98", name="Région S")
    small = territory_create(
        level="commune",
        code="98101",
        name="Small",
        population=3_000,
        parents=[(other, "administrative")],
    )
    body = body_create(name="CQ Big", body_type="conseil_quartier", territory=q)
    return {"region": region, "dept": dept, "big": big, "q": q, "small": small, "body": body}


def _client(territory=None, scopes=tuple(ALL_SCOPES)):
    return client_for(make_key(scopes=scopes, territory=territory)[1])


def _get(client, headers=None, **params):
    return client.get(URL, {"as_of": AS_OF, **params}, headers=headers)


def _statuses(doc):
    return {(o["territory"]["code"], o["code"]): o["status"] for o in doc["obligations"]}


def test_obligations_of_a_commune_with_its_statuses_bodies_and_population(world):
    response = _get(_client(), territory=world["big"].pk)
    assert response.status_code == 200, response.content
    doc = check(response, URL)
    assert _statuses(doc) == {
        ("97101", "accessibilite-commune"): "missing",
        ("97101", "ccspl-commune"): "missing",
        ("97101", "clspd-commune"): "missing",
        ("97101", "conseil-quartier-commune"): "met",
    }
    cq = next(o for o in doc["obligations"] if o["code"] == "conseil-quartier-commune")
    assert cq["bodies"] == [{"id": world["body"].pk, "name": "CQ Big"}]
    assert cq["population"] == {"value": 85_000, "measure": "municipal", "year": 2023}
    assert (cq["measure_asked"], cq["measure_used"], cq["threshold"]) == (
        "total",
        "municipal",
        80_000,
    )
    assert "population totale" in cq["note"]
    assert doc["summary"]["total"] == 4
    assert (doc["summary"]["met"], doc["summary"]["missing"]) == (1, 3)
    rule = next(r for r in doc["rules"] if r["id"] == cq["rule"])
    assert (rule["legal_basis"], rule["mandatory_from"], rule["optional_from"]) == (
        "CGCT art. L2143-1",
        80_000,
        20_000,
    )


def test_the_natural_key_and_a_region_reach_every_territory_below(world):
    doc = orjson.loads(_get(_client(), territory="region:97").content)
    assert _statuses(doc) == {
        ("97", "ccspl-region"): "missing",
        ("97", "ceser-region"): "missing",
        ("971", "ccspl-departement"): "missing",
        ("97101", "accessibilite-commune"): "missing",
        ("97101", "ccspl-commune"): "missing",
        ("97101", "clspd-commune"): "missing",
        ("97101", "conseil-quartier-commune"): "met",
    }
    # From the top level down.
    assert [o["territory"]["level"] for o in doc["obligations"]][:3] == [
        "region",
        "region",
        "departement",
    ]


def test_filters_and_pages(world):
    client = _client()
    doc = orjson.loads(_get(client, territory="region:97", status="missing", limit=2).content)
    assert (doc["count"], doc["limit"], len(doc["obligations"])) == (6, 2, 2)
    assert doc["summary"]["total"] == 7  # the summary counts everything
    rest = orjson.loads(
        _get(client, territory="region:97", status="missing", limit=2, offset=4).content
    )
    assert len(rest["obligations"]) == 2
    both = orjson.loads(
        _get(client, territory="region:97", body_type=["ceser", "conseil_quartier"]).content
    )
    assert {o["code"] for o in both["obligations"]} == {"ceser-region", "conseil-quartier-commune"}


def test_french_labels_and_notes_follow_accept_language(world):
    response = _get(_client(), {"Accept-Language": "fr"}, territory=world["big"].pk)
    doc = check(response, URL)
    assert doc["language"] == "fr"
    cq = next(o for o in doc["obligations"] if o["code"] == "conseil-quartier-commune")
    assert "La loi compte la population totale" in cq["note"]
    labels = {r["code"]: r["body_type_label"] for r in doc["rules"]}
    assert labels["accessibilite-commune"] == "Commission pour l'accessibilité"
    english = orjson.loads(_get(_client(), territory=world["big"].pk).content)
    assert {r["code"]: r["body_type_label"] for r in english["rules"]}[
        "accessibilite-commune"
    ] == "Accessibility commission"


def test_a_territory_outside_the_key_is_a_404_like_a_missing_one(world):
    scoped = _client(territory=world["region"])
    outside = _get(scoped, territory=world["small"].pk)
    missing = _get(scoped, territory=999_999)
    assert outside.status_code == missing.status_code == 404
    a, b = outside.json(), missing.json()
    assert (a["code"], a["detail"]) == (b["code"], b["detail"])
    # By default, the key's own territory.
    own = orjson.loads(_get(scoped).content)
    assert own["territory_id"] == world["region"].pk


def test_a_scoped_key_never_sees_bodies_outside_its_territory(world):
    # A CESER of région S exists; région R's key analyses only R and below.
    body_create(name="CESER S", body_type="ceser", territory=world["small"])
    doc = orjson.loads(_get(_client(territory=world["region"])).content)
    assert b"CESER S" not in orjson.dumps(doc)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"territory": "nowhere:1"}, "territory"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5001"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"status": "done"}, "status"),
        ({"body_type": "council"}, "body_type"),
    ],
)
def test_bad_parameters_are_problems_naming_the_parameter(world, params, parameter):
    response = _client().get(URL, {"territory": world["big"].pk, **params})
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert parameter in {e.get("parameter") or e.get("field") for e in response.json()["errors"]}


def test_needs_the_analysis_scope(world):
    response = _get(_client(scopes=("read",)), territory=world["big"].pk)
    assert response.status_code == 403


def test_cached_until_a_body_or_a_rule_changes(world):
    client = _client()
    first = _get(client, territory=world["big"].pk)
    again = _get(client, territory=world["big"].pk)
    assert (first["X-Analysis-Cache"], again["X-Analysis-Cache"]) == ("miss", "hit")
    body_create(name="CCSPL Big", body_type="ccspl", territory=world["big"])
    fresh = _get(client, territory=world["big"].pk)
    assert fresh["X-Analysis-Cache"] == "miss"
    assert _statuses(orjson.loads(fresh.content))[("97101", "ccspl-commune")] == "met"
    rule = LegalObligation.objects.get(code="clspd-commune", valid_until__isnull=True)
    legal_obligation_update(obligation=rule, mandatory_from=100_000)
    edited = _get(client, territory=world["big"].pk)
    assert edited["X-Analysis-Cache"] == "miss"
    assert ("97101", "clspd-commune") not in _statuses(orjson.loads(edited.content))
