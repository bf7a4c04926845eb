"""What the schemathesis run (tests/fuzz) found, each case with the input it was found with."""

from __future__ import annotations

import datetime as dt
from functools import cache

import jsonschema
import orjson
import pytest
from django.core.cache import cache as django_cache
from rest_framework.test import APIClient

from api.models import ALL_SCOPES
from registry.models import ChangeRecord
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create
from tests.committed_schema import committed_schema

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@cache
def openapi() -> dict:
    return committed_schema()


def assert_conforms(instance, component: str) -> None:
    """``instance`` is valid against ``#/components/schemas/<component>`` of the committed schema."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": openapi()["components"]}
    jsonschema.validate(instance, _json_schema(schema))


def _json_schema(node):
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema says it (the type or null)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def operation(path: str, method: str = "get") -> dict:
    return openapi()["paths"][path][method]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == PROBLEM, response.content[:300]
    return orjson.loads(response.content)


@pytest.fixture
def key() -> str:
    return make_key(scopes=ALL_SCOPES)[1]


@pytest.fixture
def client(key) -> APIClient:
    django_cache.clear()
    return client_for(key)


@pytest.fixture
def network():
    """A commune, two persons and a body they both sit in."""
    commune = territory_create(level="commune", code="97101", name="Commune F")
    alice = actor_create(kind="person", category="resident", name="Alice", territory=commune)
    bruno = actor_create(kind="person", category="resident", name="Bruno", territory=commune)
    body = body_create(name="Conseil F", body_type="conseil_citoyen", territory=commune)
    for actor in (alice, bruno):
        membership_create(actor=actor, body=body, role="member", start_date=dt.date(2025, 1, 1))
    return {"commune": commune, "alice": alice, "bruno": bruno, "body": body}


# --- a write to an unknown URL under /api/ with a session cookie: HTML CSRF page -------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("put", "/api/bodies/null,null/members/"),
        ("post", "/api/actors/null,null/erase/"),
        ("delete", "/api/actors/%C2%84/"),
        ("patch", "/api/territories/%C2%84/"),
    ],
)
def test_a_write_to_an_unknown_api_url_with_a_session_cookie_is_a_404_problem(key, method, path):
    # Found as: curl -X PUT -H 'Cookie: sessionid=...' .../api/bodies/null%2Cnull/members/
    # Django's CSRF middleware answered its HTML 403 page before the /api/ catch-all.
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.cookies["sessionid"] = "fuzz"
    response = getattr(client, method)(path, {"reason": "0"}, format="json")
    assert_problem(response, 404)


# --- analysis ----------------------------------------------------------------------------


def test_the_actor_network_conforms_to_its_schema(client, network):
    # Found as: GET /api/analysis/actors/301/network: `nodes` and `facts` are the ego
    # network's lists, where the schema said counts (integers).
    response = client.get(f"/api/analysis/actors/{network['alice'].pk}/network")
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    schema = operation("/api/analysis/actors/{id}/network")["responses"]["200"]
    ref = schema["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert_conforms(doc, ref)
    assert {n["node"] for n in doc["nodes"]} == {
        f"a{network['alice'].pk}",
        f"b{network['body'].pk}",
    }


def test_an_unknown_format_is_a_400_naming_the_formats(client, network):
    # Found as: GET /api/analysis/influence-map?format=AAA: DRF's bare 404, undocumented.
    response = client.get(
        "/api/analysis/influence-map", {"format": "AAA", "territory": network["commune"].pk}
    )
    body = assert_problem(response, 400)
    [error] = body["errors"]
    assert error["field"] == "format"
    assert "gexf" in error["detail"] and "svg" in error["detail"]
    assert "400" in operation("/api/analysis/influence-map")["responses"]


def test_an_unknown_actor_in_an_analysis_is_a_documented_404(client, network):
    # Found as: GET /api/analysis/paths?from=0&territory=&to=0: 404, undocumented.
    response = client.get("/api/analysis/paths", {"from": 0, "to": 0, "territory": ""})
    assert_problem(response, 404)
    for path, item in openapi()["paths"].items():
        if path.startswith("/api/analysis/"):
            assert "404" in item["get"]["responses"], path


# --- lists -----------------------------------------------------------------------------------


def test_a_brief_list_conforms_to_the_schema(client, network):
    # Found as: GET /api/territories/?brief=true: the brief form lacks created_at (and the
    # other full-form fields), which the response schema required.
    response = client.get("/api/territories/", {"brief": "true"})
    assert response.status_code == 200
    results = orjson.loads(response.content)["results"]
    assert results and set(results[0]) == {"id", "url", "display", "key", "level", "code", "name"}
    for item in results:
        assert_conforms(item, "Territory")
    response = client.get("/api/actors/", {"fields": "name"})
    for item in orjson.loads(response.content)["results"]:
        assert_conforms(item, "Actor")


def test_an_integer_filter_refuses_a_fraction(client, network):
    # Found as: GET /api/actors/?urgency_min=0.5 answered 200; the integer column then
    # truncated 0.5 to 0, so actors of urgency 0 matched "at least 0.5".
    actor_create(kind="person", category="resident", name="Zéro", urgency=0)
    response = client.get("/api/actors/", {"urgency_min": "0.5"})
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == ["urgency_min"]
    response = client.get("/api/actors/", {"urgency_min": "1"})
    assert response.status_code == 200
    assert "Zéro" not in response.content.decode()
    assert client.get("/api/bodies/", {"seats_min": "2.5"}).status_code == 400


def test_an_empty_filter_is_documented_as_leaving_it_out(client, network):
    # Found as: GET /api/bodies/?updated_since= answered 200 (django-filter skips an empty
    # value, as an HTML filter form sends it), where the schema asked for a date-time.
    response = client.get("/api/bodies/", {"updated_since": ""})
    assert response.status_code == 200
    assert orjson.loads(response.content)["count"] == 1
    [parameter] = [
        p for p in operation("/api/bodies/")["parameters"] if p["name"] == "updated_since"
    ]
    assert parameter.get("allowEmptyValue") is True


def test_an_empty_query_parameter_is_the_same_as_leaving_it_out(client, network):
    # Found as: GET /api/bodies/1/members/?as_of= answered 200 (today's members), where the
    # schema asked for a date. The schema now says so for every optional query parameter
    # (allowEmptyValue); this holds it to that, on every read without a path parameter.
    ids = {
        "/api/bodies/{id}/": network["body"].pk,
        "/api/actors/{id}/": network["alice"].pk,
        "/api/analysis/actors/{id}/": network["alice"].pk,
        "/api/analysis/bodies/{id}/": network["body"].pk,
        "/api/territories/{id}/": network["commune"].pk,
    }
    checked = 0
    for template, item in openapi()["paths"].items():
        get = item.get("get")
        prefix = template.split("{id}")[0] + "{id}/"
        if get is None or ("{" in template and prefix not in ids):
            continue
        path = template.replace("{id}", str(ids.get(prefix, "")))
        absent = client.get(path).status_code
        for parameter in get.get("parameters", []):
            if parameter["in"] != "query" or parameter.get("required"):
                continue
            assert parameter.get("allowEmptyValue") is True, (path, parameter["name"])
            empty = client.get(path, {parameter["name"]: ""}).status_code
            assert empty == absent, (path, parameter["name"], empty, absent)
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/actors/", {"is_pseudonymised": "-58800"}),
        ("/api/bodies/", {"current": "-58800"}),
        ("/api/memberships/", {"current": "-58800"}),
        ("/api/opinions/", {"answered": "-58800"}),
    ],
)
def test_a_boolean_filter_refuses_what_is_not_a_boolean(client, network, path, params):
    # Found as: GET /api/bodies/?current=-58800 answered 200, unfiltered: Django's
    # NullBooleanSelect reads anything it does not know as "not given".
    body = assert_problem(client.get(path, params), 400)
    assert [e["field"] for e in body["errors"]] == list(params)


def test_a_boolean_filter_takes_1_and_0(client, network):
    # ``?current=1`` was silently ignored too (NullBooleanSelect knows "2" and "3", not 1/0).
    ended = body_create(
        name="Conseil dissous",
        body_type="conseil_citoyen",
        territory=network["commune"],
        status="dissolved",
        dissolution_date=dt.date(2020, 1, 1),
    )
    ids = {
        value: {
            r["id"]
            for r in orjson.loads(client.get("/api/bodies/", {"current": value}).content)["results"]
        }
        for value in ("1", "true", "0", "False")
    }
    assert ids["1"] == ids["true"] == {network["body"].pk}
    assert ids["0"] == ids["False"] == {ended.pk}


def test_an_id_beyond_64_bits_is_a_400_not_a_500(client, network):
    # Found as: GET /api/meetings/?date_after=&fields=M&attendee=23127&attendee=321366825949223087331344384:
    # OverflowError from SQLite (a 500) on the id list.
    response = client.get("/api/meetings/", {"attendee": ["23127", "321366825949223087331344384"]})
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == ["attendee"]
    assert_problem(client.get("/api/actors/", {"id": str(2**63)}), 400)
    assert client.get("/api/actors/", {"id": str(2**63 - 1)}).status_code == 200


def test_a_list_with_updated_since_and_an_unknown_parameter_is_not_a_500(client, network):
    # Found as: GET /api/meetings/?updated_since=2000-01-01T00:00:00Z&x-schemathesis-unknown-property=42
    # (also /api/opinions/, /api/interactions/?weight_min=0&...): TypeError in the count
    # shortcut of api/pagination.py (a model instance taken for a row dict).
    for path in ("/api/meetings/", "/api/opinions/", "/api/interactions/"):
        response = client.get(
            path, {"updated_since": "2000-01-01T00:00:00Z", "x-schemathesis-unknown-property": 42}
        )
        assert response.status_code == 200, (path, response.content[:300])


# --- history, brief, pagination (api/base.py, api/pagination.py) -------------------------


def test_history_conforms_to_the_schema(client, network):
    # Found as: GET /api/territories/66/history/: "user": null, the schema says string.
    response = client.get(f"/api/territories/{network['commune'].pk}/history/")
    assert response.status_code == 200
    for record in orjson.loads(response.content)["results"]:
        assert_conforms(record, "ChangeRecord")


def test_brief_must_be_a_boolean(client, network):
    # Found as: GET /api/actors/430/?expand=&brief=0.3142149456390009 answered 200.
    response = client.get(f"/api/actors/{network['alice'].pk}/", {"brief": "0.3142149456390009"})
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == ["brief"]


def test_an_unknown_pagination_is_a_400(client, network):
    # Found as: GET /api/actors/?pagination=AAA answered 200.
    response = client.get("/api/actors/", {"pagination": "AAA"})
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == ["pagination"]


@pytest.mark.parametrize("params", [{"offset": "-1"}, {"limit": "0"}, {"limit": "abc"}])
def test_an_out_of_range_limit_or_offset_is_a_400(client, network, params):
    # Found as: GET /api/territories/?offset=-1 answered 200 (the first page).
    response = client.get("/api/actors/", params)
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == list(params)


def test_a_malformed_cursor_is_a_400(client, network):
    # Found as: GET /api/interactions/?cursor=G%F4%8A%8D...&limit=105 answered 404.
    response = client.get("/api/interactions/", {"cursor": "G\U0010a34b\xff", "limit": 105})
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == ["cursor"]


def test_a_nul_character_in_a_members_sync_is_a_422_not_a_500(client, network):
    # Found on PostgreSQL as: PUT /api/bodies/18/members/?dry_run=false with a member
    # {"identifier": {"scheme": "\u001d...", "value": "\u000b\u00de\u0000..."}, ...}:
    # DataError "PostgreSQL text fields cannot contain NUL (0x00) bytes" from the
    # identifier lookup (a 500). SQLite stored it; now both refuse it, naming the field.
    url = f"/api/bodies/{network['body'].pk}/members/"
    members = [
        {"identifier": {"scheme": "rna", "value": "\u000b\u00de\u0000W1"}, "role": "member"},
        {"actor": network["alice"].pk, "external_id": "a\u0000b"},
        {"new_actor": {"kind": "person", "category": "resident", "name": "N\u0000l"}},
    ]
    for dry_run in ("true", "false"):
        response = client.put(
            f"{url}?dry_run={dry_run}",
            {"effective_date": "2026-01-01", "members": members},
            format="json",
        )
        body = assert_problem(response, 422)
        assert {e["field"] for e in body["errors"]} == {
            "members.0.identifier.value",
            "members.1.external_id",
            "members.2.new_actor.name",
        }


@pytest.mark.parametrize(
    "path", ["/api/actors/bulk/", "/api/interactions/bulk/", "/api/bodies/{body}/members/"]
)
def test_a_dry_run_that_is_not_a_boolean_is_refused_and_writes_nothing(client, network, path):
    # Found as: POST /api/actors/bulk/?dry_run=-7752579747 answered 200, as a real run:
    # anything but true/1 was read as false, so ?dry_run=yes wrote.
    url = path.format(body=network["body"].pk)
    before = ChangeRecord.objects.count()
    payload = {"effective_date": "2026-01-01", "members": []} if "members" in url else {"items": []}
    for value in ("-7752579747", "yes"):
        send = client.put if "members" in url else client.post
        body = assert_problem(send(f"{url}?dry_run={value}", payload, format="json"), 422)
        assert [e["field"] for e in body["errors"]] == ["dry_run"]
    assert ChangeRecord.objects.count() == before


def test_an_unknown_territory_in_the_popolo_export_is_a_documented_404(client, network):
    # Found as: GET /api/export/popolo?territory=F%C2%8BS%C3%80%3A...&as_of=%C3%95: 404,
    # undocumented.
    response = client.get("/api/export/popolo", {"territory": "commune:00000"})
    assert_problem(response, 404)
    assert "404" in operation("/api/export/popolo")["responses"]


def test_the_size_limits_are_documented(client, network):
    # Found as: GET /api/memberships/?external_id=o&ordering=%C3%AD&college=...(9 KB): 414,
    # undocumented (the request size limits of api/auth.py: 414 on every route, 413 on
    # bodies).
    response = client.get("/api/memberships/", {"college": ["x" * 100] * 90})
    assert_problem(response, 414)
    for path, item in openapi()["paths"].items():
        for method, op in item.items():
            # The health check authenticates nothing, so it checks no request size either.
            assert "414" in op["responses"] or path == "/api/health/", (method, path)
            if method in ("post", "put", "patch"):
                assert "413" in op["responses"], (method, path)


def test_a_date_time_with_an_offset_postgresql_refuses_is_not_a_500(client, network):
    # Found on PostgreSQL as: GET /api/meetings/?updated_since=3071-02-22T17:41:41.09-18:30
    # and GET /api/actors/?created_since=0180-07-12T16:46:53.122-21:09&kind=person:
    # DataError "time zone displacement out of range" (PostgreSQL takes offsets up to
    # ±15:59, Python up to ±23:59), a 500. Date-times now reach the database in UTC.
    response = client.get("/api/meetings/", {"updated_since": "3071-02-22T17:41:41.09-18:30"})
    assert response.status_code == 200, response.content[:300]
    assert orjson.loads(response.content)["results"] == []
    response = client.get(
        "/api/actors/", {"created_since": "0180-07-12T16:46:53.122-21:09", "kind": "person"}
    )
    assert response.status_code == 200, response.content[:300]
    assert len(orjson.loads(response.content)["results"]) == 2
    # ...and one that UTC cannot hold is a 400, not an OverflowError.
    body = assert_problem(
        client.get("/api/bodies/", {"updated_since": "0001-01-01T00:00:00+05:00"}), 400
    )
    assert [e["field"] for e in body["errors"]] == ["updated_since"]


def test_an_analysis_date_in_year_1_is_a_400_not_a_500(client, network):
    # Found as: GET /api/analysis/bodies/13/renewal?as_of=0001-01-01&=true:
    # "ValueError: year 0 is out of range" in the renewal indicators (a 500).
    response = client.get(
        f"/api/analysis/bodies/{network['body'].pk}/renewal", {"as_of": "0001-01-01"}
    )
    body = assert_problem(response, 400)
    assert [e["field"] for e in body["errors"]] == ["as_of"]
    response = client.get(
        f"/api/analysis/bodies/{network['body'].pk}/renewal", {"as_of": "2026-11-01"}
    )
    assert response.status_code == 200, response.content[:300]


@pytest.mark.no_schema_validation(reason="OPTIONS is not an operation of the schema")
def test_options_of_the_problem_pages_in_html_is_not_a_500():
    # Found as: OPTIONS /api/problems/?format=html: the HTML renderer took the view's
    # metadata for a problem type ("KeyError: 'meaning'", a 500).
    from rest_framework.test import APIClient

    response = APIClient().options("/api/problems/", {"format": "html"})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
