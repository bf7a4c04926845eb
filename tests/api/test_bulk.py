"""Bulk upserts and spreadsheet uploads over HTTP: atomic, diffed, scoped, idempotent."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import Actor, ChangeRecord, Interaction, Membership
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


def association(value, territory, name="Les Amis du Lavoir"):
    return {
        "identifier": {"scheme": "rna", "value": value},
        "kind": "organization",
        "category": "association",
        "name": name,
        "territory": territory.pk,
    }


def test_actor_upsert_creates_then_changes_nothing_then_updates(full_client, places):
    url = reverse("actor-bulk")
    items = [association("W281000001", places[1]), association("W281000002", places[1], "Autre")]
    first = full_client.post(url, {"items": items}, format="json")
    assert first.status_code == 200, first.content
    assert len(first.json()["created"]) == 2
    records = ChangeRecord.objects.count()
    again = full_client.post(url, {"items": items}, format="json").json()
    assert again["created"] == again["updated"] == [] and len(again["unchanged"]) == 2
    assert ChangeRecord.objects.count() == records
    items[0]["name"] = "Les Amis du Lavoir et du Moulin"
    changed = full_client.post(url, {"items": items}, format="json").json()
    assert [u["index"] for u in changed["updated"]] == [0]
    assert Actor.objects.filter(name="Les Amis du Lavoir et du Moulin").count() == 1


def test_actor_upsert_dry_run_and_bad_items(full_client, places):
    url = reverse("actor-bulk")
    dry = full_client.post(
        url + "?dry_run=true", {"items": [association("W281000003", places[1])]}, format="json"
    )
    assert dry.json()["dry_run"] is True and not Actor.objects.exists()
    bad = full_client.post(
        url,
        {"items": [association("W281000004", places[1]), {"identifier": {"scheme": "rna"}}]},
        format="json",
    )
    assert bad.status_code == 422
    assert any(e["field"].startswith("items.1.") for e in bad.json()["errors"])
    assert not Actor.objects.exists()
    too_many = full_client.post(url, {"items": [{}] * 5001}, format="json")
    assert too_many.status_code == 422


def test_scoped_key_cannot_upsert_outside_its_territory(api_client_factory, places):
    client = api_client_factory(territory=places[0])
    outside = client.post(
        reverse("actor-bulk"), {"items": [association("W271000001", places[2])]}, format="json"
    )
    assert outside.status_code == 422
    assert not Actor.objects.exists()
    inside = client.post(
        reverse("actor-bulk"), {"items": [association("W281000005", places[1])]}, format="json"
    )
    assert inside.status_code == 200


def test_interaction_upsert_by_external_id(full_client, places):
    a, b = ActorFactory(territory=places[1]), ActorFactory(territory=places[1])
    item = {
        "external_id": "tie-1",
        "source": a.pk,
        "target_actor": b.pk,
        "interaction_type": "collaboration",
        "weight": 3,
        "territory": places[1].pk,
    }
    url = reverse("interaction-bulk")
    assert len(full_client.post(url, {"items": [item]}, format="json").json()["created"]) == 1
    item["weight"] = 5
    assert len(full_client.post(url, {"items": [item]}, format="json").json()["updated"]) == 1
    assert Interaction.objects.get(external_id="tie-1").weight == 5
    write_key = full_client.post(url, {"items": [item]}, format="json", HTTP_IDEMPOTENCY_KEY="x")
    replay = full_client.post(url, {"items": [item]}, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == write_key.json()


def test_members_spreadsheet_upload_syncs_and_names_rows(full_client, places):
    body = bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=places[1],
        colleges=[{"name": "Habitants", "seats": 10, "selection_mode": "lot"}],
    )
    a, b = ActorFactory(territory=places[1]), ActorFactory(territory=places[1])
    csv = f"id acteur;collège;rôle;date de début\n{a.pk};Habitants;présidente;01/02/2026\n{b.pk};Habitants;membre;01/02/2026\n"
    url = reverse("body-members-import", kwargs={"pk": body.pk})
    upload = SimpleUploadedFile("membres.csv", csv.encode(), content_type="text/csv")
    response = full_client.post(url, {"file": upload, "effective_date": "2026-02-01"})
    assert response.status_code == 200, response.content
    assert len(response.json()["created"]) == 2
    assert Membership.objects.get(actor=a).role == "president"
    broken = SimpleUploadedFile(
        "membres.csv",
        f"id acteur;date de début\n{a.pk};31/02/2026\n".encode(),
        content_type="text/csv",
    )
    refused = full_client.post(url, {"file": broken})
    assert refused.status_code == 422
    assert "row 2" in " ".join(e["field"] + e["detail"] for e in refused.json()["errors"])
    assert Membership.objects.filter(body=body).count() == 2


def test_upload_without_file_is_a_problem(full_client, places):
    response = full_client.post(reverse("actor-import"), {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_actor_items_by_id_over_http_merged_ids_and_scope(api_client_factory, places):
    from registry import tracking
    from registry.models import ActorMerge

    region, commune, elsewhere = places
    url = reverse("actor-bulk")
    actor = ActorFactory(name="Sans identifiant", territory=commune)
    gone = ActorFactory(territory=commune)
    old = gone.pk
    tracking.delete(gone)
    tracking.create(ActorMerge(merged_id=old, into=actor, merged_name="Doublon"))
    client = api_client_factory(territory=region)
    response = client.post(url, {"items": [{"id": old, "name": "Nommée"}]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == [
        {
            "index": 0,
            "id": actor.pk,
            "key": f"id:{old}",
            "changes": {"name": ["Sans identifiant", "Nommée"]},
        }
    ]
    outside = ActorFactory(territory=elsewhere)
    for pk in (outside.pk, 10**12):
        refused = client.post(url, {"items": [{"id": pk, "name": "X"}]}, format="json")
        assert refused.status_code == 422
        assert [(e["field"], e["detail"]) for e in refused.json()["errors"]] == [
            ("items.0.id", f"No actor with id {pk}.")
        ]
    neither = client.post(url, {"items": [{"name": "X"}]}, format="json")
    assert neither.status_code == 422
    assert [e["field"] for e in neither.json()["errors"]] == ["items.0.identifier"]
    french = client.post(url, {"items": [{"id": 10**12}]}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["errors"][0]["detail"] == f"Aucun acteur avec l'id {10**12}."
