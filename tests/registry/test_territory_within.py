"""The transitive "within" query, on both hierarchies, with validity dates."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.exceptions import InvalidInput
from registry.models import Territory, TerritoryClosure
from registry.services.territories import (
    closure_rebuild,
    territory_create,
    territory_link,
    territory_unlink,
    territory_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """A small real-shaped DAG: région > département > arrondissement > commune, and an EPCI."""
    region = territory_create(level="region", code="27", name="Bourgogne-Franche-Comté")
    dept = territory_create(
        level="departement", code="89", name="Yonne", parents=[(region, "administrative")]
    )
    arr = territory_create(
        level="arrondissement", code="891", name="Avallon", parents=[(dept, "administrative")]
    )
    epci = territory_create(
        level="epci", code="200067130", name="CC Avallon, Vézelay, Morvan", kind="cc"
    )
    avallon = territory_create(
        level="commune",
        code="89025",
        name="Avallon",
        parents=[(arr, "administrative"), (epci, "intercommunal")],
    )
    vezelay = territory_create(
        level="commune",
        code="89446",
        name="Vézelay",
        parents=[(arr, "administrative"), (epci, "intercommunal")],
    )
    quartier = territory_create(
        level="quartier", code="89025-Q1", name="Centre", parents=[(avallon, "municipal")]
    )
    return {
        "region": region,
        "dept": dept,
        "arr": arr,
        "epci": epci,
        "avallon": avallon,
        "vezelay": vezelay,
        "quartier": quartier,
    }


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_within_region_follows_the_administrative_hierarchy_to_the_bottom(tree):
    assert codes(Territory.objects.within(tree["region"])) == sorted(
        ["27", "89", "891", "89025", "89025-Q1", "89446"]
    )


def test_within_epci_follows_the_intercommunal_hierarchy(tree):
    assert codes(Territory.objects.within(tree["epci"], include_self=False)) == [
        "89025",
        "89025-Q1",
        "89446",
    ]


def test_an_epci_is_not_within_the_department_of_its_communes(tree):
    assert not Territory.objects.within(tree["dept"]).filter(pk=tree["epci"].pk).exists()


def test_within_is_one_query(tree):
    with CaptureQueriesContext(connection) as ctx:
        list(Territory.objects.within(tree["region"]))
    assert len(ctx.captured_queries) == 1


def test_closure_depth_is_the_shortest_path(tree):
    row = TerritoryClosure.objects.get(ancestor=tree["region"], descendant=tree["quartier"])
    assert row.depth == 4
    assert (
        TerritoryClosure.objects.get(ancestor=tree["epci"], descendant=tree["quartier"]).depth == 2
    )


def test_linking_and_unlinking_updates_descendants_too(tree):
    other_epci = territory_create(level="epci", code="200000001", name="CA Test", kind="ca")
    territory_unlink(parent=tree["epci"], child=tree["avallon"])
    territory_link(parent=other_epci, child=tree["avallon"], kind="intercommunal")
    assert codes(Territory.objects.within(other_epci, include_self=False)) == ["89025", "89025-Q1"]
    assert codes(Territory.objects.within(tree["epci"], include_self=False)) == ["89446"]


def test_cycles_are_refused(tree):
    with pytest.raises(InvalidInput):
        territory_link(parent=tree["quartier"], child=tree["region"], kind="administrative")


def test_full_rebuild_of_a_correct_closure_writes_nothing(tree):
    stats = closure_rebuild()
    assert (stats.inserted, stats.deleted, stats.updated) == (0, 0, 0)


def test_valid_on_excludes_merged_communes(tree):
    territory_update(territory=tree["vezelay"], valid_until=dt.date(2026, 1, 1))
    current = Territory.objects.within(tree["epci"]).valid_on(dt.date(2026, 6, 1))
    assert "89446" not in codes(current)
    past = Territory.objects.within(tree["epci"]).valid_on(dt.date(2025, 6, 1))
    assert "89446" in codes(past)
