"""The planted core change of the demo, as the README tells it (Consultant, Change over
time): in Goussainville from 2024-11-01 to 2026-11-01 the ten ``CORE_NEWCOMERS`` enter the
main core (core number 10), the two councils they joined have their interlock grow (Jaccard
0 to 0.625) and their scores move, communities merge, and the ``BROKEN_CIRCLE`` shows a
split.

Computed as the API does (the ``evolution`` computer, so the loaders are covered).
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.core.cache import cache

import api.analysis.evolution  # noqa: F401  (registers the computers)
from api.analysis.runner import COMPUTERS, Request
from registry.demo.scenario import BROKEN_CIRCLE, CORE_NEWCOMERS, NEWCOMER_BODIES
from registry.models import Actor, Territory
from tests.conftest import seeded_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def evolution(django_db_setup, django_db_blocker):
    with seeded_demo(django_db_blocker):
        cache.clear()
        town = Territory.objects.get(level="commune", code="95280")  # Goussainville
        params = {"from": "2024-11-01", "to": "2026-11-01", "step": "year", "seed": 0}
        request = Request(
            kind="evolution",
            territory_id=town.pk,
            as_of=dt.date(2026, 11, 1),
            params=tuple(sorted(params.items())),
            fmt="json",
        )
        payload, _type, _reads = COMPUTERS["evolution"](request)
        nodes = {
            name: f"a{pk}"
            for name, pk in Actor.objects.filter(
                name__in=[*CORE_NEWCOMERS, *(n for half in BROKEN_CIRCLE for n in half)]
            ).values_list("name", "id")
        }
        yield orjson.loads(payload), nodes


def test_the_newcomers_enter_the_main_core_of_number_ten(evolution):
    doc, nodes = evolution
    first, last = doc["snapshots"][0], doc["snapshots"][-1]
    assert last["core_k"] == 10
    newcomers = {nodes[n] for n in CORE_NEWCOMERS}
    assert set(last["core"]) == newcomers
    assert not newcomers & set(first["core"])
    assert set(doc["changes"]["core"]["entered"]) == newcomers


def test_the_two_councils_interlock_grows_and_their_scores_move(evolution):
    doc, _nodes = evolution
    councils = {b.name for b in NEWCOMER_BODIES}
    grew = {g["label"]: g for g in doc["changes"]["interlocks_grew"]}
    assert councils <= set(grew)
    for name in councils:
        assert (grew[name]["jaccard_first"], grew[name]["jaccard_last"]) == (0.0, 0.625)
    moved = {m["label"] for m in doc["changes"]["score_moves"] if m["delta"]}
    assert councils <= moved


def test_communities_merge_and_the_broken_circle_splits(evolution):
    doc, nodes = evolution
    assert doc["changes"]["merges"]
    first, last = doc["snapshots"][0], doc["snapshots"][-1]
    halves = [{nodes[n] for n in half} for half in BROKEN_CIRCLE]

    def community(snapshot, node):
        return next(c["id"] for c in snapshot["communities"] if node in c["members"])

    # one community on the first date, the two halves apart on the last
    assert len({community(first, n) for half in halves for n in half}) == 1
    parts = [{community(last, n) for n in half} for half in halves]
    assert all(len(p) == 1 for p in parts) and parts[0] != parts[1]
    source = community(first, next(iter(halves[0])))
    split = next(s for s in doc["changes"]["splits"] if s["source"] == source)
    assert set(split["parts"]) == parts[0] | parts[1]
