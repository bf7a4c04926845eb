"""Ids of one type everywhere in the committed schema.

Every parameter and property that holds the id of a resource (found from the code:
the models' relations, the list filters on ids, the path ids) is the one integer id
type of ``api.id_schema``, in paths, query strings, bodies and answers. Where a
natural key is accepted as well, the id comes first in a ``oneOf`` and the other
branches are keys (the territory's ``level:code``, an actor identifier object, a
college name) or, in answers, the expanded object.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter

from api.filters import MultipleIdFilter
from api.id_schema import ID_SCHEMA, TERRITORY_REF_SCHEMA
from api.urls import router
from tests.committed_schema import committed_schema

SCHEMA = committed_schema()
#: A node of the analysis graphs (``api/resources/analysis/schemas/fields.py``, ``NodeId``):
#: ``a<id>`` for an actor, ``b<id>`` for a body, so a node-link answer's ends name either
#: kind. A key of the graph, declared once, not a second type of the database id.
NODE_ID_SCHEMA = {"type": "string", "pattern": "^[ab][0-9]+$"}
#: Where a territory is shown by its natural key alone, for display (no id to type).
TERRITORY_SHOWN_BY_KEY = {"InfluenceMapNode.territory", "RecruitmentCandidate.territory"}
#: What describes a schema without typing it.
NOTES = {"description", "nullable", "readOnly", "writeOnly", "title"}


def _code_id_names() -> set[str]:
    """The names of ids, from the code: model relations, id filters, ``id`` itself."""
    names = {"id", "pk"}
    for label in ("registry", "api"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if field.is_relation and field.concrete:
                    names |= {field.name, field.attname}
    for _prefix, viewset, _basename in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        for name, filter_ in getattr(filterset, "base_filters", {}).items():
            if isinstance(
                filter_, MultipleIdFilter | ModelChoiceFilter | ModelMultipleChoiceFilter
            ):
                names.add(name)
    # A change's ``user`` is shown by username: accounts are no API resource, no id is given.
    return names - {"user", "user_id"}


ID_NAMES = _code_id_names()


def _typed(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k not in NOTES}


def _places():
    """(where, name, schema) of every id parameter and property of the schema."""
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", ()):
                if parameter["name"] in ID_NAMES and parameter["in"] in ("path", "query"):
                    where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                    yield where, parameter["name"], parameter["schema"]
    for component, schema in SCHEMA["components"]["schemas"].items():
        for name, prop in (schema.get("properties") or {}).items():
            if component == "AnalysisJob" and name == "id":
                continue  # a job's id, a UUID: see test_a_job_id_is_a_string_in_...
            if name in ID_NAMES:
                yield f"{component}.{name}", name, prop


def _is_key(branch: dict) -> bool:
    """A natural key beside the id: a string (``level:code``, a college's name), an
    identifier object, or an expanded object in an answer."""
    return branch.get("type") in ("string", "object") or "$ref" in branch


def _problem(schema: dict) -> str | None:
    """Why ``schema`` is not an id of the one type, or None."""
    typed = _typed(schema)
    if typed.get("type") == "array":
        return _problem(typed["items"])
    if "oneOf" in typed:
        first, *others = typed["oneOf"]
        if _typed(first) != ID_SCHEMA:
            return f"the first branch of a oneOf must be the id {ID_SCHEMA}, not {first}"
        if not others or not all(_is_key(b) for b in others):
            return f"the other branches must be keys or expanded objects: {others}"
        return None
    if "allOf" in typed or "$ref" in typed:
        return None  # an embedded object (an export's actor, body...): no id
    if typed.get("type") == "string" and typed.get("format") == "uuid":
        return None  # a job's id: no database id
    if typed == NODE_ID_SCHEMA:
        return None
    if typed != ID_SCHEMA:
        return f"not the id type {ID_SCHEMA}: {typed}"
    return None


def test_the_walk_finds_ids_everywhere():
    places = list(_places())
    kinds = {where.split()[-2] if " " in where else "property" for where, _n, _s in places}
    assert {"path", "query", "property"} <= kinds
    assert len(places) > 150, "the walk lost most of the ids"


@pytest.mark.parametrize("name", sorted(ID_NAMES))
def test_each_id_has_one_type_everywhere(name):
    wrong = [
        f"{where}: {why}"
        for where, n, s in _places()
        if n == name and where not in TERRITORY_SHOWN_BY_KEY and (why := _problem(s))
    ]
    assert not wrong, "\n".join(wrong)


def test_every_integer_id_is_the_same_integer():
    shapes = set()
    for _where, _name, schema in _places():
        typed = _typed(schema)
        node = typed.get("items", typed) if typed.get("type") == "array" else typed
        node = node["oneOf"][0] if "oneOf" in node else node
        if node.get("type") == "integer":
            shapes.add(tuple(sorted(_typed(node).items())))
    assert shapes == {tuple(sorted(ID_SCHEMA.items()))}, shapes


def test_a_territory_reference_is_described_one_way():
    """The territory routes' path id and every ``territory`` parameter: its id, or its key."""
    seen = []
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", ()):
                is_path_id = path.startswith("/api/territories/{id}") and parameter["name"] == "id"
                if is_path_id or (parameter["in"] == "query" and parameter["name"] == "territory"):
                    seen.append(f"{method} {path} {parameter['name']}")
                    assert parameter["schema"] == TERRITORY_REF_SCHEMA, (path, parameter)
    assert any("territories/{id}" in s for s in seen) and any("territory" in s for s in seen)


def test_other_path_ids_are_integers():
    for path, item in SCHEMA["paths"].items():
        if path.startswith("/api/territories/{id}"):
            continue
        for operation in item.values():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "path" and parameter["name"] == "id":
                    assert parameter["schema"] == ID_SCHEMA, (path, parameter["schema"])


def test_a_job_id_is_a_string_in_its_path_and_its_answer():
    [parameter] = SCHEMA["paths"]["/api/analysis/jobs/{job_id}/"]["get"]["parameters"][:1]
    assert parameter["schema"]["type"] == "string"
    assert SCHEMA["components"]["schemas"]["AnalysisJob"]["properties"]["id"]["type"] == "string"
