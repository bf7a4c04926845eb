"""API4:2023 Unrestricted Resource Consumption.

Every request is bounded: page size (1,000), change feed page (1,000), bulk items
(5,000), sync entries (20,000), upload (10 MB), request body
(``DATA_UPLOAD_MAX_MEMORY_SIZE``, 413 before anything parses it), query string (8 KB,
414), graph size per analysis (``ANALYSIS_MAX_NODES``: 413; above
``ANALYSIS_SYNC_MAX_NODES``: a background job), Popolo export size
(``POPOLO_MAX_RECORDS``: 413), radius and parameters. Requests are throttled per key on every
route (429 with ``Retry-After``), failed authentications per address, and the
counters live in the configured cache, so Redis shares them between workers.
"""

from __future__ import annotations

import io
import threading
import uuid

import orjson
import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.test import override_settings
from django.urls import reverse

from api.auth import KeyRateThrottle
from api.models import ALL_SCOPES
from api.urls import router
from registry import tracking
from registry.models import Actor, ChangeRecord, Territory, TerritoryLevel
from tests.api.conftest import client_for, make_key
from tests.security.conftest import assert_problem, every_get_url

pytestmark = pytest.mark.django_db

MAX_PAGE = 1000
REDIS_URL = "redis://127.0.0.1:6379/13"


# --- pages --------------------------------------------------------------------------


@pytest.fixture
def many_territories(db):
    rows = [
        Territory(level=TerritoryLevel.QUARTIER, code=f"Q{i:05d}", name=f"Quartier {i}")
        for i in range(MAX_PAGE + 5)
    ]
    tracking.bulk_create(rows)


@pytest.mark.django_db(transaction=True)  # PostgreSQL files changes in the feed at commit
def test_api4_pages_hold_at_most_1000_items_whatever_is_asked(many_territories, full_client):
    page = full_client.get("/api/territories/", {"limit": 100_000}).json()
    assert len(page["results"]) == MAX_PAGE and page["next"]
    cursor = full_client.get("/api/territories/", {"pagination": "cursor", "limit": 100_000})
    assert len(cursor.json()["results"]) == MAX_PAGE
    feed = full_client.get("/api/changes/", {"limit": 100_000}).json()
    assert len(feed["results"]) == MAX_PAGE and feed["has_more"]


@pytest.mark.parametrize("prefix", [p for p, _v, _b in router.registry])
def test_api4_every_list_route_caps_its_page_size(full_client, prefix):
    from rest_framework.settings import api_settings

    viewset = next(v for p, v, _b in router.registry if p == prefix)
    paginator_class = viewset.pagination_class or api_settings.DEFAULT_PAGINATION_CLASS
    assert paginator_class is not None, f"/api/{prefix}/ is not paginated"
    from api.pagination import MAX_PAGE_SIZE

    assert MAX_PAGE_SIZE == MAX_PAGE
    response = full_client.get(f"/api/{prefix}/", {"limit": 10**9})
    assert response.status_code == 200, response.content[:300]
    bad = full_client.get(f"/api/{prefix}/", {"limit": "-1"})
    assert bad.status_code in (200, 400)


def test_api4_many_ids_in_a_filter_are_answered_not_a_server_error(world):
    response = world.client.get("/api/actors/", {"id": list(range(1, 900))})
    assert response.status_code == 200, response.content[:300]


def test_api4_a_query_string_over_8_kb_is_414(world):
    response = world.client.get("/api/actors/", {"id": list(range(10**8, 10**8 + 900))})
    assert_problem(response, 414)


def test_api4_too_many_query_parameters_are_400_not_500(world):
    world.client.raise_request_exception = False
    response = world.client.get("/api/actors/?" + "&".join(f"x{i}=1" for i in range(1001)))
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "query",
    [
        {"fields": ",".join(f"f{i}" for i in range(5000))},
        {"expand": ",".join(["territory"] * 5000)},
        {"ordering": ",".join(["name"] * 5000)},
        {"q": "x" * 100_000},
    ],
)
def test_api4_oversized_parameters_are_refused_or_bounded(world, query):
    response = world.client.get("/api/actors/", query)
    assert response.status_code in (200, 400, 414), response.content[:300]


def test_api4_network_radius_is_bounded(world):
    url = reverse("analysis-actor-network", args=[world.inside.person.pk])
    body = assert_problem(world.client.get(url, {"radius": 100}), 400)
    assert body["errors"][0]["field"] == "radius"


# --- bulk, sync, uploads, bodies ------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/actors/bulk/", "/api/interactions/bulk/"])
def test_api4_bulk_calls_take_at_most_5000_items(world, url):
    before = ChangeRecord.objects.count()
    body = assert_problem(world.client.post(url, {"items": [{}] * 5001}, format="json"), 422)
    assert body["errors"][0]["field"] == "items"
    assert ChangeRecord.objects.count() == before


def test_api4_a_sync_takes_at_most_20000_members(world):
    before = ChangeRecord.objects.count()
    url = f"/api/bodies/{world.inside.body.pk}/members/"
    members = [{"actor": world.inside.person.pk}] * 20_001
    body = assert_problem(world.client.put(url, {"members": members}, format="json"), 422)
    assert body["errors"][0]["field"] == "members"
    assert ChangeRecord.objects.count() == before


def _upload(size: int) -> dict:
    f = io.BytesIO(b"name;kind;category\n" + b"x" * size)
    f.name = "acteurs.csv"
    return {"file": f}


def test_api4_an_upload_over_10_mb_is_refused(world):
    before = ChangeRecord.objects.count()
    response = world.client.post("/api/actors/import/", _upload(10 * 1024 * 1024 + 10))
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "file"
    assert_problem(world.client.post("/api/actors/import/", _upload(12 * 1024 * 1024)), 413)
    assert ChangeRecord.objects.count() == before


@pytest.mark.parametrize("idempotency", [None, "big-1"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/actors/bulk/"),
        ("put", "/api/bodies/{body}/members/"),
        ("post", "/api/actors/"),
        ("patch", "/api/actors/{actor}/"),
    ],
)
def test_api4_a_body_over_the_limit_is_413_before_it_is_parsed(world, method, url, idempotency):
    url = url.format(body=world.inside.body.pk, actor=world.inside.person.pk)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    payload = orjson.dumps({"items": [], "members": [], "name": "x" * (limit + 1)})
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency} if idempotency else {}
    before = ChangeRecord.objects.count()
    response = world.client.generic(
        method.upper(), url, payload, content_type="application/json", **headers
    )
    body = assert_problem(response, 413)
    assert body["code"] == "payload-too-large"
    assert ChangeRecord.objects.count() == before
    # Just under the limit is parsed (and judged on its content).
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=len(payload)):
        response = world.client.generic(
            method.upper(), url, payload, content_type="application/json"
        )
    assert response.status_code != 413


def test_api4_the_body_limit_applies_to_anonymous_requests_too(anon_client):
    payload = b"{" + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b"}"
    response = anon_client.generic("POST", "/api/actors/", payload, content_type="application/json")
    assert_problem(response, 413)


# --- graph size per analysis --------------------------------------------------------


ANALYSIS_URLS = [
    ("analysis-influence-map", None),
    ("analysis-interlocks", None),
    ("analysis-stakeholders", None),
    ("analysis-renewal", None),
    ("analysis-actor-network", "person"),
    ("analysis-body-renewal", "body"),
    ("analysis-body-recruitment", "body"),
]


def _analysis_url(world, name, obj):
    if obj is None:
        return reverse(name) + f"?territory={world.inside.dept.pk}"
    return reverse(name, args=[getattr(world.inside, obj).pk])


@pytest.mark.parametrize(("name", "obj"), ANALYSIS_URLS)
def test_api4_an_analysis_over_the_graph_bound_is_413(world, name, obj):
    bounds = {**settings.REGISTRY_ANALYSIS, "MAX_NODES": 1, "SYNC_MAX_NODES": 0}
    with override_settings(REGISTRY_ANALYSIS=bounds):
        body = assert_problem(world.client.get(_analysis_url(world, name, obj)), 413)
    assert "nodes" in body["detail"]


@pytest.mark.parametrize(("name", "obj"), ANALYSIS_URLS)
def test_api4_a_large_analysis_becomes_a_background_job(world, name, obj):
    bounds = {**settings.REGISTRY_ANALYSIS, "SYNC_MAX_NODES": 1}
    tasks = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(REGISTRY_ANALYSIS=bounds, TASKS=tasks):
        response = world.client.get(_analysis_url(world, name, obj))
    assert response.status_code == 202, response.content[:300]
    assert response["Location"].startswith("/api/analysis/jobs/")


def test_api4_a_popolo_export_over_its_bound_is_413(world, settings):
    url = reverse("popolo-export")
    settings.POPOLO_MAX_RECORDS = 3  # the inside branch holds 2 actors and 1 body
    assert world.client.get(url, {"territory": world.inside.dept.pk}).status_code == 200
    settings.POPOLO_MAX_RECORDS = 2
    body = assert_problem(world.client.get(url, {"territory": world.inside.dept.pk}), 413)
    assert "export the territories below it" in body["detail"]


# --- throttling ---------------------------------------------------------------------


@pytest.fixture
def rate_of_two(monkeypatch):
    """Two requests a minute per key (DRF binds the rates to the class at import)."""
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"key": "2/min"}}
    with override_settings(REST_FRAMEWORK=rest):
        monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "2/min"})
        caches["default"].clear()
        yield
        caches["default"].clear()


def assert_throttled(response) -> None:
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0


def test_api4_every_route_is_throttled_per_key(world, rate_of_two):
    for url in every_get_url(world):
        _key, secret = make_key(scopes=ALL_SCOPES, territory=world.inside.dept, name=url[:40])
        client = client_for(secret)
        assert [client.get(url).status_code in (200, 202) for _ in range(2)] == [True, True], url
        assert_throttled(client.get(url))


def test_api4_writes_share_the_keys_budget(world, rate_of_two):
    _key, secret = make_key(scopes=ALL_SCOPES)
    client = client_for(secret)
    assert client.get("/api/actors/").status_code == 200
    assert client.post("/api/actors/bulk/", {"items": []}, format="json").status_code == 200
    before = Actor.objects.count()
    assert_throttled(
        client.post(
            "/api/actors/", {"kind": "person", "category": "resident", "name": "X"}, format="json"
        )
    )
    assert Actor.objects.count() == before


@pytest.mark.parametrize("credentials", ["Api-Key zzzzzzzz.wrong", "Api-Key expired"])
def test_api4_failed_authentications_are_throttled_per_address(world, settings, credentials):
    settings.API_AUTH_FAILURE_RATE = "3/min"
    if credentials == "Api-Key expired":
        import datetime as dt

        from django.utils import timezone

        _k, secret = make_key(expiry_date=timezone.now() - dt.timedelta(days=1))
        credentials = f"Api-Key {secret}"
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=credentials)
    for _ in range(3):
        assert_problem(client.get("/api/actors/"), 401)
    assert_throttled(client.get("/api/actors/"))
    other = client_for(None)
    other.credentials(HTTP_AUTHORIZATION=credentials)
    other.defaults["REMOTE_ADDR"] = "10.0.0.9"
    assert_problem(other.get("/api/actors/"), 401)  # another address has its own budget
    assert world.client.get("/api/actors/").status_code == 200  # a valid key goes on


def _redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc.__class__.__name__}); CI runs it")


@pytest.mark.django_db(transaction=True)
def test_api4_throttle_counters_are_shared_between_workers_through_redis(monkeypatch):
    """Two workers (two clients, each on its own thread with its own Redis connection)
    count one key's requests together: the second gets the 429 and Retry-After."""
    _redis_or_skip()
    import redis

    prefix = f"owasp-{uuid.uuid4().hex[:8]}"
    redis_cache = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"key": "3/min"}}
    api_key, secret = make_key(scopes=ALL_SCOPES, name="shared")
    outcome: dict[str, list] = {}

    def worker(name: str, n: int) -> None:
        client = client_for(secret)  # a client of its own, on a thread of its own
        outcome[name] = []
        for _ in range(n):
            response = client.get("/api/territories/")
            outcome[name].append((response.status_code, response.get("Retry-After")))
        caches.close_all()
        connections.close_all()  # the thread's own database connection

    raw = redis.Redis.from_url(REDIS_URL)
    try:
        with override_settings(CACHES=redis_cache, REST_FRAMEWORK=rest):
            monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "3/min"})
            for name, n in (("worker-1", 2), ("worker-2", 2)):
                thread = threading.Thread(target=worker, args=(name, n))
                thread.start()
                thread.join(timeout=60)
            stored = [k.decode() for k in raw.keys(f"{prefix}:*")]
    finally:
        for key in raw.keys(f"{prefix}:*"):
            raw.delete(key)
    assert [s for s, _r in outcome["worker-1"]] == [200, 200]
    assert outcome["worker-2"][0][0] == 200
    status, retry_after = outcome["worker-2"][1]
    assert status == 429 and int(retry_after) > 0, outcome
    assert any(api_key.prefix in k for k in stored), stored
