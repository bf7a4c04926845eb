"""The analysis endpoints: answers, formats, determinism, cache invalidation, jobs, permissions.

The world (hand-built, as of 2026-11-01):

    region R
    ├── commune C ── quartier Q
    └── commune D
    commune X (another region)

    body B1 (in Q): p1 (president), p2, e1 (elected official)
    body B2 (in C): p2, p3
    interaction p1 -- p3 (collaboration, weight 4)
    p4 lives in D (outside C); x1 lives in X.

So in C's graph (C and below): actors p1, p2, p3, e1; bodies B1, B2.
Degrees in the collapsed graph, by hand: B1 3 (p1, p2, e1), B2 2 (p2, p3),
p1 2 (B1, p3), p2 2 (B1, B2), p3 2 (B2, p1), e1 1 (B1).
"""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import networkx as nx
import orjson
import pytest
from django.core.cache import cache
from django.core.management import call_command

from api.models import ALL_SCOPES
from registry.models import Actor, Body, Territory
from registry.services.actors import actor_create, actor_update
from registry.services.bodies import body_create, body_update
from registry.services.interactions import interaction_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-01"
START = dt.date(2025, 1, 1)


@dataclass
class World:
    region: Territory
    c: Territory
    q: Territory
    d: Territory
    x: Territory
    p1: Actor
    p2: Actor
    p3: Actor
    e1: Actor
    p4: Actor
    x1: Actor
    b1: Body
    b2: Body


def _person(name, territory, **fields) -> Actor:
    return actor_create(
        kind="person", category="resident", name=name, territory=territory, **fields
    )


@pytest.fixture
def world() -> World:
    cache.clear()
    region = territory_create(level="region", code="97", name="Région R")
    c = territory_create(
        level="commune", code="97001", name="Commune C", parents=[(region, "administrative")]
    )
    q = territory_create(
        level="quartier", code="97001-Q1", name="Quartier Q", parents=[(c, "municipal")]
    )
    d = territory_create(
        level="commune", code="97002", name="Commune D", parents=[(region, "administrative")]
    )
    x = territory_create(level="commune", code="98001", name="Commune X")
    p1 = _person(
        "Alice Martin",
        c,
        personal_data={
            "email": "alice@example.org",
            "gender": "female",
            "birth_year": 1970,
            "lawful_basis": "consent",
            "retention_until": dt.date(2030, 1, 1),
        },
    )
    p2 = _person("Bruno Petit", c)
    p3 = _person("Chloé Roux", q)
    e1 = actor_create(
        kind="person",
        category="elected_official",
        name="Élu Durand",
        territory=c,
        power=5,
        interest=4,
    )
    p4 = _person("Denis Faure", d)
    x1 = _person("Xavier Lenoir", x)
    b1 = body_create(name="Conseil de quartier Q", body_type="conseil_quartier", territory=q)
    b2 = body_create(name="Conseil citoyen C", body_type="conseil_citoyen", territory=c)
    for actor, body, role in (
        (p1, b1, "president"),
        (p2, b1, "member"),
        (e1, b1, "elected_referent"),
        (p2, b2, "member"),
        (p3, b2, "member"),
    ):
        membership_create(actor=actor, body=body, role=role, start_date=START)
    interaction_create(
        source=p1,
        target_actor=p3,
        interaction_type="collaboration",
        weight=4,
        start_date=START,
    )
    return World(region, c, q, d, x, p1, p2, p3, e1, p4, x1, b1, b2)


@pytest.fixture
def client(world):
    return client_for(make_key(scopes=ALL_SCOPES)[1])


def influence(client, territory, **params):
    return client.get(
        "/api/analysis/influence-map", {"territory": territory.pk, "as_of": AS_OF, **params}
    )


def test_influence_map_holds_the_territory_graph_with_hand_computed_degrees(client, world):
    response = influence(client, world.c)
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    nodes = {n["id"]: n for n in doc["nodes"]}
    expected = {
        f"b{world.b1.pk}": 3,
        f"b{world.b2.pk}": 2,
        f"a{world.p1.pk}": 2,
        f"a{world.p2.pk}": 2,
        f"a{world.p3.pk}": 2,
        f"a{world.e1.pk}": 1,
    }
    assert {k: nodes[k]["degree"] for k in nodes} == expected
    assert doc["graph"]["betweenness_method"] == "exact"
    assert doc["graph"]["territory_id"] == world.c.pk
    # The 6 nodes form one cycle p1-B1-p2-B2-p3-p1 plus e1 on B1: every node in a community.
    assert sum(c["size"] for c in doc["graph"]["communities"]) == 6
    # Weighted degree of p1: president of B1 (5) + collaboration with p3 (4) = 9.
    assert nodes[f"a{world.p1.pk}"]["weighted_degree"] == 9


def test_personal_data_never_appears_in_the_analysis(client, world):
    body = influence(client, world.c).content
    assert b"alice@example.org" not in body
    assert b"1970" not in body and b"female" not in body


def test_filters_remove_what_they_name(client, world):
    doc = orjson.loads(influence(client, world.c, category="elected_official").content)
    assert {n["id"] for n in doc["nodes"]} == {
        f"a{world.e1.pk}",
        f"b{world.b1.pk}",
        f"b{world.b2.pk}",
    }
    doc = orjson.loads(influence(client, world.c, min_weight=4).content)
    # Weights: president 5, elected referent 4, collaboration 4, plain members 3.
    assert {(link["source"], link["target"]) for link in doc["links"]} == {
        (f"a{world.p1.pk}", f"a{world.p3.pk}"),
        (f"a{world.p1.pk}", f"b{world.b1.pk}"),
        (f"a{world.e1.pk}", f"b{world.b1.pk}"),
    }
    doc = orjson.loads(influence(client, world.c, interaction_type="funding").content)
    assert all(link["facts"][0].startswith("m") for link in doc["links"])


def test_the_api_computes_betweenness_on_the_worker_processes_with_the_same_answer(
    client, world, monkeypatch
):
    # The runner allows the betweenness workers (graph.kernels.brandes.workers_allowed):
    # here forced on for a graph of 6 nodes; the answer is the one computed in process.
    from graph.kernels import brandes

    in_process = influence(client, world.c, seed=3)
    cache.clear()
    monkeypatch.setattr(brandes, "workers", lambda: 2)
    monkeypatch.setattr(brandes, "PARALLEL_MIN_WORK", 0)
    handed = []
    real = brandes._submit
    monkeypatch.setattr(brandes, "_submit", lambda *a: handed.append(1) or real(*a))
    on_workers = influence(client, world.c, seed=3)
    assert handed and on_workers.content == in_process.content
    assert not brandes._allowed.get()  # only inside the runner


def test_same_inputs_and_seed_give_the_same_bytes_in_every_format(client, world):
    for fmt in ("json", "gexf", "graphml", "svg"):
        first = influence(client, world.c, format=fmt, seed=7)
        cache.clear()
        second = influence(client, world.c, format=fmt, seed=7)
        assert first.status_code == second.status_code == 200
        assert first["X-Analysis-Cache"] == second["X-Analysis-Cache"] == "miss"
        assert first.content == second.content, fmt


def test_file_formats_have_their_media_types_and_parse(client, world):
    gexf = influence(client, world.c, format="gexf")
    assert gexf["Content-Type"].startswith("application/gexf+xml")
    root = ET.fromstring(gexf.content)
    assert root.tag.endswith("gexf")
    assert b"pagerank" in gexf.content and b"community" in gexf.content
    assert b"2026-11-01" in gexf.content
    graphml = influence(client, world.c, format="graphml")
    assert graphml["Content-Type"].startswith("application/graphml+xml")
    ET.fromstring(graphml.content)
    svg = influence(client, world.c, format="svg")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag.endswith("svg")


def test_the_svg_legend_follows_accept_language_and_each_language_is_cached_apart(client, world):
    def svg(language):
        return client.get(
            "/api/analysis/influence-map",
            {"territory": world.c.pk, "as_of": AS_OF, "format": "svg"},
            HTTP_ACCEPT_LANGUAGE=language,
        )

    english, french = svg("en"), svg("fr-FR,fr;q=0.9")
    assert english["X-Analysis-Cache"] == french["X-Analysis-Cache"] == "miss"
    assert b"Influence map as of" in english.content and b"Taille" not in english.content
    assert b"Carte d'influence au" in french.content
    assert b"instance participative" in french.content
    again = svg("fr")
    assert again["X-Analysis-Cache"] == "hit" and again.content == french.content
    assert "Accept-Language" in english["Vary"]


def test_every_format_draws_the_same_positions(client, world):
    doc = orjson.loads(influence(client, world.c).content)
    graphml = nx.read_graphml(io.BytesIO(influence(client, world.c, format="graphml").content))
    gexf = ET.fromstring(influence(client, world.c, format="gexf").content)
    viz = "{http://gexf.net/1.3/viz}position"
    positions = {
        n.get("id"): (float(n.find(viz).get("x")), float(n.find(viz).get("y")))
        for n in gexf.iter("{http://gexf.net/1.3}node")
    }
    for node in doc["nodes"]:
        assert (graphml.nodes[node["id"]]["x"], graphml.nodes[node["id"]]["y"]) == (
            node["x"],
            node["y"],
        )
        assert positions[node["id"]] == (node["x"], node["y"])
    assert doc["graph"]["layout_method"] == "force"


def test_a_repeat_is_served_from_the_cache_with_an_etag(client, world):
    first = influence(client, world.c)
    assert first["X-Analysis-Cache"] == "miss"
    second = influence(client, world.c)
    assert second["X-Analysis-Cache"] == "hit"
    assert second.content == first.content
    not_modified = client.get(
        "/api/analysis/influence-map",
        {"territory": world.c.pk, "as_of": AS_OF},
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert not_modified.status_code == 304


def test_a_write_in_the_territory_gives_a_fresh_answer(client, world):
    influence(client, world.c)
    body_update(body=world.b1, name="Conseil de quartier Q (renommé)")
    response = influence(client, world.c)
    assert response["X-Analysis-Cache"] == "miss"
    assert "renommé" in response.content.decode()


def test_a_write_elsewhere_leaves_the_answer_cached(client, world):
    first = influence(client, world.c)
    actor_update(actor=world.x1, name="Xavier Lenoir-Blanc")
    actor_update(actor=world.p4, name="Denis Faure-Roy")  # in D: same region, not in C
    again = influence(client, world.c)
    assert again["X-Analysis-Cache"] == "hit"
    assert again["ETag"] == first["ETag"]


def test_a_member_from_elsewhere_refreshes_the_answer_when_changed(client, world):
    membership_create(actor=world.p4, body=world.b2, role="member", start_date=START)
    first = influence(client, world.c)
    assert "Denis Faure" in first.content.decode()
    assert influence(client, world.c)["X-Analysis-Cache"] == "hit"
    # p4 lives in D, outside C, but sits in B2: renaming p4 must not leave a stale map.
    actor_update(actor=world.p4, name="Denis Faure-Roy")
    fresh = influence(client, world.c)
    assert fresh["X-Analysis-Cache"] == "miss"
    assert "Denis Faure-Roy" in fresh.content.decode()


def test_ego_network_and_paths(client, world):
    response = client.get(
        f"/api/analysis/actors/{world.p1.pk}/network", {"radius": 1, "as_of": AS_OF}
    )
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    # p1's ties: B1 (seat) and p3 (collaboration); p1 lives in C, so C's graph.
    assert doc["territory_id"] == world.c.pk
    assert {n["node"] for n in doc["nodes"]} == {
        f"a{world.p1.pk}",
        f"b{world.b1.pk}",
        f"a{world.p3.pk}",
    }
    response = client.get(
        "/api/analysis/paths",
        {"from": world.e1.pk, "to": world.p3.pk, "territory": world.c.pk, "as_of": AS_OF},
    )
    doc = orjson.loads(response.content)
    assert doc["found"] is True
    # e1 -B1- p1 -p3: 3 ties (e1-B1, B1-p1, p1-p3); as short as e1-B1-p2-B2-p3 is 4.
    assert doc["shortest"]["hops"] == 3


def test_an_actor_outside_the_graph_is_a_400_naming_it(client, world):
    response = client.get(
        "/api/analysis/paths",
        {"from": world.p1.pk, "to": world.x1.pk, "territory": world.c.pk, "as_of": AS_OF},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "to" in response.content.decode()


def test_interlocks_and_stakeholders(client, world):
    doc = orjson.loads(
        client.get("/api/analysis/interlocks", {"territory": world.c.pk, "as_of": AS_OF}).content
    )
    # B1 {p1, p2, e1} and B2 {p2, p3}: 1 shared, Jaccard 1/4.
    (pair,) = doc["pairs"]
    assert pair["shared"] == 1 and pair["jaccard"] == 0.25
    assert doc["usual_suspects"][0]["actor"] == f"a{world.p2.pk}"
    doc = orjson.loads(
        client.get("/api/analysis/stakeholders", {"territory": world.c.pk, "as_of": AS_OF}).content
    )
    entries = {e["node"]: e for e in doc["entries"]}
    elected = entries[f"a{world.e1.pk}"]
    assert elected["power_source"] == "declared"
    assert elected["quadrant"] == "manage_closely"  # power 5, interest 4


def test_renewal_of_a_body_and_ranking(client, world):
    response = client.get(f"/api/analysis/bodies/{world.b1.pk}/renewal", {"as_of": AS_OF})
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    codes = {i["code"] for i in doc["indicators"]}
    assert {"mandate", "vacancy", "parity", "dormancy", "multi_membership"} <= codes
    for indicator in doc["indicators"]:
        assert indicator["status"] in {"ok", "watch", "alert", "unknown"}
        assert indicator["message_en"] and indicator["message_fr"]
    # No meeting ever recorded: dormancy cannot be judged.
    assert {i["code"]: i["status"] for i in doc["indicators"]}["dormancy"] in {"unknown", "alert"}
    ranking = orjson.loads(
        client.get("/api/analysis/renewal", {"territory": world.c.pk, "as_of": AS_OF}).content
    )
    scores = [a["score"] for a in ranking["ranking"]]
    assert {a["body_id"] for a in ranking["ranking"]} == {world.b1.pk, world.b2.pk}
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"min_weight": "9"}, "min_weight"),
        ({"seed": "abc"}, "seed"),
        ({"category": "wizard"}, "category"),
        ({"interaction_type": "telepathy"}, "interaction_type"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"memberships": "maybe"}, "memberships"),
        ({"territory": "nope"}, "territory"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_field(client, world, params, field):
    response = client.get(
        "/api/analysis/influence-map", {"territory": world.c.pk, "as_of": AS_OF, **params}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.content.decode()


def test_analysis_needs_the_analysis_scope(world):
    anonymous = client_for(None).get("/api/analysis/renewal", {"territory": world.c.pk})
    assert anonymous.status_code == 401
    reader = client_for(make_key(scopes=("read", "personal_data"))[1])
    assert reader.get("/api/analysis/renewal", {"territory": world.c.pk}).status_code == 403


def test_a_territory_scoped_key_analyses_its_territory_only(world):
    key = client_for(make_key(scopes=("read", "analysis"), territory=world.d)[1])
    for url, params in (
        ("/api/analysis/influence-map", {"territory": world.c.pk}),
        ("/api/analysis/renewal", {"territory": world.region.pk}),
        (f"/api/analysis/bodies/{world.b1.pk}/renewal", {}),
        (f"/api/analysis/actors/{world.p1.pk}/network", {}),
        ("/api/analysis/paths", {"from": world.p1.pk, "to": world.p3.pk}),
    ):
        response = key.get(url, params)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
    own = client_for(make_key(scopes=("read", "analysis"), territory=world.c)[1])
    response = own.get("/api/analysis/influence-map", {"as_of": AS_OF})  # default: its own
    assert response.status_code == 200
    assert orjson.loads(response.content)["graph"]["territory_id"] == world.c.pk
    assert own.get("/api/analysis/interlocks", {"territory": world.q.pk}).status_code == 200


def test_a_large_territory_becomes_a_job_to_poll(client, world, settings, monkeypatch):
    settings.REGISTRY_ANALYSIS = {**settings.REGISTRY_ANALYSIS, "SYNC_MAX_NODES": 2}
    response = influence(client, world.c)
    assert response.status_code == 202
    job = orjson.loads(response.content)
    assert job["status"] == "READY"
    assert response["Location"] == f"/api/analysis/jobs/{job['id']}/"
    # Asking again while it waits gives the same job, not a second one.
    assert orjson.loads(influence(client, world.c).content)["id"] == job["id"]
    # The real worker (django-tasks-db), once; it would close the test's own connection.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    polled = orjson.loads(client.get(response["Location"]).content)
    assert polled["status"] == "SUCCESSFUL"
    result = client.get(polled["result_url"])
    assert result.status_code == 200
    assert result["X-Analysis-Cache"] == "hit"
    # Another territory's key cannot see the job.
    stranger = client_for(make_key(scopes=("read", "analysis"), territory=world.x)[1])
    assert stranger.get(response["Location"]).status_code == 404


def test_an_analysis_over_the_size_bound_is_refused(client, world, settings):
    settings.REGISTRY_ANALYSIS = {**settings.REGISTRY_ANALYSIS, "MAX_NODES": 3}
    response = influence(client, world.c)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
