"""``?fields=``, ``?brief=true`` and ``?expand=`` on reads."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.resources.activity import MeetingSerializer, OpinionSerializer
from api.resources.actors import ActorSerializer
from api.resources.bodies import BodySerializer, CollegeSerializer
from api.resources.interactions import InteractionSerializer
from api.resources.memberships import MembershipSerializer
from api.resources.territories import TerritorySerializer
from registry.services import actors as actor_services
from tests.factories import (
    ActorFactory,
    BodyFactory,
    CollegeFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
    OrganizationFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db


def assert_400_naming(response, parameter: str, *words: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    body = orjson.loads(response.content)
    [error] = [e for e in body["errors"] if e["field"] == parameter]
    for word in words:
        assert word in error["detail"], (word, error)


@pytest.fixture
def membership():
    territory = TerritoryFactory(name="Chartres")
    body = BodyFactory(name="Conseil de quartier Rechèvres", territory=territory)
    college = CollegeFactory(body=body, name="Habitants")
    return MembershipFactory(
        actor=ActorFactory(name="Jeanne Dupont", territory=territory),
        body=body,
        college=college,
        on_behalf_of=OrganizationFactory(name="Comité des fêtes"),
    )


# --- ?fields= ----------------------------------------------------------------------------


def test_fields_on_a_list_keep_only_those(full_client, membership):
    data = full_client.get("/api/actors/?fields=id,name").json()
    assert data["count"] == 2
    for row in data["results"]:
        assert set(row) == {"id", "name"}
    repeated = full_client.get("/api/actors/?fields=id&fields=name").json()
    assert repeated["results"] == data["results"]
    spaced = full_client.get("/api/actors/?fields= id , name ,").json()
    assert spaced["results"] == data["results"]


def test_fields_on_a_detail_keep_only_those(full_client, membership):
    data = full_client.get(f"/api/memberships/{membership.pk}/?fields=body,start_date").json()
    assert data == {"body": membership.body_id, "start_date": "2024-01-01"}


def test_unknown_field_is_400_naming_fields(full_client, membership):
    response = full_client.get("/api/actors/?fields=name,shoe_size,hat")
    assert_400_naming(response, "fields", "shoe_size", "hat")
    response = full_client.get(f"/api/actors/{membership.actor_id}/?fields=shoe_size")
    assert_400_naming(response, "fields", "shoe_size")


# --- ?brief=true ---------------------------------------------------------------------------


RESOURCES = {
    "actors": (ActorSerializer, lambda: ActorFactory()),
    "bodies": (BodySerializer, lambda: BodyFactory()),
    "colleges": (CollegeSerializer, lambda: CollegeFactory()),
    "memberships": (MembershipSerializer, lambda: MembershipFactory()),
    "meetings": (MeetingSerializer, lambda: MeetingFactory()),
    "opinions": (OpinionSerializer, lambda: OpinionFactory()),
    "interactions": (InteractionSerializer, lambda: InteractionFactory()),
    "territories": (TerritorySerializer, lambda: TerritoryFactory()),
}


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_brief_returns_the_brief_form(full_client, resource):
    serializer, make = RESOURCES[resource]
    obj = make()
    brief = set(serializer.Meta.brief_fields)
    assert {"id", "url", "display"} <= brief
    for value in ("true", "1"):
        detail = full_client.get(f"/api/{resource}/{obj.pk}/?brief={value}").json()
        assert set(detail) == brief, resource
        assert detail["id"] == obj.pk and detail["display"] == str(obj)
        listed = full_client.get(f"/api/{resource}/?brief={value}").json()["results"]
        assert listed and all(set(row) == brief for row in listed)
    full = full_client.get(f"/api/{resource}/{obj.pk}/?brief=false").json()
    assert set(full) > brief


# --- ?expand= ------------------------------------------------------------------------------


def test_expand_embeds_the_related_objects_in_brief_form(full_client, membership):
    url = f"/api/memberships/{membership.pk}/?expand=body,actor"
    data = full_client.get(url).json()
    assert set(data["body"]) == set(BodySerializer.Meta.brief_fields)
    assert data["body"]["id"] == membership.body_id
    assert data["body"]["name"] == "Conseil de quartier Rechèvres"
    assert data["body"]["url"].endswith(f"/api/bodies/{membership.body_id}/")
    assert set(data["actor"]) == set(ActorSerializer.Meta.brief_fields)
    assert data["actor"]["name"] == "Jeanne Dupont"
    # What was not asked stays an id.
    assert data["college"] == membership.college_id
    assert data["on_behalf_of"] == membership.on_behalf_of_id


def test_expand_on_a_list_and_with_fields(full_client, membership):
    data = full_client.get("/api/memberships/?expand=college,on_behalf_of").json()
    [row] = data["results"]
    assert row["college"]["name"] == "Habitants"
    assert row["on_behalf_of"]["name"] == "Comité des fêtes"
    only = full_client.get("/api/memberships/?expand=body&fields=id,body").json()["results"]
    assert only == [
        {
            "id": membership.pk,
            "body": {
                "id": membership.body_id,
                "url": only[0]["body"]["url"],
                "display": "Conseil de quartier Rechèvres",
                "name": "Conseil de quartier Rechèvres",
                "body_type": "conseil_quartier",
                "status": membership.body.status,
            },
        }
    ]


def test_expanded_actor_never_carries_personal_data(full_client):
    person = actor_services.actor_create(
        kind="person",
        category="resident",
        name="Paul Martin",
        personal_data={
            "email": "paul@example.org",
            "lawful_basis": "consent",
            "retention_until": dt.date(2030, 1, 1),
        },
    )
    membership = MembershipFactory(actor=person)
    response = full_client.get(f"/api/memberships/{membership.pk}/?expand=actor")
    assert response.json()["actor"]["name"] == "Paul Martin"
    assert b"paul@example.org" not in response.content


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/api/memberships/?expand=weather", ("weather", "actor, body, college, on_behalf_of")),
        ("/api/memberships/?expand=body,territory", ("territory",)),
        ("/api/opinions/?expand=actor", ("actor", "body")),
        ("/api/territories/?expand=parents", ("parents", "none")),
    ],
)
def test_unknown_expand_is_400_naming_expand(full_client, membership, url, words):
    assert_400_naming(full_client.get(url), "expand", *words)


@pytest.mark.parametrize(
    ("resource", "make", "expand"),
    [
        ("memberships", lambda: MembershipFactory(), "actor,body,college,on_behalf_of"),
        ("actors", lambda: ActorFactory(territory=TerritoryFactory()), "territory"),
        ("bodies", lambda: BodyFactory(host=OrganizationFactory()), "territory,host"),
        ("interactions", lambda: InteractionFactory(territory=TerritoryFactory()), "source"),
    ],
)
def test_expansion_costs_the_same_queries_for_2_or_6_rows(full_client, resource, make, expand):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = full_client.get(f"/api/{resource}/?expand={expand}")
        assert response.status_code == 200
        return len(queries)

    for _ in range(2):
        make()
    count()  # the key's first use records it (one write): not part of the comparison
    few = count()
    for _ in range(4):
        make()
    assert count() == few, f"?expand={expand} on {resource} runs queries per row"


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_each_row_carries_its_own_url_and_label(full_client, resource):
    serializer, make = RESOURCES[resource]
    objs = [make() for _ in range(3)]
    rows = full_client.get(f"/api/{resource}/?limit=1000").json()["results"]
    by_id = {row["id"]: row for row in rows}
    for obj in objs:
        row = by_id[obj.pk]
        assert row["url"] == f"http://testserver/api/{resource}/{obj.pk}/"
        assert row["display"] == str(obj)
        detail = full_client.get(row["url"]).json()
        assert detail["url"] == row["url"]
