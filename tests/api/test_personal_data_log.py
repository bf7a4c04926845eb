"""Every read of personal data through the API is logged (who, when, which person), never the data.

The GDPR export endpoint's own logging is tested in test_gdpr.py; here the
other ways personal data leaves the API: the Popolo export and the change feed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from api.personal_data_log import PersonalDataAccess
from registry.services.actors import actor_create
from registry.services.territories import territory_create

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "camille.fontaine@example.org"


@pytest.fixture
def commune():
    return territory_create(level="commune", code="28085", name="Chartres")


@pytest.fixture
def person(commune):
    return actor_create(
        kind="person",
        category="resident",
        name="Camille Fontaine",
        territory=commune,
        personal_data={
            "email": EMAIL,
            "birth_year": 1980,
            "lawful_basis": "consent",
            "retention_until": dt.date(2030, 1, 1),
        },
    )


def _logged() -> list[PersonalDataAccess]:
    return list(PersonalDataAccess.objects.all())


def test_popolo_export_with_personal_data_logs_each_person_once(
    api_client_factory, commune, person
):
    client = api_client_factory()
    response = client.get("/api/export/popolo", {"territory": commune.pk})
    assert response.status_code == 200
    assert EMAIL in response.content.decode()
    (row,) = _logged()
    assert row.actor_id == person.pk
    assert row.path == "/api/export/popolo"
    assert row.api_key  # the key's public prefix, never the secret
    assert EMAIL not in str(row.__dict__)


def test_popolo_export_without_personal_data_logs_nothing(api_client_factory, commune, person):
    client = api_client_factory(scopes=("read",))
    response = client.get("/api/export/popolo", {"territory": commune.pk})
    assert response.status_code == 200
    assert EMAIL not in response.content.decode()
    assert _logged() == []


def test_change_feed_pages_with_personal_data_are_logged(api_client_factory, person):
    from registry.services.actors import actor_personal_data_set

    actor_personal_data_set(actor=person, email="camille.f@example.org")  # an update row
    client = api_client_factory()
    response = client.get("/api/changes/", {"limit": 100})
    assert response.status_code == 200
    assert EMAIL in response.content.decode()
    assert {row.actor_id for row in _logged()} == {person.pk}
    assert all("example.org" not in str(row.__dict__) for row in _logged())


def test_change_feed_without_personal_data_logs_nothing(api_client_factory, person):
    client = api_client_factory(scopes=("read",))
    assert client.get("/api/changes/", {"limit": 100}).status_code == 200
    assert _logged() == []


def test_actor_reads_with_personal_data_are_logged_for_list_and_object(
    api_client_factory, commune, person
):
    organization = actor_create(
        kind="organization", category="association", name="Les Amis", territory=commune
    )
    client = api_client_factory()
    listing = client.get("/api/actors/")
    assert listing.status_code == 200
    assert {row.actor_id for row in _logged()} == {person.pk}  # not the organization
    one = client.get(f"/api/actors/{person.pk}/")
    assert one.status_code == 200
    assert [row.actor_id for row in _logged()] == [person.pk, person.pk]
    assert client.get(f"/api/actors/{organization.pk}/").status_code == 200
    assert len(_logged()) == 2
    assert all(EMAIL not in str(row.__dict__) for row in _logged())


def test_actor_reads_without_personal_data_shown_are_not_logged(
    api_client_factory, commune, person
):
    api_client_factory(scopes=("read",)).get("/api/actors/")
    api_client_factory().get("/api/actors/", {"fields": "id,name"})
    assert _logged() == []
