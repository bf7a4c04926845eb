"""The wire contract in the schema: request bodies, headers and statuses as the server has them.

Bodies: every JSON write takes JSON only (a form is a 415), multipart only where a
file is uploaded; the committed schema says the same.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from api import headers
from api.models import ALL_SCOPES
from registry.services.charters import charter_create
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key
from tests.committed_schema import committed_schema
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
    return committed_schema()


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


def _world(client=None):
    """The objects the operations' ids name; with ``client``, also its key's webhook."""
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
        "charters": charter_create(
            territory=commune, name="Charte", valid_from=dt.date(2020, 1, 1)
        ).pk,
        **({"webhooks": _webhook(client)} if client else {}),
    }


def _webhook(client) -> int:
    """A webhook subscription of the client's key (a public receiver address)."""
    response = client.post(
        "/api/webhooks/", {"payload_url": "https://93.184.215.14/hooks"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


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
    world = _world(wire.client)
    for path, method, operation in every_operation(schema):
        url = url_of(path, world)
        declared = request_headers(schema, operation)
        multipart = (path, method) in UPLOADS
        body = upload_body(path) if multipart else None
        wire.send(path, method, url.split("?")[0] + LONG_QUERY)
        wire.send(path, method, url, HTTP_ACCEPT="application/x-unheard-of")  # 406
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
    assert {"200", "204", "304", "400", "406", "409", "412", "414", "422"} <= statuses, statuses


def test_every_operation_declares_what_no_key_throttling_and_a_lost_cache_answer(
    wire, schema, monkeypatch
):
    """401 (WWW-Authenticate) without a key, 429 (Retry-After) once over the key's rate,
    503 (Retry-After) with the cache down."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from api.auth import KeyRateThrottle

    world = _world(wire.client)
    anonymous = Wire(schema, APIClient())
    for path, method, _operation in every_operation(schema):
        anonymous.send(path, method, url_of(path, world))
    assert not anonymous.wrong, "\n".join(anonymous.wrong)
    assert "401" in {status for _p, _m, status in anonymous.seen}
    monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "1/min"})
    for path, method, _operation in every_operation(schema):
        wire.send(path, method, url_of(path, world))
    wire.client.raise_request_exception = False  # a 5xx is reported, which the client re-raises
    with mock.patch.object(KeyRateThrottle.cache, "get", side_effect=RedisConnectionError("x")):
        for path, method, _operation in every_operation(schema):
            if path != "/api/health/":
                wire.send(path, method, url_of(path, world))
    assert not wire.wrong, "\n".join(wire.wrong)
    statuses = {status for _p, _m, status in wire.seen}
    assert {"429", "503"} <= statuses


def test_the_statuses_of_particular_states_are_declared_where_they_happen(wire, schema, settings):
    world = _world(wire.client)
    territory = world["territory"]
    # 201: the new object's ETag and Location.
    created = wire.send(
        "/api/meetings/",
        "post",
        "/api/meetings/",
        body={"body": world["bodies"], "date": "2025-06-01"},
    )
    assert created.status_code == 201, created.content
    assert created["Location"].endswith(f"/api/meetings/{created.json()['id']}/")
    # 409: a row others depend on; 204 where nothing can protect it.
    for resource in ("territories", "actors", "colleges"):
        path = f"/api/{resource}/{{id}}/"
        assert wire.send(path, "delete", url_of(path, world)).status_code == 409
    # 413: a body over the bound, a Popolo export over its bound.
    big = {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    path = "/api/actors/{id}/"
    assert wire.send(path, "patch", url_of(path, world), body=big).status_code == 413
    settings.POPOLO_MAX_RECORDS = 0
    path = "/api/export/popolo"
    assert wire.send(path, "get", url_of(path, world)).status_code == 413
    # 202 with the job's Location, the job itself, and 413 over the analysis bound.
    analysis = settings.REGISTRY_ANALYSIS
    settings.REGISTRY_ANALYSIS = {**analysis, "SYNC_MAX_NODES": 0}
    path = "/api/analysis/influence-map"
    queued = wire.send(path, "get", url_of(path, world))
    assert queued.status_code == 202, queued.content
    job = wire.send("/api/analysis/jobs/{job_id}/", "get", queued["Location"])
    assert job.status_code == 200
    settings.REGISTRY_ANALYSIS = {**analysis, "MAX_NODES": 0}
    assert wire.send(path, "get", url_of(path, world)).status_code == 413
    settings.REGISTRY_ANALYSIS = analysis
    # 200 then 304 with the analysis cache's header.
    first = wire.send(path, "get", url_of(path, world))
    assert first.status_code == 200 and first["X-Analysis-Cache"] in ("hit", "miss")
    again = wire.send(path, "get", url_of(path, world), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["X-Analysis-Cache"] == "hit"
    # 410 on the routes of a merged actor, with Location.
    merged = ActorFactory(territory=territory)
    path = "/api/actors/{id}/merge/"
    done = wire.send(path, "post", f"/api/actors/{merged.pk}/merge/", body={"into": world["other"]})
    assert done.status_code == 200, done.content
    gone = {**world, "actors": merged.pk}
    for path, method, _operation in every_operation(schema):
        if method == "get" and path.startswith(("/api/actors/{id}", "/api/analysis/actors/")):
            answer = wire.send(path, method, url_of(path, gone))
            assert answer.status_code == 410, (path, answer.content)
    assert not wire.wrong, "\n".join(wire.wrong)


def test_a_retry_while_the_first_request_runs_is_409_with_retry_after(db, schema):
    """The idempotency layer's own 409, on each operation that honours Idempotency-Key."""
    from django.test import RequestFactory
    from django.utils import timezone

    from api.idempotency import _fingerprint
    from api.models import IdempotencyRecord

    api_key, key = make_key(scopes=ALL_SCOPES)
    wire = Wire(schema, client_for(key))
    world = _world(wire.client)
    honouring = [
        (path, method)
        for path, method, operation in every_operation(schema)
        if "Idempotency-Key" in request_headers(schema, operation)
    ]
    assert len(honouring) >= 4
    for path, method in honouring:
        url = url_of(path, world)
        running = RequestFactory().generic(method.upper(), url, b"{}", "application/json")
        IdempotencyRecord.objects.create(
            owner=f"key:{api_key.prefix}",
            key=f"busy {path}",
            fingerprint=_fingerprint(running),
            lease_until=timezone.now() + dt.timedelta(minutes=5),
        )
        answer = wire.send(path, method, url, body={}, HTTP_IDEMPOTENCY_KEY=f"busy {path}")
        assert answer.status_code == 409, (path, answer.content)
        assert int(answer["Retry-After"]) > 0
    assert not wire.wrong, "\n".join(wire.wrong)


def test_every_write_with_a_precondition_and_every_conditional_read_is_declared(schema):
    """If-Match on every PUT/PATCH/DELETE (all honour it), 412 exactly there; 304 exactly
    where If-None-Match is read; Idempotency-Key with the bounds the server enforces."""
    for path, method, operation in operations(schema):
        taken = request_headers(schema, operation)
        codes = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert ("If-Match" in taken) == (method in ("put", "patch", "delete")), where
        assert ("412" in codes) == ("If-Match" in taken), where
        assert ("304" in codes) == ("If-None-Match" in taken), where
        # Every analysis but the obligations check, which builds no graph and always
        # answers in the request (api.resources.analysis.obligations).
        queues = (
            path.startswith("/api/analysis/")
            and "/jobs/" not in path
            and path != "/api/analysis/obligations"
        )
        assert ("202" in codes) == queues, where
        if "Idempotency-Key" in taken:
            assert "409" in codes, where
    from api.idempotency import MAX_KEY_LENGTH, _key_error

    spec = next(
        p
        for _path, _method, operation in operations(schema)
        for p in operation.get("parameters", [])
        if p.get("name") == "Idempotency-Key"
    )["schema"]
    assert spec["maxLength"] == MAX_KEY_LENGTH and spec["minLength"] == 1
    pattern = re.compile(spec["pattern"])
    for candidate in ("a", "k" * MAX_KEY_LENGTH, " x ", "   ", "é", "a\x00b", "a\nb", ""):
        assert (pattern.fullmatch(candidate) is not None) == (_key_error(candidate) is None), repr(
            candidate
        )


# --- a generated client --------------------------------------------------------------------

CLIENT_CHECK = """
import importlib, inspect, json, pkgutil, sys
package = importlib.import_module("registry_client")
failed = []
for info in pkgutil.walk_packages(package.__path__, "registry_client."):
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed.append(f"{info.name}: {exc!r}")
missing = []
for module, wanted in json.loads(sys.argv[1]).items():
    try:
        taken = inspect.signature(importlib.import_module(module).sync_detailed).parameters
    except Exception as exc:
        missing.append(f"{module}: {exc!r}")
        continue
    missing += [f"{module}: no {name}" for name in wanted if name not in taken]
print(json.dumps({"failed": failed, "missing": missing}))
"""


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


@pytest.mark.skipif(
    importlib.util.find_spec("openapi_python_client") is None,
    reason="openapi-python-client is not installed (the `test` extras)",
)
def test_a_client_generated_from_the_schema_imports_and_takes_the_declared_headers(
    schema, client_generation, tmp_path
):
    client_generation.copy_to(tmp_path, "registry_client")
    assert "Warning" not in client_generation.output, client_generation.output
    wanted = {
        f"registry_client.api.{_snake(operation['tags'][0])}.{_snake(operation['operationId'])}": [
            _snake(name) for name in sorted(request_headers(schema, operation))
        ]
        for _path, _method, operation in operations(schema)
    }
    checked = subprocess.run(
        [sys.executable, "-c", CLIENT_CHECK, json.dumps(wanted)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stderr
    outcome = json.loads(checked.stdout)
    assert outcome == {"failed": [], "missing": []}, outcome
