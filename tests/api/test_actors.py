"""/api/actors/: the generic checks, identifiers, other names, and personal data behind a scope."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.models import Actor, ActorIdentifier, ActorOtherName, PersonalData
from registry.services.actors import actor_create
from tests import factories
from tests.api.generic import (
    ResourceAPITests,
    assert_json,
    assert_problem,
    caller,
    counts,
    ids,
    results,
    token_of,
    unique,
)

pytestmark = pytest.mark.django_db

#: (kind, category) pairs that go together, cycled so filters have values to tell apart.
KINDS = itertools.cycle(
    [
        ("person", "resident"),
        ("organization", "association"),
        ("person", "elected_official"),
        ("organization", "company"),
    ]
)
SCHEMES = itertools.cycle(["external", "rna", "siren"])
_numbers = itertools.count(1)


def personal(**values) -> dict:
    return {
        "email": "camille@example.org",
        "phone": "+33 1 23 45 67 89",
        "gender": "female",
        "birth_year": 1980,
        "lawful_basis": "public_task",
        "retention_until": "2031-12-31",
        **values,
    }


def make_actors(n, territory, kinds=KINDS):
    made = []
    for _ in range(n):
        kind, category = next(kinds)
        number = next(_numbers)
        made.append(
            actor_create(
                kind=kind,
                category=category,
                name=unique("Camille Martin" if kind == "person" else "Association"),
                territory=territory,
                power=number % 6,
                identifiers=[{"scheme": next(SCHEMES), "value": f"ID-{number}"}],
                other_names=[{"name": unique("Alias"), "note": "surnom"}],
                personal_data=personal() if kind == "person" else None,
            )
        )
    return made


def make_person(territory) -> Actor:
    return make_actors(1, territory, iter([("person", "resident")]))[0]


def make_organization(territory) -> Actor:
    return make_actors(1, territory, iter([("organization", "association")]))[0]


class TestActors(ResourceAPITests):
    model = Actor
    basename = "actor"

    def make(self, n, territory):
        return make_actors(n, territory)

    def create_payloads(self, territory):
        number = next(_numbers)
        return [
            {
                "kind": "person",
                "category": "elected_official",
                "name": unique("Dominique Durand"),
                "given_name": "Dominique",
                "family_name": "Durand",
                "territory": territory.pk,
                "power": 4,
                "interest": 3,
                "identifiers": [{"scheme": "rne", "value": f"RNE-{number}"}],
                "other_names": [{"name": "D. Durand", "note": "signature"}],
                "personal_data": personal(email="d.durand@example.org"),
                "links": [{"url": "https://example.org/elus/durand", "note": "fiche"}],
            },
            {
                "kind": "organization",
                "category": "association",
                "name": unique("Amicale des locataires"),
                "territory": territory.pk,
                "founding_date": "1998-05-12",
                "identifiers": [{"scheme": "rna", "value": f"W75{number:07d}"}],
            },
        ]

    def update_payload(self, obj, territory):
        return {"description": "Présidente de l'amicale", "interest": 5, "legitimacy": 2}

    def put_payload(self, obj, territory):
        return {
            "kind": obj.kind,
            "category": obj.category,
            "name": obj.name + " (nom d'usage)",
            "territory": territory.pk,
            "urgency": 1,
        }

    def invalid_payloads(self, territory):
        base = {"kind": "person", "category": "resident", "name": "Camille"}
        actor_create(  # holds the RNA number the payload below claims
            kind="organization",
            category="association",
            name="Déjà là",
            identifiers=[{"scheme": "rna", "value": "W751000001"}],
        )
        return [
            ({**base, "kind": "robot"}, "kind"),
            ({**base, "category": "association"}, "category"),
            ({**base, "name": ""}, "name"),
            ({**base, "power": 9}, "power"),
            ({**base, "territory": 10**9}, "territory"),
            ({**base, "identifiers": [{"scheme": "nir", "value": "1"}]}, "identifiers.0.scheme"),
            ({**base, "identifiers": [{"scheme": "rna", "value": "W751000001"}]}, "identifiers"),
            ({**base, "personal_data": personal(birth_year=1850)}, "personal_data.birth_year"),
            ({**base, "personal_data": personal(email="not-an-email")}, "personal_data.email"),
            (
                {
                    "kind": "organization",
                    "category": "company",
                    "name": "SARL",
                    "founding_date": "2020-01-01",
                    "dissolution_date": "2019-01-01",
                },
                "dissolution_date",
            ),
        ]

    def protect(self, obj):
        factories.MembershipFactory(actor=obj, body=factories.BodyFactory(territory=obj.territory))
        return True

    # --- specific to actors -------------------------------------------------------------

    def test_create_stores_identifiers_other_names_and_personal_data(self, tree, full):
        payload = self.create_payloads(tree.commune)[0]
        data = assert_json(full.client.post(self.list_url(), payload, format="json"), 201)
        actor = Actor.objects.get(pk=data["id"])
        assert list(ActorIdentifier.objects.filter(actor=actor).values_list("scheme", "value")) == [
            ("rne", payload["identifiers"][0]["value"])
        ]
        assert list(ActorOtherName.objects.filter(actor=actor).values_list("name", "note")) == [
            ("D. Durand", "signature")
        ]
        stored = PersonalData.objects.get(actor=actor)
        assert (stored.email, stored.birth_year, stored.lawful_basis) == (
            "d.durand@example.org",
            1980,
            "public_task",
        )
        assert data["personal_data"]["email"] == "d.durand@example.org"

    def test_patch_replaces_identifiers_and_other_names(self, tree, full):
        actor = self.make(1, tree.commune)[0]
        payload = {
            "identifiers": [{"scheme": "siren", "value": "123456789"}],
            "other_names": [],
        }
        data = assert_json(full.client.patch(self.detail_url(actor.pk), payload, format="json"))
        assert data["identifiers"] == [{"scheme": "siren", "value": "123456789", "issuer": ""}]
        assert data["other_names"] == []
        assert list(actor.identifiers.values_list("scheme", "value")) == [("siren", "123456789")]
        assert not actor.other_names.exists()

    def test_personal_data_is_hidden_without_the_scope(self, tree):
        person = make_person(tree.commune)
        assert PersonalData.objects.filter(actor=person).exists()
        factories.MembershipFactory(
            actor=person, body=factories.BodyFactory(territory=tree.commune)
        )
        for scopes in (("read",), ("read", "write", "analysis")):
            reader = caller(scopes=scopes)
            for item in results(self.get_list(reader.client)):
                assert "personal_data" not in item, f"list shows personal data to {scopes}"
            detail = assert_json(reader.client.get(self.detail_url(person.pk)))
            assert "personal_data" not in detail
            assert (
                "camille@example.org"
                not in reader.client.get(self.detail_url(person.pk)).content.decode()
            )
            expanded = self.get_list(reader.client, fields="id,name")
            assert all(set(i) == {"id", "name"} for i in results(expanded))
            assert_problem(
                self.get_list(reader.client, fields="personal_data"), 400, field="fields"
            )
            # Nor through another resource that embeds actors.
            embedded = reader.client.get("/api/memberships/", {"expand": "actor"})
            assert person.name in embedded.content.decode()
            assert "camille@example.org" not in embedded.content.decode()

    def test_personal_data_is_shown_with_the_scope(self, tree):
        person, organization = make_person(tree.commune), make_organization(tree.commune)
        reader = caller(scopes=("read", "personal_data"))
        items = {i["id"]: i for i in results(self.get_list(reader.client))}
        assert items[person.pk]["personal_data"]["email"] == "camille@example.org"
        assert items[person.pk]["personal_data"]["birth_year"] == 1980
        assert items[organization.pk]["personal_data"] is None
        detail = assert_json(reader.client.get(self.detail_url(person.pk)))
        assert detail["personal_data"]["retention_until"] == "2031-12-31"

    def test_a_key_without_the_scope_cannot_write_personal_data(self, tree):
        person = make_person(tree.commune)
        writer = caller(scopes=("read", "write"))
        payload = {"personal_data": personal(email="pirate@example.org")}
        # The field does not exist for such a key: it is ignored, like any unknown field.
        before = counts()
        data = assert_json(writer.client.patch(self.detail_url(person.pk), payload, format="json"))
        assert "personal_data" not in data
        assert counts() == before, "nothing to change: nothing written, not even to the ledger"
        assert PersonalData.objects.get(actor=person).email == "camille@example.org"
        created = self.create_payloads(tree.commune)[0]
        data = assert_json(writer.client.post(self.list_url(), created, format="json"), 201)
        assert "personal_data" not in data
        assert not PersonalData.objects.filter(actor_id=data["id"]).exists()

    def test_filters_on_identifiers_and_scores(self, tree, full):
        actors = self.make(4, tree.commune)
        value = actors[2].identifiers.get().value
        assert ids(self.get_list(full.client, identifier=value)) == {actors[2].pk}
        schemes = {a.pk: a.identifiers.get().scheme for a in actors}
        asked = sorted(set(schemes.values()))[:2]
        assert ids(self.get_list(full.client, identifier_scheme=asked)) == {
            pk for pk, scheme in schemes.items() if scheme in asked
        }
        alias = token_of(actors[2].other_names.get().name)
        assert ids(self.get_list(full.client, q=alias)) == {actors[2].pk}, "q searches other names"
        assert ids(self.get_list(full.client, q=value)) == {actors[2].pk}, "q searches identifiers"
        high = {a.pk for a in Actor.objects.filter(power__gte=3)}
        assert ids(self.get_list(full.client, power_min=3)) == high
        assert high and high != {a.pk for a in actors}

    def test_founding_and_dissolution_date_ranges(self, tree, full):
        old, young = (
            actor_create(
                kind="organization",
                category="association",
                name=unique("Association"),
                territory=tree.commune,
                founding_date=dt.date(year, 1, 1),
                dissolution_date=dt.date(year + 10, 1, 1),
            )
            for year in (1990, 2010)
        )
        assert ids(self.get_list(full.client, dissolution_date_before="2005-01-01")) == {old.pk}
        assert ids(self.get_list(full.client, dissolution_date_after="2005-01-01")) == {young.pk}
        assert ids(self.get_list(full.client, founding_date_after="2000-01-01")) == {young.pk}

    def test_kind_filter_takes_several_kinds(self, tree, full):
        actors = self.make(4, tree.commune)
        persons = {a.pk for a in actors if a.kind == "person"}
        assert ids(self.get_list(full.client, kind="person")) == persons
        assert ids(self.get_list(full.client, kind=["person", "organization"])) == {
            a.pk for a in actors
        }
