"""The change ledger: every write recorded, none can bypass it, unchanged writes leave no trace."""

import datetime as dt

import pytest

from registry import tracking
from registry.models import Body, ChangeRecord, Membership, Territory
from registry.services import bodies, memberships
from registry.tracking import UntrackedWriteError, change_context
from tests.factories import ActorFactory, BodyFactory, MembershipFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def test_direct_writes_to_registry_models_are_refused():
    body = BodyFactory()
    with pytest.raises(UntrackedWriteError, match="registry.services"):
        Body.objects.filter(pk=body.pk).update(name="Renamed")
    with pytest.raises(UntrackedWriteError):
        Body.objects.bulk_create([Body(name="X", body_type="ccspl", territory=body.territory)])
    with pytest.raises(UntrackedWriteError):
        Body.objects.bulk_update([body], ["name"])
    with pytest.raises(UntrackedWriteError):
        body.save()
    with pytest.raises(UntrackedWriteError):
        body.delete()
    with pytest.raises(UntrackedWriteError):
        Body.objects.all().delete()
    body.refresh_from_db()
    assert body.name != "Renamed"


def test_create_records_the_full_record_with_context(django_user_model):
    user = django_user_model.objects.create_user("agent", password="x")
    territory = TerritoryFactory()
    with change_context(user=user, request_id="req-42", via="test", reason="unit"):
        body = bodies.body_create(name="CCSPL de Chartres", body_type="ccspl", territory=territory)
    record = ChangeRecord.objects.get(model="registry.body", object_id=body.pk)
    assert record.action == "create"
    assert record.before is None
    assert record.after["name"] == "CCSPL de Chartres"
    assert record.after["territory_id"] == territory.pk
    assert (record.user_id, record.request_id, record.via, record.reason) == (
        user.pk,
        "req-42",
        "test",
        "unit",
    )
    assert record.territory_id == territory.pk


def test_update_records_only_changed_fields_and_unchanged_update_writes_nothing():
    body = BodyFactory(seats=10)
    updated_at = body.updated_at
    before = ChangeRecord.objects.count()
    assert bodies.body_update(body=body, seats=10, name=body.name) is False
    body.refresh_from_db()
    assert body.updated_at == updated_at
    assert ChangeRecord.objects.count() == before

    assert bodies.body_update(body=body, seats=12) is True
    record = ChangeRecord.objects.latest("id")
    assert (record.action, record.before, record.after) == ("update", {"seats": 10}, {"seats": 12})
    body.refresh_from_db()
    assert body.updated_at > updated_at


def test_bulk_writes_are_recorded_one_row_each():
    territory = TerritoryFactory()
    new = [Body(name=f"B{i}", body_type="ccspl", territory=territory) for i in range(5)]
    tracking.bulk_create(new)
    assert ChangeRecord.objects.filter(model="registry.body", action="create").count() == 5
    tracking.bulk_update([(b, {"seats": 3}) for b in new])
    assert ChangeRecord.objects.filter(model="registry.body", action="update").count() == 5


def test_delete_records_a_tombstone_for_every_cascaded_row():
    m = MembershipFactory()
    body = m.body
    body_id, membership_id = body.pk, m.pk
    bodies.body_delete(body=body)
    tombstones = set(ChangeRecord.objects.filter(action="delete").values_list("model", "object_id"))
    assert ("registry.body", body_id) in tombstones
    assert ("registry.membership", membership_id) in tombstones
    assert not Membership.objects.filter(pk=membership_id).exists()


def test_failed_service_call_leaves_no_record():
    existing = MembershipFactory(start_date=dt.date(2024, 1, 1))
    before = ChangeRecord.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any domain error
        memberships.membership_create(
            actor=existing.actor, body=existing.body, start_date=dt.date(2024, 6, 1)
        )
    assert ChangeRecord.objects.count() == before


def test_membership_changes_are_filed_under_the_body_territory():
    territory = TerritoryFactory()
    m = memberships.membership_create(
        actor=ActorFactory(), body=BodyFactory(territory=territory), start_date=dt.date(2024, 1, 1)
    )
    record = ChangeRecord.objects.get(model="registry.membership", object_id=m.pk)
    assert record.territory_id == territory.pk


def test_territory_relation_writes_are_tracked():
    from registry.services.territories import territory_create

    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    territory_create(
        level="departement", code="28", name="Eure-et-Loir", parents=[(region, "administrative")]
    )
    assert ChangeRecord.objects.filter(model="registry.territoryrelation").count() == 1
    assert Territory.objects.count() == 2
