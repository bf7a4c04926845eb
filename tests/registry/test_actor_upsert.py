"""Bulk upserts of actors (by identifier) and interactions (by external id)."""

import datetime as dt

import pytest

from registry.exceptions import InvalidInput
from registry.models import Actor, ActorIdentifier, ChangeRecord, Interaction
from registry.services.actors import actor_identifier_add
from registry.services.upserts import MAX_ITEMS, actor_upsert_many, interaction_upsert_many
from tests.factories import ActorFactory, BodyFactory, OrganizationFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def _person(value, name, **extra):
    return {
        "identifier": {"scheme": "external", "issuer": "crm", "value": value},
        "kind": "person",
        "category": "resident",
        "name": name,
        **extra,
    }


def test_creates_then_second_identical_call_is_empty():
    territory = TerritoryFactory()
    items = [
        _person("P1", "Alice Martin", territory=territory.pk, power=3),
        _person("P2", "Bruno Petit"),
        {
            "identifier": {"scheme": "rna", "value": "W751234567"},
            "kind": "organization",
            "category": "association",
            "name": "Les Amis du Parc",
            "founding_date": dt.date(2001, 5, 4),
        },
    ]
    result = actor_upsert_many(items=items)
    assert [c["index"] for c in result.created] == [0, 1, 2]
    assert not result.updated and not result.unchanged
    alice = Actor.objects.get(identifiers__value="P1")
    assert alice.territory_id == territory.pk and alice.power == 3
    assert ActorIdentifier.objects.get(value="W751234567").actor.name == "Les Amis du Parc"

    ledger = ChangeRecord.objects.count()
    again = actor_upsert_many(items=items)
    assert again.is_empty
    assert len(again.unchanged) == 3
    assert ChangeRecord.objects.count() == ledger


def test_updates_only_given_fields_and_reports_changes():
    actor = ActorFactory(name="Alice", description="keep me")
    actor_identifier_add(actor=actor, scheme="external", issuer="crm", value="P1")
    result = actor_upsert_many(
        items=[
            {
                "identifier": {"scheme": "external", "issuer": "crm", "value": "P1"},
                "name": "Alice M.",
            }
        ]
    )
    assert result.updated == [
        {
            "index": 0,
            "id": actor.pk,
            "key": "external:crm:P1",
            "changes": {"name": ["Alice", "Alice M."]},
        }
    ]
    actor.refresh_from_db()
    assert actor.name == "Alice M." and actor.description == "keep me"


def test_one_bad_item_writes_nothing_and_names_it():
    actor = ActorFactory(name="Alice")
    actor_identifier_add(actor=actor, scheme="external", value="P1")
    before = (Actor.objects.count(), ChangeRecord.objects.count())
    items = [
        _person("P9", "Valid"),
        {"identifier": {"scheme": "external", "value": "P1"}, "name": "Renamed"},
        _person("P10", "Bad", category="association"),
        {"identifier": {"scheme": "external", "value": "P11"}, "kind": "robot", "name": "X"},
        {"identifier": {"value": "no-scheme"}},
        _person("P9", "Duplicate"),
        _person("P12", "Bad date", founding_date="31/02/2020"),
    ]
    with pytest.raises(InvalidInput) as exc:
        actor_upsert_many(items=items)
    errors = exc.value.errors
    assert "items.2.category" in errors
    assert "items.3.kind" in errors and "items.3.category" in errors
    assert "items.4.identifier" in errors
    assert "items.5.identifier" in errors
    assert "items.6.founding_date" in errors
    assert not any(k.startswith(("items.0.", "items.1.")) for k in errors)
    assert (Actor.objects.count(), ChangeRecord.objects.count()) == before
    actor.refresh_from_db()
    assert actor.name == "Alice"


def test_dry_run_writes_nothing():
    actor = ActorFactory(name="Alice")
    actor_identifier_add(actor=actor, scheme="external", value="P1")
    before = (Actor.objects.count(), ChangeRecord.objects.count())
    result = actor_upsert_many(
        items=[
            {"identifier": {"scheme": "external", "value": "P1"}, "name": "Alice B."},
            _person("P2", "New"),
        ],
        dry_run=True,
    )
    assert result.dry_run
    assert result.created == [{"index": 1, "id": None, "key": "external:crm:P2"}]
    assert result.updated[0]["changes"] == {"name": ["Alice", "Alice B."]}
    assert (Actor.objects.count(), ChangeRecord.objects.count()) == before
    actor.refresh_from_db()
    assert actor.name == "Alice"


def test_too_many_items_refused():
    with pytest.raises(InvalidInput):
        actor_upsert_many(items=[_person(f"P{i}", "x") for i in range(MAX_ITEMS + 1)])


def test_unknown_territory_and_field():
    with pytest.raises(InvalidInput) as exc:
        actor_upsert_many(items=[_person("P1", "A", territory=999999, email="a@b.fr")])
    assert set(exc.value.errors) == {"items.0.territory", "items.0.email"}


def test_many_items_in_few_queries(django_assert_max_num_queries):
    items = [_person(f"P{i}", f"Personne {i}") for i in range(300)]
    with django_assert_max_num_queries(30):
        result = actor_upsert_many(items=items)
    assert len(result.created) == 300
    assert ActorIdentifier.objects.filter(issuer="crm").count() == 300


def test_interaction_upsert_by_external_id():
    a, b = ActorFactory(), ActorFactory()
    org = OrganizationFactory()
    actor_identifier_add(actor=org, scheme="siren", value="123456789")
    body = BodyFactory()
    items = [
        {
            "external_id": "I1",
            "source": a.pk,
            "target_actor": {"scheme": "siren", "value": "123456789"},
            "interaction_type": "funding",
            "weight": 3,
        },
        {
            "external_id": "I2",
            "source": b.pk,
            "target_body": body.pk,
            "interaction_type": "consultation",
        },
    ]
    result = interaction_upsert_many(items=items)
    assert len(result.created) == 2
    i1 = Interaction.objects.get(external_id="I1")
    assert (i1.source_id, i1.target_actor_id, i1.weight) == (a.pk, org.pk, 3)

    ledger = ChangeRecord.objects.count()
    assert interaction_upsert_many(items=items).is_empty
    assert ChangeRecord.objects.count() == ledger

    items[0]["weight"] = 5
    result = interaction_upsert_many(items=items)
    assert result.updated == [{"index": 0, "id": i1.pk, "key": "I1", "changes": {"weight": [3, 5]}}]
    assert result.unchanged == [Interaction.objects.get(external_id="I2").pk]


def test_interaction_errors_write_nothing():
    a = ActorFactory()
    before = (Interaction.objects.count(), ChangeRecord.objects.count())
    with pytest.raises(InvalidInput) as exc:
        interaction_upsert_many(
            items=[
                {
                    "external_id": "I1",
                    "source": a.pk,
                    "target_actor": a.pk,
                    "interaction_type": "alliance",
                },
                {"source": a.pk, "target_body": 99999, "interaction_type": "alliance"},
                {
                    "external_id": "I3",
                    "source": {"scheme": "rna", "value": "none"},
                    "interaction_type": "x",
                },
                {
                    "external_id": "I4",
                    "source": a.pk,
                    "target_actor": 99999,
                    "weight": 9,
                    "interaction_type": "alliance",
                },
            ]
        )
    errors = exc.value.errors
    assert "items.0.target_actor" in errors
    assert "items.1.external_id" in errors
    assert "items.2.source" in errors and "items.2.interaction_type" in errors
    assert "items.4.weight" not in errors and "items.3.weight" in errors
    assert "items.3.target_actor" in errors
    assert (Interaction.objects.count(), ChangeRecord.objects.count()) == before
