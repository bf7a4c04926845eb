"""One problem shape, whatever path made the problem.

Walks many error-producing requests: a bad value for every typed query parameter
of every read the committed schema declares (lists, analyses, exports, the change
feed), bad bodies, bad headers, unknown URLs and objects, 405, 406, 413, 414, 415,
401, 403, 429, 503, idempotency refusals, a merged actor, Django's own 400/403/500
handlers. Each answer must be a problem with the members the schema's ``Problem``
marks required, ``request_id`` equal to the ``X-Request-ID`` response header, a
declared ``type``, and each field error located by exactly one of ``pointer``
(body), ``parameter`` (query string) or ``header``.
"""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import orjson
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import RequestFactory, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import problems
from api.auth import KeyRateThrottle
from api.models import IdempotencyRecord
from api.problems.catalogue import BY_CODE, PROBLEM_BASE
from registry.services.charters import charter_create
from registry.services.territories import closure_rebuild
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
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db

SCHEMA = committed_schema()
PROBLEM_SCHEMA = SCHEMA["components"]["schemas"]["Problem"]
PLACES = ("pointer", "parameter", "header")


def assert_problem_shape(response, status: int | None = None) -> dict:
    """The response is a problem of the one shape; returns its document."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"] == "application/problem+json", response.content[:200]
    body = orjson.loads(response.content)
    missing = set(PROBLEM_SCHEMA["required"]) - set(body)
    assert not missing, f"problem without {missing}: {body}"
    assert {"request_id", "instance"} <= set(PROBLEM_SCHEMA["required"])
    assert body["status"] == response.status_code, body
    assert body["request_id"] and body["request_id"] == response["X-Request-ID"], (
        body,
        response.get("X-Request-ID"),
    )
    assert body["code"] in BY_CODE, f"undeclared problem code: {body}"
    assert body["type"] == f"{PROBLEM_BASE}{body['code']}", body
    assert response.status_code in BY_CODE[body["code"]].statuses or body["code"].startswith(
        ("invalid-input", "bad-request")
    ), f"{body['code']} declared with {BY_CODE[body['code']].statuses}, got {body['status']}"
    for error in body.get("errors", ()):
        places = [p for p in PLACES if p in error]
        if error["field"] == "non_field_errors" and not places:
            continue
        assert len(places) == 1, f"a field error is located by one of {PLACES}: {error}"
    return body


def errors_at(body: dict, place: str) -> dict[str, dict]:
    return {e[place]: e for e in body.get("errors", ()) if place in e}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    territory = TerritoryFactory()
    closure_rebuild()  # "within the territory" reads the closure table
    actor = ActorFactory(territory=territory)
    body = BodyFactory(territory=territory)
    college = CollegeFactory(body=body)
    membership = MembershipFactory(actor=actor, body=body, start_date=dt.date(2020, 1, 1))
    return {
        "territories": territory.pk,
        "actors": actor.pk,
        "bodies": body.pk,
        "colleges": college.pk,
        "memberships": membership.pk,
        "meetings": MeetingFactory(body=body).pk,
        "opinions": OpinionFactory(body=body).pk,
        "interactions": InteractionFactory(source=actor, target_actor=ActorFactory()).pk,
        "charters": charter_create(
            territory=territory, name="Charte", valid_from=dt.date(2020, 1, 1)
        ).pk,
    }


# --- every typed query parameter of every read ------------------------------------------

#: Parameters no value of which is an error: free text, or ignored when unknown (DRF's
#: ``ordering`` drops unknown fields, as NetBox's does), or the renderer's ``format``.
FREE = {"q", "ordering", "search", "name", "format", "identifier", "external_id", "contains"}


def _bad_value(name: str, schema: dict) -> str | None:
    """A value of the parameter's declared type that the service must refuse."""
    items = schema.get("items") or {}
    if "enum" in schema or "enum" in items:
        return "__no_such_choice__"
    kind = items.get("type") if schema.get("type") == "array" else schema.get("type")
    fmt = items.get("format") if schema.get("type") == "array" else schema.get("format")
    if kind in ("integer", "number"):
        return "one"
    if kind == "boolean":
        return "maybe"
    if fmt == "date":
        return "2020-13-45"
    if fmt == "date-time":
        return "yesterday"
    if name in FREE:
        return None
    if name == "territory":
        return "nowhere"
    if name in ("fields", "expand"):
        return "no_such_field"
    if name == "cursor":
        return "not-a-cursor"
    return None


def _operations():
    for path, item in SCHEMA["paths"].items():
        operation = item.get("get")
        if operation is None or "{job_id}" in path or "{code}" in path:
            continue
        for parameter in operation.get("parameters", ()):
            if parameter["in"] != "query":
                continue
            bad = _bad_value(parameter["name"], parameter["schema"])
            if bad is not None:
                yield pytest.param(
                    path, operation, parameter["name"], bad, id=f"{path}?{parameter['name']}"
                )


#: A public address (a webhook to a private one is refused).
PUBLIC_URL = "https://93.184.215.14/hooks"


def _url(path: str, world: dict, client) -> str:
    match = re.match(r"/api/(?:analysis/)?(\w+)/\{id\}", path)
    if match:
        resource = match.group(1)
        if resource == "webhooks":  # the key's own: made with the client's key
            made = client.post("/api/webhooks/", {"payload_url": PUBLIC_URL}, format="json")
            assert made.status_code == 201, made.content
            world = {**world, "webhooks": made.json()["id"]}
        assert resource in world, f"no sample {resource} for {path}: add one to the world"
        path = path.replace("{id}", str(world[resource]))
    return path


def _valid_others(path: str, operation, name: str, world: dict) -> dict:
    """Good values of the operation's other required parameters, and of the territory of
    an analysis of a territory (not of one object: its territory is then optional)."""
    given = {}
    for parameter in operation.get("parameters", ()):
        other = parameter["name"]
        if parameter["in"] != "query" or other == name:
            continue
        if other == "territory" and "{id}" not in path:
            given[other] = world["territories"]
        elif parameter.get("required"):
            given[other] = world["actors"]
    return given


@pytest.mark.parametrize(("path", "operation", "name", "bad"), list(_operations()))
def test_a_bad_query_parameter_is_named_as_a_parameter(
    full_client, world, path, operation, name, bad
):
    query = {**_valid_others(path, operation, name, world), name: bad}
    response = full_client.get(_url(path, world, full_client), query)
    body = assert_problem_shape(response, 400)
    named = errors_at(body, "parameter")
    assert name in named, f"{name!r} not named as a parameter in {body.get('errors')}"
    assert not errors_at(body, "pointer"), f"a query parameter is no body pointer: {body}"
    assert named[name]["field"] == name


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.text(min_size=1, max_size=30))
def test_any_limit_is_a_page_or_a_parameter_problem(full_client, value):
    response = full_client.get("/api/actors/", {"limit": value})
    if response.status_code == 200:
        return
    body = assert_problem_shape(response, 400)
    assert set(errors_at(body, "parameter")) == {"limit"}, body


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(request_id=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80))
def test_the_request_id_a_proxy_sets_is_the_problems(full_client, request_id):
    response = full_client.get("/api/actors/?kind=alien", HTTP_X_REQUEST_ID=request_id)
    body = assert_problem_shape(response, 400)
    assert body["request_id"] == (request_id[:64] or body["request_id"])


# --- bodies and headers -----------------------------------------------------------------


def test_a_bad_body_field_is_a_pointer(full_client):
    response = full_client.post(
        "/api/actors/", {"name": "x", "kind": "person", "category": "alien"}, format="json"
    )
    body = assert_problem_shape(response, 422)
    assert errors_at(body, "pointer")["#/category"]["field"] == "category"
    assert not errors_at(body, "parameter")


def test_a_query_parameter_of_a_write_is_a_parameter(full_client, world):
    upload = SimpleUploadedFile("members.csv", b"name\nA\n", content_type="text/csv")
    response = full_client.post(
        f"/api/bodies/{world['bodies']}/members/import/?dry_run=perhaps",
        {"file": upload},
        format="multipart",
    )
    body = assert_problem_shape(response, 422)
    assert "dry_run" in errors_at(body, "parameter"), body
    assert "#/dry_run" not in errors_at(body, "pointer")


def test_a_body_field_named_like_a_parameter_stays_a_pointer(full_client):
    response = full_client.post(
        "/api/actors/?category=resident",
        {"name": "x", "kind": "person", "category": "alien"},
        format="json",
    )
    body = assert_problem_shape(response, 422)
    assert "#/category" in errors_at(body, "pointer"), body


@pytest.mark.parametrize("key", ["", "é" * 3, "k" * 201])
def test_a_bad_idempotency_key_names_the_header(full_client, key):
    response = full_client.post(
        "/api/actors/bulk/", {"items": []}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    body = assert_problem_shape(response, 400)
    assert body["code"] == "bad-idempotency-key"
    assert set(errors_at(body, "header")) == {"Idempotency-Key"}, body


def test_idempotency_refusals_carry_the_request_id(full_client):
    item = {
        "items": [
            {
                "identifier": {"scheme": "external", "value": "A1"},
                "name": "A",
                "kind": "organization",
                "category": "association",
            }
        ]
    }
    first = full_client.post("/api/actors/bulk/", item, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code < 300, first.content
    other = {
        "items": [
            {
                "identifier": {"scheme": "external", "value": "A1"},
                "name": "B",
                "kind": "organization",
                "category": "association",
            }
        ]
    }
    reused = full_client.post("/api/actors/bulk/", other, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert assert_problem_shape(reused, 422)["code"] == "idempotency-key-reused"
    record = IdempotencyRecord.objects.get(key="k1")
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        running=True, lease_until=timezone.now() + dt.timedelta(minutes=5)
    )
    running = full_client.post("/api/actors/bulk/", item, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert assert_problem_shape(running, 409)["code"] == "idempotency-key-in-use"
    assert int(running["Retry-After"]) > 0


def test_a_stale_if_match_is_a_412_problem(full_client, world):
    response = full_client.patch(
        f"/api/actors/{world['actors']}/", {"name": "y"}, format="json", HTTP_IF_MATCH='"stale"'
    )
    assert assert_problem_shape(response, 412)["code"] == "precondition-failed"


# --- statuses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code"),
    [
        pytest.param(
            "get",
            "/api/nope/",
            {},
            404,
            "not-found",
            marks=pytest.mark.no_schema_validation(reason="an unknown URL on purpose"),
        ),
        ("get", "/api/actors/987654/", {}, 404, "not-found"),
        pytest.param(
            "post",
            "/api/nope",
            {},
            404,
            "not-found",
            marks=pytest.mark.no_schema_validation(reason="an unknown URL on purpose"),
        ),
        pytest.param(
            "delete",
            "/api/actors/",
            {},
            405,
            "method-not-allowed",
            marks=pytest.mark.no_schema_validation(reason="a method the route does not have"),
        ),
        ("get", "/api/actors/", {"HTTP_ACCEPT": "application/xml"}, 406, "not-acceptable"),
        (
            "post",
            "/api/actors/",
            {"data": "name=x", "content_type": "text/plain"},
            415,
            "unsupported-media-type",
        ),
        (
            "post",
            "/api/actors/",
            {"data": '{"name":', "content_type": "application/json"},
            400,
            "bad-request",
        ),
        ("get", "/api/actors/?q=" + "x" * 9000, {}, 414, "uri-too-long"),
    ],
)
def test_every_status_is_a_problem_of_the_shape(full_client, method, url, kwargs, status, code):
    response = getattr(full_client, method)(url, **kwargs)
    assert assert_problem_shape(response, status)["code"] == code


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_payload_too_large_is_a_problem_of_the_shape(full_client):
    response = full_client.post("/api/actors/", {"name": "x" * 5000}, format="json")
    assert assert_problem_shape(response, 413)["code"] == "payload-too-large"


def test_not_authenticated_and_permission_denied(anon_client, api_client_factory):
    assert_problem_shape(anon_client.get("/api/actors/"), 401)
    reader = api_client_factory(scopes=("read",))
    assert_problem_shape(reader.post("/api/actors/", {"name": "x"}, format="json"), 403)


def test_throttled_is_a_problem_of_the_shape(monkeypatch):
    monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "1/min"})
    client = client_for(make_key(scopes=("read",))[1])
    client.get("/api/actors/")
    assert assert_problem_shape(client.get("/api/actors/"), 429)["code"] == "throttled"


def test_a_lost_database_is_a_503_problem_of_the_shape(full_client):
    full_client.raise_request_exception = False
    lost = OperationalError("server closed the connection unexpectedly")
    with mock.patch("api.resources.actors.ActorViewSet.list", side_effect=lost):
        response = full_client.get("/api/actors/")
    assert assert_problem_shape(response, 503)["code"] == "service-unavailable"


def test_a_merged_actor_is_a_410_problem_of_the_shape(full_client, world):
    survivor, merged_id = ActorFactory(), ActorFactory().pk
    merge = full_client.post(
        f"/api/actors/{merged_id}/merge/", {"into": survivor.pk}, format="json"
    )
    assert merge.status_code == 200, merge.content
    response = full_client.get(f"/api/actors/{merged_id}/")
    body = assert_problem_shape(response, 410)
    assert body["merged_into"] == survivor.pk


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (problems.handler400, 400),
        (problems.handler403, 403),
        (problems.handler404, 404),
        (problems.handler500, 500),
    ],
)
def test_django_handlers_made_before_any_middleware_carry_a_request_id(handler, status):
    # A request that no middleware saw (an error raised before the request id is set).
    request = RequestFactory().get("/api/actors/")
    response = handler(request) if handler is problems.handler500 else handler(request, None)
    assert assert_problem_shape(response, status)["request_id"] == request.request_id
    given = RequestFactory().get("/api/actors/", HTTP_X_REQUEST_ID="from-the-proxy")
    response = handler(given) if handler is problems.handler500 else handler(given, None)
    assert assert_problem_shape(response, status)["request_id"] == "from-the-proxy"


@pytest.mark.no_schema_validation(reason="an unknown URL on purpose")
def test_every_problem_type_answered_here_resolves(full_client, anon_client):
    for url in ("/api/nope/", "/api/actors/?kind=alien"):
        body = orjson.loads(full_client.get(url).content)
        assert anon_client.get(body["type"]).status_code == 200
