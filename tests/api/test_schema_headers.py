"""The wire contract in the schema: request bodies, headers and statuses as the server has them.

Bodies: every JSON write takes JSON only (a form is a 415), multipart only where a
file is uploaded; the committed schema says the same.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.factories import ActorFactory

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "openapi" / "schema.yaml"
METHODS = ("get", "put", "post", "delete", "patch")
#: The operations that upload a file: the only ones that read multipart/form-data.
UPLOADS = {
    ("/api/actors/import/", "post"),
    ("/api/bodies/{id}/members/import/", "post"),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


# --- bodies ----------------------------------------------------------------------------


def test_request_bodies_are_json_except_the_uploads(schema):
    wrong = {}
    for path, method, operation in operations(schema):
        body = operation.get("requestBody")
        if body is None:
            continue
        wanted = ["multipart/form-data"] if (path, method) in UPLOADS else ["application/json"]
        if sorted(body["content"]) != wanted:
            wrong[f"{method.upper()} {path}"] = sorted(body["content"])
    assert not wrong, f"request bodies not of the one media type they should have: {wrong}"
    uploads = {
        (path, method)
        for path, method, operation in operations(schema)
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    }
    assert uploads == UPLOADS


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_a_form_sent_to_a_json_write_is_415_and_writes_nothing(full_client, form):
    actor = ActorFactory(name="Avant")
    url = f"/api/actors/{actor.pk}/"
    if form == "multipart":
        response = full_client.patch(url, {"name": "Après"}, format="multipart")
    else:
        response = full_client.generic(
            "PATCH", url, "name=Apr%C3%A8s", content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 415, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "unsupported-media-type"
    actor.refresh_from_db()
    assert actor.name == "Avant"
    created = full_client.post(
        "/api/actors/", {"kind": "person", "category": "resident", "name": "X"}, format="multipart"
    )
    assert created.status_code == 415


@pytest.mark.django_db
def test_the_browsable_api_still_writes_through_its_raw_json_form(full_client):
    actor = ActorFactory(name="Avant")
    page = full_client.get(f"/api/actors/{actor.pk}/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    # The raw-data form offers JSON as its one media type; no HTML form posts a form body.
    assert 'name="_content"' in html
    assert re.findall(r"<option value=\"([^\"]+)\"", html) == ["application/json"]
    assert "multipart/form-data" not in html and "x-www-form-urlencoded" not in html
    changed = full_client.patch(f"/api/actors/{actor.pk}/", {"name": "Après"}, format="json")
    assert changed.status_code == 200
