"""A record that leaves a territory refreshes the cached answers of the territory it left.

An analysis answer is served from the cache while its territory's data version is
unchanged (``api.analysis.runner``); the version is the last change filed under the
territory or below. A body, an actor or a membership moved elsewhere is filed under
its new territory, and a territory unlinked from its parent is no longer below it: the
territory left kept its version, and served the body, the member or the quartier that
had gone until the cache expired. Each such ledger row now also names the territory
it left (``ChangeRecord.also_territory_id``), which the version probe reads too.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.core.cache import cache

from api.models import ALL_SCOPES
from graph import loaders
from registry import tracking
from registry.models import Body, ChangeRecord
from registry.services.actors import actor_create, actor_update
from registry.services.bodies import body_create, body_update
from registry.services.memberships import membership_create, membership_update
from registry.services.territories import territory_create, territory_unlink

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

AS_OF = "2026-06-01"


@pytest.fixture
def world():
    cache.clear()
    r = territory_create(level="region", code="97", name="Région R")
    a = territory_create(
        level="commune", code="97001", name="Commune A", parents=[(r, "administrative")]
    )
    b = territory_create(
        level="commune", code="97002", name="Commune B", parents=[(r, "administrative")]
    )
    q = territory_create(
        level="quartier", code="97001-Q1", name="Quartier Q", parents=[(a, "municipal")]
    )
    elsewhere = territory_create(level="commune", code="98001", name="Commune X")
    body_a = body_create(name="Conseil citoyen A", body_type="conseil_citoyen", territory=a)
    body_b = body_create(name="Conseil citoyen B", body_type="conseil_citoyen", territory=b)
    body_q = body_create(name="Conseil de quartier Q", body_type="conseil_quartier", territory=q)
    person = actor_create(kind="person", category="resident", name="Camille Exemple", territory=a)
    seat = membership_create(
        actor=person, body=body_a, start_date=dt.date(2024, 1, 1), role="member"
    )
    return {
        "r": r,
        "a": a,
        "b": b,
        "q": q,
        "x": elsewhere,
        "body_a": body_a,
        "body_b": body_b,
        "body_q": body_q,
        "person": person,
        "seat": seat,
    }


def version(territory) -> str:
    return loaders.data_version(territory_id=territory.pk)


@pytest.fixture
def client():
    return client_for(make_key(scopes=ALL_SCOPES)[1])


def ranking(client, territory):
    response = client.get("/api/analysis/renewal", {"territory": territory.pk, "as_of": AS_OF})
    assert response.status_code == 200, response.content
    return response["X-Analysis-Cache"], [
        a["body_id"] for a in orjson.loads(response.content)["ranking"]
    ]


def test_a_body_moved_out_is_gone_from_the_cached_ranking_it_left(client, world):
    assert ranking(client, world["a"]) == ("miss", [world["body_a"].pk, world["body_q"].pk])
    assert ranking(client, world["a"])[0] == "hit"
    unrelated = version(world["x"])
    body_update(body=world["body_a"], territory=world["b"])
    status, bodies = ranking(client, world["a"])
    assert (status, bodies) == ("miss", [world["body_q"].pk])
    assert world["body_a"].pk in ranking(client, world["b"])[1]
    assert version(world["x"]) == unrelated  # a move elsewhere leaves other territories


def test_a_body_moved_within_the_region_moves_both_communes_and_the_region(world):
    before = {name: version(world[name]) for name in ("a", "b", "r", "x")}
    body_update(body=world["body_a"], territory=world["b"])
    after = {name: version(world[name]) for name in ("a", "b", "r", "x")}
    assert {n for n in before if before[n] != after[n]} == {"a", "b", "r"}


def test_an_actor_moved_out_refreshes_the_territory_it_left(world):
    left = version(world["a"])
    actor_update(actor=world["person"], territory=world["x"])
    assert version(world["a"]) != left


def test_a_seat_moved_to_a_body_elsewhere_refreshes_the_territory_of_the_first_body(world):
    other = body_create(name="Conseil X", body_type="conseil_citoyen", territory=world["x"])
    left = version(world["a"])
    membership_update(membership=world["seat"], body=other)
    assert version(world["a"]) != left
    row = ChangeRecord.objects.filter(model="registry.membership").last()
    assert (row.territory_id, row.also_territory_id) == (world["x"].pk, world["a"].pk)


def test_a_quartier_unlinked_refreshes_the_commune_and_region_it_left(client, world):
    assert world["body_q"].pk in ranking(client, world["a"])[1]
    left = {name: version(world[name]) for name in ("a", "r", "b")}
    territory_unlink(parent=world["a"], child=world["q"])
    assert version(world["a"]) != left["a"]
    assert version(world["r"]) != left["r"]
    assert version(world["b"]) == left["b"]
    status, bodies = ranking(client, world["a"])
    assert status == "miss" and world["body_q"].pk not in bodies
    row = ChangeRecord.objects.filter(model="registry.territoryrelation", action="delete").last()
    assert (row.territory_id, row.also_territory_id) == (world["q"].pk, world["a"].pk)


def test_an_update_in_place_names_no_second_territory(world):
    body_update(body=world["body_a"], name="Conseil citoyen de A")
    row = ChangeRecord.objects.filter(model="registry.body").last()
    assert (row.territory_id, row.also_territory_id) == (world["a"].pk, None)
    assert row.after == {"name": "Conseil citoyen de A"}


def test_many_moves_at_once_name_each_territory_left_in_one_query(
    world, django_assert_max_num_queries
):
    bodies = [
        body_create(
            name=f"Conseil {i}", body_type="conseil_citoyen", territory=world["a" if i % 2 else "b"]
        )
        for i in range(6)
    ]
    fresh = list(Body.objects.filter(pk__in=[b.pk for b in bodies]).order_by("pk"))
    # Each body goes to the other commune; a membership's move needs its body's territory.
    pairs = [
        (b, {"territory": world["b"] if b.territory_id == world["a"].pk else world["a"]})
        for b in fresh
    ]
    with django_assert_max_num_queries(8):
        tracking.bulk_update(pairs, validate=False)
    rows = ChangeRecord.objects.filter(model="registry.body", object_id__in=[b.pk for b in bodies])
    moves = {
        r.object_id: (r.territory_id, r.also_territory_id) for r in rows.filter(action="update")
    }
    for b in bodies:
        assert moves[b.pk] == (
            world["b"].pk if b.territory_id == world["a"].pk else world["a"].pk,
            b.territory_id,
        )
