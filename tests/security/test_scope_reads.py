"""One scope rule for reads: what a territory-scoped key's analyses and exports may hold.

The world: two sibling départements A and B under one région. A body inside A seats an
inside person, an inside association and a person from B (the *outside member*, with
declared power, interest, legitimacy, urgency, an identifier and personal data). Three
interactions: one filed under A between the two inside actors (readable), one filed under
B between an inside actor and the outside member, and one filed under B between the two
inside actors (both 404 when read directly by the key scoped to A).

For that key, every analysis in every format holds only the interactions the
interactions list shows it, the outside member with its id and name only, and an actor
out of reach answers exactly as a missing id. The rule itself lives in ``api.scoping``.
"""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import networkx as nx
import orjson
import pytest
from rest_framework.test import APIClient

from api import scoping
from api.models import ALL_SCOPES
from api.resources.actors import ActorViewSet
from api.resources.interactions import InteractionViewSet
from graph.export import METRIC_FIELDS, STYLE_FIELDS
from registry.models import Actor, Body, Interaction, Territory
from registry.services import actors as actor_services
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key
from tests.factories import BodyFactory, InteractionFactory, MembershipFactory

AS_OF = "2025-06-01"
#: The territory analysed: A, by its natural key (the same for every key).
TERRITORY = {"A": "departement:9A"}
#: Every declared attribute of an actor: none may reach a scoped key for an outside member.
DECLARED = {
    "actor_kind",
    "territory",
    "power",
    "interest",
    "legitimacy",
    "urgency",
    "identifiers",
    "personal_data",
    "links",
    "sources",
}
#: Strings only the outside member's record holds (its home territory, its identifier,
#: its e-mail): no scoped answer may contain them.
OUTSIDE_MARKS = (b"departement:9B", b"ZORGLUB-RNA", b"zorglub@example.org")


@dataclass
class World:
    a: Territory
    b: Territory
    inside: Actor
    association: Actor
    outside: Actor
    body: Body
    tie_a: Interaction  # filed under A: readable
    tie_b_out: Interaction  # filed under B, inside -> outside member
    tie_b_in: Interaction  # filed under B, between two inside actors
    scoped: APIClient
    national: APIClient


@pytest.fixture
def world(db) -> World:
    region = territory_create(level="region", code="9R", name="Région commune")
    a = territory_create(
        level="departement", code="9A", name="Dépt A", parents=[(region, "administrative")]
    )
    b = territory_create(
        level="departement", code="9B", name="Dépt B", parents=[(region, "administrative")]
    )
    inside = actor_services.actor_create(
        kind="person", category="resident", name="Alpha Personne", territory=a, power=2
    )
    association = actor_services.actor_create(
        kind="organization", category="association", name="Alpha Association", territory=a
    )
    outside = actor_services.actor_create(
        kind="person",
        category="elected_official",
        name="Zorglub Élu",
        territory=b,
        power=5,
        interest=4,
        legitimacy=4,
        urgency=3,
        identifiers=[{"scheme": "rna", "value": "ZORGLUB-RNA"}],
        personal_data={
            "email": "zorglub@example.org",
            "birth_year": 1960,
            "lawful_basis": "public_task",
            "retention_until": dt.date(2030, 1, 1),
        },
    )
    body = BodyFactory(name="Alpha Conseil", territory=a, seats=10)
    for actor in (inside, association, outside):
        MembershipFactory(actor=actor, body=body)
    tie_a = InteractionFactory(source=inside, target_actor=association, territory=a, weight=2)
    tie_b_out = InteractionFactory(
        source=inside, target_actor=outside, territory=b, interaction_type="conflict", sign=-1
    )
    tie_b_in = InteractionFactory(
        source=inside, target_actor=association, territory=b, interaction_type="funding"
    )
    _k, scoped_key = make_key(scopes=tuple(ALL_SCOPES), territory=a, name="scoped A")
    _n, national_key = make_key(scopes=tuple(ALL_SCOPES), name="national")
    return World(
        a,
        b,
        inside,
        association,
        outside,
        body,
        tie_a,
        tie_b_out,
        tie_b_in,
        client_for(scoped_key),
        client_for(national_key),
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def node(pk: int) -> str:
    return f"a{pk}"


def get(client: APIClient, url: str, **params):
    response = client.get(url, {"as_of": AS_OF, "territory": TERRITORY["A"], **params})
    assert response.status_code == 200, (url, response.status_code, response.content[:400])
    return response


def hidden_facts(world: World) -> set[str]:
    return {f"i{world.tie_b_out.pk}", f"i{world.tie_b_in.pk}"}


def assert_no_outside_marks(payload: bytes) -> None:
    for mark in OUTSIDE_MARKS:
        assert mark not in payload, mark


# --- the rule is one rule ---------------------------------------------------------------


def test_the_analyses_rule_is_the_lists_rule():
    assert InteractionViewSet.territory_path == scoping.INTERACTION_PATH
    assert ActorViewSet.territory_path == scoping.ACTOR_PATH


def test_the_hidden_interactions_are_404_when_read_directly(world):
    for tie in (world.tie_b_out, world.tie_b_in):
        assert world.scoped.get(f"/api/interactions/{tie.pk}/").status_code == 404
    assert world.scoped.get(f"/api/interactions/{world.tie_a.pk}/").status_code == 200
    assert world.scoped.get(f"/api/actors/{world.outside.pk}/").status_code == 404


# --- influence map, every format ------------------------------------------------------------


def _node_link(client) -> dict:
    return orjson.loads(get(client, "/api/analysis/influence-map", format="json").content)


def test_influence_map_json_holds_only_readable_ties_and_outside_by_name(world):
    national = _node_link(world.national)
    national_facts = {f for link in national["links"] for f in link["facts"]}
    assert hidden_facts(world) <= national_facts  # the world is what the test says

    response = get(world.scoped, "/api/analysis/influence-map", format="json")
    assert_no_outside_marks(response.content)
    document = orjson.loads(response.content)
    facts = {f for link in document["links"] for f in link["facts"]}
    assert f"i{world.tie_a.pk}" in facts
    assert not facts & hidden_facts(world)
    # The inside-outside pair was tied only by the B interaction: no link between them.
    pairs = {frozenset((link["source"], link["target"])) for link in document["links"]}
    assert frozenset((node(world.inside.pk), node(world.outside.pk))) not in pairs

    nodes = {n["id"]: n for n in document["nodes"]}
    outside = nodes[node(world.outside.pk)]
    # Its metrics and how it is drawn (from the ties the key reads), nothing else.
    assert set(outside) - set(METRIC_FIELDS) - set(STYLE_FIELDS) == {"id"}
    assert outside["label"] == "Zorglub Élu" and outside["category"] == ""
    assert not DECLARED & set(outside)
    inside = nodes[node(world.inside.pk)]
    assert inside["power"] == 2 and inside["territory"] == "departement:9A"


def _xml_graph(client, fmt: str, *, scoped: bool = True) -> nx.Graph:
    response = get(client, "/api/analysis/influence-map", format=fmt)
    if scoped:
        assert_no_outside_marks(response.content)
    reader = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    return reader(io.BytesIO(response.content))


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_influence_map_xml_formats(world, fmt):
    national = _xml_graph(world.national, fmt, scoped=False)
    assert national.has_edge(node(world.inside.pk), node(world.outside.pk))

    graph = _xml_graph(world.scoped, fmt)
    assert not graph.has_edge(node(world.inside.pk), node(world.outside.pk))
    facts = " ".join(str(d.get("facts", "")) for _u, _v, d in graph.edges(data=True)).split()
    assert f"i{world.tie_a.pk}" in facts and not set(facts) & hidden_facts(world)
    attributes = set(graph.nodes[node(world.outside.pk)]) - {"viz", "label"}
    assert not attributes - set(METRIC_FIELDS) - set(STYLE_FIELDS), attributes
    assert not DECLARED & attributes


def test_influence_map_svg_draws_only_readable_ties(world):
    scoped = get(world.scoped, "/api/analysis/influence-map", format="svg").content
    national = get(world.national, "/api/analysis/influence-map", format="svg").content
    assert_no_outside_marks(scoped)
    links = _node_link(world.scoped)["links"]
    assert drawn_ties(scoped) == len([x for x in links if x["source"] != x["target"]])
    assert drawn_ties(national) == drawn_ties(scoped) + 1


def drawn_ties(svg: bytes) -> int:
    """The ties an SVG draws: one line each within a community (and each mostly negative
    one), one line per pair of communities for the ties between them (``data-ties``)."""
    root = ET.fromstring(svg)
    count = 0
    for group in ("ties-within", "ties-negative", "ties-between"):
        for line in root.find(f".//{{http://www.w3.org/2000/svg}}g[@class='{group}']"):
            count += int(line.get("data-ties", 1))
    return count


def test_cache_never_passes_an_answer_between_keys_of_different_reach(world):
    url = "/api/analysis/influence-map"
    first = get(world.national, url, format="json")
    assert first["X-Analysis-Cache"] == "miss"
    scoped = get(world.scoped, url, format="json")
    assert scoped["X-Analysis-Cache"] == "miss"
    assert scoped.content != first.content and scoped["ETag"] != first["ETag"]
    assert not {f for x in orjson.loads(scoped.content)["links"] for f in x["facts"]} & (
        hidden_facts(world)
    )
    again = get(world.scoped, url, format="json")
    assert again["X-Analysis-Cache"] == "hit" and again.content == scoped.content
    # And the other way round: the national key gets its own answer back, not the scoped one.
    national_again = get(world.national, url, format="json")
    assert national_again.content == first.content


# --- ego network, paths: ties readable, and out of reach = missing -------------------------


def _ego(client, pk, radius=2):
    return client.get(
        f"/api/analysis/actors/{pk}/network",
        {"as_of": AS_OF, "radius": radius, "territory": TERRITORY["A"]},
    )


def test_ego_network(world):
    response = _ego(world.scoped, world.inside.pk)
    assert response.status_code == 200, response.content
    assert_no_outside_marks(response.content)
    document = orjson.loads(response.content)
    keys = {f["key"] for f in document["facts"]}
    assert f"i{world.tie_a.pk}" in keys and not keys & hidden_facts(world)
    outside = next(n for n in document["nodes"] if n["node"] == node(world.outside.pk))
    assert outside["label"] == "Zorglub Élu"
    assert {k for k, _v in outside["attributes"]} <= {"kind", "label"}


def _same_answer(a, b) -> None:
    assert a.status_code == b.status_code == 404
    assert a["Content-Type"] == b["Content-Type"]
    body_a, body_b = orjson.loads(a.content), orjson.loads(b.content)
    # ``instance`` is the request's own path (which names the id asked for) and
    # ``request_id`` the request's own: everything else is the same.
    for body in (body_a, body_b):
        body.pop("instance", None)
        body.pop("request_id", None)
    assert body_a == body_b


def test_ego_network_of_an_actor_out_of_reach_is_that_of_a_missing_id(world):
    missing = Actor.objects.order_by("-pk").first().pk + 1000
    _same_answer(_ego(world.scoped, world.outside.pk), _ego(world.scoped, missing))
    # The national key does reach it.
    assert _ego(world.national, world.outside.pk).status_code == 200


def _paths(client, source, target):
    return client.get(
        "/api/analysis/paths",
        {"as_of": AS_OF, "from": source, "to": target, "territory": TERRITORY["A"]},
    )


def test_paths(world):
    response = _paths(world.scoped, world.inside.pk, world.association.pk)
    assert response.status_code == 200, response.content
    assert_no_outside_marks(response.content)
    assert not any(f.encode() in response.content for f in hidden_facts(world))
    missing = Actor.objects.order_by("-pk").first().pk + 1000
    for source, target in (
        (world.inside.pk, world.outside.pk),
        (world.outside.pk, world.inside.pk),
    ):
        out_of_reach = _paths(world.scoped, source, target)
        absent = _paths(
            world.scoped,
            missing if source == world.outside.pk else source,
            missing if target == world.outside.pk else target,
        )
        _same_answer(out_of_reach, absent)


# --- stakeholders, interlocks, renewal --------------------------------------------------------


def test_stakeholders_have_no_entry_for_an_outside_member(world):
    response = get(world.scoped, "/api/analysis/stakeholders")
    assert_no_outside_marks(response.content)
    entries = orjson.loads(response.content)["entries"]
    nodes = {e["node"] for e in entries}
    assert node(world.inside.pk) in nodes and node(world.outside.pk) not in nodes
    national = orjson.loads(get(world.national, "/api/analysis/stakeholders").content)
    declared = next(e for e in national["entries"] if e["node"] == node(world.outside.pk))
    assert declared["power"] == 5  # what the scoped key must not see


@pytest.mark.parametrize(
    "url",
    [
        "/api/analysis/interlocks",
        "/api/analysis/renewal",
        "body-renewal",
        "body-recruitment",
        "/api/analysis/evolution",
    ],
)
def test_other_analyses_hold_nothing_out_of_reach(world, url):
    if url == "body-renewal":
        url = f"/api/analysis/bodies/{world.body.pk}/renewal"
    if url == "body-recruitment":
        url = f"/api/analysis/bodies/{world.body.pk}/recruitment"
    if url == "/api/analysis/evolution":  # dates, not as_of: the year before, then AS_OF
        response = world.scoped.get(url, {"to": AS_OF, "territory": TERRITORY["A"]})
        assert response.status_code == 200, response.content[:400]
    else:
        response = get(world.scoped, url)
    assert_no_outside_marks(response.content)
    assert not any(f'"{f}"'.encode() in response.content for f in hidden_facts(world))
    assert b'"power":5' not in response.content


# --- exports and nested actors ----------------------------------------------------------------


def test_popolo_export_shows_an_outside_member_by_id_and_name(world):
    response = world.scoped.get("/api/export/popolo", {"territory": world.a.pk})
    assert response.status_code == 200, response.content
    assert_no_outside_marks(response.content)
    document = orjson.loads(response.content)
    persons = {p["id"]: p for p in document["persons"]}
    assert persons[f"actor/{world.outside.pk}"] == {
        "id": f"actor/{world.outside.pk}",
        "name": "Zorglub Élu",
    }
    assert "area_id" in persons[f"actor/{world.inside.pk}"]
    national = orjson.loads(
        world.national.get("/api/export/popolo", {"territory": world.a.pk}).content
    )
    full = next(p for p in national["persons"] if p["id"] == f"actor/{world.outside.pk}")
    # Their home territory is not in the export: no area_id pointing outside it (closed).
    assert full["identifiers"] and "area_id" not in full


def test_memberships_expand_actor_shows_an_outside_member_by_id_and_name(world):
    response = world.scoped.get("/api/memberships/", {"body": world.body.pk, "expand": "actor"})
    assert response.status_code == 200, response.content
    assert_no_outside_marks(response.content)
    actors = {m["actor"]["id"]: m["actor"] for m in orjson.loads(response.content)["results"]}
    assert actors[world.outside.pk] == {"id": world.outside.pk, "name": "Zorglub Élu"}
    assert actors[world.inside.pk]["category"] == "resident"
    membership = next(
        m for m in orjson.loads(response.content)["results"] if m["actor"]["id"] == world.outside.pk
    )
    detail = world.scoped.get(f"/api/memberships/{membership['id']}/", {"expand": "actor"})
    assert orjson.loads(detail.content)["actor"] == {"id": world.outside.pk, "name": "Zorglub Élu"}
    national = world.national.get("/api/memberships/", {"body": world.body.pk, "expand": "actor"})
    assert any(
        m["actor"].get("category") == "elected_official"
        for m in orjson.loads(national.content)["results"]
    )


def test_a_bodys_members_expand_actor_shows_only_outside_members_by_id_and_name(world):
    response = world.scoped.get(f"/api/bodies/{world.body.pk}/members/", {"expand": "actor"})
    assert response.status_code == 200, response.content
    assert_no_outside_marks(response.content)
    document = orjson.loads(response.content)
    rows = document["results"] if isinstance(document, dict) else document
    actors = {m["actor"]["id"]: m["actor"] for m in rows}
    assert actors[world.outside.pk] == {"id": world.outside.pk, "name": "Zorglub Élu"}
    assert actors[world.inside.pk]["category"] == "resident"
