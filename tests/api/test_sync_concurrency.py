"""Concurrent syncs of one body are serialised: none is lost, none is mixed with another."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from registry.models import Body, Membership
from registry.services import bodies
from registry.services.sync import membership_sync
from tests.factories import ActorFactory, TerritoryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_sync_waits_for_the_body_lock_and_then_applies_in_full():
    territory = TerritoryFactory()
    body = bodies.body_create(name="Conseil", body_type="conseil_citoyen", territory=territory)
    first = ActorFactory.create_batch(3)
    second = first[:1]  # only ends: no new row whose foreign key would wait on the body anyway
    membership_sync(
        body=body, members=[{"actor": a.pk} for a in first], effective_date=dt.date(2026, 1, 1)
    )

    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def hold_the_body():
        try:
            with transaction.atomic():
                Body.objects.select_for_update().get(pk=body.pk)
                holding.set()
                assert release.wait(20)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def sync_second_list():
        try:
            assert holding.wait(20)
            membership_sync(
                body=body,
                members=[{"actor": a.pk} for a in second],
                effective_date=dt.date(2026, 2, 1),
            )
            done.set()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hold_the_body), threading.Thread(target=sync_second_list)]
    for t in threads:
        t.start()
    assert holding.wait(20)
    assert not done.wait(1.5), "the sync went ahead while another transaction held the body"
    release.set()
    for t in threads:
        t.join(20)
    assert not errors and done.is_set()
    current = set(
        Membership.objects.filter(body=body)
        .current_on(dt.date(2026, 3, 1))
        .values_list("actor_id", flat=True)
    )
    assert current == {a.pk for a in second}
    assert Membership.objects.filter(body=body, end_date=dt.date(2026, 2, 1)).count() == 2
