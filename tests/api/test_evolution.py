"""``GET /api/analysis/evolution`` on a hand-built territory whose core changes.

The world (commune C, with commune D beside it in region R):

    from 2024-01-01  B1: a1, a2        B2: a3        a1 -- a2 (collaboration)
    from 2025-01-01  B1: + a3, a4      B2: + a4      a3 -- a4 (collaboration)
    a5 lives in C and sits nowhere; d1 lives in D and sits in B2 from 2025-01-01.

On 2024-06-01 (collapsed graph, by hand): the triangle a1-a2-B1 is the main core, core
number 2, so the core is {a1, a2}; a3-B2 hangs on (core number 1); no body shares a member.
On 2026-06-01: a1..a4 each have two ties or more into the 2-core (no 3-core: a1 and a2
have two ties) so the core is {a1, a2, a3, a4}: a3 and a4 entered, none left (d1, one tie,
has core number 1); B1 {a1..a4} and B2 {a3, a4, d1} share a3 and a4, Jaccard 2/5 = 0.4: both went from 0
to 1 linked body.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.core.cache import cache
from django.core.management import call_command

from api.analysis import runner
from api.analysis.evolution import SNAPSHOT
from api.models import ALL_SCOPES
from graph.evolution import MAX_SNAPSHOTS
from graph.model import node_order
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.interactions import interaction_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

URL = "/api/analysis/evolution"
EARLY, LATE = dt.date(2024, 1, 1), dt.date(2025, 1, 1)


@pytest.fixture
def town():
    cache.clear()
    region = territory_create(level="region", code="97", name="Région R")
    c = territory_create(
        level="commune", code="97001", name="Commune C", parents=[(region, "administrative")]
    )
    d = territory_create(
        level="commune", code="97002", name="Commune D", parents=[(region, "administrative")]
    )
    people = {
        name: actor_create(kind="person", category="resident", name=f"Person {name}", territory=c)
        for name in ("a1", "a2", "a3", "a4", "a5")
    }
    people["d1"] = actor_create(
        kind="person", category="resident", name="Outsider Zorglub", territory=d
    )
    b1 = body_create(name="Conseil B1", body_type="conseil_quartier", territory=c)
    b2 = body_create(name="Conseil B2", body_type="conseil_citoyen", territory=c)
    for name, body, start in (
        ("a1", b1, EARLY),
        ("a2", b1, EARLY),
        ("a3", b2, EARLY),
        ("a3", b1, LATE),
        ("a4", b1, LATE),
        ("a4", b2, LATE),
        ("d1", b2, LATE),
    ):
        membership_create(actor=people[name], body=body, role="member", start_date=start)
    town_c = c  # filed in C: a key limited to C reads them
    for a, b, start in (("a1", "a2", EARLY), ("a3", "a4", LATE)):
        interaction_create(
            source=people[a],
            target_actor=people[b],
            interaction_type="collaboration",
            weight=3,
            start_date=start,
            territory=town_c,
        )
    return {"region": region, "c": c, "d": d, "b1": b1, "b2": b2, **people}


@pytest.fixture
def client(town):
    return client_for(make_key(scopes=ALL_SCOPES)[1])


def node(actor) -> str:
    return f"a{actor.pk}"


def evolution(client, territory, headers=None, **params):
    query = {"territory": territory.pk, "from": "2024-06-01", "to": "2026-06-01", **params}
    return client.get(URL, query, headers=headers)


@pytest.fixture
def counted(monkeypatch):
    """How many snapshots were computed (not read from the cache)."""
    calls = []
    compute = runner.COMPUTERS[SNAPSHOT]

    def counting(request):
        calls.append(request.as_of)
        return compute(request)

    monkeypatch.setitem(runner.COMPUTERS, SNAPSHOT, counting)
    return calls


def test_the_core_gains_the_actors_who_joined_both_councils(client, town):
    response = evolution(client, town["c"])
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    assert doc["dates"] == ["2024-06-01", "2025-06-01", "2026-06-01"]
    first, last = doc["snapshots"][0], doc["snapshots"][-1]
    assert (first["core_k"], first["core"]) == (
        2,
        sorted([node(town["a1"]), node(town["a2"])], key=node_order),
    )
    assert last["core_k"] == 2
    core = doc["changes"]["core"]
    assert core["entered"] == [node(town[n]) for n in ("a3", "a4")]
    assert core["left"] == []
    assert "gained 2 actor(s) (Person a3, Person a4)" in core["message_en"]
    assert "a gagné 2 acteur(s) (Person a3, Person a4)" in core["message_fr"]
    # d1 (from D) is named for an unscoped key, in its community.
    assert node(town["d1"]) in {m for c in last["communities"] for m in c["members"]}
    # Sizes: 6 actors of C + B1, B2 (a5 isolated); on the last date d1 joins from D.
    assert (first["nodes"], first["ties"]) == (7, 4)
    assert (last["nodes"], last["ties"]) == (8, 9)


def test_the_interlocks_that_grew_are_hand_computed(client, town):
    doc = orjson.loads(evolution(client, town["c"]).content)
    grew = {g["body"]: g for g in doc["changes"]["interlocks_grew"]}
    assert set(grew) == {f"b{town['b1'].pk}", f"b{town['b2'].pk}"}
    for g in grew.values():
        assert (g["linked_first"], g["linked_last"]) == (0, 1)
        assert (g["jaccard_first"], g["jaccard_last"]) == (0.0, 0.4)
    bodies = {b["body"]: b for b in doc["snapshots"][-1]["bodies"]}
    assert bodies[f"b{town['b1'].pk}"]["max_jaccard"] == 0.4


def test_every_score_move_is_a_real_difference_sorted_by_size(client, town):
    doc = orjson.loads(evolution(client, town["c"]).content)
    first = {b["body"]: b for b in doc["snapshots"][0]["bodies"]}
    last = {b["body"]: b for b in doc["snapshots"][-1]["bodies"]}
    moves = doc["changes"]["score_moves"]
    for move in moves:
        assert move["score_first"] == first[move["body"]]["score"]
        assert move["score_last"] == last[move["body"]]["score"]
        statuses = {i["code"]: i["status"] for i in first[move["body"]]["indicators"]}
        for change in move["changed"]:
            assert statuses[change["code"]] == change["first"] != change["last"]
    deltas = [abs(m["delta"]) for m in moves if m["delta"] is not None]
    assert deltas == sorted(deltas, reverse=True)


def test_each_date_is_computed_once_and_shared_between_evolutions(client, town, counted):
    assert evolution(client, town["c"]).status_code == 200
    assert counted == [dt.date(2024, 6, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1)]
    again = evolution(client, town["c"], **{"from": "2025-06-01"})
    assert again.status_code == 200 and again["X-Analysis-Cache"] == "miss"
    assert len(counted) == 3  # both dates were already there
    assert evolution(client, town["c"], **{"from": "2024-06-01"})["X-Analysis-Cache"] == "hit"
    # Another seed is another snapshot.
    evolution(client, town["c"], seed=3, **{"from": "2025-06-01"})
    assert len(counted) == 5


def test_a_write_refreshes_the_answer_and_its_etag(client, town):
    first = evolution(client, town["c"])
    etag = first["ETag"]
    assert evolution(client, town["c"], {"If-None-Match": etag}).status_code == 304
    for body in ("b1", "b2"):  # two ties into the core: a5 enters it
        membership_create(actor=town["a5"], body=town[body], role="member", start_date=LATE)
    second = evolution(client, town["c"], {"If-None-Match": etag})
    assert second.status_code == 200 and second["ETag"] != etag
    assert second["X-Analysis-Cache"] == "miss"
    assert node(town["a5"]) in orjson.loads(second.content)["changes"]["core"]["entered"]


def test_same_inputs_and_seed_give_the_same_bytes(client, town):
    first = evolution(client, town["c"], seed=11, step="quarter")
    cache.clear()
    second = evolution(client, town["c"], seed=11, step="quarter")
    assert first["X-Analysis-Cache"] == second["X-Analysis-Cache"] == "miss"
    assert first.content == second.content
    assert len(orjson.loads(first.content)["dates"]) == 9


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-06-01"}, "to"),
        ({"from": "2026-07-01"}, "to"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "01/06/2024"}, "from"),
        ({"to": "2026-06-31"}, "to"),
        ({"step": "week"}, "step"),
        ({"step": "month"}, "step"),
        ({"from": "1990-01-01", "step": "year"}, "step"),
        ({"seed": "-1"}, "seed"),
        ({"seed": "1.5"}, "seed"),
        ({"as_of": "2026-01-01"}, "as_of"),
        ({"territory": "abc"}, "territory"),
    ],
)
def test_bad_parameters_are_problems_naming_the_parameter(client, town, params, field):
    query = {"territory": town["c"].pk, "from": "2024-06-01", "to": "2026-06-01", **params}
    response = client.get(URL, query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = orjson.loads(response.content)
    assert [e["parameter"] for e in body["errors"]] == [field], body


def test_the_bound_on_dates_is_said(client, town):
    response = evolution(client, town["c"], step="month", **{"from": "2025-01-01"})
    assert response.status_code == 400
    assert str(MAX_SNAPSHOTS) in response.content.decode()
    ok = evolution(client, town["c"], step="month", **{"from": "2025-06-01"})
    assert ok.status_code == 200
    assert len(orjson.loads(ok.content)["dates"]) == MAX_SNAPSHOTS


def test_a_scoped_key_never_names_actors_out_of_its_reach(town):
    scoped = client_for(make_key(scopes=("read", "analysis"), territory=town["c"])[1])
    doc = orjson.loads(evolution(scoped, town["c"]).content)
    assert doc["changes"]["core"]["entered"] == [node(town[n]) for n in ("a3", "a4")]
    assert b"Zorglub" not in orjson.dumps(doc)
    assert node(town["d1"]).encode() + b'"' not in orjson.dumps(doc)


def test_a_territory_out_of_reach_answers_as_a_missing_one(town):
    scoped = client_for(make_key(scopes=("read", "analysis"), territory=town["c"])[1])
    outside = evolution(scoped, town["d"])
    missing = scoped.get(URL, {"territory": 999999, "from": "2024-06-01", "to": "2026-06-01"})
    assert outside.status_code == missing.status_code == 404
    a, b = orjson.loads(outside.content), orjson.loads(missing.content)
    assert (a["code"], a["detail"], a["type"]) == (b["code"], b["detail"], b["type"])


def test_a_large_territory_is_a_job_computing_every_date(client, town, settings, monkeypatch):
    # About 7 nodes a date (the actors and bodies of C), 3 dates: 21 is over the bound of 20,
    # each date (7) is under MAX_NODES.
    settings.REGISTRY_ANALYSIS = {
        **settings.REGISTRY_ANALYSIS,
        "SYNC_MAX_NODES": 20,
        "MAX_NODES": 10,
    }
    response = evolution(client, town["c"])
    assert response.status_code == 202, response.content
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    polled = orjson.loads(client.get(response["Location"]).content)
    assert polled["status"] == "SUCCESSFUL"
    result = client.get(polled["result_url"])
    assert result.status_code == 200 and result["X-Analysis-Cache"] == "hit"
    settings.REGISTRY_ANALYSIS = {**settings.REGISTRY_ANALYSIS, "MAX_NODES": 6}
    cache.clear()
    assert evolution(client, town["c"]).status_code == 413


def test_the_answer_matches_the_committed_schema(client, town):
    from tests.api.test_analysis_schema import check

    doc = check(evolution(client, town["c"], step="quarter"), URL)
    assert doc["changes"]["interlocks_grew"] and doc["changes"]["score_moves"]


def test_merges_and_splits_match_the_committed_schema():
    """The town has neither: the changes of two hand-built graphs have both."""
    from openapi_schema_validator import OAS30Validator

    from api.analysis.kinds import plain
    from graph.evolution import compare, take_snapshot
    from tests.api.test_analysis_schema import strict_components
    from tests.graph.test_evolution import clique, graph_of

    two = graph_of(ties=[*clique("a1", "a2", "a3"), *clique("a4", "a5", "a6")])
    one = graph_of(ties=clique("a1", "a2", "a3", "a4", "a5", "a6"))
    day, later = dt.date(2024, 1, 1), dt.date(2025, 1, 1)
    for a, b in ((two, one), (one, two)):
        changes = plain(
            compare(
                take_snapshot(a, as_of=day, seed=0, scores=()),
                take_snapshot(b, as_of=later, seed=0, scores=()),
            )
        )
        assert changes["merges"] or changes["splits"]
        schema = {
            "$ref": "#/components/schemas/EvolutionChanges",
            "components": strict_components(),
        }
        errors = list(OAS30Validator(schema).iter_errors(orjson.loads(orjson.dumps(changes))))
        assert not errors, errors[:3]
