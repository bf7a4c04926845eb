"""Limit/offset pages, cursor pages for sync, ordering, and the hard maximum page size."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, RegistryPagination
from api.resources.actors import ActorSerializer
from api.urls import router
from registry import tracking
from registry.models import Actor
from registry.services.territories import territory_create
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


def many_actors(n: int, name=lambda i: f"Personne {i:05d}") -> list[int]:
    actors = tracking.bulk_create(
        [Actor(kind="person", category="resident", name=name(i)) for i in range(n)],
        validate=False,
    )
    return sorted(a.pk for a in actors)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def walk(client, url: str, *, between_pages=None) -> list[int]:
    """Follow ``next`` links from ``url``; returns the ids seen, in order."""
    seen: list[int] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        seen += [row["id"] for row in data["results"]]
        url = data["next"]
        pages += 1
        assert pages < 1000, "the walk does not end"
        if between_pages is not None:
            between_pages(pages)
    return seen


# --- limit/offset -------------------------------------------------------------------


def test_limit_offset_pages_with_count_next_and_previous(full_client):
    ids = many_actors(7)
    first = full_client.get("/api/actors/?limit=3").json()
    assert first["count"] == 7
    assert [row["id"] for row in first["results"]] == ids[:3]
    assert first["previous"] is None
    assert query_of(first["next"]) == {"limit": ["3"], "offset": ["3"]}
    second = full_client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == ids[3:6]
    assert second["count"] == 7
    assert full_client.get(second["previous"]).json()["results"] == first["results"]
    last = full_client.get(second["next"]).json()
    assert [row["id"] for row in last["results"]] == ids[6:]
    assert last["next"] is None
    assert walk(full_client, "/api/actors/?limit=2") == ids


def test_default_page_size(full_client):
    ids = many_actors(DEFAULT_PAGE_SIZE + 3)
    data = full_client.get("/api/actors/").json()
    assert len(data["results"]) == DEFAULT_PAGE_SIZE
    assert data["count"] == len(ids)
    assert data["next"]


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=-3", "offset=abc", "offset=-1"])
def test_malformed_limit_or_offset_is_a_400_naming_it(full_client, query):
    many_actors(3)
    response = full_client.get(f"/api/actors/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [query.split("=")[0]]


def test_limit_above_the_maximum_is_cut(full_client):
    ids = many_actors(MAX_PAGE_SIZE + 5)
    data = full_client.get(f"/api/actors/?limit={MAX_PAGE_SIZE * 5}").json()
    assert len(data["results"]) == MAX_PAGE_SIZE
    assert data["count"] == len(ids)
    assert query_of(data["next"])["limit"] == [str(MAX_PAGE_SIZE)]
    rest = full_client.get(data["next"]).json()
    assert [row["id"] for row in rest["results"]] == ids[MAX_PAGE_SIZE:]
    cursor = full_client.get(f"/api/actors/?pagination=cursor&limit={MAX_PAGE_SIZE * 5}").json()
    assert len(cursor["results"]) == MAX_PAGE_SIZE
    assert cursor["next"]


# --- cursor pages ---------------------------------------------------------------------


def test_cursor_walk_visits_every_row_once_while_rows_are_added(full_client):
    ids = many_actors(11)
    added: list[int] = []

    def add_rows(page: int) -> None:
        if page <= 2:
            added.extend(a.pk for a in [ActorFactory(), ActorFactory()])

    first = full_client.get("/api/actors/?pagination=cursor&limit=4").json()
    assert first["count"] is None and first["previous"] is None
    assert "offset" not in first["next"]
    seen = walk(full_client, "/api/actors/?pagination=cursor&limit=4", between_pages=add_rows)
    assert len(seen) == len(set(seen)), "a row was served twice"
    assert seen == sorted(ids + added), "every row, in id order, none skipped"


def test_cursor_walk_is_in_id_order_whatever_the_ordering(full_client):
    # Names sort against id order, with ties: a cursor on the name would repeat or skip.
    ids = many_actors(9, name=lambda i: f"Nom {i % 3}")
    seen = walk(full_client, "/api/actors/?pagination=cursor&limit=2&ordering=-name")
    assert seen == ids


def test_cursor_walk_of_territories_survives_insertions(full_client):
    """Territories list by (level, code) by default; their cursor still walks by id."""
    for i in range(6):
        territory_create(level="commune", code=f"280{2 * i:02d}", name=f"Commune {i}")
    added: list[int] = []

    def insert_before_the_position(page: int) -> None:
        if page == 1:  # a code that sorts before rows already served
            added.append(territory_create(level="commune", code="28001", name="Nouvelle").pk)

    seen = walk(
        full_client,
        "/api/territories/?pagination=cursor&limit=2",
        between_pages=insert_before_the_position,
    )
    assert len(seen) == len(set(seen)), f"a territory was served twice: {seen}"
    assert set(added) <= set(seen)
    assert len(seen) == 7


def test_cursor_previous_link_goes_back(full_client):
    ids = many_actors(6)
    first = full_client.get("/api/actors/?pagination=cursor&limit=2").json()
    second = full_client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == ids[2:4]
    back = full_client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == ids[:2]


def test_invalid_cursor_is_a_problem(full_client):
    many_actors(3)
    response = full_client.get("/api/actors/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in orjson.loads(response.content)["errors"]] == ["cursor"]


# --- ordering -------------------------------------------------------------------------


def test_ordering_parameter(full_client):
    for name in ("Bernard", "Alice", "Chloé"):
        ActorFactory(name=name)
    names = [r["name"] for r in full_client.get("/api/actors/?ordering=-name").json()["results"]]
    assert names == ["Chloé", "Bernard", "Alice"]
    names = [r["name"] for r in full_client.get("/api/actors/?ordering=name").json()["results"]]
    assert names == ["Alice", "Bernard", "Chloé"]


def test_ties_are_settled_by_id_so_offset_pages_do_not_repeat(full_client):
    ids = many_actors(8, name=lambda i: f"Nom {i % 2}")
    seen = walk(full_client, "/api/actors/?ordering=-name&limit=3")
    assert sorted(seen) == ids and len(seen) == len(set(seen))
    expected = sorted(ids[1::2]) + sorted(ids[0::2])  # "Nom 1" first, then by id
    assert seen == expected
    with CaptureQueriesContext(connection) as queries:
        full_client.get("/api/actors/?ordering=name&limit=3")
    page_sql = next(
        q["sql"] for q in queries if "LIMIT" in q["sql"] and "registry_actor" in q["sql"]
    )
    # The ORDER BY that picks the page (the list may then re-sort the page's rows).
    order_by = re.search(r"ORDER BY ([^()]*) LIMIT 3", page_sql)[1]
    assert '"name"' in order_by and '"id"' in order_by, page_sql


LISTS = sorted(prefix for prefix, _viewset, _basename in router.registry)


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize("ordering", ["bogus", "-bogus", "description", "territory__name", ""])
def test_unknown_ordering_fields_are_ignored_everywhere(full_client, resource, ordering):
    ActorFactory()
    default = full_client.get(f"/api/{resource}/")
    response = full_client.get(f"/api/{resource}/?ordering={ordering}")
    assert response.status_code == 200, response.content[:300]
    assert response.json() == default.json()


def test_unknown_ordering_field_is_dropped_and_the_rest_kept(full_client):
    for name in ("Bernard", "Alice", "Chloé"):
        ActorFactory(name=name)
    data = full_client.get("/api/actors/?ordering=bogus,-name").json()
    assert [r["name"] for r in data["results"]] == ["Chloé", "Bernard", "Alice"]


# --- unordered querysets are refused ---------------------------------------------------


def test_paginating_an_unordered_queryset_is_refused():
    many_actors(3)
    request = Request(APIRequestFactory().get("/api/actors/"))
    with pytest.raises(ImproperlyConfigured, match="unordered"):
        RegistryPagination().paginate_queryset(Actor.objects.order_by(), request)
    page = RegistryPagination().paginate_queryset(Actor.objects.order_by("id"), request)
    assert len(page) == 3


class UnorderedView(generics.ListAPIView):
    queryset = Actor.objects.order_by()
    serializer_class = ActorSerializer
    pagination_class = RegistryPagination
    filter_backends = []
    authentication_classes = []
    permission_classes = [permissions.AllowAny]


def test_a_view_listing_an_unordered_queryset_fails_loudly():
    many_actors(2)
    request = APIRequestFactory().get("/api/unordered/")
    with pytest.raises(ImproperlyConfigured, match="UnorderedView"):
        RegistryPagination().paginate_queryset(
            UnorderedView.queryset, Request(request), view=UnorderedView()
        )
    response = UnorderedView.as_view()(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("resource", LISTS)
def test_every_list_endpoint_pages_an_ordered_queryset(full_client, resource):
    for query in ("", "?pagination=cursor"):
        response = full_client.get(f"/api/{resource}/{query}")
        assert response.status_code == 200, (resource, query, response.content[:300])
