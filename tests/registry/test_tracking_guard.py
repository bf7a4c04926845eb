"""The untracked-write guard covers every manager of every tracked model.

Django reaches a model's rows through its default manager (``objects``) and
through its *base* manager (related-object access, ``Model._base_manager``,
the deletion collector, ``save()``'s UPDATE). The base manager used to be a
plain ``Manager``, so ``Model._base_manager.filter(...).update(...)`` wrote with
no ledger row while ``Model.objects...update()`` was refused.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import timezone

from registry.models import Body, ChangeRecord, College, Meeting, Membership
from registry.services import bodies
from registry.tracking import TrackedModelMixin, TrackedQuerySet, UntrackedWriteError
from tests.factories import (
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
)

pytestmark = pytest.mark.django_db

TRACKED = sorted(
    (m for m in apps.get_app_config("registry").get_models() if issubclass(m, TrackedModelMixin)),
    key=lambda m: m._meta.label,
)
MANAGERS = ["_base_manager", "_default_manager"]


def test_the_enumeration_holds_every_model_of_the_tracked_base():
    # The parametrised tests below run over TRACKED: it must not miss a registry model.
    from registry.models.base import RegistryModel

    based = {m for m in apps.get_models() if issubclass(m, RegistryModel)}
    assert based <= set(TRACKED)
    assert {m.__name__ for m in TRACKED} >= {
        "Actor",
        "ActorIdentifier",
        "ActorOtherName",
        "Attendance",
        "Body",
        "College",
        "Interaction",
        "Meeting",
        "Membership",
        "Opinion",
        "PersonalData",
        "Territory",
        "TerritoryRelation",
    }


@pytest.fixture
def data():
    """At least one row of most tracked models, written through the services."""
    membership = MembershipFactory()
    MeetingFactory(body=membership.body)
    OpinionFactory(body=membership.body)
    InteractionFactory()
    return membership


def table_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in [*TRACKED, ChangeRecord]}


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("model", TRACKED, ids=lambda m: m.__name__)
def test_bulk_writes_through_any_manager_are_refused(data, model, manager):
    objects = getattr(model, manager)
    assert isinstance(objects.all(), TrackedQuerySet), f"{model.__name__}.{manager}"
    before = table_counts()
    with pytest.raises(UntrackedWriteError, match="registry.services"):
        objects.filter(pk__gte=0).update(updated_at=timezone.now())
    with pytest.raises(UntrackedWriteError):
        objects.filter(pk__gte=0).delete()
    with pytest.raises(UntrackedWriteError):
        objects.all().delete()
    with pytest.raises(UntrackedWriteError):
        objects.bulk_create([model()])
    existing = list(objects.all()[:1]) or [model()]
    with pytest.raises(UntrackedWriteError):
        objects.bulk_update(existing, ["updated_at"])
    assert table_counts() == before


def test_the_base_manager_is_the_model_s_own_manager():
    # The custom querysets (Body.objects.within(...), Membership.objects.current(...)) stay
    # what related access returns, and the base manager filters nothing out.
    for model in TRACKED:
        assert model._base_manager is model._default_manager, model.__name__
        assert model._base_manager.get_queryset().query.where.children == []


def test_related_managers_refuse_bulk_writes_too(data):
    body = data.body
    with pytest.raises(UntrackedWriteError):
        body.colleges.update(seats=99)
    with pytest.raises(UntrackedWriteError):
        body.memberships.all().delete()
    assert not College.objects.filter(seats=99).exists()
    assert Membership.objects.filter(body=body).exists()


def test_django_still_reads_and_deletes_through_the_base_manager(data):
    membership = Membership.objects.get(pk=data.pk)
    # Forward and reverse related access go through the (now guarded) base manager.
    assert membership.body.pk == data.body_id
    assert membership.actor.pk == data.actor_id
    assert list(membership.body.memberships.values_list("pk", flat=True)) == [membership.pk]
    membership.refresh_from_db()
    body = membership.body
    body_pk, membership_pk = body.pk, membership.pk
    meetings = list(Meeting.objects.filter(body=body).values_list("pk", flat=True))
    before = ChangeRecord.objects.filter(action="delete").count()
    # A service delete cascades through the collector (base-manager querysets): allowed,
    # and every row removed gets its tombstone.
    bodies.body_delete(body=body)
    assert not Body.objects.filter(pk=body_pk).exists()
    assert not Membership.objects.filter(pk=membership_pk).exists()
    tombstones = ChangeRecord.objects.filter(action="delete")
    assert tombstones.count() > before
    assert tombstones.filter(model="registry.body", object_id=body_pk).exists()
    assert tombstones.filter(model="registry.membership", object_id=membership_pk).exists()
    for pk in meetings:
        assert tombstones.filter(model="registry.meeting", object_id=pk).exists()


def test_a_service_update_still_saves_through_the_base_manager(data):
    # Model.save() runs its UPDATE through _base_manager (its private _update, not guarded).
    body = data.body
    assert bodies.body_update(body=body, name="Conseil renommé") is True
    assert Body.objects.get(pk=body.pk).name == "Conseil renommé"
    assert ChangeRecord.objects.filter(
        model="registry.body", object_id=body.pk, action="update"
    ).exists()
