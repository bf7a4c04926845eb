"""One resolution of entries to actors (registry.services.resolution), used by sync and bulk.

Invented people only.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import (
    Actor,
    ActorIdentifier,
    ActorMerge,
    Interaction,
    Membership,
    PersonalData,
)
from registry.services import bodies, resolution
from registry.services.actors import actor_create
from registry.services.sync import membership_sync
from registry.services.upserts import actor_upsert_many, interaction_upsert_many
from tests.factories import ActorFactory, OrganizationFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

D = dt.date
DAY = D(2026, 3, 1)
LATER = D(2026, 9, 1)


@pytest.fixture
def body():
    return bodies.body_create(
        name="Conseil de quartier Lisière",
        body_type="conseil_quartier",
        territory=TerritoryFactory(),
        colleges=[
            {"name": "Habitants", "selection_mode": "lot"},
            {"name": "Associations", "selection_mode": "designation"},
        ],
    )


def person(name, **extra):
    return {"new_actor": {"kind": "person", "category": "resident", "name": name, **extra}}


def sync(body, members, day=DAY, **kwargs):
    return membership_sync(body=body, members=members, effective_date=day, **kwargs)


def errors_of(body, members, day=DAY, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as excinfo:
        sync(body, members, day, **kwargs)
    return excinfo.value.errors


def merged(into: Actor) -> int:
    """The id of an actor merged into ``into`` (its row gone, its id recorded)."""
    gone = ActorFactory(name="Doublon")
    pk = gone.pk
    tracking.delete(gone)
    tracking.create(ActorMerge(merged_id=pk, into=into, merged_name="Doublon"))
    return pk


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        {"name": "DUPONT Marie"},
        {"name": "marie  dupont"},
        {"name": "Marie Dupont"},
        {"name": "Dupont", "given_name": "Marie", "family_name": "Dupont"},
        {"name": "Mme DUPONT", "given_name": "marie", "family_name": "DUPONT"},
    ],
)
def test_a_new_actor_named_like_a_member_is_that_member(body, variant):
    first = sync(body, [person("Marie Dupont", given_name="Marie", family_name="Dupont")])
    marie = Actor.objects.get()
    name = variant.pop("name")
    again = sync(body, [person(name, **variant)], day=LATER)
    assert again.is_empty, again
    assert Actor.objects.count() == 1
    assert again.unchanged == [first.created[0]["id"]]
    assert Actor.objects.get().name == marie.name  # a known actor found by name is not modified


def test_a_past_member_named_again_gets_a_new_seat_not_a_new_person(body):
    sync(body, [person("Jean-Édouard Lefèvre")])
    sync(body, [], day=D(2026, 4, 1))  # he leaves
    result = sync(body, [person("LEFEVRE Jean Edouard")], day=LATER)
    assert Actor.objects.count() == 1
    assert [c["actor"] for c in result.created] == [Actor.objects.get().pk]
    assert Membership.objects.filter(body=body).count() == 2


def test_names_are_matched_among_members_of_this_body_only(body):
    ActorFactory(kind="person", name="Marie Dupont")  # in no body
    result = sync(body, [person("Marie Dupont")])
    assert Actor.objects.filter(name="Marie Dupont").count() == 2
    assert result.created[0]["name"] == "Marie Dupont"


def test_birth_year_and_territory_tell_people_apart_only_when_both_sides_have_them(body):
    pd = {"lawful_basis": "consent", "retention_until": D(2030, 1, 1)}
    sync(body, [person("Marie Dupont", personal_data={**pd, "birth_year": 1970})])
    other = sync(body, [person("Marie Dupont", personal_data={**pd, "birth_year": 1985})])
    assert Actor.objects.count() == 2 and len(other.created) == 1 and len(other.ended) == 1
    # Without a birth year the entry may be either: refused, naming both.
    errors = errors_of(body, [person("Marie Dupont")], day=LATER)
    message = errors["members.0.new_actor"][0]
    for actor in Actor.objects.all():
        assert f"{actor.pk} (Marie Dupont)" in message
    elsewhere = TerritoryFactory()
    assert sync(body, [person("Paul Martin")], day=LATER).created
    sync(body, [person("Paul Martin", territory=elsewhere)], day=D(2026, 10, 1))
    assert Actor.objects.filter(name="Paul Martin").count() == 2


def test_two_entries_of_one_new_person_create_it_once(body):
    result = sync(
        body,
        [person("Lucie Bernard"), {**person("BERNARD Lucie"), "role": "president"}],
    )
    assert Actor.objects.count() == 1
    assert {c["role"] for c in result.created} == {"member", "president"}
    assert len({c["actor"] for c in result.created}) == 1
    again = sync(
        body,
        [person("Lucie Bernard"), {**person("BERNARD Lucie"), "role": "president"}],
        day=LATER,
    )
    assert again.is_empty


def test_the_same_new_person_twice_in_the_same_role_is_refused(body):
    errors = errors_of(body, [person("Lucie Bernard"), person("lucie bernard")])
    assert list(errors) == ["members.1.actor"]
    assert Actor.objects.count() == 0


# --- identifiers and external ids -------------------------------------------------------


def test_a_new_actor_with_a_known_identifier_is_that_actor(body):
    known = actor_create(
        kind="organization",
        category="association",
        name="Régie de quartier",
        identifiers=[{"scheme": "rna", "value": "W281000123"}],
    )
    entry = {
        "new_actor": {
            "kind": "organization",
            "category": "association",
            "name": "Une autre graphie",
            "identifiers": [{"scheme": "rna", "value": "w 281 000 123"}],
        }
    }
    result = sync(body, [entry])
    assert [c["actor"] for c in result.created] == [known.pk]
    assert result.created[0]["name"] == "Régie de quartier"
    assert Actor.objects.count() == 1


def test_identifiers_of_two_actors_in_one_new_actor_are_ambiguous(body):
    a = actor_create(
        kind="person",
        category="resident",
        name="A",
        identifiers=[{"scheme": "external", "value": "A"}],
    )
    b = actor_create(
        kind="person",
        category="resident",
        name="B",
        identifiers=[{"scheme": "external", "value": "B"}],
    )
    ids = [{"scheme": "external", "value": "A"}, {"scheme": "external", "value": "B"}]
    errors = errors_of(body, [person("C", identifiers=ids)])
    message = errors["members.0.new_actor.identifiers"][0]
    assert f"{a.pk} (A)" in message and f"{b.pk} (B)" in message


def test_a_new_actor_whose_external_id_names_a_seat_is_that_seat_s_actor(body):
    sync(body, [{**person("Inès Roux"), "external_id": "CQ-17"}])
    # Renamed in the collectivity's file: the seat's id still names her.
    result = sync(body, [{**person("Inès Roux-Martin"), "external_id": "CQ-17"}], day=LATER)
    assert result.is_empty
    assert Actor.objects.count() == 1


# --- merged ids -------------------------------------------------------------------------


def test_a_merged_id_names_its_survivor_in_sync_and_bulk(body):
    survivor = OrganizationFactory(name="Amicale des locataires")
    old = merged(survivor)
    result = sync(body, [{"actor": old, "on_behalf_of": old}])
    assert result.created[0]["actor"] == survivor.pk
    assert Membership.objects.get().on_behalf_of_id == survivor.pk
    updated = actor_upsert_many(items=[{"id": old, "description": "Fusionnée"}])
    assert [u["id"] for u in updated.updated] == [survivor.pk]
    other = ActorFactory()
    old_other = merged(other)
    ties = interaction_upsert_many(
        items=[
            {
                "external_id": "T1",
                "source": old,
                "target_actor": old_other,
                "interaction_type": "alliance",
            }
        ]
    )
    assert ties.created
    tie = Interaction.objects.get(external_id="T1")
    assert (tie.source_id, tie.target_actor_id) == (survivor.pk, other.pk)


def test_a_merged_id_whose_survivor_is_out_of_scope_is_no_actor(body):
    outside = ActorFactory(territory=TerritoryFactory())
    old = merged(outside)
    scope = Q(territory_id=body.territory_id)
    errors = errors_of(body, [{"actor": old}], allowed_actors=scope)
    assert errors == {"members.0.actor": [f"No actor with id {old}."]}
    missing = errors_of(body, [{"actor": 10**12}], allowed_actors=scope)
    assert missing == {"members.0.actor": [f"No actor with id {10**12}."]}


# --- bulk actors by id ------------------------------------------------------------------


def test_bulk_actor_items_by_id(body):
    a = ActorFactory(name="Sans identifiant", territory=body.territory)
    first = actor_upsert_many(items=[{"id": a.pk, "name": "Nommée"}])
    assert first.updated == [
        {
            "index": 0,
            "id": a.pk,
            "key": f"id:{a.pk}",
            "changes": {"name": ["Sans identifiant", "Nommée"]},
        }
    ]
    again = actor_upsert_many(items=[{"id": a.pk, "name": "Nommée"}])
    assert again.is_empty and again.unchanged == [a.pk]
    # Besides an identifier nobody holds: added to the actor.
    key = {"scheme": "external", "value": "X-1"}
    added = actor_upsert_many(items=[{"id": a.pk, "identifier": key}])
    assert added.updated[0]["changes"] == {"identifier": [None, "external:X-1"]}
    assert ActorIdentifier.objects.get().actor_id == a.pk
    assert actor_upsert_many(items=[{"id": a.pk, "identifier": key}]).is_empty


def test_bulk_actor_id_refusals(body):
    a, b = ActorFactory(territory=body.territory), ActorFactory(territory=body.territory)
    actor_upsert_many(items=[{"id": b.pk, "identifier": {"scheme": "external", "value": "B"}}])
    with pytest.raises(InvalidInput) as excinfo:
        actor_upsert_many(
            items=[
                {"id": 10**12},
                {"id": a.pk, "identifier": {"scheme": "external", "value": "B"}},
                {"id": b.pk},
                {"id": b.pk, "name": "Encore"},
            ]
        )
    errors = excinfo.value.errors
    assert errors["items.0.id"] == [f"No actor with id {10**12}."]
    assert errors["items.1.identifier"] == [
        f"This identifier belongs to actor {b.pk}, not to actor {a.pk}."
    ]
    assert errors["items.3.id"] == ["Same actor as item 2."]
    # Out of reach: the very message of a missing id.
    outside = ActorFactory(territory=TerritoryFactory())
    with pytest.raises(InvalidInput) as excinfo:
        actor_upsert_many(items=[{"id": outside.pk, "name": "X"}], reach=body.territory_id)
    assert excinfo.value.errors == {"items.0.id": [f"No actor with id {outside.pk}."]}


# --- batched lookups --------------------------------------------------------------------


def test_five_thousand_identifier_entries_on_any_database(body):
    n = 5000
    actors = tracking.bulk_create(
        [Actor(kind="person", category="resident", name=f"Habitant {i}") for i in range(n)],
        validate=False,
    )
    tracking.bulk_create(
        [ActorIdentifier(actor=a, scheme="external", value=f"H-{i}") for i, a in enumerate(actors)],
        validate=False,
    )
    members = [
        {"identifier": {"scheme": "external", "value": f"H-{i}"}, "external_id": f"S-{i}"}
        for i in range(n)
    ]
    dry = sync(body, members, dry_run=True)
    assert len(dry.created) == n and Membership.objects.count() == 0
    first = sync(body, members)
    assert len(first.created) == n
    assert sync(body, members, day=LATER).is_empty
    # Inline new actors by name and external id resolve to them too (a scan of the body).
    named = [
        {**person(f"HABITANT {i}"), "external_id": f"S-{i}"} if i % 2 else person(f"habitant {i}")
        for i in range(n)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert sync(body, named, day=LATER).is_empty
    assert len(queries) < 80, len(queries)


def test_follow_merges_and_actors_by_id_are_batched():
    actors = [ActorFactory() for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        found = resolution.actors_by_id({a.pk for a in actors} | {10**12})
    assert set(found) == {a.pk for a in actors}
    assert len(queries) == 2


def test_personal_data_birth_year_is_read_from_the_stored_record(body):
    pd = {"lawful_basis": "consent", "retention_until": D(2030, 1, 1), "birth_year": 1990}
    sync(body, [person("Nadia Benali", personal_data=pd)])
    assert PersonalData.objects.get().birth_year == 1990
    again = sync(body, [person("BENALI Nadia", personal_data={**pd})], day=LATER)
    assert again.is_empty


def test_a_dry_run_names_known_actors_found_by_name_and_nulls_new_ones(body):
    sync(body, [person("Marie Dupont")])
    marie = Actor.objects.get()
    result = sync(
        body,
        [{**person("DUPONT Marie"), "role": "president"}, person("Paul Martin")],
        day=LATER,
        dry_run=True,
    )
    by_name = {c["name"]: c["actor"] for c in result.created}
    assert by_name == {"Marie Dupont": marie.pk, "Paul Martin": None}
    assert [e["name"] for e in result.ended] == ["Marie Dupont"]
    assert Actor.objects.count() == 1
