"""Natural keys in every JSON write: a territory as ``"level:code"``, an actor as an identifier.

Every reference of a write body to a territory or an actor (the list is derived from
the committed OpenAPI document: every request property named as a foreign key to a
territory or an actor, so a new one without natural-key support fails
``test_every_reference_of_a_write_is_covered``) is sent once by id and once by natural
key, each in a transaction rolled back afterwards: the answer, the database rows and
the ledger rows are the same. A key naming an object out of a scoped key's territory
gets the very 422 of a key naming nothing; malformed references are 422s naming the
field, never 500s (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import ALL_SCOPES
from registry.models import Actor, ChangeRecord, Territory
from registry.services import bodies
from registry.services.actors import actor_identifier_add
from registry.services.charters import charter_create
from registry.services.territories import territory_create
from tests.committed_schema import committed_schema
from tests.factories import ActorFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parents[2] / "openapi" / "schema.yaml"
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- the world: a scoped key's territory, and another one ---------------------------------


@dataclass
class World:
    client: object  # a key limited to ``region``, every scope
    region: Territory
    commune: Territory  # where the body and the actors inside live
    target: Territory  # the territory the cases name (inside, empty)
    outside: Territory  # a commune of another region
    person: Actor  # external:P-1
    other_person: Actor  # merged into ``person`` by the merge case
    org: Actor  # siren 123456789
    outside_person: Actor  # external:PX-1
    outside_org: Actor  # siren 987654321
    body: object
    charter: object  # a charter of ``commune``


@pytest.fixture
def world(api_client_factory) -> World:
    region = territory_create(level="region", code="11", name="Île-de-France")
    commune = territory_create(
        level="commune", code="75056", name="Paris", parents=[(region, "administrative")]
    )
    target = territory_create(
        level="commune", code="77288", name="Meaux", parents=[(region, "administrative")]
    )
    other_region = territory_create(level="region", code="84", name="Auvergne-Rhône-Alpes")
    outside = territory_create(
        level="commune", code="69123", name="Lyon", parents=[(other_region, "administrative")]
    )
    person = ActorFactory(territory=commune, name="Paule Dupont")
    actor_identifier_add(actor=person, scheme="external", value="P-1")
    other_person = ActorFactory(territory=commune, name="Paule Dupont bis")
    org = OrganizationFactory(territory=commune, name="Association du quartier")
    actor_identifier_add(actor=org, scheme="siren", value="123456789")
    outside_person = ActorFactory(territory=outside, name="Loin")
    actor_identifier_add(actor=outside_person, scheme="external", value="PX-1")
    outside_org = OrganizationFactory(territory=outside, name="Loin asso")
    actor_identifier_add(actor=outside_org, scheme="siren", value="987654321")
    body = bodies.body_create(
        name="Conseil de quartier", body_type="conseil_quartier", territory=commune
    )
    charter = charter_create(territory=commune, name="Charte", valid_from=dt.date(2020, 1, 1))
    client = api_client_factory(scopes=tuple(ALL_SCOPES), territory=region)
    return World(
        client, region, commune, target, outside, person, other_person, org,
        outside_person, outside_org, body, charter,
    )  # fmt: skip


#: What each kind of reference names, by id and by natural key (the org's SIREN written
#: with the spaces a spreadsheet puts in it: the key is normalised as stored).
def ref(world: World, kind: str, form: str):
    if kind == "territory":
        return world.target.pk if form == "id" else "commune:77288"
    if kind == "person":
        return world.person.pk if form == "id" else {"scheme": "external", "value": "P-1"}
    return world.org.pk if form == "id" else {"scheme": "SIREN", "value": " 123 456 789 "}


#: The same kinds out of the scoped key's territory, and naming nothing: (value, label).
def elsewhere(world: World, kind: str, form: str) -> tuple:
    if form == "id":
        obj = {"territory": world.outside, "person": world.outside_person}.get(
            kind, world.outside_org
        )
        return obj.pk, str(obj.pk)
    return {
        "territory": ("commune:69123", "commune:69123"),
        "person": ({"scheme": "external", "value": "PX-1"}, "external:PX-1"),
        "org": ({"scheme": "siren", "value": "987 654 321"}, "siren:987654321"),
    }[kind]


def missing(world: World, kind: str, form: str) -> tuple:
    if form == "id":
        return 987_654_321, "987654321"
    return {
        "territory": ("commune:99999", "commune:99999"),
        "person": ({"scheme": "external", "value": "NOPE-1"}, "external:NOPE-1"),
        "org": ({"scheme": "siren", "value": "111111111"}, "siren:111111111"),
    }[kind]


# --- the cases: every reference of every JSON write ---------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    #: The request component and property it sends (``Patched`` forms included).
    component: str
    prop: str
    kind: str  # territory, person, org
    path: str  # the field as errors name it
    build: Callable[[World, object], tuple[str, str, dict]]  # -> method, url, body
    #: Members of the answer that differ from one run to the next (not in the ledger).
    volatile: tuple[str, ...] = ()


def _actor_body(w, r):
    return {"kind": "person", "category": "resident", "name": "Nouvelle", "territory": r}


def _interaction(w, **refs):
    data = {
        "source": w.person.pk,
        "target_actor": w.org.pk,
        "interaction_type": "collaboration",
        "territory": w.commune.pk,
    }
    return "post", "/api/interactions/", data | refs


def _bulk_interaction(w, **refs):
    item = {
        "external_id": "I-1",
        "source": w.person.pk,
        "target_actor": w.org.pk,
        "interaction_type": "collaboration",
        "territory": w.commune.pk,
    }
    return "post", "/api/interactions/bulk/", {"items": [item | refs]}


def _sync(w, entry):
    return "put", f"/api/bodies/{w.body.pk}/members/", {"members": [entry]}


CASES = [
    Case("actor create", "ActorRequest", "territory", "territory", "territory",
         lambda w, r: ("post", "/api/actors/", _actor_body(w, r))),
    Case("actor change", "PatchedActorRequest", "territory", "territory", "territory",
         lambda w, r: ("patch", f"/api/actors/{w.person.pk}/", {"territory": r})),
    Case("body territory", "BodyRequest", "territory", "territory", "territory",
         lambda w, r: ("post", "/api/bodies/", {
             "name": "CESER", "body_type": "ceser", "territory": r, "host": w.org.pk})),
    Case("body host", "BodyRequest", "host", "org", "host",
         lambda w, r: ("post", "/api/bodies/", {
             "name": "CESER", "body_type": "ceser", "territory": w.commune.pk, "host": r})),
    Case("body host change", "PatchedBodyRequest", "host", "org", "host",
         lambda w, r: ("patch", f"/api/bodies/{w.body.pk}/", {"host": r})),
    Case("membership actor", "MembershipRequest", "actor", "person", "actor",
         lambda w, r: ("post", "/api/memberships/", {
             "actor": r, "body": w.body.pk, "start_date": "2025-01-01"})),
    Case("membership on behalf of", "MembershipRequest", "on_behalf_of", "org", "on_behalf_of",
         lambda w, r: ("post", "/api/memberships/", {
             "actor": w.person.pk, "body": w.body.pk, "start_date": "2025-01-01",
             "on_behalf_of": r})),
    Case("attendance", "AttendanceRequest", "actor", "person", "attendance.0.actor",
         lambda w, r: ("post", "/api/meetings/", {
             "body": w.body.pk, "date": "2025-02-01",
             "attendance": [{"actor": r, "status": "present"}]})),
    Case("interaction source", "InteractionRequest", "source", "person", "source",
         lambda w, r: _interaction(w, source=r)),
    Case("interaction target", "InteractionRequest", "target_actor", "org", "target_actor",
         lambda w, r: _interaction(w, target_actor=r)),
    Case("interaction territory", "InteractionRequest", "territory", "territory", "territory",
         lambda w, r: _interaction(w, territory=r)),
    Case("territory parent", "ParentLinkRequest", "territory", "territory",
         "parent_links.0.territory",
         lambda w, r: ("post", "/api/territories/", {
             "level": "quartier", "code": "Q-1", "name": "Quartier",
             "parent_links": [{"territory": r, "kind": "municipal"}]})),
    Case("sync member", "MemberEntryRequest", "actor", "person", "members.0.actor",
         lambda w, r: _sync(w, {"actor": r})),
    Case("sync on behalf of", "MemberEntryRequest", "on_behalf_of", "org",
         "members.0.on_behalf_of",
         lambda w, r: _sync(w, {"actor": w.person.pk, "on_behalf_of": r})),
    Case("sync new actor territory", "NewActorRequest", "territory", "territory",
         "members.0.new_actor.territory",
         lambda w, r: _sync(w, {"new_actor": {
             "kind": "person", "category": "resident", "name": "Zoé Nouvelle",
             "territory": r}})),
    Case("bulk actor territory", "ActorItemRequest", "territory", "territory",
         "items.0.territory",
         lambda w, r: ("post", "/api/actors/bulk/", {"items": [{
             "identifier": {"scheme": "external", "value": "NEW-1"}, "kind": "person",
             "category": "resident", "name": "Nouvelle", "territory": r}]})),
    Case("bulk interaction source", "InteractionItemRequest", "source", "person",
         "items.0.source", lambda w, r: _bulk_interaction(w, source=r)),
    Case("bulk interaction target", "InteractionItemRequest", "target_actor", "org",
         "items.0.target_actor", lambda w, r: _bulk_interaction(w, target_actor=r)),
    Case("bulk interaction territory", "InteractionItemRequest", "territory", "territory",
         "items.0.territory", lambda w, r: _bulk_interaction(w, territory=r)),
    Case("charter territory", "CharterRequest", "territory", "territory", "territory",
         lambda w, r: ("post", "/api/charters/", {
             "name": "Charte", "territory": r, "valid_from": "2020-01-01"})),
    Case("charter change", "PatchedCharterRequest", "territory", "territory", "territory",
         lambda w, r: ("patch", f"/api/charters/{w.charter.pk}/", {"territory": r})),
    Case("merge into", "MergeRequestRequest", "into", "person", "into",
         lambda w, r: ("post", f"/api/actors/{w.other_person.pk}/merge/", {"into": r})),
    Case("webhook territory", "WebhookRequest", "territory", "territory", "territory",
         lambda w, r: ("post", "/api/webhooks/", {
             "payload_url": "https://93.184.215.14/hook", "territory": r}),
         volatile=("id", "secret", "deliveries")),
]  # fmt: skip
IDS = [c.name for c in CASES]


# --- outcomes, compared ---------------------------------------------------------------------


class _Rollback(Exception):
    def __init__(self, outcome):
        self.outcome = outcome


def send(world: World, case: Case, value):
    method, url, body = case.build(world, value)
    return getattr(world.client, method)(url, body, format="json")


def outcome(world: World, case: Case, value) -> tuple:
    """(status, answer, ledger rows) of the write, rolled back: created ids made placeholders."""
    try:
        with transaction.atomic():
            last = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = send(world, case, value)
            rows = list(
                ChangeRecord.objects.filter(id__gt=last)
                .order_by("id")
                .values("action", "model", "object_id", "territory_id", "via", "before", "after")
            )
            raise _Rollback((response.status_code, orjson.loads(response.content or b"null"), rows))
    except _Rollback as done:
        status, answer, rows = done.outcome
    created: dict[str, dict[int, str]] = {}
    for row in rows:
        if row["action"] == "create":
            ids = created.setdefault(row["model"], {})
            ids.setdefault(row["object_id"], f"<new {row['model']} {len(ids)}>")
    if isinstance(answer, dict):
        answer = {k: v for k, v in answer.items() if k not in case.volatile}
    return status, _normal(answer, created, None), [_row(r, created) for r in rows]


#: Foreign keys by name (answers) and by model and attname (ledger rows).
_FK_BY_NAME = {
    f.name: f.related_model._meta.label_lower
    for m in apps.get_app_config("registry").get_models()
    for f in m._meta.concrete_fields
    if f.is_relation
}


def _row(row: dict, created) -> dict:
    model = apps.get_model(row["model"])
    fks = {
        f.attname: f.related_model._meta.label_lower
        for f in model._meta.concrete_fields
        if f.is_relation
    }
    own = created.get(row["model"], {})
    return {
        **row,
        "object_id": own.get(row["object_id"], row["object_id"]),
        # The territory the change is filed under: a new territory's own.
        "territory_id": created.get("registry.territory", {}).get(
            row["territory_id"], row["territory_id"]
        ),
        "before": _values(row["before"], fks, created),
        "after": _values(row["after"], fks, created),
    }


def _values(data, fks, created):
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key in ("created_at", "updated_at"):
            continue
        if key in fks and isinstance(value, int):
            value = created.get(fks[key], {}).get(value, value)
        out[key] = value
    return out


def _normal(data, created, model):
    """An answer without what differs between two runs: timestamps, URLs, created ids."""
    if isinstance(data, list):
        return [_normal(v, created, model) for v in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key in ("created_at", "updated_at", "url", "request_id", "instance"):
            continue
        target = _FK_BY_NAME.get(key)
        if (key == "id" or target is not None) and isinstance(value, int):
            ids = (
                created.get(target, {})
                if target
                else {k: v for m in created.values() for k, v in m.items()}
            )
            value = ids.get(value, value)
        out[key] = _normal(value, created, model)
    return out


# --- the same result by id and by natural key -----------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_natural_key_writes_what_the_id_writes(world, case):
    by_id = outcome(world, case, ref(world, case.kind, "id"))
    by_key = outcome(world, case, ref(world, case.kind, "key"))
    assert by_id[0] in (200, 201), by_id
    # Registry data is ledgered; a webhook subscription is the key's own setting, not data.
    assert by_id[2] or case.component == "WebhookRequest", "the write is recorded in the ledger"
    assert by_key == by_id


def test_a_natural_key_names_the_object_in_the_answer_by_id(world):
    response = world.client.post(
        "/api/memberships/",
        {"actor": ref(world, "person", "key"), "body": world.body.pk, "start_date": "2025-01-01",
         "on_behalf_of": ref(world, "org", "key")},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["actor"] == world.person.pk
    assert response.json()["on_behalf_of"] == world.org.pk


# --- unknown, out of reach, malformed -------------------------------------------------------


def _problem(response, label: str) -> dict:
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = orjson.loads(response.content)
    for volatile in ("request_id", "instance"):
        body.pop(volatile, None)
    return _masked(body, re.compile(rf"(?<![\w-]){re.escape(label)}(?![\w-])"))


def _masked(data, label: re.Pattern):
    """``data`` with the value named in its texts replaced by ``<value>``."""
    if isinstance(data, dict):
        return {k: _masked(v, label) for k, v in data.items()}
    if isinstance(data, list):
        return [_masked(v, label) for v in data]
    return label.sub("<value>", data) if isinstance(data, str) else data


@pytest.mark.parametrize("form", ["key", "id"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_out_of_reach_is_answered_as_missing(world, case, form):
    before = ChangeRecord.objects.count()
    out_value, out_label = elsewhere(world, case.kind, form)
    none_value, none_label = missing(world, case.kind, form)
    leaked = _problem(send(world, case, out_value), out_label)
    absent = _problem(send(world, case, none_value), none_label)
    assert leaked == absent
    assert ChangeRecord.objects.count() == before
    if form == "key":
        # The field is named (a dotted path and a JSON pointer), and the key given.
        [error] = [e for e in absent["errors"] if e["field"] == case.path]
        assert error["pointer"] == "#/" + case.path.replace(".", "/")
        assert "<value>" in error["detail"], error


MALFORMED = {
    "territory": ["commune", "75056", "", " ", "commune:", ":75056", "x" * 101, "a\x00:b",
                  "٧٥٠٥٦", 1.5, True, [1], {"level": "commune"}],
    "actor": ["P-1", "", "12", 1.5, True, [1], {}, {"scheme": "external"},
              {"value": "P-1"}, {"scheme": "nope", "value": "1"},
              {"scheme": "external", "value": " "}, {"scheme": "external", "value": "P-1", "x": 1},
              {"scheme": 1, "value": "P-1"}],
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_malformed_reference_is_a_422_naming_the_field(world, case):
    before = ChangeRecord.objects.count()
    for value in MALFORMED["territory" if case.kind == "territory" else "actor"]:
        response = send(world, case, value)
        assert response.status_code == 422, (value, response.content)
        fields = [e["field"] for e in orjson.loads(response.content)["errors"]]
        assert any(f == case.path or f.startswith(case.path + ".") for f in fields), (value, fields)
    assert ChangeRecord.objects.count() == before


#: Any JSON value; integers far from any id of the test database.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=10**12)
    | st.integers(max_value=0)
    | st.text(max_size=120)
    # key-shaped: level:code texts, identifiers of real schemes with any value
    | st.builds("{}:{}".format, st.text(max_size=12), st.text(max_size=12))
    | st.fixed_dictionaries(
        {"scheme": st.sampled_from(["siren", "external", "RNA", " rne "]), "value": st.text()},
        optional={"issuer": st.text(max_size=5)},
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["scheme", "value", "issuer", "level", "x"]), inner, max_size=4
        )
    ),
    max_leaves=6,
)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_any_reference_is_answered_never_a_500(world, case):
    @HYPOTHESIS
    @given(value=JSON_VALUES)
    def check(value):
        status, answer, _rows = outcome(world, case, value)
        assert status in (200, 201, 422), (value, status, answer)
        if status == 422:
            fields = [e["field"] for e in answer["errors"]]
            assert any(f == case.path or f.startswith(case.path + ".") for f in fields), (
                value,
                fields,
            )

    check()


# --- scope of the member sync: the body's members wherever they live -----------------------


def test_the_sync_names_an_outside_member_by_identifier_as_by_id(world):
    MembershipFactory(actor=world.outside_person, body=world.body)
    sync = Case("sync", "", "", "", "", lambda w, r: _sync(w, {"actor": r}))
    by_id = outcome(world, sync, world.outside_person.pk)
    by_key = outcome(world, sync, {"scheme": "external", "value": "PX-1"})
    assert by_id[0] == 200
    assert by_key == by_id


# --- batched: natural keys cost a fixed number of queries -----------------------------------


def test_natural_keys_of_many_items_are_resolved_in_a_fixed_number_of_queries(world):
    communes = [
        territory_create(
            level="commune",
            code=f"9{n:04d}",
            name=f"C{n}",
            parents=[(world.region, "administrative")],
        )
        for n in range(30)
    ]

    def queries(n: int, form: str) -> int:
        items = [
            {"identifier": {"scheme": "external", "value": f"N-{i}"}, "kind": "person",
             "category": "resident", "name": f"N {i}",
             "territory": c.pk if form == "id" else f"commune:{c.code}"}
            for i, c in enumerate(communes[:n])
        ]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            response = world.client.post(
                "/api/actors/bulk/?dry_run=true", {"items": items}, format="json"
            )
        assert response.status_code == 200, response.content
        return len(captured)

    queries(1, "key")  # first request: caches (the key, content types) filled
    extra = {n: queries(n, "key") - queries(n, "id") for n in (3, 30)}
    assert extra[3] == extra[30], extra
    assert extra[3] <= 2, extra


# --- the OpenAPI document -------------------------------------------------------------------

#: Request properties that reference a territory or an actor: the names of the registry's
#: foreign keys to them, and ``into`` (the merge's survivor).
REFERENCE_NAMES = {
    f.name: f.related_model
    for m in apps.get_app_config("registry").get_models()
    for f in m._meta.concrete_fields
    if f.is_relation and f.related_model in (Territory, Actor)
} | {"into": Actor}


def _request_references(schema: dict) -> dict[tuple[str, str], dict]:
    """Every (component, property) of a JSON request body named as a reference."""
    components = schema["components"]["schemas"]
    found: dict[tuple[str, str], dict] = {}
    seen: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ref_ = node.get("$ref")
            if ref_:
                name = ref_.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    component = components[name]
                    for prop, spec in component.get("properties", {}).items():
                        if prop in REFERENCE_NAMES and not spec.get("readOnly"):
                            found[(name, prop)] = spec
                    walk(component)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for operations in schema["paths"].values():
        for method, operation in operations.items():
            if method in ("post", "put", "patch"):
                content = operation.get("requestBody", {}).get("content", {})
                walk(content.get("application/json", {}))
    return found


@pytest.fixture(scope="module")
def schema():
    return committed_schema()


def test_every_reference_of_a_write_is_covered(schema):
    found = {(c.removeprefix("Patched"), p) for c, p in _request_references(schema)}
    covered = {(c.component.removeprefix("Patched"), c.prop) for c in CASES}
    assert found, "no reference found: the walk is broken"
    assert found <= covered, (
        f"write fields referencing a territory or an actor without a case here: "
        f"{sorted(found - covered)} (declare them with api.inputs.references fields and add "
        "a Case)"
    )


def test_the_schema_declares_each_reference_as_id_or_natural_key(schema):
    for (component, prop), spec in _request_references(schema).items():
        branches = spec.get("oneOf")
        assert branches and len(branches) == 2, (component, prop, spec)
        assert branches[0]["type"] == "integer", (component, prop)
        if REFERENCE_NAMES[prop] is Territory:
            assert branches[1]["type"] == "string" and branches[1]["pattern"], (component, prop)
        else:
            assert branches[1] == {"$ref": "#/components/schemas/IdentifierKeyRequest"}, (
                component,
                prop,
            )


def test_answers_keep_integer_ids(schema):
    components = schema["components"]["schemas"]
    for name in ("Actor", "Body", "Membership", "Interaction"):
        for prop, spec in components[name]["properties"].items():
            if prop in REFERENCE_NAMES:
                # The id, or (``?expand=``) the id or the related object's brief form.
                id_branch = spec["oneOf"][0] if "oneOf" in spec else spec
                assert id_branch.get("type") == "integer", (name, prop, spec)
                if "oneOf" in spec:
                    assert spec["oneOf"][1]["$ref"].endswith("Brief"), (name, prop, spec)


def test_a_generated_client_sends_both_forms(client_generation, tmp_path, monkeypatch):
    client_generation.copy_to(tmp_path, "natkeys_client")
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module("natkeys_client.models")
    key = m.IdentifierKeyRequest(scheme=m.SchemeEnum("siren"), value="123456789")
    day = dt.date(2025, 1, 1)
    assert m.MembershipRequest(actor=key, body=1, start_date=day).to_dict()["actor"] == {
        "scheme": "siren",
        "value": "123456789",
    }
    assert m.MembershipRequest(actor=7, body=1, start_date=day).to_dict()["actor"] == 7
    body = {"name": "C", "body_type": m.BodyTypeEnum("ceser")}
    assert m.BodyRequest(territory="commune:75056", **body).to_dict()["territory"] == (
        "commune:75056"
    )
    assert m.BodyRequest(territory=3, **body).to_dict()["territory"] == 3
    parsed = m.MemberEntryRequest.from_dict({"actor": {"scheme": "external", "value": "A"}})
    assert isinstance(parsed.actor, m.IdentifierKeyRequest)


def test_the_messages_speak_french(world):
    def detail(value, field="territory"):
        response = world.client.post(
            "/api/actors/",
            {"kind": "organization", "category": "association", "name": "A", field: value},
            format="json",
            HTTP_ACCEPT_LANGUAGE="fr",
        )
        assert response.status_code == 422, response.content
        [error] = orjson.loads(response.content)["errors"]
        return error["detail"]

    assert detail("commune:99999") == "Aucun territoire avec la clé commune:99999."
    assert detail("commune").startswith("Donnez l'id d'un territoire")
    response = world.client.post(
        "/api/memberships/",
        {"actor": "P-1", "body": world.body.pk, "start_date": "2025-01-01"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    [error] = orjson.loads(response.content)["errors"]
    assert error["detail"] == (
        "Donnez l'id d'un acteur (un entier JSON) ou l'un de ses identifiants "
        "{scheme, value[, issuer]}."
    )
