"""One true answer per body: the single-body renewal assessment and every ranking agree.

A body's network indicators are computed in the graph of its *network territory*
(``graph.loaders.network_territories``): the territory its host authority governs
when the body's territory lies within it, else its own. Before, the single-body
route built the graph of the body's own quartier, where it is alone, and reported
for five Paris bodies "0 of 19 members sit in 3 or more other bodies" and an
interlock of 0.00 where the ranking of Paris said 4 of 19 and 0.20.

One database for the module: the territory extract and ``seed_demo`` (as the other
analysis tests), read over HTTP as a client does, on the demo's reference date.
"""

from __future__ import annotations

import orjson
import pytest
from django.core.cache import cache

from api.models import ALL_SCOPES
from graph import loaders
from registry.demo import REFERENCE_DATE
from registry.models import Actor, Body, Territory, TerritoryClosure
from registry.services.actors import actor_update
from registry.services.bodies import body_update
from tests.conftest import seeded_demo

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

REF = REFERENCE_DATE.isoformat()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with seeded_demo(django_db_blocker):
        yield


@pytest.fixture
def client(demo):
    cache.clear()
    return client_for(make_key(scopes=ALL_SCOPES)[1])


def get(client, url: str, **params) -> dict:
    response = client.get(url, {"as_of": REF, **params})
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


def single(client, body_id: int) -> dict:
    return get(client, f"/api/analysis/bodies/{body_id}/renewal")


def ranking_entry(client, territory_id: int, body_id: int) -> dict:
    ranking = get(client, "/api/analysis/renewal", territory=territory_id)["ranking"]
    (entry,) = [a for a in ranking if a["body_id"] == body_id]
    return entry


def assessment_of(document: dict) -> dict:
    """The assessment in a single-body answer, without the answer's header."""
    return {k: v for k, v in document.items() if k not in ("territory_id", "nodes", "facts")}


def test_every_demo_body_gets_the_same_answer_alone_and_in_its_network_territory_ranking(
    client,
):
    bodies = list(Body.objects.active_on(REFERENCE_DATE).select_related("host").order_by("id"))
    assert len(bodies) == Body.objects.count() >= 18, "the demo's bodies, all active on REF"
    rankings: dict[int, list[dict]] = {}
    for body in bodies:
        alone = single(client, body.pk)
        home = alone["network_territory"]
        # The host's territory when it holds the body's (the demo's hosts all do: Ville de
        # Paris and its quartiers, the CC for its conseil de développement, the région for
        # the CESER...), else the body's own.
        governs = TerritoryClosure.objects.filter(
            ancestor_id=body.host.territory_id, descendant_id=body.territory_id
        ).exists()
        assert home["id"] == (body.host.territory_id if governs else body.territory_id), body.name
        place = Territory.objects.get(pk=home["id"])
        assert home == {
            "id": place.pk,
            "level": place.level,
            "code": place.code,
            "name": place.name,
        }
        assert alone["territory_id"] == home["id"], "analysed (and cached) in that territory"
        if home["id"] not in rankings:
            rankings[home["id"]] = get(client, "/api/analysis/renewal", territory=home["id"])[
                "ranking"
            ]
        (entry,) = [a for a in rankings[home["id"]] if a["body_id"] == body.pk]
        # Every indicator (value, thresholds, status, detail, messages), the weights, the
        # counts, the score, the charter and its rules.
        assert entry == assessment_of(alone), body.name
    paris = Territory.objects.get(level="commune", code="75056")
    councils = [b for b in bodies if b.name.startswith("Conseil de quartier")]
    assert len(councils) == 6
    assert {
        home
        for home, ranking in rankings.items()
        for a in ranking
        if a["body_id"] in {b.pk for b in councils}
    } == {paris.pk}


def test_a_paris_council_has_the_same_network_indicators_in_every_ranking(client):
    paris = Territory.objects.get(level="commune", code="75056")
    montmartre = Body.objects.get(name="Conseil de quartier Montmartre")
    alone = assessment_of(single(client, montmartre.pk))
    # Its own quartier, its arrondissement, Paris and the région: one answer.
    for level, code in (
        ("quartier", "75118-Q01"),
        ("arrondissement_municipal", "75118"),
        ("commune", "75056"),
        ("region", "11"),
    ):
        territory = Territory.objects.get(level=level, code=code)
        assert ranking_entry(client, territory.pk, montmartre.pk) == alone, (level, code)
    assert alone["network_territory"]["id"] == paris.pk
    # In Paris's graph the circle of Odile, Armelle and Rodolphe (MULTI_MEMBERS) sits in
    # three other councils each: alone in its quartier they sat in none.
    multi = {i["code"]: i for i in alone["indicators"]}["multi_membership"]
    assert multi["value"] > 0


def test_a_host_whose_territory_does_not_hold_the_body_falls_back_to_the_body_territory(
    client,
):
    blois = Territory.objects.get(level="commune", code="41018")
    council = Body.objects.get(name="Conseil des aînés de Blois")
    assert single(client, council.pk)["network_territory"]["id"] == blois.pk
    # Hosted by the Ville de Paris, whose territory does not hold Blois: its own territory.
    body_update(body=council, host=Actor.objects.get(name="Ville de Paris"))
    alone = single(client, council.pk)
    assert alone["network_territory"]["id"] == blois.pk
    assert ranking_entry(client, blois.pk, council.pk) == assessment_of(alone)
    # A host with no territory at all: its own territory too.
    host = Actor.objects.get(name="Ville de Blois")
    actor_update(actor=host, territory=None)
    body_update(body=council, host=host)
    assert loaders.network_territories(body_ids=[council.pk]) == {council.pk: blois.pk}


def test_a_ranking_below_the_network_territory_is_refreshed_by_a_write_beyond_it(client):
    # The councils of the 18e are analysed in Paris's graph: a change in the 20e (outside
    # the 18e, inside Paris) must not leave the 18e's cached ranking stale.
    paris18 = Territory.objects.get(level="arrondissement_municipal", code="75118")
    first = client.get("/api/analysis/renewal", {"territory": paris18.pk, "as_of": REF})
    assert first["X-Analysis-Cache"] == "miss"
    assert (
        client.get("/api/analysis/renewal", {"territory": paris18.pk, "as_of": REF})[
            "X-Analysis-Cache"
        ]
        == "hit"
    )
    belleville = Body.objects.get(name="Conseil de quartier Belleville")
    body_update(body=belleville, name="Conseil de quartier Belleville (renommé)")
    again = client.get("/api/analysis/renewal", {"territory": paris18.pk, "as_of": REF})
    assert again["X-Analysis-Cache"] == "miss"


def test_a_scoped_key_sees_no_graph_beyond_its_territory(demo):
    # A key confined to the 18e: the councils' network territory (Paris) lies beyond it,
    # so their network indicators are computed in the 18e's graph, named as such.
    paris18 = Territory.objects.get(level="arrondissement_municipal", code="75118")
    cache.clear()
    key = client_for(make_key(scopes=("read", "analysis"), territory=paris18)[1])
    montmartre = Body.objects.get(name="Conseil de quartier Montmartre")
    alone = single(key, montmartre.pk)
    assert alone["network_territory"]["id"] == paris18.pk
    assert ranking_entry(key, paris18.pk, montmartre.pk) == assessment_of(alone)
    belleville = Body.objects.get(name="Conseil de quartier Belleville")
    assert key.get(f"/api/analysis/bodies/{belleville.pk}/renewal").status_code == 404


def test_a_ranking_is_sized_by_the_network_territories_it_loads(client, settings):
    # The quartier Montmartre holds 1 body (and few actors) but its ranking loads Paris's
    # graph: over the bound, it is a job to poll, not a computation in the request.
    quartier = Territory.objects.get(level="quartier", code="75118-Q01")
    paris = Territory.objects.get(level="commune", code="75056")
    small = loaders.size_estimate(territory_id=quartier.pk, as_of=REFERENCE_DATE)
    large = loaders.size_estimate(territory_id=paris.pk, as_of=REFERENCE_DATE)
    assert small < large
    settings.REGISTRY_ANALYSIS = {**settings.REGISTRY_ANALYSIS, "SYNC_MAX_NODES": small}
    response = client.get("/api/analysis/renewal", {"territory": quartier.pk, "as_of": REF})
    assert response.status_code == 202, response.content
