"""A client generated from the committed schema works unmodified (issue 12, part 5).

What an integrator does first: generate a Python client from ``openapi/schema.yaml`` with
openapi-python-client, then drive a scenario through it. Here the generator runs offline
(``--path``, no post hooks, so no ruff; once per test command, shared with the other
modules that need it: tests/api/client_generator.py), every generated module is imported, and the scenarios run against pytest-django's ``live_server`` with a real API
key, through the generated functions, models and header arguments only: no request is
built by hand. Every answer must parse into the generated model of its status, hold no
value the schema leaves untyped (no undeclared property, no ``additionalProperties: {}``
map, all the way down), and read back (``to_dict()``) as the JSON the server sent. The
live server's answers are also checked against the schema by tests/schema_validation/,
as the test client's are. The fixtures only check status and class, so that one untyped
field fails one test, not all of them.

``live_server`` makes these tests transactional (the server thread reads committed rows on
PostgreSQL; on SQLite in memory it shares the test's connection); each xdist worker starts
its own server on a free port.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
import sys
import uuid
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import attrs
import pytest

from api.models import ALL_SCOPES
from tests import schema_validation
from tests.api.conftest import make_key

SCHEMA = schema_validation.SCHEMA_PATH
PACKAGE = "registry_client"


# --- The generated package ---------------------------------------------------------------


@dataclass
class Generated:
    package: ModuleType
    modules: list[str]
    output: str

    def op(self, dotted: str) -> ModuleType:
        """An operation module, e.g. ``op("bodies.bodies_members_update")``."""
        return importlib.import_module(f"{PACKAGE}.api.{dotted}")

    def model(self, name: str) -> type:
        models = importlib.import_module(f"{PACKAGE}.models")
        found = getattr(models, name, None)
        assert found is not None, f"the generated client has no model {name!r}"
        return found


@pytest.fixture(scope="module")
def generated(client_generation, tmp_path_factory) -> Generated:
    """The client generated from the committed schema, importable as ``registry_client``."""
    where = client_generation.copy_to(tmp_path_factory.mktemp("generated-client"), PACKAGE)
    output = client_generation.output
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module(PACKAGE)
        modules = sorted(m.name for m in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."))
        yield Generated(package, modules, output)
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_the_generator_warns_about_nothing(generated):
    """``--fail-on-warning`` made the generation fail on any warning; nothing was skipped."""
    assert "Warning" not in generated.output, generated.output


def test_every_generated_module_imports(generated):
    assert len(generated.modules) > 100, generated.modules
    failures = {}
    for name in generated.modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - each failure is reported with its module
            failures[name] = f"{exc.__class__.__name__}: {exc}"
    assert not failures, (
        f"{len(failures)} of {len(generated.modules)} generated modules fail to import:\n"
        + "\n".join(f"  {name}: {error}" for name, error in failures.items())
    )


# --- Checks on every answer ----------------------------------------------------------------


def untyped(value: Any, where: str = "$", free: frozenset[str] = frozenset()) -> list[str]:
    """Where a parsed answer holds values the schema does not type: properties it does not
    declare, or the values of a map declared as ``additionalProperties: {}`` (anything).
    A map whose values the schema types (``additionalProperties: {type: integer}``, a
    counter by category) is typed. ``free``: names of properties the schema documents as
    free-form on purpose (a change's ``data``: the fields of whichever resource changed)."""
    found = []
    if attrs.has(type(value)):
        extra = getattr(value, "additional_properties", None) or {}
        if extra and _values_untyped(type(value)):
            found.append(f"{where} ({type(value).__name__}): {sorted(extra)}")
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties" and field.name not in free:
                found += untyped(getattr(value, field.name), f"{where}.{field.name}", free)
        for key, item in extra.items():
            found += untyped(item, f"{where}.{key}", free)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += untyped(item, f"{where}[{i}]", free)
    return found


def _values_untyped(cls: type) -> bool:
    """The generated model keeps undeclared properties as ``dict[str, Any]``; a typed map
    as ``dict[str, <type>]``."""
    annotation = attrs.fields_dict(cls)["additional_properties"].type
    return "Any" in str(annotation)


DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def comparable(value: Any) -> Any:
    """JSON with datetimes as values: ``Z`` and ``+00:00`` spell the same instant."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, str) and DATETIME.match(value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def parsed(
    response, model: type, status: int, *, typed: bool = True, free: frozenset[str] = frozenset()
) -> Any:
    """The answer's parsed model, checked: status, class, ``to_dict`` round trip, and with
    ``typed`` every value typed by the schema (the fixtures leave that to the tests, so
    that one untyped field fails one test, not all)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    value = response.parsed
    raw = json.loads(response.content)
    if isinstance(value, list):
        assert all(isinstance(item, model) for item in value), [type(i) for i in value]
        back = [item.to_dict() for item in value]
    else:
        assert isinstance(value, model), (
            f"status {status} parsed as {type(value).__name__}, expected {model.__name__}"
        )
        back = value.to_dict()
    if typed:
        loose = untyped(value, free=free)
        assert not loose, f"values the schema does not type: {loose}"
    assert comparable(back) == comparable(raw), "to_dict() differs from the JSON sent"
    return value


def problem(generated, response, status: int) -> Any:
    """A problem+json answer, parsed into the generated problem model."""
    assert response.headers["Content-Type"].startswith("application/problem+json")
    value = parsed(response, generated.model("Problem"), status)
    assert value.status == status
    assert value.request_id, "every problem carries the request_id (X-Request-ID)"
    assert value.request_id == response.headers["X-Request-ID"]
    return value


# --- A live server, a key, the generated client, a small world ----------------------------


@pytest.fixture
def api(generated, live_server):
    """An ``AuthenticatedClient`` of the generated package, sending a key with every scope;
    each live answer is checked against the schema as the test client's are."""
    _api_key, key = make_key(scopes=ALL_SCOPES, name="generated client")
    client_module = importlib.import_module(f"{PACKAGE}.client")
    return client_module.AuthenticatedClient(
        base_url=live_server.url,
        token=key,
        prefix="Api-Key",
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"response": [schema_validation.check_httpx_response]}},
    )


@dataclass
class World:
    region: Any
    commune: Any
    alice: Any
    bob: Any
    body: Any
    #: The creates' answers with the model each parses into, checked in full by a test.
    answers: list[tuple[Any, type]]


def code() -> str:
    return f"9{uuid.uuid4().int % 10**4:04d}"


@pytest.fixture
def world(generated, api) -> World:
    """A région, a commune in it, two residents and a body with a college, all made through
    the generated client."""
    g = generated
    answers = []

    def made(response, model):
        answers.append((response, model))
        return parsed(response, model, 201, typed=False)

    Territory, TerritoryRequest = g.model("Territory"), g.model("TerritoryRequest")
    create_territory = g.op("territories.territories_create").sync_detailed
    region = made(
        create_territory(
            client=api,
            body=TerritoryRequest(
                level=g.model("LevelEnum")("region"), code="98", name="Région d'essai"
            ),
        ),
        Territory,
    )
    commune = made(
        create_territory(
            client=api,
            body=TerritoryRequest(
                level=g.model("LevelEnum")("commune"),
                code=code(),
                name="Commune d'essai",
                parent_links=[
                    g.model("ParentLinkRequest")(
                        territory=region.id, kind=g.model("ParentLinkKindEnum")("administrative")
                    )
                ],
            ),
        ),
        Territory,
    )

    Actor, ActorRequest = g.model("Actor"), g.model("ActorRequest")
    create_actor = g.op("actors.actors_create").sync_detailed
    people = [
        made(
            create_actor(
                client=api,
                body=ActorRequest(
                    kind=g.model("ActorKindEnum")("person"),
                    category=g.model("CategoryEnum")("resident"),
                    name=name,
                    territory=commune.id,
                ),
            ),
            Actor,
        )
        for name in ("Alice Martin", "Bob Durand")
    ]
    Body, BodyRequest = g.model("Body"), g.model("BodyRequest")
    body = made(
        g.op("bodies.bodies_create").sync_detailed(
            client=api,
            body=BodyRequest(
                name="Conseil citoyen d'essai",
                body_type=g.model("BodyTypeEnum")("conseil_citoyen"),
                territory=commune.id,
                colleges=[
                    g.model("CollegeNestedRequest")(
                        name="Habitants",
                        seats=10,
                        selection_mode=g.model("SelectionModeEnum")("lot"),
                    )
                ],
            ),
        ),
        Body,
    )
    return World(region, commune, *people, body, answers)


# --- The scenarios --------------------------------------------------------------------------


def test_creates_answer_typed_objects(generated, api, world):
    for response, model in world.answers:
        parsed(response, model, 201)
    assert world.commune.key == f"commune:{world.commune.code}"
    assert world.alice.territory == world.commune.id
    assert world.body.territory == world.commune.id
    read = generated.op("actors.actors_retrieve").sync_detailed(world.alice.id, client=api)
    assert parsed(read, generated.model("Actor"), 200).name == "Alice Martin"
    assert read.headers["ETag"].startswith('"')


def test_member_sync_with_idempotency_key_and_if_match(generated, api, world):
    """Read the member list's ETag, sync with it and a key, replay the sync, then a stale
    ETag is refused with a 412 problem."""
    g = generated
    members = g.op("bodies.bodies_members_retrieve").sync_detailed
    sync = g.op("bodies.bodies_members_update").sync_detailed
    before = members(world.body.id, client=api)
    parsed(before, g.model("Membership"), 200)
    etag = before.headers["ETag"]

    Entry = g.model("MemberEntryRequest")
    payload = g.model("MembersSyncRequestRequest")(
        effective_date=dt.date(2026, 1, 1),
        members=[
            Entry(actor=world.alice.id, college="Habitants"),
            Entry(actor=world.bob.id, role=g.model("RoleEnum")("president")),
        ],
    )
    Result = g.model("MembersSyncResult")
    first = sync(world.body.id, client=api, body=payload, idempotency_key="night-1", if_match=etag)
    result = parsed(first, Result, 200)
    assert sorted(e.actor for e in result.created) == sorted([world.alice.id, world.bob.id])
    assert "Idempotent-Replayed" not in first.headers

    again = sync(world.body.id, client=api, body=payload, idempotency_key="night-1", if_match=etag)
    assert parsed(again, Result, 200).to_dict() == result.to_dict()
    assert again.headers["Idempotent-Replayed"] == "true"

    after = members(world.body.id, client=api)
    assert len(parsed(after, g.model("Membership"), 200)) == 2
    assert after.headers["ETag"] != etag
    stale = sync(world.body.id, client=api, body=payload, idempotency_key="night-2", if_match=etag)
    assert problem(g, stale, 412).code == "precondition-failed"


#: A change's ``data`` and ``previous`` hold the fields of whichever resource changed: the
#: schema documents them as free-form objects.
CHANGE_FREE_FORM = frozenset({"data", "previous"})


def test_change_feed_pages_through_every_write(generated, api, world):
    g = generated
    feed = g.op("changes.changes_retrieve").sync_detailed
    Feed = g.model("ChangeFeed")
    seen, cursor, pages = [], None, 0
    while True:
        kwargs = {"cursor": cursor} if cursor is not None else {}
        page = parsed(feed(client=api, limit=2, **kwargs), Feed, 200, free=CHANGE_FREE_FORM)
        assert len(page.results) <= 2
        seen += page.results
        pages += 1
        cursor = page.next_
        if not page.has_more:
            break
        assert pages < 50, "the feed never ends"
    created = {(c.type_, c.id) for c in seen if c.action.value == "create"}
    assert {
        ("territory", world.commune.id),
        ("actor", world.alice.id),
        ("body", world.body.id),
    } <= created, created
    assert pages >= 3
    made = [
        ("territory", world.region.id),
        ("territory", world.commune.id),
        ("actor", world.alice.id),
        ("actor", world.bob.id),
        ("body", world.body.id),
    ]
    order = [(c.type_, c.id) for c in seen if c.action.value == "create"]
    assert [order.index(m) for m in made] == sorted(order.index(m) for m in made), (
        "the feed gives the creates in the order they were committed"
    )
    assert len({c.position for c in seen}) == len(seen), "each change once (positions are opaque)"


def test_analyses_answer_typed_documents(generated, api, world):
    g = generated
    sync = g.op("bodies.bodies_members_update").sync_detailed
    Entry = g.model("MemberEntryRequest")
    done = sync(
        world.body.id,
        client=api,
        body=g.model("MembersSyncRequestRequest")(
            members=[Entry(actor=world.alice.id), Entry(actor=world.bob.id)]
        ),
    )
    parsed(done, g.model("MembersSyncResult"), 200)

    influence = g.op("analysis.analysis_influence_map").sync_detailed(
        client=api, territory=world.commune.key, seed=1
    )
    document = response_model(influence)
    parsed(influence, document, 200)
    renewal = g.op("analysis.analysis_body_renewal").sync_detailed(world.body.id, client=api)
    parsed(renewal, response_model(renewal), 200)
    pool = g.op("analysis.analysis_body_recruitment").sync_detailed(world.body.id, client=api)
    parsed(pool, response_model(pool), 200)


def response_model(response) -> type:
    """The model the generated client parsed a 200 into (the operation's own typing)."""
    assert response.status_code == 200, (response.status_code, response.content[:500])
    assert response.parsed is not None and attrs.has(type(response.parsed)), response.parsed
    return type(response.parsed)


def test_invalid_writes_answer_a_422_problem(generated, api, world):
    g = generated
    sync = g.op("bodies.bodies_members_update").sync_detailed
    Entry = g.model("MemberEntryRequest")
    refused = sync(
        world.body.id,
        client=api,
        body=g.model("MembersSyncRequestRequest")(
            members=[Entry(actor=world.alice.id), Entry(actor=10**9)]
        ),
    )
    body = problem(g, refused, 422)
    assert [e.pointer for e in body.errors] == ["#/members/1/actor"]
    nothing = g.op("bodies.bodies_members_retrieve").sync_detailed(world.body.id, client=api)
    assert parsed(nothing, g.model("Membership"), 200) == []


def test_writes_take_natural_keys(generated, api, world):
    """A territory by its key (``commune:<code>``) and actors by an identifier
    (``{"scheme", "value"}``), in a create and in a member sync, as reads accept them."""
    g = generated
    scheme = g.model("SchemeEnum")("rna")
    host = parsed(
        g.op("actors.actors_create").sync_detailed(
            client=api,
            body=g.model("ActorRequest")(
                kind=g.model("ActorKindEnum")("organization"),
                category=g.model("CategoryEnum")("association"),
                name="Maison de quartier",
                territory=world.commune.key,
                identifiers=[g.model("IdentifierRequest")(scheme=scheme, value="W281000001")],
            ),
        ),
        g.model("Actor"),
        201,
    )
    assert host.territory == world.commune.id
    Key = g.model("IdentifierKeyRequest")
    body = parsed(
        g.op("bodies.bodies_create").sync_detailed(
            client=api,
            body=g.model("BodyRequest")(
                name="CCSPL d'essai",
                body_type=g.model("BodyTypeEnum")("ccspl"),
                territory=world.commune.key,
                host=Key(scheme=scheme, value="W281000001"),
            ),
        ),
        g.model("Body"),
        201,
    )
    assert (body.territory, body.host) == (world.commune.id, host.id)
    done = g.op("bodies.bodies_members_update").sync_detailed(
        body.id,
        client=api,
        body=g.model("MembersSyncRequestRequest")(
            members=[
                g.model("MemberEntryRequest")(
                    actor=world.alice.id, on_behalf_of=Key(scheme=scheme, value="W281000001")
                )
            ]
        ),
    )
    assert [e.actor for e in parsed(done, g.model("MembersSyncResult"), 200).created] == [
        world.alice.id
    ]
    members = g.op("bodies.bodies_members_retrieve").sync_detailed(body.id, client=api)
    assert [(m.actor, m.on_behalf_of) for m in parsed(members, g.model("Membership"), 200)] == [
        (world.alice.id, host.id)
    ]


# --- The README's example -------------------------------------------------------------------

README = schema_validation.ROOT / "README.md"
EXAMPLE_HOST = "https://registry.example.org"


def readme_example() -> str:
    """The Python block of the README's "Generate a client" section."""
    section = README.read_text(encoding="utf-8").split("### Generate a client", 1)[1]
    section = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]  # up to the next heading
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the README's client section has one Python example"
    return blocks[0]


def test_the_readme_example_runs_as_written(generated, api, world, live_server, capsys):
    code = readme_example()
    assert EXAMPLE_HOST in code
    namespace = {"KEY": api.token, "BODY_ID": world.body.id, "ACTOR_ID": world.alice.id}
    exec(compile(code.replace(EXAMPLE_HOST, live_server.url), str(README), "exec"), namespace)
    assert capsys.readouterr().out == "1 new members\n"
    assert namespace["answer"].status_code == 200


def test_recruitment_without_personal_data_and_the_evolution_parse(generated, api, world):
    """The issue-14 routes as a generated client reads them: a recruitment pool for a key
    without the ``personal_data`` scope (a person's ``contact`` null), and an evolution
    (three dates: snapshots, changes) of the commune."""
    g = generated
    client_module = importlib.import_module(f"{PACKAGE}.client")
    _api_key, key = make_key(scopes=("read", "analysis"), name="generated, no personal data")
    plain = client_module.AuthenticatedClient(
        base_url=api._base_url,
        token=key,
        prefix="Api-Key",
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"response": [schema_validation.check_httpx_response]}},
    )
    pool = g.op("analysis.analysis_body_recruitment").sync_detailed(world.body.id, client=plain)
    document = parsed(pool, response_model(pool), 200)
    assert document.personal_data is False
    people = [c for c in json.loads(pool.content)["candidates"] if c["kind"] == "person"]
    assert people and all(c["contact"] is None for c in people)
    evolution = g.op("analysis.analysis_evolution").sync_detailed(
        client=api, territory=world.commune.key, from_=dt.date(2025, 1, 1), to=dt.date(2026, 6, 1),
        step=g.model("AnalysisEvolutionStep").QUARTER,
    )  # fmt: skip
    document = parsed(evolution, response_model(evolution), 200)
    assert len(document.dates) == len(document.snapshots) == 7
