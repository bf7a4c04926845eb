"""Each database rule rejects what it must, in the database itself and through the services."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from registry import tracking
from registry.exceptions import InvalidInput, MembershipOverlap
from registry.models import Actor, Body, Interaction, Membership, Opinion, Territory
from registry.services import actors, bodies, interactions, memberships
from tests.factories import (
    ActorFactory,
    BodyFactory,
    CollegeFactory,
    MembershipFactory,
    OrganizationFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


def raw_insert_fails(instance) -> bool:
    """Insert bypassing Django validation: does the database itself refuse it?"""
    try:
        with transaction.atomic(), tracking._allow_writes():
            instance.save(force_insert=True)
    except IntegrityError:
        return True
    return False


# --- the database refuses bad rows on its own ------------------------------------------


def test_database_refuses_membership_ending_before_it_starts():
    m = MembershipFactory.build(
        actor=ActorFactory(), body=BodyFactory(), start_date=D(2024, 5, 1), end_date=D(2024, 4, 1)
    )
    assert raw_insert_fails(m)


def test_database_refuses_end_reason_without_end_date():
    m = MembershipFactory.build(actor=ActorFactory(), body=BodyFactory(), end_reason="resigned")
    assert raw_insert_fails(m)


@pytest.mark.parametrize("field", ["power", "interest", "legitimacy", "urgency"])
def test_database_refuses_stakeholder_score_out_of_range(field):
    assert raw_insert_fails(Actor(kind="person", category="resident", name="X", **{field: 6}))


@pytest.mark.parametrize("weight", [0, 6])
def test_database_refuses_interaction_weight_out_of_range(weight):
    a, b = ActorFactory(), ActorFactory()
    assert raw_insert_fails(
        Interaction(source=a, target_actor=b, interaction_type="funding", weight=weight)
    )


def test_database_refuses_interaction_without_or_with_two_targets():
    a, b = ActorFactory(), ActorFactory()
    body = BodyFactory()
    assert raw_insert_fails(Interaction(source=a, interaction_type="funding"))
    assert raw_insert_fails(
        Interaction(source=a, target_actor=b, target_body=body, interaction_type="funding")
    )


def test_database_refuses_interaction_sign_and_confidence_out_of_range():
    a, b = ActorFactory(), ActorFactory()
    assert raw_insert_fails(Interaction(source=a, target_actor=b, interaction_type="x", sign=2))
    assert raw_insert_fails(
        Interaction(source=a, target_actor=b, interaction_type="x", confidence="1.50")
    )


def test_database_refuses_self_interaction():
    a = ActorFactory()
    assert raw_insert_fails(Interaction(source=a, target_actor=a, interaction_type="alliance"))


def test_database_refuses_duplicate_territory_natural_key():
    TerritoryFactory(level="commune", code="28185")
    assert raw_insert_fails(Territory(level="commune", code="28185", name="Dup"))


def test_same_code_on_two_levels_is_allowed():
    TerritoryFactory(level="commune", code="01015")
    assert not raw_insert_fails(Territory(level="commune_deleguee", code="01015", name="Déléguée"))


def test_database_refuses_body_term_and_dates_out_of_order():
    t = TerritoryFactory()
    assert raw_insert_fails(
        Body(
            name="B",
            body_type="ccspl",
            territory=t,
            term_start=D(2025, 1, 1),
            term_end=D(2024, 1, 1),
        )
    )
    assert raw_insert_fails(
        Body(
            name="B",
            body_type="ccspl",
            territory=t,
            founding_date=D(2025, 1, 1),
            dissolution_date=D(2020, 1, 1),
        )
    )


def test_database_refuses_response_before_opinion():
    b = BodyFactory()
    assert raw_insert_fails(
        Opinion(
            body=b,
            date=D(2025, 3, 1),
            title="Avis",
            referral="self",
            response_date=D(2025, 2, 1),
            response_outcome="adopted",
        )
    )


def test_database_refuses_overlapping_memberships_in_same_body_and_role():
    existing = MembershipFactory(start_date=D(2024, 1, 1), end_date=D(2026, 1, 1))
    clash = Membership(
        actor=existing.actor, body=existing.body, role="member", start_date=D(2025, 6, 1)
    )
    assert raw_insert_fails(clash)


def test_database_allows_consecutive_terms_and_other_roles():
    existing = MembershipFactory(start_date=D(2024, 1, 1), end_date=D(2026, 1, 1))
    next_term = Membership(
        actor=existing.actor, body=existing.body, role="member", start_date=D(2026, 1, 1)
    )
    other_role = Membership(
        actor=existing.actor, body=existing.body, role="president", start_date=D(2025, 1, 1)
    )
    assert not raw_insert_fails(next_term)
    assert not raw_insert_fails(other_role)


def test_database_refuses_overlap_created_by_an_update():
    first = MembershipFactory(start_date=D(2020, 1, 1), end_date=D(2022, 1, 1))
    second = MembershipFactory(actor=first.actor, body=first.body, start_date=D(2023, 1, 1))
    second.start_date = D(2021, 6, 1)
    with pytest.raises(IntegrityError), transaction.atomic(), tracking._allow_writes():
        second.save()


@pytest.mark.postgres
def test_postgres_uses_an_exclusion_constraint_for_overlaps():
    with connection.cursor() as cursor:
        cursor.execute("SELECT contype FROM pg_constraint WHERE conname = 'membership_no_overlap'")
        assert cursor.fetchone() == ("x",)


# --- the services give clear errors ---------------------------------------------------


def test_service_explains_membership_overlap_with_the_clashing_membership():
    existing = MembershipFactory(start_date=D(2024, 1, 1))
    with pytest.raises(MembershipOverlap) as excinfo:
        memberships.membership_create(
            actor=existing.actor, body=existing.body, start_date=D(2025, 1, 1)
        )
    assert f"membership {existing.pk}" in excinfo.value.errors["start_date"][0]
    assert Membership.objects.count() == 1


def test_service_refuses_an_update_that_creates_an_overlap_and_keeps_the_row():
    first = MembershipFactory(start_date=D(2020, 1, 1), end_date=D(2022, 1, 1))
    second = memberships.membership_create(
        actor=first.actor, body=first.body, start_date=D(2023, 1, 1)
    )
    with pytest.raises(MembershipOverlap):
        memberships.membership_update(membership=second, start_date=D(2021, 1, 1))
    second.refresh_from_db()
    assert second.start_date == D(2023, 1, 1)


def test_service_refuses_college_of_another_body():
    college = CollegeFactory()
    with pytest.raises(InvalidInput) as excinfo:
        memberships.membership_create(
            actor=ActorFactory(), body=BodyFactory(), college=college, start_date=D(2024, 1, 1)
        )
    assert "college" in excinfo.value.errors


def test_service_refuses_end_before_start_naming_the_field():
    with pytest.raises(InvalidInput) as excinfo:
        memberships.membership_create(
            actor=ActorFactory(),
            body=BodyFactory(),
            start_date=D(2024, 1, 1),
            end_date=D(2023, 1, 1),
            end_reason="resigned",
        )
    assert excinfo.value.errors  # names what is wrong
    assert Membership.objects.count() == 0


def test_service_refuses_scores_out_of_range_naming_the_field():
    with pytest.raises(InvalidInput) as excinfo:
        actors.actor_create(kind="person", category="resident", name="Zoé Martin", power=9)
    assert "power" in excinfo.value.errors
    assert Actor.objects.count() == 0


def test_service_refuses_person_category_on_organization():
    with pytest.raises(InvalidInput) as excinfo:
        actors.actor_create(kind="organization", category="resident", name="Asso")
    assert "category" in excinfo.value.errors


def test_service_refuses_duplicate_identifier_and_writes_nothing():
    actors.actor_create(
        kind="organization",
        category="association",
        name="Les Amis du Parc",
        identifiers=[{"scheme": "rna", "value": "W751000001"}],
    )
    with pytest.raises(InvalidInput):
        actors.actor_create(
            kind="organization",
            category="association",
            name="Autre",
            identifiers=[{"scheme": "rna", "value": "W751000001"}],
        )
    assert Actor.objects.count() == 1


def test_service_refuses_person_as_host_and_unknown_fields():
    with pytest.raises(InvalidInput) as excinfo:
        bodies.body_create(
            name="CQ",
            body_type="conseil_quartier",
            territory=TerritoryFactory(),
            host=ActorFactory(),
        )
    assert "host" in excinfo.value.errors
    with pytest.raises(InvalidInput) as excinfo:
        bodies.body_create(name="CQ", body_type="ccspl", territory=TerritoryFactory(), id=5)
    assert "id" in excinfo.value.errors


def test_service_refuses_interaction_weight_out_of_range():
    with pytest.raises(InvalidInput) as excinfo:
        interactions.interaction_create(
            source=ActorFactory(), target_actor=ActorFactory(), interaction_type="funding", weight=7
        )
    assert "weight" in excinfo.value.errors


def test_service_refuses_to_delete_an_actor_with_memberships():
    from registry.exceptions import Conflict

    m = MembershipFactory()
    with pytest.raises(Conflict):
        actors.actor_delete(actor=m.actor)
    assert Actor.objects.filter(pk=m.actor_id).exists()


def test_body_host_must_be_organization_but_organization_works():
    host = OrganizationFactory(category="collectivity", name="Ville de Paris")
    body = bodies.body_create(
        name="Conseil de quartier Goutte d'Or",
        body_type="conseil_quartier",
        territory=TerritoryFactory(),
        host=host,
        colleges=[{"name": "Habitants", "seats": 12, "selection_mode": "lot"}],
    )
    assert body.colleges.get().seats == 12
