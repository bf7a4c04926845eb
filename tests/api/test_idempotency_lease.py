"""Idempotency-Key: a running record is leased, and the key itself is validated at the edge.

A worker killed mid-request cannot mark its record done; without a lease every
retry would answer 409 until the record expires (24 h). These tests build the
record such a worker leaves behind (running, lease in the past or the future)
and retry the request. The key tests run on SQLite and PostgreSQL (which
refuses NUL in text: it was a 500 there).
"""

from __future__ import annotations

import datetime as dt
import types

import orjson
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.idempotency import MAX_KEY_LENGTH, _fingerprint, _take_over, lease
from api.models import ApiKey, IdempotencyRecord
from registry.models import ChangeRecord, Membership
from registry.services import bodies
from registry.services.territories import territory_create
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def body():
    commune = territory_create(level="commune", code="28185", name="Goussainville")
    return bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=commune,
        colleges=[{"name": "Habitants", "seats": 10, "selection_mode": "lot"}],
    )


def sync(client, body, payload: bytes, key: str):
    return client.generic(
        "PUT",
        reverse("body-members", kwargs={"pk": body.pk}),
        payload,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def left_by_a_dead_worker(body, payload: bytes, key: str, *, lease_until) -> IdempotencyRecord:
    """The record a worker killed mid-request leaves: running, never finished."""
    request = types.SimpleNamespace(
        method="PUT",
        path=reverse("body-members", kwargs={"pk": body.pk}),
        META={"QUERY_STRING": ""},
        body=payload,
    )
    return IdempotencyRecord.objects.create(
        owner=f"key:{ApiKey.objects.get().prefix}",
        key=key,
        fingerprint=_fingerprint(request),
        lease_until=lease_until,
    )


def test_a_retry_after_the_lease_takes_the_request_over_and_runs_it(full_client, body):
    actor = ActorFactory(territory=body.territory)
    payload = orjson.dumps({"members": [{"actor": actor.pk}]})
    record = left_by_a_dead_worker(
        body, payload, "night-1", lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    response = sync(full_client, body, payload, "night-1")
    assert response.status_code == 200, response.content
    assert "Idempotent-Replayed" not in response
    assert Membership.objects.filter(body=body, actor=actor).exists()
    record.refresh_from_db()
    assert (record.running, record.status, record.attempt) == (False, 200, 2)
    # The answer is now kept: the next retry replays it and writes nothing.
    records = ChangeRecord.objects.count()
    again = sync(full_client, body, payload, "night-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == response.json()
    assert ChangeRecord.objects.count() == records


def test_a_retry_within_the_lease_is_409_with_retry_after(full_client, body):
    actor = ActorFactory(territory=body.territory)
    payload = orjson.dumps({"members": [{"actor": actor.pk}]})
    lease_until = timezone.now() + dt.timedelta(seconds=30)
    left_by_a_dead_worker(body, payload, "night-2", lease_until=lease_until)
    response = sync(full_client, body, payload, "night-2")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "idempotency-key-in-use"
    assert "Retry-After" in problem["detail"]
    assert 1 <= int(response["Retry-After"]) <= 30
    assert not Membership.objects.exists()
    record = IdempotencyRecord.objects.get(key="night-2")
    assert (record.running, record.attempt, record.lease_until) == (True, 1, lease_until)


def test_a_record_without_a_lease_is_leased_from_its_start(full_client, body):
    # Records written before leases existed: running, created long ago.
    actor = ActorFactory(territory=body.territory)
    payload = orjson.dumps({"members": [{"actor": actor.pk}]})
    record = left_by_a_dead_worker(body, payload, "old", lease_until=None)
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - lease() - dt.timedelta(seconds=1)
    )
    assert sync(full_client, body, payload, "old").status_code == 200
    assert Membership.objects.filter(actor=actor).exists()


def test_two_retries_racing_after_the_lease_cannot_both_take_it_over(full_client, body):
    payload = orjson.dumps({"members": []})
    left_by_a_dead_worker(
        body, payload, "race", lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    # Both retries read the expired record before either writes.
    first, second = (IdempotencyRecord.objects.get(key="race") for _ in range(2))
    now = timezone.now()
    assert _take_over(first, now) is True
    assert _take_over(second, now) is False
    record = IdempotencyRecord.objects.get(key="race")
    assert record.attempt == 2 and record.lease_until > now
    # The winner holds a fresh lease: a third retry is told to wait.
    response = sync(full_client, body, payload, "race")
    assert response.status_code == 409
    assert int(response["Retry-After"]) > 0


def test_the_default_lease_outlasts_the_worker_timeout():
    # make prod runs gunicorn with --timeout 60: a live request never outlives its lease.
    assert lease() > dt.timedelta(seconds=60)


# --- the key itself -------------------------------------------------------------------

CONTROL = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]


def assert_key_refused(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "bad-idempotency-key"
    assert "Idempotency-Key" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["Idempotency-Key"]


@pytest.mark.parametrize(
    "key",
    ["a\x00b", "\x00", "k\x01", "k\x7f", "k\u00e9", "k\u200b", "x" * (MAX_KEY_LENGTH + 1), " "],
    ids=["nul", "only-nul", "soh", "del", "accent", "zero-width", "too-long", "blank"],
)
@pytest.mark.parametrize("route", ["sync", "bulk"])
def test_a_bad_key_is_a_400_naming_the_header_and_nothing_is_stored(full_client, body, key, route):
    actor = ActorFactory(territory=body.territory)
    records = ChangeRecord.objects.count()
    if route == "sync":
        payload = orjson.dumps({"members": [{"actor": actor.pk}]})
        response = sync(full_client, body, payload, key)
    else:
        response = full_client.post(
            "/api/actors/bulk/",
            {"items": [{"identifier": {"scheme": "own", "value": "A1"}, "name": "Asso"}]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
    assert_key_refused(response)
    assert not IdempotencyRecord.objects.exists()
    assert not Membership.objects.exists()
    assert ChangeRecord.objects.count() == records


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20),
    control=st.sampled_from(CONTROL),
    after=st.text(max_size=20),
)
def test_any_key_holding_a_control_character_is_refused(full_client, body, before, control, after):
    response = sync(full_client, body, b'{"members": []}', before + control + after)
    assert_key_refused(response)
    assert not IdempotencyRecord.objects.exists()


def test_the_longest_printable_key_is_accepted(full_client, body):
    key = "".join(chr(c) for c in range(0x21, 0x7F)) * 3
    key = key[:MAX_KEY_LENGTH]
    response = sync(full_client, body, b'{"members": []}', key)
    assert response.status_code == 200, response.content
    assert IdempotencyRecord.objects.get().key == key
