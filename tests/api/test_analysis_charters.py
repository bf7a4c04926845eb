"""Charters in the renewal analysis: which charters govern a body, and the answers they give.

The world (as of 2026-11-01):

    région R ── commune C ── quartier Q
    commune X (elsewhere)

    body BQ: conseil de quartier in Q; body BC: conseil citoyen in C.

Charters: on R for every type ("R all"), on C for conseils de quartier ("C cq"),
on C for every type ("C all"), on R for conseils de quartier ("R cq"), one ended
on C ("C old", until 2025-01-01), one on X, one on C for conseils citoyens.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.core.cache import cache

from api.models import ALL_SCOPES
from graph import loaders
from registry.services.activity import meeting_create
from registry.services.bodies import body_create
from registry.services.charters import charter_create, charter_update
from registry.services.territories import territory_create

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-01"
DAY = dt.date(2026, 11, 1)


@pytest.fixture
def world():
    cache.clear()
    r = territory_create(level="region", code="97", name="Région R")
    c = territory_create(
        level="commune", code="97001", name="Commune C", parents=[(r, "administrative")]
    )
    q = territory_create(
        level="quartier", code="97001-Q1", name="Quartier Q", parents=[(c, "municipal")]
    )
    x = territory_create(level="commune", code="98001", name="Commune X")
    bq = body_create(name="Conseil de quartier Q", body_type="conseil_quartier", territory=q)
    bc = body_create(name="Conseil citoyen C", body_type="conseil_citoyen", territory=c)

    def charter(name, territory, body_type="", **values):
        return charter_create(name=name, territory=territory, body_type=body_type, **values)

    charters = {
        "R all": charter("R all", r, answer_delay_days=60),
        "C cq": charter("C cq", c, "conseil_quartier", min_meetings_per_year=4),
        "C all": charter("C all", c, thresholds={"dormancy": {"watch": 3, "alert": 9}}),
        "R cq": charter("R cq", r, "conseil_quartier", max_consecutive_terms=3),
        "C old": charter("C old", c, valid_until=dt.date(2025, 1, 1), min_meetings_per_year=1),
        "X all": charter("X all", x, min_meetings_per_year=10),
        "C cc": charter("C cc", c, "conseil_citoyen", weights={"parity": 5}),
    }
    return {"r": r, "c": c, "q": q, "x": x, "bq": bq, "bc": bc, **charters}


@pytest.fixture
def client(world):
    return client_for(make_key(scopes=ALL_SCOPES)[1])


def names(layers):
    return [layer.source["name"] for layer in layers]


def test_charter_layers_put_the_body_type_first_then_the_nearest(world):
    layers = loaders.charter_layers([world["bq"].pk, world["bc"].pk, 10**9], DAY)
    # BQ (a conseil de quartier in Q): its type's charters, C (depth 1) before R (depth 2),
    # then every type's, likewise; the ended charter, X's and the conseil citoyen's left out.
    assert names(layers[world["bq"].pk]) == ["C cq", "R cq", "C all", "R all"]
    assert names(layers[world["bc"].pk]) == ["C cc", "C all", "R all"]
    assert layers[10**9] == []
    first = layers[world["bq"].pk][0]
    assert first.source == {
        "kind": "charter",
        "id": world["C cq"].pk,
        "name": "C cq",
        "territory_id": world["c"].pk,
        "body_type": "conseil_quartier",
        "adopted_by": "",
        "url": "",
    }
    assert first.rules == {"min_meetings_per_year": 4}
    # Before the old charter ended, it governed BQ too (after those of its type).
    before = loaders.charter_layers([world["bq"].pk], dt.date(2024, 6, 1))
    assert names(before[world["bq"].pk]) == ["C cq", "R cq", "C all", "C old", "R all"]


def test_charter_layers_cost_the_same_queries_for_one_body_or_many(
    world, django_assert_num_queries
):
    with django_assert_num_queries(3):
        loaders.charter_layers([world["bq"].pk], DAY)
    with django_assert_num_queries(3):
        loaders.charter_layers([world["bq"].pk, world["bc"].pk], DAY)


def _renewal(client, body):
    response = client.get(f"/api/analysis/bodies/{body.pk}/renewal", {"as_of": AS_OF})
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


def _rules(doc):
    return {rule["key"]: rule for rule in doc["rules"]}


def test_the_assessment_names_the_charter_and_where_each_rule_came_from(client, world):
    doc = _renewal(client, world["bq"])
    assert doc["charter"]["id"] == world["C cq"].pk
    assert doc["charter"]["name"] == "C cq"
    rules = _rules(doc)
    assert rules["min_meetings_per_year"]["value"] == 4
    assert rules["min_meetings_per_year"]["charter_id"] == world["C cq"].pk
    assert rules["max_consecutive_terms"]["value"] == 3
    assert rules["max_consecutive_terms"]["charter_id"] == world["R cq"].pk
    assert rules["answer_delay_days"]["value"] == 60
    assert rules["answer_delay_days"]["charter_id"] == world["R all"].pk
    assert rules["mandate_years"]["source_kind"] == "default"
    dormancy = next(i for i in doc["indicators"] if i["code"] == "dormancy")
    assert dormancy["threshold"] == [3, 9]


def test_single_body_and_ranking_judge_a_body_by_the_same_charter(client, world):
    single = _renewal(client, world["bq"])
    ranking = orjson.loads(
        client.get("/api/analysis/renewal", {"territory": world["c"].pk, "as_of": AS_OF}).content
    )
    entry = next(a for a in ranking["ranking"] if a["body_id"] == world["bq"].pk)
    assert entry["charter"] == single["charter"]
    assert entry["rules"] == single["rules"]
    other = next(a for a in ranking["ranking"] if a["body_id"] == world["bc"].pk)
    assert other["charter"]["id"] == world["C cc"].pk


def test_a_charter_change_above_the_territory_gives_a_fresh_answer(client, world):
    params = {"as_of": AS_OF}
    url = f"/api/analysis/bodies/{world['bq'].pk}/renewal"
    assert client.get(url, params)["X-Analysis-Cache"] == "miss"
    assert client.get(url, params)["X-Analysis-Cache"] == "hit"
    charter_update(charter=world["X all"], min_meetings_per_year=11)  # elsewhere
    assert client.get(url, params)["X-Analysis-Cache"] == "hit"
    charter_update(charter=world["C cq"], min_meetings_per_year=6)  # above Q
    fresh = client.get(url, params)
    assert fresh["X-Analysis-Cache"] == "miss"
    assert _rules(orjson.loads(fresh.content))["min_meetings_per_year"]["value"] == 6
    ranking = {"territory": world["c"].pk, "as_of": AS_OF}
    assert client.get("/api/analysis/renewal", ranking)["X-Analysis-Cache"] == "miss"
    charter_update(charter=world["R all"], answer_delay_days=45)  # above C
    assert client.get("/api/analysis/renewal", ranking)["X-Analysis-Cache"] == "miss"


def test_a_charter_moved_away_from_above_gives_a_fresh_answer(client, world):
    """Moved to a territory elsewhere, the charter is filed there; the answers it used to
    judge are refreshed all the same (its ledger row still names where it was)."""
    params = {"as_of": AS_OF}
    url = f"/api/analysis/bodies/{world['bq'].pk}/renewal"
    before = orjson.loads(client.get(url, params).content)
    assert client.get(url, params)["X-Analysis-Cache"] == "hit"
    governing = world["C cq"]
    assert before["charter"]["id"] == governing.pk
    charter_update(charter=governing, territory=world["x"])
    fresh = client.get(url, params)
    assert fresh["X-Analysis-Cache"] == "miss"
    assert orjson.loads(fresh.content)["charter"]["id"] != governing.pk


def test_without_a_charter_the_installation_defaults_judge(client, world):
    body = body_create(
        name="Conseil de quartier X", body_type="conseil_quartier", territory=world["x"]
    )
    charter_update(charter=world["X all"], valid_until=dt.date(2026, 1, 1))
    doc = _renewal(client, body)
    assert doc["charter"] is None
    assert {rule["source_kind"] for rule in doc["rules"]} <= {"default", "settings", "body"}


def test_a_charter_above_a_member_through_the_other_hierarchy_refreshes_the_answer(client):
    """A commune in an EPCI and in a département: the EPCI's ranking is judged, for that
    commune's bodies, by the département's charters too, though the département is
    neither above nor below the EPCI."""
    cache.clear()
    dept = territory_create(level="departement", code="9A", name="Département")
    epci = territory_create(level="epci", code="200000001", name="Communauté")
    commune = territory_create(
        level="commune",
        code="9A001",
        name="Commune",
        parents=[(dept, "administrative"), (epci, "intercommunal")],
    )
    body = body_create(name="Conseil de développement", body_type="other", territory=commune)
    charter = charter_create(name="Charte départementale", territory=dept, answer_delay_days=30)
    ranking = {"territory": epci.pk, "as_of": AS_OF}
    first = client.get("/api/analysis/renewal", ranking)
    assert first["X-Analysis-Cache"] == "miss"
    entry = orjson.loads(first.content)["ranking"][0]
    assert (entry["body_id"], entry["charter"]["id"]) == (body.pk, charter.pk)
    assert client.get("/api/analysis/renewal", ranking)["X-Analysis-Cache"] == "hit"
    charter_update(charter=charter, answer_delay_days=45)
    assert client.get("/api/analysis/renewal", ranking)["X-Analysis-Cache"] == "miss"


def test_a_charter_rule_changes_the_judgement_of_a_body(client, world):
    """Three meetings in the last year: ok by the default thresholds (watch at 2), an alert
    under a charter that asks for four a year (C cq), ok again once that charter ended."""
    body = body_create(
        name="Conseil de quartier actif", body_type="conseil_quartier", territory=world["q"]
    )
    for day in (dt.date(2026, 2, 1), dt.date(2026, 5, 1), dt.date(2026, 9, 1)):
        meeting_create(body=body, date=day, kind="plenary")

    def meetings():
        doc = _renewal(client, body)
        indicator = next(i for i in doc["indicators"] if i["code"] == "meetings_per_year")
        return indicator["value"], indicator["status"], doc["charter"]

    value, status, charter = meetings()
    assert (value, status, charter["id"]) == (3, "alert", world["C cq"].pk)
    charter_update(charter=world["C cq"], valid_until=dt.date(2026, 6, 1))
    value, status, charter = meetings()
    assert (value, status) == (3, "ok")  # defaults: watch at 2 meetings or fewer
    assert charter["id"] != world["C cq"].pk
