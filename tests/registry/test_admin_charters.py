"""The admin of charters: writes recorded, values judged by the renewal engine, French pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.models import ChangeRecord, Charter
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:registry_charter_add")


def charter_form(territory, **overrides) -> dict:
    data = {
        "name": "Charte des conseils de quartier",
        "territory": territory.pk,
        "body_type": "conseil_quartier",
        "adopted_by": "Conseil municipal, 2024",
        "source_url": "",
        "thresholds": '{"meetings_per_year": {"watch": 3, "alert": 2}}',
        "weights": "{}",
        "min_meetings_per_year": "3",
        "parity_rule": "",
        "sources": "[]",
    }
    data.update(overrides)
    return data


def test_a_charter_added_through_the_admin_is_recorded(admin_client, admin_user):
    territory = TerritoryFactory()
    response = admin_client.post(ADD, charter_form(territory), HTTP_X_REQUEST_ID="req-charter")
    assert response.status_code == 302, response.context and response.context["errors"]
    charter = Charter.objects.get(name="Charte des conseils de quartier")
    assert charter.thresholds == {"meetings_per_year": {"watch": 3, "alert": 2}}
    assert charter.min_meetings_per_year == 3
    record = ChangeRecord.objects.get(model="registry.charter", object_id=charter.pk)
    assert (record.action, record.via, record.user_id, record.request_id) == (
        "create",
        "admin",
        admin_user.pk,
        "req-charter",
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"thresholds": '{"no_such_indicator": {"watch": 1}}'}, "no_such_indicator"),
        ({"weights": '{"parity": -1}'}, "parity"),
        ({"min_meetings_per_year": "60"}, "52"),
    ],
)
def test_invalid_values_are_form_errors_and_write_nothing(admin_client, overrides, message):
    territory = TerritoryFactory()
    before = ChangeRecord.objects.count()
    response = admin_client.post(ADD, charter_form(territory, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Charter.objects.exists()
    assert ChangeRecord.objects.count() == before


def test_the_charter_pages_speak_french(admin_client):
    response = admin_client.get(ADD, HTTP_ACCEPT_LANGUAGE="fr")
    content = response.content.decode()
    for label in ("Adoption et validité", "Règles", "Seuils et pondérations", "Adoptée par"):
        assert label in content, label
