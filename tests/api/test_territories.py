"""/api/territories/: the generic checks, natural keys, ?within= and ?level=."""

from __future__ import annotations

import itertools

import pytest

from registry.models import Territory, TerritoryClosure
from registry.services.territories import territory_create, territory_update
from tests import factories
from tests.api.generic import (
    ResourceAPITests,
    assert_json,
    assert_problem,
    caller,
    counts,
    ids,
    key_of,
    token_of,
    unique,
)

pytestmark = pytest.mark.django_db

#: Territories that lie within a commune, with their finer kind.
SHAPES = itertools.cycle(
    [
        ("quartier", "qpv", "municipal"),
        ("arrondissement_municipal", "", "municipal"),
        ("quartier", "", "municipal"),
        ("commune_deleguee", "", "administrative"),
    ]
)
_codes = itertools.count(1)


def code() -> str:
    return f"Z{next(_codes):05d}"


class TestTerritories(ResourceAPITests):
    model = Territory
    basename = "territory"
    territory_path = "id"
    territory_filter = "within"
    # a parent out of reach is refused as a missing one, on the link that names it
    scope_error_field = "parent_links.0.territory"

    def make(self, n, territory):
        made = []
        for _ in range(n):
            level, kind, relation = next(SHAPES)
            made.append(
                territory_create(
                    level=level,
                    kind=kind,
                    code=code(),
                    name=unique("Quartier"),
                    population=1000,
                    parents=[(territory, relation)],
                )
            )
        return made

    def create_payloads(self, territory):
        return [
            {
                "level": "quartier",
                "code": code(),
                "name": unique("Les Grésillons"),
                "kind": "qpv",
                "population": 4200,
                "valid_from": "2024-01-01",
                "parent_links": [{"territory": territory.pk, "kind": "municipal"}],
                "extra": {"contrat_de_ville": "2024-2030"},
            },
            {
                "level": "quartier",
                "code": code(),
                "name": unique("Centre"),
                "parent_links": [{"territory": territory.pk, "kind": "municipal"}],
            },
        ]

    def update_payload(self, obj, territory):
        return {"population": 5100, "valid_until": "2031-01-01"}

    def put_payload(self, obj, territory):
        return {
            "level": obj.level,
            "code": obj.code,
            "name": obj.name + " (nouveau nom)",
            "kind": "qpv",
            "population": 900,
        }

    def invalid_payloads(self, territory):
        base = {"level": "quartier", "code": "Q-INVALID", "name": "Quartier"}
        return [
            ({**base, "level": "canton"}, "level"),
            ({**base, "code": ""}, "code"),
            ({**base, "population": -5}, "population"),
            ({**base, "valid_from": "2025-01-01", "valid_until": "2024-01-01"}, "valid_until"),
            ({**base, "level": territory.level, "code": territory.code}, "non_field_errors"),
            (
                {**base, "parent_links": [{"territory": territory.pk, "kind": "feudal"}]},
                "parent_links.0.kind",
            ),
            (
                {**base, "parent_links": [{"territory": 10**9, "kind": "municipal"}]},
                "parent_links.0.territory",
            ),
        ]

    def search_term(self, obj):
        return token_of(obj.name)

    def protect(self, obj):
        factories.BodyFactory(territory=obj)
        return True

    # --- specific to territories --------------------------------------------------------

    def test_create_links_the_territory_under_its_parents(self, tree, full):
        payload = self.create_payloads(tree.commune)[0]
        data = assert_json(full.client.post(self.list_url(), payload, format="json"), 201)
        assert data["key"] == f"quartier:{payload['code']}"
        assert data["parents"] == [
            {
                "id": tree.commune.pk,
                "level": "commune",
                "code": "75056",
                "name": "Paris",
                "kind": "municipal",
            }
        ]
        ancestors = set(
            TerritoryClosure.objects.filter(descendant_id=data["id"]).values_list(
                "ancestor_id", flat=True
            )
        )
        assert ancestors == {data["id"], tree.commune.pk, tree.dept.pk, tree.region.pk}

    def test_natural_key_finds_the_territory(self, tree, full):
        data = assert_json(full.client.get("/api/territories/commune:75056/"))
        assert data["id"] == tree.commune.pk and data["key"] == "commune:75056"
        response = full.client.get("/api/territories/departement:75/")
        assert response["ETag"]
        assert assert_json(response)["id"] == tree.dept.pk
        changed = full.client.patch(
            "/api/territories/commune:75056/", {"population": 2_100_000}, format="json"
        )
        assert assert_json(changed)["population"] == 2_100_000
        tree.commune.refresh_from_db()
        assert tree.commune.population == 2_100_000
        assert_problem(full.client.get("/api/territories/commune:00000/"), 404)

    def test_natural_key_respects_the_key_territory(self, tree):
        outsider = caller(territory=tree.other_region)
        assert_problem(outsider.client.get("/api/territories/commune:75056/"), 404)
        before = counts()
        response = outsider.client.patch(
            "/api/territories/commune:75056/", {"population": 1}, format="json"
        )
        assert_problem(response, 404)
        assert counts() == before
        assert assert_json(outsider.client.get("/api/territories/commune:89025/"))["id"] == (
            tree.other_commune.pk
        )

    def test_within_follows_both_hierarchies(self, tree, full):
        epci = territory_create(level="epci", code="200054781", name="Métropole du Grand Paris")
        member = territory_create(
            level="commune",
            code="92012",
            name="Boulogne-Billancourt",
            parents=[(epci, "intercommunal")],
        )
        quartier = self.make(1, tree.commune)[0]
        assert ids(self.get_list(full.client, within=key_of(epci))) == {epci.pk, member.pk}
        assert ids(self.get_list(full.client, within=tree.region.pk)) == {
            tree.region.pk,
            tree.dept.pk,
            tree.commune.pk,
            quartier.pk,
        }
        assert ids(self.get_list(full.client, contains=quartier.pk)) == {
            quartier.pk,
            tree.commune.pk,
            tree.dept.pk,
            tree.region.pk,
        }

    def test_level_filter_takes_several_levels(self, tree, full):
        below = self.make(2, tree.commune)
        assert ids(self.get_list(full.client, level=["commune", below[0].level])) == {
            tree.commune.pk,
            tree.other_commune.pk,
            *(t.pk for t in Territory.objects.filter(level=below[0].level)),
        }
        assert ids(self.get_list(full.client, level=["region", "departement"])) == {
            tree.region.pk,
            tree.other_region.pk,
            tree.dept.pk,
            tree.other_dept.pk,
        }
        assert ids(self.get_list(full.client, level="commune")) == {
            tree.commune.pk,
            tree.other_commune.pk,
        }

    def test_successor_filter_finds_the_merged_territories(self, tree, full):
        nouvelle, merged, other = self.make(3, tree.commune)
        territory_update(territory=merged, successor=nouvelle)
        assert ids(self.get_list(full.client, successor=nouvelle.pk)) == {merged.pk}
        assert ids(self.get_list(full.client, successor=other.pk)) == set()
        shown = assert_json(full.client.get(self.detail_url(merged.pk)))
        assert shown["successor"] == nouvelle.pk
