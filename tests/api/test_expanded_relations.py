"""``?expand=`` answers what the schema says: each expandable relation is a ``oneOf``.

The schema of every expandable field (``RegistrySerializer.expandable``) is its id
or the related object's brief form (``<Resource>Brief``), and a client generated
with openapi-python-client from the committed schema parses both answers: the id
of a plain read and the object of an expanded one.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import sys
from pathlib import Path

import pytest

from api.base import RegistrySerializer, brief_serializer
from api.id_schema import ID_SCHEMA
from api.urls import router
from registry.services.charters import charter_create
from tests.committed_schema import committed_schema
from tests.factories import (
    ActorFactory,
    BodyFactory,
    CollegeFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
    OrganizationFactory,
    TerritoryFactory,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = committed_schema()
COMPONENTS = SCHEMA["components"]["schemas"]


def _component(serializer_class) -> str:
    return serializer_class.__name__.removesuffix("Serializer")


def _expandable_resources():
    """(list URL, serializer class) of every registered resource with expandable fields."""
    for prefix, viewset, _basename in router.registry:
        serializer = viewset.serializer_class
        if issubclass(serializer, RegistrySerializer) and serializer.expandable:
            yield f"/api/{prefix}/", serializer


RESOURCES = list(_expandable_resources())


def test_every_resource_with_relations_is_walked():
    names = {serializer.__name__ for _url, serializer in RESOURCES}
    assert {"MembershipSerializer", "InteractionSerializer", "ActorSerializer"} <= names


@pytest.mark.parametrize(("url", "serializer"), RESOURCES, ids=[u for u, _s in RESOURCES])
def test_each_expandable_field_is_its_id_or_its_brief_object(url, serializer):
    properties = COMPONENTS[_component(serializer)]["properties"]
    for name, path in serializer.expandable.items():
        brief = _component(brief_serializer(path))
        one_of = properties[name].get("oneOf")
        assert one_of, f"{_component(serializer)}.{name}: no oneOf [id, {brief}]"
        assert one_of[0] == ID_SCHEMA, one_of
        assert one_of[1] == {"$ref": f"#/components/schemas/{brief}"}, one_of
        assert f"?expand={name}" in properties[name]["description"]
        brief_fields = set(COMPONENTS[brief]["properties"])
        assert brief_fields == set(import_serializer(path).Meta.brief_fields), brief


def import_serializer(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


# --- a generated client parses the answers ------------------------------------------------


@pytest.fixture(scope="module")
def client_models(client_generation, tmp_path_factory):
    """The models of the client generated from the committed schema (tests/api/client_generator.py)."""
    where = client_generation.copy_to(tmp_path_factory.mktemp("client"), "expand_client")
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module("expand_client.models")
    finally:
        sys.path.remove(str(where))
        for module in [m for m in sys.modules if m.split(".")[0] == "expand_client"]:
            del sys.modules[module]


@pytest.fixture
def world(db):
    territory = TerritoryFactory()
    host = OrganizationFactory(territory=territory)
    actor = ActorFactory(territory=territory)
    body = BodyFactory(territory=territory, host=host)
    college = CollegeFactory(body=body)
    MembershipFactory(
        actor=actor, body=body, college=college, on_behalf_of=host, start_date=dt.date(2024, 1, 1)
    )
    MeetingFactory(body=body)
    OpinionFactory(body=body)
    InteractionFactory(source=actor, target_actor=host, territory=territory)
    InteractionFactory(source=actor, target_actor=None, target_body=body, territory=territory)
    charter_create(territory=territory, name="Charte de la participation")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "serializer"), RESOURCES, ids=[u for u, _s in RESOURCES])
def test_a_generated_client_parses_plain_and_expanded_relations(
    client_models, full_client, world, url, serializer
):
    model = getattr(client_models, _component(serializer))
    names = list(serializer.expandable)
    plain = full_client.get(url).json()["results"]
    expanded = full_client.get(url, {"expand": ",".join(names)}).json()["results"]
    assert plain and expanded
    seen = set()
    for item, wide in zip(plain, expanded, strict=True):
        parsed, parsed_wide = model.from_dict(item), model.from_dict(wide)
        for name in names:
            if item[name] is None:
                continue
            brief = getattr(
                client_models, _component(brief_serializer(serializer.expandable[name]))
            )
            assert getattr(parsed, name) == item[name]  # the id, an int
            value = getattr(parsed_wide, name)
            assert isinstance(value, brief), f"{url}?expand={name}: {value!r}"
            assert value.id == item[name]
            assert value.to_dict() == wide[name]
            seen.add(name)
    assert seen, f"{url}: no relation to expand in the sample data"
