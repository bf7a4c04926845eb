"""factory_boy factories that write through the change ledger, like the services do.

A factory sets only what a test needs; everything else gets a plain default.
"""

import datetime as dt

import factory

from registry import models, tracking


class TrackedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Fields and the model's ``clean()`` are checked in Python; uniqueness and the
        constraints are left to the database, which enforces every one of them.

        ``full_clean()``'s uniqueness and constraint checks cost a query each (Django asks
        the database whether a CheckConstraint holds): ~18 % of the CPU time of the API
        tests, spent making their data, and as many round trips on PostgreSQL. A factory
        that breaks a constraint still fails (IntegrityError instead of ValidationError);
        the services' own validation, which the API answers with, is unchanged and tested.
        """
        instance = model_class(*args, **kwargs)
        instance.full_clean(validate_unique=False, validate_constraints=False)
        return tracking.create(instance, validate=False)


class TerritoryFactory(TrackedFactory):
    class Meta:
        model = models.Territory

    level = models.TerritoryLevel.COMMUNE
    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Territoire {n}")


class ActorFactory(TrackedFactory):
    class Meta:
        model = models.Actor

    kind = models.ActorKind.PERSON
    category = models.ActorCategory.RESIDENT
    name = factory.Sequence(lambda n: f"Personne {n}")


class OrganizationFactory(ActorFactory):
    kind = models.ActorKind.ORGANIZATION
    category = models.ActorCategory.ASSOCIATION
    name = factory.Sequence(lambda n: f"Association {n}")


class BodyFactory(TrackedFactory):
    class Meta:
        model = models.Body

    name = factory.Sequence(lambda n: f"Conseil {n}")
    body_type = models.BodyType.CONSEIL_QUARTIER
    territory = factory.SubFactory(TerritoryFactory)


class CollegeFactory(TrackedFactory):
    class Meta:
        model = models.College

    body = factory.SubFactory(BodyFactory)
    name = factory.Sequence(lambda n: f"Collège {n}")
    selection_mode = models.SelectionMode.VOLUNTEER


class MembershipFactory(TrackedFactory):
    class Meta:
        model = models.Membership

    actor = factory.SubFactory(ActorFactory)
    body = factory.SubFactory(BodyFactory)
    role = models.Role.MEMBER
    start_date = dt.date(2024, 1, 1)


class MeetingFactory(TrackedFactory):
    class Meta:
        model = models.Meeting

    body = factory.SubFactory(BodyFactory)
    date = dt.date(2025, 3, 1)


class OpinionFactory(TrackedFactory):
    class Meta:
        model = models.Opinion

    body = factory.SubFactory(BodyFactory)
    date = dt.date(2025, 3, 1)
    title = factory.Sequence(lambda n: f"Avis {n}")
    referral = models.Referral.REFERRED


class InteractionFactory(TrackedFactory):
    class Meta:
        model = models.Interaction

    source = factory.SubFactory(ActorFactory)
    target_actor = factory.SubFactory(ActorFactory)
    interaction_type = models.InteractionType.COLLABORATION
