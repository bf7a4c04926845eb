"""GDPR endpoints: the personal data export (logged) and erasure, with scopes and territory."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from api.models import PersonalDataAccess
from registry.models import Actor, ChangeRecord, Interaction, Membership, PersonalData
from registry.services import actors as actor_services
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key
from tests.committed_schema import committed_schema
from tests.factories import (
    ActorFactory,
    BodyFactory,
    InteractionFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
NAME, EMAIL, PHONE = "Claire Martin", "claire.martin@example.org", "+33 6 12 34 56 78"


def export_url(actor) -> str:
    return f"/api/actors/{actor.pk}/personal-data-export/"


def erase_url(actor) -> str:
    return f"/api/actors/{actor.pk}/erase/"


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"] == PROBLEM
    body = orjson.loads(response.content)
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def places():
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    eure_et_loir = territory_create(
        level="departement", code="28", name="Eure-et-Loir", parents=[(region, "administrative")]
    )
    chartres = territory_create(
        level="commune", code="28085", name="Chartres", parents=[(eure_et_loir, "administrative")]
    )
    orleans = territory_create(level="commune", code="45234", name="Orléans")
    return {"eure_et_loir": eure_et_loir, "chartres": chartres, "orleans": orleans}


@pytest.fixture
def person(places):
    actor = actor_services.actor_create(
        kind="person",
        category="resident",
        name=NAME,
        given_name="Claire",
        family_name="Martin",
        territory=places["chartres"],
        identifiers=[{"scheme": "external", "issuer": "crm", "value": "CRM-1"}],
        personal_data={
            "email": EMAIL,
            "phone": PHONE,
            "birth_year": 1970,
            "lawful_basis": "public_task",
            "retention_until": dt.date(2030, 1, 1),
        },
    )
    MembershipFactory(actor=actor, body=BodyFactory(territory=places["chartres"]))
    InteractionFactory(source=actor, target_actor=OrganizationFactory())
    return actor


# --- export ---------------------------------------------------------------------------


def test_export_returns_everything_and_logs_the_read_without_data(api_client_factory, person):
    api_key, key = make_key(scopes=("read", "personal_data"))
    response = client_for(key).get(export_url(person), HTTP_X_REQUEST_ID="req-export-1")
    assert response.status_code == 200, response.content[:400]
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["actor"]["name"] == NAME
    assert data["personal_data"]["email"] == EMAIL
    assert [i["value"] for i in data["identifiers"]] == ["CRM-1"]
    assert len(data["memberships"]) == 1 and len(data["interactions"]) == 1
    assert any(c["type"] == "personaldata" for c in data["changes"])
    log = list(PersonalDataAccess.objects.all())
    assert len(log) == 1
    entry = log[0]
    assert entry.actor_id == person.pk and entry.kind == "export"
    assert entry.api_key == api_key.prefix and entry.request_id == "req-export-1"
    assert (entry.method, entry.path) == ("GET", export_url(person))
    stored = orjson.dumps(list(PersonalDataAccess.objects.values()), default=str).decode()
    for secret in (NAME, EMAIL, PHONE, "1970", "Martin"):
        assert secret not in stored


def test_export_path_is_logged_without_the_query_string(full_client, person):
    assert full_client.get(export_url(person) + "?q=Claire+Martin").status_code == 200
    assert PersonalDataAccess.objects.get().path == export_url(person)


def test_export_needs_the_personal_data_scope(api_client_factory, person):
    client = api_client_factory(scopes=("read", "write"))
    body = assert_problem(client.get(export_url(person)), 403)
    assert "personal_data" in body["detail"]
    assert not PersonalDataAccess.objects.exists()
    assert_problem(api_client_factory(scopes=("personal_data",)).get(export_url(person)), 403)


def test_export_without_credentials_is_401(anon_client, person):
    assert_problem(anon_client.get(export_url(person)), 401)


def test_territory_scoped_key_exports_inside_and_gets_404_outside(places, person):
    outside = ActorFactory(name="Hors zone", territory=places["orleans"])
    _api_key, key = make_key(
        scopes=("read", "write", "personal_data"), territory=places["eure_et_loir"]
    )
    client = client_for(key)
    assert client.get(export_url(person)).status_code == 200
    assert_problem(client.get(export_url(outside)), 404)
    assert_problem(client.post(erase_url(outside), {"reason": "x"}, format="json"), 404)
    outside.refresh_from_db()
    assert not outside.is_pseudonymised
    assert list(PersonalDataAccess.objects.values_list("actor_id", flat=True)) == [person.pk]


def test_export_of_an_unknown_actor_is_404(full_client):
    assert_problem(full_client.get("/api/actors/999999/personal-data-export/"), 404)


def test_export_of_an_organization_is_422(full_client):
    org = OrganizationFactory()
    assert_problem(full_client.get(export_url(org)), 422, "not-a-person")
    assert not PersonalDataAccess.objects.exists()


# --- erasure --------------------------------------------------------------------------


def test_erase_pseudonymises_the_person_everywhere_and_keeps_the_structure(full_client, person):
    memberships = list(Membership.objects.filter(actor=person).values_list("id", "body_id"))
    interactions = list(Interaction.objects.filter(source=person).values_list("id", "weight"))
    response = full_client.post(
        erase_url(person), {"reason": "request of the person, ticket 42"}, format="json"
    )
    assert response.status_code == 200, response.content[:400]
    result = response.json()
    assert result["actor_id"] == person.pk
    assert result["pseudonym"].startswith("Personne anonymisée #")
    assert result["personal_data_deleted"] is True and result["identifiers_deleted"] == 1
    assert result["memberships_kept"] == 1 and result["interactions_kept"] == 1
    person.refresh_from_db()
    assert person.is_pseudonymised and person.name == result["pseudonym"]
    assert not PersonalData.objects.filter(actor=person).exists()
    assert list(Membership.objects.filter(actor=person).values_list("id", "body_id")) == (
        memberships
    )
    assert (
        list(Interaction.objects.filter(source=person).values_list("id", "weight")) == interactions
    )
    ledger = orjson.dumps(
        list(ChangeRecord.objects.values("object_repr", "before", "after", "reason")), default=str
    ).decode()
    actors = orjson.dumps(list(Actor.objects.values()), default=str).decode()
    for secret in (NAME, EMAIL, PHONE, "CRM-1"):
        assert secret not in ledger and secret not in actors
    erasure = ChangeRecord.objects.filter(model="registry.actor", object_id=person.pk).last()
    assert erasure.reason == "GDPR erasure: request of the person, ticket 42"
    assert erasure.via == "api" and erasure.request_id
    # What the API shows afterwards: the pseudonym, in the record and in its history.
    detail = full_client.get(f"/api/actors/{person.pk}/").json()
    assert detail["name"] == result["pseudonym"] and detail["personal_data"] is None
    history = full_client.get(f"/api/actors/{person.pk}/history/").content.decode()
    assert NAME not in history


def test_erasing_twice_is_409_already_erased(full_client, person):
    assert full_client.post(erase_url(person), {"reason": "asked"}, format="json").status_code == (
        200
    )
    count = ChangeRecord.objects.count()
    again = full_client.post(erase_url(person), {"reason": "asked"}, format="json")
    assert_problem(again, 409, "already-erased")
    assert ChangeRecord.objects.count() == count


def test_erase_needs_a_reason(full_client, person):
    body = assert_problem(full_client.post(erase_url(person), {}, format="json"), 422)
    assert body["errors"][0]["field"] == "reason"
    person.refresh_from_db()
    assert person.name == NAME and not person.is_pseudonymised


def test_erase_refuses_an_organization_with_422(full_client):
    org = OrganizationFactory(name="Mairie de Chartres")
    assert_problem(
        full_client.post(erase_url(org), {"reason": "x"}, format="json"), 422, "not-a-person"
    )
    org.refresh_from_db()
    assert org.name == "Mairie de Chartres"


@pytest.mark.parametrize(
    "scopes", [("read", "write"), ("read", "personal_data"), ("write",), ("personal_data",)]
)
def test_erase_needs_write_and_personal_data(api_client_factory, person, scopes):
    client = api_client_factory(scopes=scopes)
    assert_problem(client.post(erase_url(person), {"reason": "x"}, format="json"), 403)
    person.refresh_from_db()
    assert person.name == NAME


def test_gdpr_operations_are_in_the_openapi_schema():
    # The committed schema: tests/api/test_openapi.py checks that it is the generated one,
    # and that /api/schema/ serves it.
    schema = committed_schema()
    export = schema["paths"]["/api/actors/{id}/personal-data-export/"]["get"]
    erase = schema["paths"]["/api/actors/{id}/erase/"]["post"]
    assert export["description"] and erase["description"]
    assert {"403", "404", "422"} <= set(export["responses"])
    assert {"403", "404", "409", "422"} <= set(erase["responses"])
    problem = "#/components/schemas/Problem"
    assert erase["responses"]["409"]["content"]["application/problem+json"]["schema"] == {
        "$ref": problem
    }


# --- the access log helper ------------------------------------------------------------


def test_log_personal_data_reads_writes_one_insert_per_request(
    rf, django_assert_num_queries, person
):
    from api.personal_data_log import log_personal_data_reads

    request = rf.get("/api/actors/?search=Claire")
    request.request_id = "req-7"
    with django_assert_num_queries(1):
        written = log_personal_data_reads(request=request, actor_ids=[3, 1, 3, None, 2])
    assert written == 3
    rows = list(PersonalDataAccess.objects.values_list("actor_id", "kind", "path", "request_id"))
    assert rows == [(i, "read", "/api/actors/", "req-7") for i in (1, 2, 3)]
    with django_assert_num_queries(0):
        assert log_personal_data_reads(request=request, actor_ids=[]) == 0
