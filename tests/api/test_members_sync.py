"""PUT /api/bodies/{id}/members/: the sync collectivities run every night."""

import datetime as dt

import pytest
from django.urls import reverse

from api.models import IdempotencyRecord
from registry.models import ChangeRecord, Membership
from registry.services import bodies
from registry.services.territories import territory_create
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    commune = territory_create(
        level="commune", code="28185", name="Goussainville", parents=[(region, "administrative")]
    )
    elsewhere = territory_create(level="region", code="27", name="Bourgogne-Franche-Comté")
    return region, commune, elsewhere


@pytest.fixture
def body(places):
    return bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=places[1],
        colleges=[{"name": "Habitants", "seats": 10, "selection_mode": "lot"}],
    )


def url(body):
    return reverse("body-members", kwargs={"pk": body.pk})


def put(client, body, payload, **headers):
    return client.put(url(body), payload, format="json", **headers)


def test_sync_creates_then_second_identical_sync_is_empty(full_client, body, places):
    a, b = ActorFactory(territory=places[1]), ActorFactory(territory=places[1])
    payload = {
        "effective_date": "2026-01-01",
        "members": [{"actor": a.pk, "college": "Habitants"}, {"actor": b.pk, "role": "president"}],
    }
    first = put(full_client, body, payload)
    assert first.status_code == 200, first.content
    assert len(first.json()["created"]) == 2
    assert Membership.objects.filter(body=body).count() == 2
    records = ChangeRecord.objects.count()
    second = put(full_client, body, payload)
    assert second.json()["created"] == second.json()["updated"] == second.json()["ended"] == []
    assert len(second.json()["unchanged"]) == 2
    assert ChangeRecord.objects.count() == records


def test_absent_members_end_on_the_effective_date(full_client, body, places):
    a, b = ActorFactory(territory=places[1]), ActorFactory(territory=places[1])
    put(
        full_client,
        body,
        {"effective_date": "2026-01-01", "members": [{"actor": a.pk}, {"actor": b.pk}]},
    )
    response = put(
        full_client,
        body,
        {"effective_date": "2026-06-01", "end_reason": "resigned", "members": [{"actor": a.pk}]},
    )
    assert [e["actor"] for e in response.json()["ended"]] == [b.pk]
    ended = Membership.objects.get(actor=b)
    assert (ended.end_date, ended.end_reason) == (dt.date(2026, 6, 1), "resigned")


def test_dry_run_writes_nothing(full_client, body, places):
    a = ActorFactory(territory=places[1])
    response = full_client.put(
        url(body) + "?dry_run=true", {"members": [{"actor": a.pk}]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["dry_run"] is True and len(response.json()["created"]) == 1
    assert not Membership.objects.exists()


def test_bad_entries_are_named_by_index_and_nothing_is_written(full_client, body, places):
    a = ActorFactory(territory=places[1])
    response = put(
        full_client,
        body,
        {"members": [{"actor": a.pk}, {"actor": 424242}, {"actor": a.pk, "college": "Nope"}]},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"#/members/1/actor", "#/members/2/college"} <= pointers
    assert not Membership.objects.exists()


def test_malformed_payload_is_refused(full_client, body):
    assert put(full_client, body, {"members": "everyone"}).status_code == 422
    response = put(full_client, body, {"members": [], "effective_date": "31/12/2026"})
    assert response.json()["errors"][0]["field"] == "effective_date"


def test_idempotency_key_replays_the_first_response(full_client, body, places):
    a = ActorFactory(territory=places[1])
    payload = {"effective_date": "2026-01-01", "members": [{"actor": a.pk}]}
    first = put(full_client, body, payload, HTTP_IDEMPOTENCY_KEY="night-2026-01-01")
    records = ChangeRecord.objects.count()
    again = put(full_client, body, payload, HTTP_IDEMPOTENCY_KEY="night-2026-01-01")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ChangeRecord.objects.count() == records


def test_same_idempotency_key_with_another_payload_is_422(full_client, body, places):
    a, b = ActorFactory(territory=places[1]), ActorFactory(territory=places[1])
    put(full_client, body, {"members": [{"actor": a.pk}]}, HTTP_IDEMPOTENCY_KEY="k1")
    response = put(full_client, body, {"members": [{"actor": b.pk}]}, HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency-key-reused"
    assert not Membership.objects.filter(actor=b).exists()


def test_retry_while_the_first_runs_is_409(api_client_factory, body, places):
    from api.models import ApiKey

    client = api_client_factory()
    a = ActorFactory(territory=places[1])
    payload = {"members": [{"actor": a.pk}]}
    # The first request's record, as it stands while that request is still running.
    first = put(client, body, payload, HTTP_IDEMPOTENCY_KEY="k2")
    record = IdempotencyRecord.objects.get(key="k2")
    record.running = True
    record.save()
    assert ApiKey.objects.count() == 1
    response = put(client, body, payload, HTTP_IDEMPOTENCY_KEY="k2")
    assert first.status_code == 200
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency-key-in-use"


def test_stale_if_match_is_412_and_current_etag_passes(full_client, body, places):
    a = ActorFactory(territory=places[1])
    url = reverse("body-members", kwargs={"pk": body.pk})
    etag = full_client.get(url)["ETag"]
    stale = put(full_client, body, {"members": [{"actor": a.pk}]}, HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    assert not Membership.objects.exists()
    ok = put(full_client, body, {"members": [{"actor": a.pk}]}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200


def test_a_sync_based_on_a_member_list_read_before_another_sync_is_412(full_client, body, places):
    # Two integrators read the list; the first syncs; the second, whose read is now
    # stale although the body itself did not change, is refused.
    a, b = ActorFactory(territory=places[1]), ActorFactory(territory=places[1])
    url = reverse("body-members", kwargs={"pk": body.pk})
    etag = full_client.get(url)["ETag"]
    first = put(full_client, body, {"members": [{"actor": a.pk}]}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    second = put(full_client, body, {"members": [{"actor": b.pk}]}, HTTP_IF_MATCH=etag)
    assert second.status_code == 412
    assert list(Membership.objects.values_list("actor_id", flat=True)) == [a.pk]
    fresh = full_client.get(url)
    assert fresh["ETag"] != etag
    assert full_client.get(url, HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 304


def test_permissions_read_key_and_other_territory(api_client_factory, body, places):
    a = ActorFactory(territory=places[1])
    payload = {"members": [{"actor": a.pk}]}
    assert put(api_client_factory(scopes=("read",)), body, payload).status_code == 403
    outsider = api_client_factory(territory=places[2])
    assert put(outsider, body, payload).status_code == 404
    assert outsider.get(url(body)).status_code == 404
    insider = api_client_factory(territory=places[0])
    assert put(insider, body, payload).status_code == 200


def test_scoped_key_cannot_seat_an_actor_of_another_territory(api_client_factory, body, places):
    stranger = ActorFactory(territory=places[2])
    client = api_client_factory(territory=places[0])
    response = put(client, body, {"members": [{"actor": stranger.pk}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "members.0.actor"


def test_get_lists_current_members(full_client, body, places):
    a = ActorFactory(territory=places[1])
    put(full_client, body, {"effective_date": "2026-01-01", "members": [{"actor": a.pk}]})
    response = full_client.get(url(body), {"as_of": "2026-02-01"})
    assert [m["actor"] for m in response.json()] == [a.pk]
    assert full_client.get(url(body), {"as_of": "2025-12-31"}).json() == []


def test_idempotency_keys_expire_after_the_documented_time(full_client, body, places, settings):
    import datetime as dt_

    from django.utils import timezone

    a, b = ActorFactory(territory=places[1]), ActorFactory(territory=places[1])
    put(full_client, body, {"members": [{"actor": a.pk}]}, HTTP_IDEMPOTENCY_KEY="old")
    record = IdempotencyRecord.objects.get(key="old")
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt_.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS, minutes=1)
    )
    # Expired: the key is free again, even for another payload.
    response = put(full_client, body, {"members": [{"actor": b.pk}]}, HTTP_IDEMPOTENCY_KEY="old")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    assert Membership.objects.filter(actor=b).exists()


def test_absent_keys_keep_and_null_clears_over_http(full_client, body, places):
    a = ActorFactory(name="Salomé Vasseur", territory=places[1])
    first = put(
        full_client,
        body,
        {"effective_date": "2026-01-01", "members": [{"actor": a.pk, "college": "Habitants"}]},
    )
    assert first.status_code == 200, first.content
    kept = put(full_client, body, {"effective_date": "2026-02-01", "members": [{"actor": a.pk}]})
    assert kept.json()["updated"] == [] and len(kept.json()["unchanged"]) == 1
    assert Membership.objects.get(body=body).college.name == "Habitants"
    cleared = put(
        full_client,
        body,
        {"effective_date": "2026-03-01", "members": [{"actor": a.pk, "college": None}]},
    )
    (updated,) = cleared.json()["updated"]
    college = body.colleges.get(name="Habitants").pk
    assert (updated["name"], updated["changes"], updated["previous"]) == (
        "Salomé Vasseur",
        {"college": None},
        {"college": college},
    )
    assert Membership.objects.get(body=body).college_id is None


def test_sync_errors_in_french(full_client, body):
    response = put(
        full_client,
        body,
        {"members": [{"actor": 10**12}, {"actor": 10**12 + 1, "college": "Nulle part"}]},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == "2 entrées de membres ne sont pas valides ; rien n'a été écrit."
    details = {e["field"]: e["detail"] for e in problem["errors"]}
    assert details["members.0.actor"] == f"Aucun acteur avec l'id {10**12}."
    assert details["members.1.college"] == "Cette instance n'a pas de collège 'Nulle part'."


def test_ambiguous_new_actor_names_the_candidates(full_client, body, places):
    from registry.services.sync import membership_sync

    twins = [
        {
            "new_actor": {
                "kind": "person",
                "category": "resident",
                "name": "Camille Morel",
                "personal_data": {
                    "lawful_basis": "consent",
                    "retention_until": dt.date(2030, 1, 1),
                    "birth_year": year,
                },
            },
            "role": role,
        }
        for year, role in ((1960, "member"), (1990, "president"))
    ]
    membership_sync(body=body, members=twins, effective_date=dt.date(2026, 1, 1))
    response = put(
        full_client,
        body,
        {
            "members": [
                {"new_actor": {"kind": "person", "category": "resident", "name": "MOREL Camille"}}
            ]
        },
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "members.0.new_actor"
    for actor in body.memberships.values_list("actor_id", flat=True):
        assert f"{actor} (Camille Morel)" in error["detail"]


def test_the_member_list_etag_is_the_list_of_its_day(full_client, body, places):
    # The list current on another day is another list: its ETag never answers 304 for
    # today's, and only today's ETag is a valid If-Match for a sync (which acts on today).
    a = ActorFactory(territory=places[1])
    put(full_client, body, {"members": [{"actor": a.pk}]})
    url = reverse("body-members", kwargs={"pk": body.pk})
    today_tag = full_client.get(url)["ETag"]
    past = full_client.get(url, {"as_of": "2001-01-01"})
    assert past.json() == []
    assert past["ETag"] != today_tag
    assert full_client.get(url, HTTP_IF_NONE_MATCH=past["ETag"]).status_code == 200
    assert (
        full_client.get(url, {"as_of": "2001-01-01"}, HTTP_IF_NONE_MATCH=past["ETag"]).status_code
        == 304
    )
    stale = put(full_client, body, {"members": []}, HTTP_IF_MATCH=past["ETag"])
    assert stale.status_code == 412
    assert put(full_client, body, {"members": []}, HTTP_IF_MATCH=today_tag).status_code == 200
