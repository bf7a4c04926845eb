"""The wire contract in the schema: request bodies, headers and statuses as the server has them.

Bodies: every JSON write takes JSON only (a form is a 415), multipart only where a
file is uploaded; the committed schema says the same.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from rest_framework.test import APIClient

from api import headers
from api.models import ALL_SCOPES
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key
from tests.factories import (
    ActorFactory,
    BodyFactory,
    CollegeFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
)

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


# --- headers and statuses, over the real routes ------------------------------------------

DECLARED_RESPONSE = {h.name.lower(): h for h in headers.RESPONSE_HEADERS}
LONG_QUERY = "?q=" + "x" * 9000
STALE = '"not-the-etag"'


def _ref(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if not ref:
        return node
    kind, name = ref.removeprefix("#/components/").split("/")
    return schema["components"][kind][name]


def request_headers(schema: dict, operation: dict) -> set[str]:
    return {
        p["name"]
        for p in (_ref(schema, p) for p in operation.get("parameters", []))
        if p.get("in") == "header"
    }


def response_headers(schema: dict, response: dict) -> dict[str, dict]:
    return {name.lower(): _ref(schema, node) for name, node in response.get("headers", {}).items()}


@dataclass
class Wire:
    """Sends requests and compares each answer's headers and status with the schema."""

    schema: dict
    client: APIClient
    seen: set = field(default_factory=set)
    wrong: list = field(default_factory=list)

    def send(self, path: str, method: str, url: str, *, body=None, multipart=False, **extra):
        send = getattr(self.client, method)
        if multipart:
            response = send(url, body, format="multipart", **extra)
        elif method in ("post", "put", "patch"):
            response = send(url, body if body is not None else {}, format="json", **extra)
        else:
            response = send(url, **extra)
        self.check(path, method, response)
        return response

    def check(self, path: str, method: str, response) -> None:
        operation = self.schema["paths"][path][method]
        status = str(response.status_code)
        where = f"{method.upper()} {path} {status}"
        self.seen.add((path, method, status))
        declared = operation["responses"].get(status)
        if declared is None:
            self.wrong.append(f"{where}: status not declared ({response.content[:120]!r})")
            return
        declared_headers = response_headers(self.schema, declared)
        for name in DECLARED_RESPONSE:
            if name in response.headers and name not in declared_headers:
                self.wrong.append(f"{where}: answers {name} that the schema does not declare")
        for name, node in declared_headers.items():
            if node.get("required") and name not in response.headers:
                self.wrong.append(f"{where}: declared required {name} is missing")


def _world():
    region = territory_create(level="region", code="11", name="Île-de-France")
    commune = territory_create(
        level="commune", code="75056", name="Paris", parents=[(region, "administrative")]
    )
    person = ActorFactory(territory=commune)
    other = ActorFactory(territory=commune)
    body = BodyFactory(territory=commune)
    college = CollegeFactory(body=body)
    membership = MembershipFactory(actor=person, body=body, college=college)
    return {
        "territory": commune,
        "territories": commune.pk,
        "actors": person.pk,
        "bodies": body.pk,
        "colleges": college.pk,
        "memberships": membership.pk,
        "meetings": MeetingFactory(body=body).pk,
        "opinions": OpinionFactory(body=body).pk,
        "interactions": InteractionFactory(source=person, target_actor=other).pk,
        "other": other.pk,
    }


def url_of(path: str, world: dict, query: dict | None = None) -> str:
    """The path with its ids filled from the world: the first segment names the resource."""
    segments = path.strip("/").split("/")
    resource = segments[2] if segments[1] == "analysis" else segments[1]
    url = path.replace("{id}", str(world.get(resource, world["actors"]))).replace(
        "{job_id}", str(uuid.uuid4())
    )
    query = dict(query or {})
    if segments[1] in ("analysis", "export"):
        query.setdefault("territory", world["territories"])
    if path == "/api/analysis/paths":
        query |= {"from": world["actors"], "to": world["other"]}
    return url + ("?" + urlencode(query) if query else "")


def upload_body(path: str):
    """A small CSV for the two upload operations."""
    upload = io.BytesIO(b"name\nAnyone\n")
    upload.name = "rows.csv"
    return {"file": upload}


def _order(item) -> int:
    return ("get", "post", "put", "patch", "delete").index(item[1])


@pytest.fixture
def wire(db, schema) -> Wire:
    _api_key, key = make_key(scopes=ALL_SCOPES)
    return Wire(schema, client_for(key))


def every_operation(schema: dict):
    return sorted(operations(schema), key=_order)


def test_every_answer_has_the_headers_and_status_its_operation_declares(wire, schema):
    world = _world()
    for path, method, operation in every_operation(schema):
        url = url_of(path, world)
        declared = request_headers(schema, operation)
        multipart = (path, method) in UPLOADS
        body = upload_body(path) if multipart else None
        wire.send(path, method, url.split("?")[0] + LONG_QUERY)
        if method in ("put", "patch", "delete"):
            stale = wire.send(path, method, url, HTTP_IF_MATCH=STALE)
            assert "If-Match" in declared, f"{method.upper()} {path} does not declare If-Match"
            assert stale.status_code == 412, (path, method, stale.content)
        if "Idempotency-Key" in declared:
            key = f"k-{uuid.uuid4()}"
            first = wire.send(
                path, method, url, body=body, multipart=multipart, HTTP_IDEMPOTENCY_KEY=key
            )
            body = upload_body(path) if multipart else None
            again = wire.send(
                path, method, url, body=body, multipart=multipart, HTTP_IDEMPOTENCY_KEY=key
            )
            assert again.status_code == first.status_code
            replayed = again.headers.get("Idempotent-Replayed")
            assert replayed == ("true" if first.status_code < 300 else None), (path, again.content)
            too_long = "k" * (headers.IDEMPOTENCY_KEY.schema["maxLength"] + 1)
            refused = wire.send(path, method, url, body={}, HTTP_IDEMPOTENCY_KEY=too_long)
            assert refused.status_code == 400 and "Idempotency-Key" in refused.content.decode()
            continue
        body = upload_body(path) if multipart else None
        answer = wire.send(path, method, url, body=body, multipart=multipart)
        if method == "get" and "If-None-Match" in declared:
            assert answer.status_code == 200 and "ETag" in answer.headers, (path, answer.content)
            unchanged = wire.send(path, method, url, HTTP_IF_NONE_MATCH=answer["ETag"])
            assert unchanged.status_code == 304, (path, unchanged.content)
        elif method == "get" and answer.status_code == 200:
            assert "ETag" not in answer.headers, (
                f"GET {path} answers an ETag but takes no If-None-Match"
            )
        if method == "patch":
            assert answer.status_code == 200, (path, answer.content)
    assert not wire.wrong, "\n".join(wire.wrong)
    statuses = {status for _p, _m, status in wire.seen}
    assert {"200", "204", "304", "400", "409", "412", "414", "422"} <= statuses, statuses
