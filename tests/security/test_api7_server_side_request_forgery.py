"""API7:2023 Server Side Request Forgery.

No endpoint fetches a URL: ``links`` and ``sources`` (actors, bodies, memberships...)
are stored and returned as given, never resolved, followed or validated by a request.
The tests block every outgoing connection while URLs pointing at internal services go
through creation, reads, the change feed, the Popolo export and the analyses; and the
code holds no HTTP client but the webhook sender, which connects only to the address it
has just checked to be public (``api.webhooks.addresses``; tests/api/test_webhooks.py and
test_webhooks_delivery.py).
"""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

from registry.models import Actor, Body
from tests.security.conftest import every_get_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/",
    "http://localhost:5432/",
]
#: Links that are no web page: refused by the declared shape of links and sources
#: (registry.validators), never stored.
NOT_WEB = ["file:///etc/passwd", "gopher://127.0.0.1:25/", "javascript:alert(1)"]
HTTP_CLIENTS = {
    "requests",
    "httpx",
    "urllib3",
    "aiohttp",
    "pycurl",
    "http.client",
    "urllib.request",
}


@pytest.fixture
def no_network(monkeypatch):
    """Any outgoing connection (other than the test database's) fails the test."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family == socket.AF_UNIX:
            return real_connect(self, address)
        host, port = address[0], address[1]
        if (host, port) in {("127.0.0.1", 5432), ("localhost", 5432), ("::1", 5432)}:
            return real_connect(self, address)
        attempts.append(address)
        raise OSError(f"test: outgoing connection to {address} refused")

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"test: outgoing connection to {address} refused")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts


def test_api7_links_that_are_no_web_page_are_refused(world, no_network):
    for url in NOT_WEB:
        for field in ("links", "sources"):
            before = Actor.objects.count()
            refused = world.client.post(
                "/api/actors/",
                {
                    "kind": "organization",
                    "category": "association",
                    "name": "Alpha Liens",
                    "territory": world.inside.commune.pk,
                    field: [{"url": url}],
                },
                format="json",
            )
            assert refused.status_code == 422, (url, refused.content)
            assert [e["field"] for e in refused.json()["errors"]] == [field]
            assert Actor.objects.count() == before
    assert no_network == []


def test_api7_links_and_sources_are_stored_never_fetched(world, no_network):
    created = world.client.post(
        "/api/actors/",
        {
            "kind": "organization",
            "category": "association",
            "name": "Alpha Liens",
            "territory": world.inside.commune.pk,
            "links": [{"url": url, "note": "internal"} for url in INTERNAL],
            "sources": [{"url": url} for url in INTERNAL],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    actor = Actor.objects.get(pk=created.json()["id"])
    assert [link["url"] for link in actor.links] == INTERNAL
    patched = world.client.patch(
        f"/api/bodies/{world.inside.body.pk}/",
        {"sources": [{"url": url} for url in INTERNAL]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert [s["url"] for s in Body.objects.get(pk=world.inside.body.pk).sources] == INTERNAL
    for url in every_get_url(world):
        response = world.client.get(url)
        assert response.status_code in (200, 202), url
    shown = world.client.get(f"/api/actors/{actor.pk}/").json()
    assert [link["url"] for link in shown["links"]] == INTERNAL
    assert no_network == [], f"the API tried to connect to {no_network}"


#: The one module that makes outgoing requests: webhook deliveries, behind the address check.
OUTBOUND = {"api/webhooks/sending.py"}


def test_api7_no_module_of_the_registry_imports_an_http_client():
    found = []
    for package in ("api", "registry", "graph"):
        for path in (ROOT / package).rglob("*.py"):
            if str(path.relative_to(ROOT)) in OUTBOUND:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for name in names:
                    if name in HTTP_CLIENTS or name.split(".")[0] in {
                        "requests",
                        "httpx",
                        "urllib3",
                        "aiohttp",
                        "pycurl",
                    }:
                        found.append(f"{path.relative_to(ROOT)}: {name}")
    assert not found, found
