"""The fast list path (api.fastlist) is contained: a switch, a log line, a plain cache.

- ``REGISTRY_LIST_FAST_PATH = False`` answers every list through DRF's serializers,
  with the same bytes as the fast path, for every listing of
  ``test_list_fast_path`` (default form, brief, fields, expand, ordering, filters,
  both key kinds, cursor and limit/offset pages);
- a list that falls back to DRF's path is logged once per serializer class;
- the per-process plan cache, and the page queries' SQL cache
  (``api.page_sql.PAGE_SQL``), hold no queryset, model instance, serializer,
  bound DRF field or request, whatever lists were asked.
"""

from __future__ import annotations

import gc
import logging
import types

import orjson
import pytest
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.request import Request

from api import fastlist, page_sql
from api.fastlist import cache
from tests.api.generic import build_tree, caller
from tests.api.test_list_fast_path import (
    ACTOR_LISTS,
    MEMBERSHIP_LISTS,
    PERSONAL,
    READ,
    actors_data,
    memberships_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """An empty plan cache, page SQL cache and no fallback logged yet (as in a new process)."""
    monkeypatch.setattr(cache, "PLANS", {})
    monkeypatch.setattr(cache, "_logged", set())
    monkeypatch.setattr(page_sql, "PAGE_SQL", {})


def urls(resource: str, query: str) -> list[str]:
    sep = "&" if query else ""
    return [
        f"/api/{resource}/?{query}{sep}limit=3",
        f"/api/{resource}/?{query}{sep}limit=3&offset=3",
        f"/api/{resource}/?{query}{sep}limit=1000",
        f"/api/{resource}/?{query}{sep}pagination=cursor&limit=2",
    ]


def walk(client, url: str) -> list[bytes]:
    """The bodies of a page and of the pages its ``next`` links lead to."""
    bodies = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        bodies.append(response.content)
        url = orjson.loads(response.content).get("next") if "cursor" in url else None
    return bodies


@pytest.mark.parametrize("scoped", [False, True], ids=["national key", "territory key"])
@pytest.mark.parametrize(
    ("resource", "lists", "make"),
    [("actors", ACTOR_LISTS, actors_data), ("memberships", MEMBERSHIP_LISTS, memberships_data)],
    ids=["actors", "memberships"],
)
def test_the_switch_off_answers_every_list_through_drf_with_the_same_bytes(
    resource, lists, make, scoped, settings, monkeypatch
):
    tree = build_tree()
    make(tree)
    territory = tree.dept if scoped else None
    clients = {
        scopes: caller(scopes=scopes, territory=territory).client for _q, scopes, _f in lists
    }
    fast_answers = []
    original = fastlist.plan_for
    monkeypatch.setattr(
        fastlist, "plan_for", lambda *a, **k: fast_answers.append(1) or original(*a, **k)
    )
    for client in clients.values():
        client.get(f"/api/{resource}/")  # the key's first use is recorded
    for query, scopes, _fast in lists:
        for url in urls(resource, query):
            settings.REGISTRY_LIST_FAST_PATH = True
            on = walk(clients[scopes], url)
            settings.REGISTRY_LIST_FAST_PATH = False
            asked = len(fast_answers)
            off = walk(clients[scopes], url)
            assert len(fast_answers) == asked, f"{url}: the fast path ran while off"
            assert on == off, f"GET {url}\non: {on[0][:1500]!r}\noff: {off[0][:1500]!r}"
    assert fast_answers, "the fast path never ran: the comparison proves nothing"


def fallback_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "api.fastlist"]


def test_a_fallback_is_logged_once_per_serializer_class(caplog):
    tree = build_tree()
    memberships_data(tree)
    actors_data(tree)
    client = caller(scopes=PERSONAL).client
    caplog.set_level(logging.INFO, logger="api.fastlist")
    for _ in range(2):
        assert client.get("/api/memberships/?expand=body,college").status_code == 200
    cache.PLANS.clear()  # compiled again (another worker's cache, a full cache): still once
    assert client.get("/api/memberships/?expand=college").status_code == 200
    [record] = fallback_records(caplog)
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "api.resources.memberships.MembershipSerializer" in message, message
    assert "'body'" in message and "BodyBriefSerializer" in message, message

    assert client.get("/api/actors/?expand=territory").status_code == 200
    assert client.get("/api/actors/?expand=territory&fields=id,territory").status_code == 200
    records = fallback_records(caplog)
    assert len(records) == 2, [r.getMessage() for r in records]
    assert "api.resources.actors.ActorSerializer" in records[1].getMessage()
    assert "'territory'" in records[1].getMessage()


def test_lists_the_fast_path_serves_log_nothing(caplog):
    tree = build_tree()
    memberships_data(tree)
    client = caller(scopes=PERSONAL).client
    caplog.set_level(logging.INFO, logger="api.fastlist")
    for url in ("/api/actors/", "/api/memberships/", "/api/memberships/?expand=actor"):
        assert client.get(url).status_code == 200
    assert fallback_records(caplog) == []


# --- the plan cache holds plain data ----------------------------------------------------------

SCOPES = (READ, PERSONAL)
#: Objects a cached plan must never keep alive: they belong to one request.
FORBIDDEN = (QuerySet, Model, HttpRequest, Request, serializers.BaseSerializer)


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def reachable(root) -> list:
    """Every object reachable from ``root`` through containers, instances' attributes,
    bound methods, closures and generated code's globals (``<api.fastlist plan>``);
    not through classes, modules or a module function's globals (shared by the
    process anyway)."""
    seen: set[int] = set()
    stack, found = [root], []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | types.ModuleType):
            continue
        seen.add(id(obj))
        found.append(obj)
        if isinstance(obj, types.FunctionType):
            stack += [_contents(cell) for cell in obj.__closure__ or ()]
            stack += list(obj.__defaults__ or ())
            if obj.__code__.co_filename == "<api.fastlist plan>":
                stack += [v for k, v in obj.__globals__.items() if k != "__builtins__"]
        elif isinstance(obj, types.MethodType):
            stack += [obj.__self__, obj.__func__]
        elif not isinstance(obj, types.BuiltinFunctionType | types.CodeType):
            stack += gc.get_referents(obj)
    return found


def offending(root) -> list:
    return [
        obj
        for obj in reachable(root)
        if isinstance(obj, FORBIDDEN)
        or (isinstance(obj, drf_fields.Field) and hasattr(obj, "parent"))  # bound to one
    ]


def test_the_walk_finds_what_a_plan_must_not_keep():
    """The inspection below would prove nothing if it could not see these."""
    from registry.models import Actor

    def closure():
        return queryset

    queryset = Actor.objects.all()
    bound = serializers.CharField()
    bound.bind("name", serializers.Serializer())
    assert offending({"key": [queryset]})
    assert offending((closure,))
    assert offending([bound.to_representation])
    assert offending([Actor(name="x")])


def test_the_plan_cache_holds_no_queryset_model_serializer_or_request():
    tree = build_tree()
    actors_data(tree)
    memberships_data(tree)
    for territory in (None, tree.dept):
        clients = {scopes: caller(scopes=scopes, territory=territory).client for scopes in SCOPES}
        for resource, lists in (("actors", ACTOR_LISTS), ("memberships", MEMBERSHIP_LISTS)):
            for query, scopes, _fast in lists:
                for url in urls(resource, query):
                    assert clients[scopes].get(url).status_code == 200, url
    plans = [plan for plan in cache.PLANS.values() if plan is not None]
    assert len(plans) >= 10, "the lists compiled no plan: nothing was inspected"
    assert any(plan.nested for plan in plans)
    assert offending(cache.PLANS) == []
    # The page queries' SQL, compiled once per shape (api.page_sql.PageSql): text,
    # parameters and names, keyed by plain values.
    assert page_sql.PAGE_SQL, "no page query was cached: nothing was inspected"
    assert offending(page_sql.PAGE_SQL) == []
