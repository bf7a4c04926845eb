"""The explorer page (``/explore/``) as the server serves it, and the analysis it calls
with a staff session; the page in a real browser is tests/browser/test_explorer.py.

The staff cases use the hand-built world of tests/api/test_analysis.py (region R with
communes C and D, commune X elsewhere; C's graph has 6 nodes).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from api.explorer import MESSAGES, METRICS, ROLE_LABELS, page_config
from graph.influence import ROLES
from registry.models.staff import StaffTerritory
from tests.api.test_analysis import AS_OF, world  # noqa: F401 - the fixture
from tests.committed_schema import committed_schema

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "api" / "static" / "explorer"
FRONTEND = ROOT / "api" / "frontend"

#: Words that are the same in both languages.
SAME_IN_FRENCH = {"PageRank", "ok", "score"}


def config_of(response) -> dict:
    match = re.search(
        r'<script id="explorer-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page hands its configuration to the script as #explorer-config"
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_the_page_is_served_to_anyone_and_holds_no_data(client):
    response = client.get("/explore/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    page = response.content.decode()
    # Every file it loads is the service's own: no CDN, no web font.
    for url in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert url.startswith(("/", "#", "data:")), url
    config = config_of(response)
    assert config["staff"] is None
    assert config["urls"]["influence_map"] == "/api/analysis/influence-map"
    assert config["urls"]["actor_network"] == "/api/analysis/actors/{id}/network"
    assert config["urls"]["login"] == "/admin/login/?next=/explore/"


@pytest.mark.django_db
def test_the_page_follows_the_browser_language(client):
    english = client.get("/explore/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    french = client.get("/explore/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="fr">' in french.content.decode()
    assert "Explorateur des cartes d'influence" in french.content.decode()
    assert config_of(french)["lang"] == "fr"
    assert config_of(french)["messages"]["not_found"].startswith("Introuvable")
    assert config_of(french)["indicators"]["vacancy"] == "sièges vacants"
    assert dict(config_of(french)["categories"])["collectivity"] == "Collectivité"


@pytest.mark.django_db
def test_the_staff_name_is_given_to_the_page_of_a_staff_session():
    staff = get_user_model().objects.create_user("agent", password="x", is_staff=True)
    browser = Client()
    browser.force_login(staff)
    assert config_of(browser.get("/explore/"))["staff"] == {"name": "agent"}
    visitor = get_user_model().objects.create_user("visitor", password="x")
    browser.force_login(visitor)
    assert config_of(browser.get("/explore/"))["staff"] is None


def in_language(tables: dict, language: str) -> dict[str, str]:
    with translation.override(language):
        return {key: str(text) for key, text in tables.items()}


def test_every_sentence_of_the_page_is_translated_into_french():
    tables = {**MESSAGES, **METRICS, **ROLE_LABELS}
    english, french = in_language(tables, "en"), in_language(tables, "fr")
    missing = {
        key: text
        for key, text in english.items()
        if french[key] == text and text not in SAME_IN_FRENCH
    }
    assert missing == {}, "add them to registry/locale/fr/LC_MESSAGES/django.po (msgfmt)"


def test_placeholders_survive_the_translation():
    english, french = in_language(MESSAGES, "en"), in_language(MESSAGES, "fr")
    for key, text in english.items():
        placeholders = set(re.findall(r"\{\w+\}", text))
        assert set(re.findall(r"\{\w+\}", french[key])) == placeholders, key


def test_the_page_names_every_role_and_a_metric_of_each_node_attribute():
    assert set(ROLE_LABELS) == set(ROLES), "graph.influence.ROLES changed: label the roles"
    node = committed_schema()["components"]["schemas"]["InfluenceMapNode"]["properties"]
    assert set(METRICS) <= set(node), "a metric the panel shows is not a node attribute"


@pytest.mark.django_db
def test_the_page_config_holds_every_choice_in_the_request_language(rf):
    request = rf.get("/explore/")
    request.user = get_user_model()()
    with translation.override("fr"):
        config = page_config(request)
    assert config["lang"] == "fr"
    assert [code for code, _label in config["interaction_types"]][:2] == [
        "collaboration",
        "funding",
    ]
    assert dict(config["interaction_types"])["funding"] == "Financement"


def test_the_built_files_are_committed_with_the_licences_of_what_they_bundle():
    for name in ("explorer.js", "explorer.css", "LICENSES.txt"):
        assert (STATIC / name).is_file(), f"run `npm ci && npm run build` in {FRONTEND}"
    manifest = json.loads((FRONTEND / "package.json").read_text())
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    licences = (STATIC / "LICENSES.txt").read_text()
    for name, version in {**manifest["dependencies"], **manifest["devDependencies"]}.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
    for name, version in manifest["dependencies"].items():
        assert f"- {name} {version} (MIT)" in licences, name
    bundle = (STATIC / "explorer.js").read_text()
    # No address of another host that the script would fetch (the SVG namespace is a name).
    hosts = set(re.findall(r"https?://([A-Za-z0-9.-]+)", bundle)) - {"www.w3.org"}
    assert hosts <= {"www.sigmajs.org", "github.com"}, hosts


# --- the analysis with a staff session (the page's other way in) -------------------------


def staff_client(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def without_request_id(response) -> dict:
    """The problem, less what differs for any two requests (its id, the URL asked)."""
    body = orjson.loads(response.content)
    body.pop("request_id", None)
    body.pop("instance", None)
    return body


@pytest.mark.django_db
def test_a_staff_session_analyses_its_territory_and_nothing_beside_it(world):  # noqa: F811
    staff = get_user_model().objects.create_user("agent-c", password="x", is_staff=True)
    StaffTerritory.objects.create(user=staff, territory=world.c)
    browser = staff_client(staff)
    url = "/api/analysis/influence-map"
    own = browser.get(url, {"as_of": AS_OF})  # no territory: its own
    assert own.status_code == 200, own.content
    assert len(orjson.loads(own.content)["nodes"]) == 6
    below = browser.get(url, {"territory": world.q.pk, "as_of": AS_OF})
    assert below.status_code == 200
    beside = browser.get(url, {"territory": world.x.pk, "as_of": AS_OF})
    above = browser.get(url, {"territory": world.region.pk, "as_of": AS_OF})
    missing = browser.get(url, {"territory": 987654, "as_of": AS_OF})
    assert beside.status_code == above.status_code == missing.status_code == 404
    assert without_request_id(beside) == without_request_id(missing) == without_request_id(above)
    for route in ("/api/analysis/renewal", "/api/analysis/interlocks"):
        assert browser.get(route, {"as_of": AS_OF}).status_code == 200, route
        refused = browser.get(route, {"territory": world.x.pk, "as_of": AS_OF})
        assert without_request_id(refused) == without_request_id(
            browser.get(route, {"territory": 987654, "as_of": AS_OF})
        )
    outside_actor = browser.get(f"/api/analysis/actors/{world.x1.pk}/network", {"as_of": AS_OF})
    missing_actor = browser.get("/api/analysis/actors/987654/network", {"as_of": AS_OF})
    assert outside_actor.status_code == missing_actor.status_code == 404
    assert without_request_id(outside_actor) == without_request_id(missing_actor)


@pytest.mark.django_db
def test_an_unlimited_staff_session_analyses_any_territory_and_a_visitor_none(world):  # noqa: F811
    root = get_user_model().objects.create_superuser("root", password="x")
    browser = staff_client(root)
    for territory in (world.c, world.x, world.region):
        response = browser.get(
            "/api/analysis/influence-map", {"territory": territory.pk, "as_of": AS_OF}
        )
        assert response.status_code == 200, (territory, response.content)
    visitor = staff_client(get_user_model().objects.create_user("visitor", password="x"))
    refused = visitor.get("/api/analysis/influence-map", {"territory": world.c.pk})
    assert refused.status_code == 403
    assert "analysis" in orjson.loads(refused.content)["detail"]


def test_every_status_of_a_waiting_job_has_its_words():
    """The page said "(job READY)" in a French sentence: each status a job may have while
    the page polls it (not yet finished) is named in both languages."""
    from django_tasks.base import TaskResultStatus

    waiting = {status for status in TaskResultStatus} - {"SUCCESSFUL", "FAILED"}
    assert waiting, TaskResultStatus
    for status in waiting:
        assert f"job_{status}" in MESSAGES, status
    with translation.override("fr"):
        assert str(MESSAGES["job_READY"]) == "en attente"
