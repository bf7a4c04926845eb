"""Every list endpoint makes as many SQL queries for 50 objects as for 2 (paperless-ngx style).

A count that grows with the page is an N+1: a related object or list the
serializer shows without the viewset's ``select_related``/``prefetch_related``.
Each resource is listed plainly, with ``?expand=`` of every expandable
relation, with ``?brief=true``, and actors also with a ``personal_data`` key
(which shows one more related row per actor).
"""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from registry.services.bodies import body_update
from tests.api import (
    test_actors,
    test_bodies,
    test_charters,
    test_interactions,
    test_meetings,
    test_memberships,
    test_opinions,
    test_territories,
)
from tests.api.generic import assert_json, build_tree, caller

pytestmark = pytest.mark.django_db

RESOURCES = [
    test_territories.TestTerritories,
    test_actors.TestActors,
    test_bodies.TestBodies,
    test_bodies.TestColleges,
    test_memberships.TestMemberships,
    test_meetings.TestMeetings,
    test_opinions.TestOpinions,
    test_interactions.TestInteractions,
    test_charters.TestCharters,
]

READ = ("read",)
PERSONAL = ("read", "personal_data")


def variants(resource) -> list[tuple[str, tuple[str, ...], dict]]:
    """(label, key scopes, query parameters) of each listing to measure."""
    serializer = resolve(resource.list_url()).func.cls.serializer_class
    out = [("plain", READ, {}), ("brief", READ, {"brief": "true"})]
    if serializer.expandable:
        out.append(("expand all", READ, {"expand": ",".join(sorted(serializer.expandable))}))
    if resource.basename == "actor":
        out.append(("personal_data key", PERSONAL, {}))
        out.append(
            ("personal_data key, expand all", PERSONAL, {"expand": ",".join(serializer.expandable)})
        )
    return out


def measure(client, url: str, params: dict) -> tuple[int, int, list[str]]:
    """(queries, items listed, SQL) of one page holding every object."""
    with CaptureQueriesContext(connection) as ctx:
        data = assert_json(client.get(url, {"limit": 1000, **params}))
    return len(ctx.captured_queries), len(data["results"]), [q["sql"] for q in ctx]


def repeated(small: list[str], large: list[str]) -> list[str]:
    """The statements the large page runs more often than the small one (the N+1)."""
    extra = Counter(map(_shape, large)) - Counter(map(_shape, small))
    return [f"{n}x {sql[:300]}" for sql, n in extra.most_common(5)]


def _shape(sql: str) -> str:
    """The statement without its literal values, so that one N+1 counts as one line."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


@pytest.fixture
def unchecked_constraints(monkeypatch):
    """Skip the Python re-check of check constraints while making the 48 extra objects.

    They are made by the same code as the first two, whose validation ran; the
    database still enforces every constraint, the services their own rules, and
    the ledger records every row. Model validation is most of the cost of making
    test data, and this test only needs rows.
    """

    @contextmanager
    def block():
        with monkeypatch.context() as patch:
            patch.setattr(models.Model, "validate_constraints", lambda self, exclude=None: None)
            yield

    return block


@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.basename)
def test_list_queries_do_not_grow_with_the_page(resource_class, unchecked_constraints):
    resource = resource_class()
    tree = build_tree()
    url = resource.list_url()
    cases = variants(resource)
    clients = {scopes: caller(scopes=scopes).client for scopes in {c[1] for c in cases}}
    resource.make(2, tree.commune)
    for client in clients.values():
        client.get(url)  # the key's first request also records when it was last used
    small = {label: measure(clients[scopes], url, params) for label, scopes, params in cases}
    with unchecked_constraints():
        resource.make(48, tree.commune)
    large = {label: measure(clients[scopes], url, params) for label, scopes, params in cases}

    problems = []
    for label, _scopes, _params in cases:
        (q_small, n_small, sql_small), (q_large, n_large, sql_large) = small[label], large[label]
        assert n_large == n_small + 48, f"{label}: the page should hold the 48 new objects"
        if q_small != q_large:
            problems.append(
                f"GET {url} ({label}): {q_small} queries for {n_small} objects, "
                f"{q_large} for {n_large}; repeated:\n  "
                + "\n  ".join(repeated(sql_small, sql_large))
            )
    summary = ", ".join(f"{label}: {small[label][0]}/{large[label][0]}" for label, *_ in cases)
    print(f"GET {url} queries for 2/50 objects: {summary}")  # shown with pytest -s
    assert not problems, (
        "queries grow with the page size; add select_related/prefetch_related to the "
        "viewset's queryset.\n" + "\n".join(problems) + f"\n(queries small/large: {summary})"
    )


def test_history_queries_do_not_grow_with_the_changes(unchecked_constraints):
    tree = build_tree()
    body = test_bodies.make_bodies(1, tree.commune)[0]
    client = caller(scopes=READ).client
    url = f"/api/bodies/{body.pk}/history/"
    client.get(url)
    for seats in range(1, 3):
        body_update(body=body, seats=seats)
    q_small, n_small, sql_small = measure(client, url, {})
    with unchecked_constraints():
        for seats in range(3, 51):
            body_update(body=body, seats=seats)
    q_large, n_large, sql_large = measure(client, url, {})
    assert n_large == n_small + 48
    assert q_small == q_large, (
        f"GET {url}: {q_small} queries for {n_small} changes, {q_large} for {n_large}:\n"
        + "\n".join(repeated(sql_small, sql_large))
    )
