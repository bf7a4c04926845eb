"""The machinery of the browser tests: a live server on the seeded demo, one Chromium
driven by Playwright, pages that record their requests and console errors.

Why SQLite only (the tests are ``one_database``, and skipped on another database): the
server thread answers the browser on the test's own connection, inside the module's
transaction, so it sees the seeded data that is never committed. An in-memory SQLite
connection can be shared so (Django's own live server tests do it); a PostgreSQL
connection cannot survive the request cycle's ``close_old_connections`` inside a
transaction. The subject here is the page, not the database: the API it calls is
tested on both.

The screenshots go to ``$TEST_ARTIFACTS`` (default ``tests/artifacts/``, git-ignored):
they are looked at, not committed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.db import connection, connections
from django.test import Client
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

from registry.models import Actor, Territory
from registry.models.staff import StaffTerritory
from tests.api.conftest import make_key
from tests.conftest import seeded_demo

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None

CHROMIUM = os.environ.get("REGISTRY_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or Path(__file__).parent.parent / "artifacts")
PARIS = "commune:75056"
#: Exists in the demo, and lies beside Paris (out of reach of a key limited to Paris).
BESIDE_PARIS = "region:24"
#: The other end of the path test: Ville de Paris (found by name: ids depend on what the
#: worker's earlier test files created).
PATH_TO_NAME = "Ville de Paris"
#: Milliseconds the page may take to load and draw a map (the first one is computed).
LOAD_MS = 60_000
EXPECTED_REFUSAL = re.compile(
    r"Failed to load resource: the server responded with a status of (400|401|404) "
)


class _OneRequestAtATime(WSGIServer):
    """Django's plain WSGI server: its requests run one after the other, in the server's
    thread, on the connection it was handed (``LiveServerThread``'s override)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


class _ServerThread(LiveServerThread):
    server_class = _OneRequestAtATime


def _need_chromium() -> None:
    if Path(CHROMIUM).is_file():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    if os.environ.get("REGISTRY_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _api(key: str, url: str) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return json.loads(response.content)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The seeded demo, its keys and a staff account, served on a live server; what the
    API answers for Paris, to compare the page with."""
    if sync_playwright is None:
        pytest.fail("Playwright is missing: pip install -e '.[test]'")
    _need_chromium()
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        pytest.skip("the live server shares the test's in-memory SQLite connection")
    with seeded_demo(django_db_blocker):
        cache.clear()
        paris = Territory.objects.get(level="commune", code="75056")
        _unused, key = make_key(scopes=("read", "analysis"), name="explorer")
        _unused, paris_key = make_key(scopes=("read", "analysis"), territory=paris, name="paris")
        staff = get_user_model().objects.create_user("paris-staff", password="x", is_staff=True)
        StaffTerritory.objects.create(user=staff, territory=paris)
        browser_client = Client()
        browser_client.force_login(staff)
        facts = {
            "map": _api(key, f"/api/analysis/influence-map?territory={PARIS}"),
            "renewal": _api(key, f"/api/analysis/renewal?territory={PARIS}"),
        }
        source, _bodies = node_with_bodies(facts["map"])
        facts["path_to"] = f"a{Actor.objects.get(name=PATH_TO_NAME).pk}"
        facts["path"] = _api(
            key,
            f"/api/analysis/paths?from={source[1:]}&to={facts['path_to'][1:]}&territory={PARIS}",
        )
        connection.inc_thread_sharing()
        server = _ServerThread(
            "127.0.0.1",
            StaticFilesHandler,
            connections_override={"default": connections["default"]},
        )
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield {
                "url": f"http://127.0.0.1:{server.port}",
                "key": key,
                "paris_key": paris_key,
                "session": browser_client.cookies["sessionid"].value,
                **facts,
            }
        finally:
            server.terminate()
            connection.dec_thread_sharing()


@pytest.fixture(scope="module")
def browser(site):
    """One Chromium for the module.

    Playwright's synchronous API keeps an asyncio loop marked as running in this thread
    while it is started. Django then takes the thread for async code: it refuses its
    queries (``SynchronousOnlyOperation``) and hands it a context-local connection of
    its own (``asgiref.local``), which the in-memory database, locked by the module's
    transaction, refuses. Neither applies (one thread, synchronous code, which Playwright
    only suspends while it waits): the queries are allowed, and the thread keeps the
    test's connection.
    """
    own = connections["default"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            connections["default"] = own
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            yield browser
            browser.close()


class Page:
    """A page in a fresh context, with every request and console error it made."""

    def __init__(self, browser, site, *, locale: str = "en-GB", session: bool = False):
        self.site = site
        self.context = browser.new_context(
            locale=locale, viewport={"width": 1400, "height": 900}, accept_downloads=True
        )
        if session:
            self.context.add_cookies(
                [{"name": "sessionid", "value": site["session"], "url": site["url"]}]
            )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self.on_console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def on_console(self, message) -> None:
        # Chromium logs every 4xx answer to a fetch as an error: those are the page's
        # expected refusals (a missing territory, a bad key, a bad parameter). Anything else
        # counts.
        if message.type == "error" and not EXPECTED_REFUSAL.match(message.text):
            self.errors.append(message.text)

    def open(self, fragment: str = "", *, key: str | None = None):
        self.page.goto(f"{self.site['url']}/explore/{fragment}")
        if key is not None:
            self.page.fill("#api-key", key)
            self.page.click("#use-key")
        return self.page

    def wait_for_map(self, state: str = "ready"):
        self.page.wait_for_selector(
            f"#map[data-state='{state}']", state="attached", timeout=LOAD_MS
        )

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.site["url"]).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own
        ]


@pytest.fixture
def open_page(browser, site):
    """``open_page(locale=..., session=...)``: a page; afterwards, no request may have left
    the service and no console error may have been logged."""
    pages: list[Page] = []

    def factory(**kwargs) -> Page:
        pages.append(Page(browser, site, **kwargs))
        return pages[-1]

    yield factory
    for page in pages:
        page.context.close()
    # The server answers one request at a time: once it has answered this one, none of
    # the pages' is still running on the test's connection when the test is rolled back.
    urlopen(f"{site['url']}/static/explorer/LICENSES.txt", timeout=30).close()
    for page in pages:
        assert page.foreign_requests() == [], "the page made requests to another host"
        assert page.errors == [], "the page logged errors"


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def node_with_bodies(data: dict) -> tuple[str, list[str]]:
    """A person of the map who sits in two bodies or more, and those bodies' labels."""
    labels = {node["id"]: node["label"] for node in data["nodes"]}
    bodies: dict[str, set[str]] = {}
    for link in data["links"]:
        if any(fact.startswith("m") for fact in link["facts"]):
            actor, body = sorted((link["source"], link["target"]))  # "a…" before "b…"
            bodies.setdefault(actor, set()).add(labels[body])
    people = [
        node["id"]
        for node in data["nodes"]
        if node.get("actor_kind") == "person"
        and len(bodies.get(node["id"], ())) >= 2
        and sum(label == node["label"] for label in labels.values()) == 1
    ]
    assert people, "the demo has people in several bodies"
    chosen = people[0]
    return chosen, sorted(bodies[chosen])
