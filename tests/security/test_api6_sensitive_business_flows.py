"""API6:2023 Unrestricted Access to Sensitive Business Flows.

The flows that change many records at once (member sync, bulk upserts, imports) and
erasure are safe to retry and hard to abuse: an ``Idempotency-Key`` replays the first
answer without writing again, belongs to the key that sent it (no other key can
replay or block it), refuses another payload; the same list sent twice changes
nothing; a dry run writes nothing; ``If-Match`` refuses a sync based on a stale read;
erasing twice does nothing more. They are throttled with every other request (API4).
"""

from __future__ import annotations

import io

import pytest

from api.models import ALL_SCOPES, IdempotencyRecord
from registry.models import ChangeRecord, Membership
from tests.api.conftest import client_for, make_key
from tests.security.conftest import assert_problem

pytestmark = pytest.mark.django_db


def sync(client, body, members, **headers):
    return client.put(
        f"/api/bodies/{body.pk}/members/", {"members": members}, format="json", **headers
    )


def new_member(name="Nouvelle"):
    return {"new_actor": {"kind": "person", "category": "resident", "name": name}}


def test_api6_a_replayed_sync_writes_once_and_says_it_replayed(world):
    body = world.inside.body
    members = [{"actor": world.inside.person.pk, "external_id": "Alpha-seat"}, new_member()]
    first = sync(world.client, body, members, HTTP_IDEMPOTENCY_KEY="sync-1")
    assert first.status_code == 200, first.content
    ledger = ChangeRecord.objects.count()
    again = sync(world.client, body, members, HTTP_IDEMPOTENCY_KEY="sync-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert ChangeRecord.objects.count() == ledger
    assert Membership.objects.filter(body=body, actor__name="Nouvelle").count() == 1


def test_api6_an_idempotency_key_reused_for_another_payload_is_refused(world):
    body = world.inside.body
    assert sync(world.client, body, [], HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    ledger = ChangeRecord.objects.count()
    response = sync(world.client, body, [new_member()], HTTP_IDEMPOTENCY_KEY="k")
    assert assert_problem(response, 422)["code"] == "idempotency-key-reused"
    assert ChangeRecord.objects.count() == ledger


def test_api6_idempotency_keys_belong_to_the_api_key_that_sent_them(world):
    """Another key sending the same Idempotency-Key and payload never gets the first
    answer (which may hold another territory's data) and is not blocked by it."""
    body = world.inside.body
    members = [new_member("Première")]
    first = sync(world.client, body, members, HTTP_IDEMPOTENCY_KEY="shared")
    assert first.status_code == 200
    _k, other = make_key(scopes=ALL_SCOPES, territory=world.outside.dept, name="other")
    stranger = sync(client_for(other), body, members, HTTP_IDEMPOTENCY_KEY="shared")
    assert_problem(stranger, 404)  # its own answer: the body is out of its reach
    assert "Idempotent-Replayed" not in stranger
    _k, national = make_key(scopes=ALL_SCOPES, name="national-2")
    own = sync(client_for(national), body, members, HTTP_IDEMPOTENCY_KEY="shared")
    assert own.status_code == 200 and "Idempotent-Replayed" not in own
    # One record per key that was served; a refused request leaves none behind.
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


def test_api6_the_same_list_twice_changes_nothing_the_second_time(world):
    body = world.inside.body
    members = [{"actor": world.inside.person.pk, "external_id": "Alpha-seat"}]
    assert sync(world.client, body, members).status_code == 200
    ledger = ChangeRecord.objects.count()
    second = sync(world.client, body, members).json()
    assert second["created"] == second["updated"] == second["ended"] == []
    assert ChangeRecord.objects.count() == ledger


def test_api6_dry_runs_write_nothing(world):
    body = world.inside.body
    ledger = ChangeRecord.objects.count()
    url = f"/api/bodies/{body.pk}/members/?dry_run=true"
    assert world.client.put(url, {"members": [new_member()]}, format="json").status_code == 200
    item = {
        "identifier": {"scheme": "rna", "value": "W9DRY"},
        "kind": "organization",
        "category": "association",
        "name": "Sèche",
        "territory": world.inside.commune.pk,
    }
    bulk = world.client.post("/api/actors/bulk/?dry_run=true", {"items": [item]}, format="json")
    assert bulk.status_code == 200, bulk.content
    upload = io.BytesIO(b"actor_id;role\n")
    upload.name = "membres.csv"
    imported = world.client.post(
        f"/api/bodies/{body.pk}/members/import/?dry_run=true", {"file": upload}, format="multipart"
    )
    assert imported.status_code == 200, imported.content
    assert ChangeRecord.objects.count() == ledger


def test_api6_an_empty_list_cannot_end_every_member_after_a_stale_read(world):
    """Ending a whole body is one request; If-Match makes it refuse a stale view."""
    body = world.inside.body
    etag = world.client.get(f"/api/bodies/{body.pk}/")["ETag"]
    assert (
        world.client.patch(f"/api/bodies/{body.pk}/", {"seats": 12}, format="json").status_code
        == 200
    )
    ledger = ChangeRecord.objects.count()
    assert_problem(sync(world.client, body, [], HTTP_IF_MATCH=etag), 412)
    assert ChangeRecord.objects.count() == ledger
    assert Membership.objects.get(pk=world.inside.membership.pk).end_date is None


def test_api6_erasing_twice_does_nothing_more(world):
    url = f"/api/actors/{world.inside.person.pk}/erase/"
    reason = {"reason": "request of 2026-11-25, ticket 42"}
    first = world.client.post(url, reason, format="json")
    assert first.status_code == 200, first.content
    ledger = ChangeRecord.objects.count()
    assert_problem(world.client.post(url, reason, format="json"), 409)
    assert ChangeRecord.objects.count() == ledger


def test_api6_a_replayed_bulk_call_writes_once(world):
    item = {
        "identifier": {"scheme": "rna", "value": "W9ONCE"},
        "kind": "organization",
        "category": "association",
        "name": "Une fois",
        "territory": world.inside.commune.pk,
    }
    first = world.client.post(
        "/api/actors/bulk/", {"items": [item]}, format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    assert first.status_code == 200
    ledger = ChangeRecord.objects.count()
    again = world.client.post(
        "/api/actors/bulk/", {"items": [item]}, format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert ChangeRecord.objects.count() == ledger
