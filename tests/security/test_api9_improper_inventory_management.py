"""API9:2023 Improper Inventory Management.

The API has one version and one inventory: every route under ``/api/`` (taken from the
URL configuration) and every method it answers is in the OpenAPI schema, and every
operation of the schema is a route; ``tests/api/test_openapi.py`` keeps the committed
schema current. The only routes outside the schema are the documentation itself, the
browsable API root, DRF's format-suffix aliases of documented routes, and the catch-all
that answers 404 problems.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.committed_schema import committed_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = committed_schema()
METHODS = ("get", "post", "put", "patch", "delete")
#: Served under /api/ but not API operations.
UNDOCUMENTED = {"/api/schema/", "/api/docs/", "/api/redoc/", "/api/", "/api/*"}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def as_schema_path(route: str) -> str:
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
    path = path.replace("{pk}", "{id}")
    if path == "api/":
        return "/api/"
    return "/" + path


def view_methods(pattern: URLPattern) -> set[str]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        return set(actions) & set(METHODS)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return {"*"}
    return {m for m in METHODS if hasattr(cls, m)}


def served() -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for route, pattern in walk(get_resolver().url_patterns):
        if not route.startswith(("api/", "^api/")):
            continue
        if "format>" in route:
            continue  # DRF's `.json` aliases of the route beside it
        path = "/api/*" if route == "^api/" else as_schema_path(route)
        routes.setdefault(path, set()).update(view_methods(pattern))
    return routes


def documented() -> dict[str, set[str]]:
    return {path: {m for m in item if m in METHODS} for path, item in SCHEMA["paths"].items()}


def test_api9_every_route_is_in_the_schema_and_every_operation_is_a_route():
    routes = {p: m for p, m in served().items() if p not in UNDOCUMENTED}
    schema = documented()
    assert set(routes) - set(schema) == set(), "routes missing from the OpenAPI schema"
    assert set(schema) - set(routes) == set(), "schema operations without a route"


@pytest.mark.parametrize("path", sorted(documented()))
def test_api9_every_method_a_route_answers_is_documented(path):
    assert served()[path] == documented()[path], path


def test_api9_only_the_known_routes_are_undocumented():
    assert set(served()) - set(documented()) == UNDOCUMENTED


def test_api9_one_server_one_version():
    assert SCHEMA["info"]["version"]
    assert all(p.startswith("/api/") for p in SCHEMA["paths"])
    assert not any(
        re.search(r"/v\d+/|/beta/|/internal/|/debug/|/test/", p) for p in SCHEMA["paths"]
    )


@pytest.mark.no_schema_validation(reason="unknown and retired URLs, on purpose")
@pytest.mark.django_db
def test_api9_an_unknown_or_retired_route_is_a_404_problem(full_client):
    for url in ("/api/v1/actors/", "/api/v0/", "/api/internal/", "/api/debug/", "/api/actors.xml"):
        response = full_client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json", url
