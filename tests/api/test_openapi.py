"""The OpenAPI schema: committed and current, valid, documented, and served offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.committed_schema import committed_schema, load_yaml

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "openapi" / "schema.yaml"
REGENERATE = "DEBUG=true .venv/bin/python manage.py spectacular --file openapi/schema.yaml"
PROBLEM_REF = "#/components/schemas/Problem"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def generate(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", *args, file=str(out))
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema() -> dict:
    return committed_schema()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_committed_schema_is_current(tmp_path):
    generated = generate(tmp_path)
    assert generated == COMMITTED.read_text(encoding="utf-8"), (
        f"openapi/schema.yaml is stale: regenerate it with `{REGENERATE}` and commit it."
    )


def test_schema_validates_without_warnings(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning (an untyped field, a guessed
    # parameter) into an error; --validate checks the result against the OpenAPI spec.
    generate(tmp_path, "--validate", "--fail-on-warn")


def test_every_operation_is_described(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if not (operation.get("description") or operation.get("summary"))
    ]
    assert not missing, f"operations without description: {missing} (add extend_schema)"
    ids = [operation["operationId"] for _p, _m, operation in operations(schema)]
    assert len(ids) == len(set(ids))


def _resolved(schema: dict, node: dict) -> dict:
    """``node``, or the component its ``$ref`` names (the headers of api.headers are)."""
    ref = node.get("$ref")
    if not ref:
        return node
    kind, name = ref.removeprefix("#/components/").split("/")
    return schema["components"][kind][name]


def test_every_parameter_is_described(schema):
    missing = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, method, operation in operations(schema)
        for parameter in (_resolved(schema, p) for p in operation.get("parameters", []))
        if not parameter.get("description")
    ]
    assert not missing, f"parameters without description: {missing} (give the filter help_text)"


def _undescribed(node, where: str):
    if not isinstance(node, dict):
        return
    for name, prop in (node.get("properties") or {}).items():
        if not prop.get("description"):
            yield f"{where}.{name}"
        yield from _undescribed(prop, f"{where}.{name}")
    if "items" in node:
        yield from _undescribed(node["items"], f"{where}[]")
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key, []):
            yield from _undescribed(sub, where)


def test_every_schema_property_is_described(schema):
    missing = [
        where
        for name, component in schema["components"]["schemas"].items()
        for where in _undescribed(component, name)
    ]
    assert not missing, f"properties without description: {missing} (add help_text)"


#: Read without a key (the pages of the problem types: a client told 401 may read why).
PUBLIC_PATHS = ("/api/problems/",)


def test_error_responses_are_problem_documents(schema):
    problem = schema["components"]["schemas"]["Problem"]

    def is_problem(ref: str | None) -> bool:
        """The Problem document, or one that extends it (every property of Problem, the
        same required ones, and more: the 410 of a merged actor adds ``merged_into``)."""
        if ref == PROBLEM_REF:
            return True
        if not ref or not ref.startswith("#/components/schemas/"):
            return False
        other = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return set(problem["properties"]) <= set(other.get("properties", {})) and set(
            problem["required"]
        ) <= set(other.get("required", []))

    assert set(problem["required"]) >= {"type", "title", "status", "detail"}
    errors = problem["properties"]["errors"]["items"]["$ref"]
    field_error = schema["components"]["schemas"][errors.rsplit("/", 1)[1]]
    assert {"field", "pointer", "parameter", "header"} <= set(field_error["properties"])
    assert {"request_id", "instance"} <= set(problem["required"])
    wrong = []
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        # The health check takes no key and is not throttled (api.resources.health).
        expected = {"400", "503"} if path == "/api/health/" else {"400", "401", "403", "429"}
        if "{" in path or method != "get":
            expected.add("404")
        if method in ("post", "put", "patch"):
            expected |= {"415", "422"}
        if method in ("put", "patch", "delete"):
            expected.add("412")
        # 409 on a delete only where something can protect the row: test_schema_headers.
        if path.startswith(PUBLIC_PATHS):
            expected -= {"401", "403"}  # no key is read
        if path.startswith("/api/schema/"):
            continue
        if not expected <= codes:
            wrong.append(f"{method.upper()} {path}: missing {sorted(expected - codes)}")
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                content = response.get("content", {})
                ref = content.get("application/problem+json", {}).get("schema", {}).get("$ref")
                if not is_problem(ref) or set(content) != {"application/problem+json"}:
                    wrong.append(f"{method.upper()} {path} {code}: {content}")
    assert not wrong, "\n".join(wrong)


def test_api_key_security_scheme(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header" and scheme["name"] == "Authorization"
    assert "Api-Key" in scheme["description"]
    for path, method, operation in operations(schema):
        if path.startswith(("/api/schema/", *PUBLIC_PATHS)):
            continue
        assert {"ApiKeyAuth": []} in operation.get("security", []), f"{method} {path}"


def test_personal_data_is_documented_with_its_scope(schema):
    # Keys without the scope do not get the field; the schema still documents it.
    actor = schema["components"]["schemas"]["Actor"]["properties"]
    assert "scope" in actor["personal_data"]["description"]
    assert "email" in schema["components"]["schemas"]["PersonalData"]["properties"]


@pytest.mark.django_db
def test_schema_endpoint_serves_the_committed_schema(anon_client, schema):
    response = anon_client.get("/api/schema/")
    assert response.status_code == 200
    assert load_yaml(response.content) == schema
    as_json = anon_client.get("/api/schema/?format=json")
    assert as_json.status_code == 200 and as_json.json()["openapi"].startswith("3.")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_only_local_assets(anon_client, url):
    response = anon_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    external = re.findall(r"""(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)""", html)
    assert not external, f"{url} loads assets from the network: {external}"
    assert "cdn." not in html.lower()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']/static/([^"']+)""", html)
    assert assets, f"{url} references no static asset"
    for asset in assets:
        assert finders.find(asset), f"{asset} is not shipped in the static files"
    assert "/api/schema/" in html
