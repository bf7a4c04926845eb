"""List pages built from rows (api.fastlist) are byte for byte DRF's pages.

Each listing is asked twice of the same data with the same key: through the
fast path, then with the viewset's ``fast_list`` off (the DRF serializer on model
instances); the bodies must be the same bytes. Listings cover the default
form, ``?brief=``, ``?fields=``, ``?expand=``, ``?ordering=``, filters, keys with
and without the personal_data scope and a territory-scoped key, on cursor and
limit/offset pages. The test also checks that the fast path did answer the
listings it supports (else the comparison would prove nothing).
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.db import connection
from rest_framework import serializers

from api import base
from api.fastlist import UtcText, utc_text
from api.resources.actors import ActorViewSet
from api.resources.memberships import MembershipViewSet
from registry.services.actors import actor_create
from registry.services.memberships import membership_create
from tests import factories
from tests.api.generic import build_tree, caller, unique
from tests.api.test_actors import make_actors, personal
from tests.api.test_memberships import make_memberships

pytestmark = pytest.mark.django_db

READ = ("read",)
PERSONAL = ("read", "personal_data")


@pytest.fixture
def fast_calls(monkeypatch):
    """Records, for each list request, whether the fast path answered it."""
    calls: list[bool] = []
    original = base.RegistryViewSet._fast_list

    def spy(self, request):
        response = original(self, request)
        calls.append(response is not None)
        return response

    monkeypatch.setattr(base.RegistryViewSet, "_fast_list", spy)
    return calls


def both_ways(client, url: str, viewset, monkeypatch) -> tuple[bytes, bytes]:
    fast = client.get(url)
    with monkeypatch.context() as patch:
        patch.setattr(viewset, "fast_list", False)
        slow = client.get(url)
    assert fast.status_code == slow.status_code, (url, fast.content[:300], slow.content[:300])
    return fast.content, slow.content


def walk(client, url: str, viewset, monkeypatch) -> int:
    """Compares every page of a walk (following ``next``); returns the pages seen."""
    pages = 0
    while url:
        fast, slow = both_ways(client, url, viewset, monkeypatch)
        assert fast == slow, f"GET {url}\nfast: {fast[:2000]!r}\nslow: {slow[:2000]!r}"
        pages += 1
        url = orjson.loads(fast).get("next")
    return pages


def actors_data(tree):
    made = make_actors(5, tree.commune)
    actor_create(
        kind="organization",
        category="association",
        name=unique("Collectif {accolades} + é"),
        territory=tree.dept,
        founding_date=dt.date(1999, 4, 1),
        description="Plusieurs\nlignes",
        links=[{"url": "https://example.org", "note": "site"}],
        sources=[{"url": "https://example.org/source", "note": "registre"}],
        identifiers=[
            {"scheme": "siren", "value": "900000001"},
            {"scheme": "rna", "value": "W751000001"},
            {"scheme": "external", "value": "B-2", "issuer": "crm"},
            {"scheme": "external", "value": "A-1", "issuer": "crm"},
        ],
        other_names=[
            {"name": "Zèbre", "note": "ancien nom", "start_date": dt.date(2001, 1, 1)},
            {"name": "Abeille", "end_date": dt.date(2010, 5, 31)},
        ],
    )
    actor_create(
        kind="person",
        category="resident",
        name=unique("Sans données"),
        territory=tree.commune,
        personal_data=personal(email="", phone="", gender="", birth_year=None),
    )
    actor_create(kind="person", category="resident", name=unique("Sans territoire"))
    make_actors(2, tree.other_commune)
    return made


def memberships_data(tree):
    made = make_memberships(5, tree.commune)
    body = factories.BodyFactory(territory=tree.dept)
    membership_create(
        actor=factories.ActorFactory(territory=tree.dept, name=unique("Seul {x}")),
        body=body,
        start_date=dt.date.today() + dt.timedelta(days=30),
    )
    make_memberships(2, tree.other_commune)
    return made


ACTOR_LISTS = [
    # (query, key scopes, whether the fast path answers it)
    ("", PERSONAL, True),
    ("", READ, True),
    ("brief=true", PERSONAL, True),
    ("fields=id,name,identifiers,personal_data", PERSONAL, True),
    ("fields=id,url,other_names,territory", READ, True),
    ("expand=territory", PERSONAL, False),  # the territory's brief form is DRF's
    ("ordering=-name", PERSONAL, True),
    ("kind=organization", PERSONAL, True),
    ("identifier_scheme=external", READ, True),
    ("q=alias", PERSONAL, True),
]

MEMBERSHIP_LISTS = [
    ("", READ, True),
    ("", PERSONAL, True),
    ("brief=true", READ, True),
    ("fields=id,display,is_current,actor", READ, True),
    ("expand=actor", READ, True),
    ("expand=actor,on_behalf_of&fields=id,actor,on_behalf_of", PERSONAL, True),
    ("expand=body,college", READ, False),  # no display template for bodies and colleges
    ("ordering=-start_date", READ, True),
    ("current=true", READ, True),
]


def fast_for(query: str, expect_fast: bool, key_territory) -> bool:
    """For a territory key an expanded actor may be an outside member, shown by id and name
    only (api.scoping.Reach): DRF's path answers those pages (the same bytes, checked)."""
    return expect_fast and not (key_territory is not None and "expand=actor" in query)


def check(lists, resource, viewset, key_territory, monkeypatch, fast_calls):
    clients = {
        scopes: caller(scopes=scopes, territory=key_territory).client
        for scopes in {scopes for _q, scopes, _f in lists}
    }
    for client in clients.values():
        client.get(f"/api/{resource}/")  # the key's first use is recorded
    for query, scopes, expect_fast in lists:
        client = clients[scopes]
        sep = "&" if query else ""
        for url in (
            f"/api/{resource}/?{query}{sep}limit=3",
            f"/api/{resource}/?{query}{sep}limit=3&offset=3",
            f"/api/{resource}/?{query}{sep}limit=1000",
        ):
            fast_calls.clear()
            fast, slow = both_ways(client, url, viewset, monkeypatch)
            assert fast == slow, f"GET {url}\nfast: {fast[:2000]!r}\nslow: {slow[:2000]!r}"
            assert fast_calls[:1] == [fast_for(query, expect_fast, key_territory)], (
                url,
                fast_calls,
            )
        fast_calls.clear()
        pages = walk(
            client, f"/api/{resource}/?{query}{sep}pagination=cursor&limit=2", viewset, monkeypatch
        )
        assert pages >= 1
        assert fast_calls[0] == fast_for(query, expect_fast, key_territory), (query, fast_calls)


@pytest.fixture(params=["native dates", "dates written by the plan"])
def renderer(request, monkeypatch):
    """With the JSON renderer the plan leaves dates and datetimes to orjson; with another
    (here: the same, not recognised as such) it writes them itself."""
    if request.param != "native dates":
        monkeypatch.setattr(base, "ORJSONRenderer", type("Other", (), {}))
    return request.param


@pytest.mark.parametrize("scoped", [False, True], ids=["national key", "territory key"])
def test_actor_pages_are_drf_pages(scoped, renderer, monkeypatch, fast_calls):
    tree = build_tree()
    actors_data(tree)
    check(
        ACTOR_LISTS, "actors", ActorViewSet, tree.dept if scoped else None, monkeypatch, fast_calls
    )


@pytest.mark.parametrize("scoped", [False, True], ids=["national key", "territory key"])
def test_membership_pages_are_drf_pages(scoped, renderer, monkeypatch, fast_calls):
    tree = build_tree()
    memberships_data(tree)
    check(
        MEMBERSHIP_LISTS,
        "memberships",
        MembershipViewSet,
        tree.dept if scoped else None,
        monkeypatch,
        fast_calls,
    )


def test_bad_parameters_are_drf_errors(monkeypatch, fast_calls):
    tree = build_tree()
    actors_data(tree)
    client = caller(scopes=READ).client
    for url in (
        "/api/actors/?fields=personal_data",  # not a field without the scope
        "/api/actors/?fields=nope",
        "/api/actors/?expand=identifiers",
        "/api/actors/?kind=nope&fields=nope",  # the filter's error comes first
        "/api/actors/?pagination=cursor&cursor=garbage",
    ):
        fast, slow = both_ways(client, url, ActorViewSet, monkeypatch)
        fast_doc, slow_doc = orjson.loads(fast), orjson.loads(slow)
        assert fast_doc.pop("request_id") != slow_doc.pop("request_id")  # each its own
        assert fast_doc == slow_doc, url
        assert fast_doc["status"] in (400, 404), fast_doc


def test_offset_count_follows_writes(monkeypatch, fast_calls):
    """The count of a full page is cached, but a write (a new ledger entry) recounts."""
    tree = build_tree()
    make_actors(4, tree.commune)
    client = caller(scopes=READ).client
    first = orjson.loads(client.get("/api/actors/?limit=2").content)
    assert first["count"] == 4
    make_actors(1, tree.commune)
    again = orjson.loads(client.get("/api/actors/?limit=2").content)
    assert again["count"] == 5
    assert fast_calls and all(fast_calls)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
)
def test_postgresql_utc_text_is_drf_datetime(value):
    """On PostgreSQL the plan reads timestamps as UTC text: it must be what DRF writes."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + UtcText.template % {"expressions": "%s::timestamptz"}, [value])
        (text,) = cursor.fetchone()
    assert utc_text(text) == serializers.DateTimeField().to_representation(value)
