"""ETags on reads, ``If-None-Match`` (304) and ``If-Match`` on writes (412 on a lost update)."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from registry.models import Actor, ChangeRecord
from registry.services import actors as actor_services
from tests.factories import (
    ActorFactory,
    BodyFactory,
    CollegeFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db

STALE = '"0123456789abcdef0123456789abcdef"'


@pytest.fixture
def actor():
    return ActorFactory(name="Maison de quartier", kind="organization", category="association")


def etag(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    tag = response["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10, tag
    return tag


def ledger_size() -> int:
    return ChangeRecord.objects.count()


def assert_412(response):
    assert response.status_code == 412, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    body = orjson.loads(response.content)
    assert body["status"] == 412 and body["code"] == "precondition-failed"
    assert "If-Match" in body["detail"]


def test_detail_has_a_stable_etag_that_changes_with_the_object(full_client, actor):
    url = f"/api/actors/{actor.pk}/"
    first = etag(full_client, url)
    assert etag(full_client, url) == first, "unchanged object, same ETag"
    actor_services.actor_update(actor=actor, name="Maison de quartier Nord")
    assert etag(full_client, url) != first


def test_etag_changes_when_a_nested_part_changes(full_client, actor):
    url = f"/api/actors/{actor.pk}/"
    before = etag(full_client, url)
    actor_services.actor_identifier_add(actor=actor, scheme="rna", value="W281000001")
    assert etag(full_client, url) != before


def test_if_none_match_answers_304_without_a_body(full_client, actor):
    url = f"/api/actors/{actor.pk}/"
    tag = etag(full_client, url)
    for header in (tag, f"W/{tag}", f"{STALE}, {tag}", "*"):
        response = full_client.get(url, HTTP_IF_NONE_MATCH=header)
        assert response.status_code == 304, header
        assert response.content == b""
        assert response["ETag"] == tag
    stale = full_client.get(url, HTTP_IF_NONE_MATCH=STALE)
    assert stale.status_code == 200 and stale.json()["id"] == actor.pk
    actor_services.actor_update(actor=actor, name="Renamed")
    assert full_client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_stale_if_match_is_412_and_writes_nothing(full_client, actor, method):
    url = f"/api/actors/{actor.pk}/"
    tag = etag(full_client, url)
    actor_services.actor_update(actor=actor, name="Changed by someone else")
    records = ledger_size()
    payload = {"kind": "organization", "category": "association", "name": "My change"}
    response = getattr(full_client, method)(
        url, payload if method != "delete" else None, format="json", HTTP_IF_MATCH=tag
    )
    assert_412(response)
    actor.refresh_from_db()
    assert actor.name == "Changed by someone else"
    assert ledger_size() == records, "a refused write must leave the ledger untouched"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_current_if_match_writes_and_returns_the_new_etag(full_client, actor, method):
    url = f"/api/actors/{actor.pk}/"
    tag = etag(full_client, url)
    payload = {"kind": "organization", "category": "association", "name": "My change"}
    response = getattr(full_client, method)(url, payload, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 200, response.content
    actor.refresh_from_db()
    assert actor.name == "My change"
    new_tag = response["ETag"]
    assert new_tag != tag
    assert new_tag == etag(full_client, url), "the write answers the ETag a read would give"
    # The old ETag is now stale.
    assert_412(full_client.patch(url, {"name": "Again"}, format="json", HTTP_IF_MATCH=tag))
    # The new one works for the next write.
    again = full_client.patch(url, {"name": "Again"}, format="json", HTTP_IF_MATCH=new_tag)
    assert again.status_code == 200


def test_current_if_match_deletes(full_client, actor):
    url = f"/api/actors/{actor.pk}/"
    response = full_client.delete(url, HTTP_IF_MATCH=etag(full_client, url))
    assert response.status_code == 204
    assert not Actor.objects.filter(pk=actor.pk).exists()


def test_if_match_star_and_lists_are_accepted(full_client, actor):
    url = f"/api/actors/{actor.pk}/"
    star = full_client.patch(url, {"name": "Star"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200
    tag = etag(full_client, url)
    listed = full_client.patch(
        url, {"name": "Listed"}, format="json", HTTP_IF_MATCH=f"{STALE}, {tag}"
    )
    assert listed.status_code == 200
    actor.refresh_from_db()
    assert actor.name == "Listed"


def test_without_if_match_writes_are_unconditional(full_client, actor):
    response = full_client.patch(f"/api/actors/{actor.pk}/", {"name": "Free"}, format="json")
    assert response.status_code == 200
    assert response["ETag"]


@pytest.mark.parametrize("query", ["?fields=name", "?fields=id,display", "?brief=true"])
def test_etag_does_not_depend_on_the_fields_asked(full_client, query):
    body = BodyFactory(name="Conseil citoyen")
    url = f"/api/bodies/{body.pk}/"
    full = etag(full_client, url)
    partial = full_client.get(url + query)
    assert partial.status_code == 200
    assert partial["ETag"] == full
    # A client that read only some fields can still write with its ETag...
    response = full_client.patch(
        url, {"name": "Conseil citoyen Centre"}, format="json", HTTP_IF_MATCH=partial["ETag"]
    )
    assert response.status_code == 200, response.content
    # ...and revalidate its partial read.
    assert full_client.get(url + query, HTTP_IF_NONE_MATCH=partial["ETag"]).status_code == 200
    fresh = full_client.get(url + query)["ETag"]
    assert full_client.get(url + query, HTTP_IF_NONE_MATCH=fresh).status_code == 304


def test_etag_does_not_depend_on_expansion(full_client):
    body = BodyFactory()
    membership = MembershipFactory(body=body)
    url = f"/api/memberships/{membership.pk}/"
    expanded = full_client.get(url + "?expand=body,actor")
    assert expanded.json()["body"]["name"] == body.name
    assert expanded["ETag"] == etag(full_client, url)


def test_stale_if_match_on_another_resource(full_client):
    body = BodyFactory(name="CESER")
    url = f"/api/bodies/{body.pk}/"
    response = full_client.patch(url, {"name": "X"}, format="json", HTTP_IF_MATCH=STALE)
    assert_412(response)
    body.refresh_from_db()
    assert body.name == "CESER"


RESOURCES = {
    "actors": lambda: ActorFactory(),
    "bodies": lambda: BodyFactory(),
    "colleges": lambda: CollegeFactory(),
    "memberships": lambda: MembershipFactory(),
    "meetings": lambda: MeetingFactory(),
    "opinions": lambda: OpinionFactory(),
    # Decimals (weight, confidence) in the representation.
    "interactions": lambda: InteractionFactory(weight=3, confidence=Decimal("0.8")),
    "territories": lambda: TerritoryFactory(),
}


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_every_resource_answers_an_etag_and_honours_it(full_client, resource):
    obj = RESOURCES[resource]()
    url = f"/api/{resource}/{obj.pk}/"
    tag = etag(full_client, url)
    assert full_client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert_412(full_client.patch(url, {}, format="json", HTTP_IF_MATCH=STALE))
    response = full_client.patch(url, {}, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 200, response.content[:300]
    assert response["ETag"] == tag, "an empty change keeps the ETag"
