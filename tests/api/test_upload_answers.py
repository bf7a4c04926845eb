"""The uploads and file exports answer what the committed schema declares.

``POST /api/actors/import/`` and ``POST /api/bodies/{id}/members/import/`` answer the
diff of the call they stand for plus what was read from the file, in a dry run and a
real run alike; the examples in the schema are such answers. The file exports declare
their media types. Checked with openapi-schema-validator against the committed schema.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openapi_schema_validator import OAS30Validator

from registry.models import Actor, Membership
from registry.services.territories import closure_rebuild
from tests.committed_schema import committed_schema
from tests.factories import ActorFactory, BodyFactory, MembershipFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

SCHEMA = committed_schema()
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _answer_schema(path: str, method: str, media_type: str = "application/json") -> dict:
    return SCHEMA["paths"][path][method]["responses"]["200"]["content"][media_type]


def assert_valid(instance, path: str, method: str) -> None:
    schema = {**_answer_schema(path, method)["schema"], "components": SCHEMA["components"]}
    errors = sorted(OAS30Validator(schema).iter_errors(instance), key=str)
    assert not errors, f"{method.upper()} {path}: {[e.message for e in errors]}"


def _file(text: str, name: str) -> dict:
    content = io.BytesIO(text.encode())
    content.name = name
    return {"file": content}


ACTORS = "scheme;identifier;name;kind;category;colour\nexternal;P-1;Jeanne;person;resident;blue\n"
MEMBERS = "name;role;kind;category\nJeanne Martin;president;person;resident\n"
IMPORTS = [
    ("/api/actors/import/", "post"),
    ("/api/bodies/{id}/members/import/", "post"),
]


@pytest.fixture
def body(db):
    territory = TerritoryFactory()
    closure_rebuild()
    body = BodyFactory(territory=territory)
    MembershipFactory(
        actor=ActorFactory(territory=territory), body=body, start_date=dt.date(2024, 1, 1)
    )
    return body


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
def test_the_actors_import_answers_its_declared_schema(full_client, dry_run):
    url = "/api/actors/import/" + ("?dry_run=true" if dry_run else "")
    response = full_client.post(url, _file(ACTORS, "actors.csv"))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["dry_run"] is dry_run and answer["ignored_columns"] == ["colour"]
    assert Actor.objects.filter(name="Jeanne").exists() is not dry_run
    assert_valid(answer, "/api/actors/import/", "post")


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
def test_the_members_import_answers_its_declared_schema(full_client, body, dry_run):
    url = f"/api/bodies/{body.pk}/members/import/" + ("?dry_run=true" if dry_run else "")
    response = full_client.post(url, {**_file(MEMBERS, "members.csv")})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["dry_run"] is dry_run and answer["rows"] == 1
    assert len(answer["created"]) == 1 and len(answer["ended"]) == 1
    assert Membership.objects.filter(body=body).count() == (1 if dry_run else 2)
    assert_valid(answer, "/api/bodies/{id}/members/import/", "post")


@pytest.mark.parametrize(("path", "method"), IMPORTS)
def test_the_declared_examples_are_a_dry_run_and_a_real_run_of_the_schema(path, method):
    examples = _answer_schema(path, method)["examples"]
    assert {example["value"]["dry_run"] for example in examples.values()} == {True, False}
    for example in examples.values():
        assert_valid(example["value"], path, method)


def test_an_import_row_error_points_at_the_uploaded_file(full_client, body):
    bad = "name;role;kind;category\nJeanne Martin;emperor;person;resident\n"
    response = full_client.post(f"/api/bodies/{body.pk}/members/import/", _file(bad, "m.csv"))
    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["pointer"] == "#/file" and "row 2" in error["field"], error


@pytest.mark.parametrize(
    ("path", "media_types"),
    [
        ("/api/bodies/{id}/members/", {"application/json", CSV, XLSX}),
        ("/api/territories/{id}/actors/", {CSV, XLSX}),
    ],
)
def test_the_file_exports_declare_their_media_types(path, media_types):
    content = SCHEMA["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(content) == media_types
    assert content[CSV]["schema"] == {"type": "string"}
    assert content[XLSX]["schema"] == {"type": "string", "format": "binary"}


def test_a_real_export_is_of_a_declared_media_type(full_client, body):
    for fmt, media_type in (("csv", CSV), ("xlsx", XLSX)):
        response = full_client.get(f"/api/bodies/{body.pk}/members/", {"format": fmt})
        assert response.status_code == 200
        assert response["Content-Type"].split(";")[0] == media_type
        assert "attachment" in response["Content-Disposition"]
