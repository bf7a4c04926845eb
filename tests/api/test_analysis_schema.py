"""Every analysis answer is what the committed OpenAPI document says, to the last member.

Each route is called on the small world of ``test_analysis`` (plus a body whose
every renewal indicator is known) in each format, and its JSON body validated
against the response schema of ``openapi/schema.yaml`` for that operation and
status, with ``openapi-schema-validator`` (OpenAPI 3.0's dialect: ``nullable``,
formats). The validation is strict: every object that declares properties is
closed (``additionalProperties: false``), so a member the schema does not declare
fails as surely as a member of the wrong type; and the analysis operations must
not contain a free-form object anywhere.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from openapi_schema_validator import OAS30Validator

from api.models import ALL_SCOPES
from api.resources.analysis.schemas import influence as influence_schema
from api.resources.analysis.schemas import network, renewal, strengths
from graph import influence, interlocks, paths, stakeholders
from graph import renewal as graph_renewal
from graph.export import STYLE_FIELDS, CommunityStyle
from graph.renewal import strengths as graph_strengths
from registry.services.activity import meeting_create, opinion_create
from registry.services.actors import actor_create
from registry.services.bodies import body_create, body_update
from registry.services.interactions import interaction_create
from registry.services.memberships import membership_create, membership_update
from tests.committed_schema import committed_schema
from tests.schema_validation.validator import nullable_refs

from .conftest import client_for, make_key
from .test_analysis import AS_OF, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parents[2] / "openapi" / "schema.yaml"
JSON = "application/json"


@functools.cache
def document() -> dict:
    return committed_schema()


@functools.cache
def strict_components() -> dict:
    """The components with every object that declares properties closed."""

    def close(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)
        return node

    # drf-spectacular's nullable reference ({allOf: [$ref], nullable: true}) read as
    # "this, or null", as the response validator of every test reads it.
    return close(nullable_refs(copy.deepcopy(document()["components"])))


def response_schema(path: str, status: int, media_type: str = JSON) -> dict:
    responses = document()["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{path} does not declare {status}: {sorted(responses)}"
    content = responses[str(status)].get("content", {})
    assert media_type in content, f"{path} {status} does not declare {media_type}"
    return content[media_type]["schema"]


def errors_of(body, path: str, status: int = 200, media_type: str = JSON) -> list[str]:
    schema = {**response_schema(path, status, media_type), "components": strict_components()}
    validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def check(response, path: str, status: int = 200) -> dict:
    """The JSON body of ``response``, once validated against ``path``'s schema for ``status``."""
    assert response.status_code == status, response.content
    body = orjson.loads(response.content)
    errors = errors_of(body, path, status, response["Content-Type"].split(";")[0])
    assert not errors, "\n".join(errors[:10])
    return body


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def client(world):  # noqa: F811
    return client_for(make_key(scopes=ALL_SCOPES)[1])


def _person(name, territory, *, gender, birth_year, category="resident"):
    return actor_create(
        kind="person",
        category=category,
        name=name,
        territory=territory,
        personal_data={
            "gender": gender,
            "birth_year": birth_year,
            "lawful_basis": "consent",
            "retention_until": dt.date(2030, 1, 1),
        },
    )


@pytest.fixture
def rich(world):  # noqa: F811
    """A body of C whose every renewal indicator is known (none ``unknown``)."""
    body = body_create(
        name="Conseil de développement C",
        body_type="conseil_developpement",
        territory=world.c,
        seats=5,
        mandate_years=3,
        term_start=dt.date(2023, 1, 1),
        term_end=dt.date(2026, 1, 1),
        parity_rule="max_gap_1",
        min_age=18,  # the age rule is known: every member is 26 or older
        colleges=[
            {"name": "Habitants", "seats": 3, "selection_mode": "volunteer"},
            {"name": "Associations", "seats": 2, "selection_mode": "volunteer"},
        ],
    )
    habitants, associations = body.colleges.order_by("id")
    w1 = _person("Wanda Un", world.c, gender="female", birth_year=1950)
    w2 = _person("Wilma Deux", world.c, gender="female", birth_year=1955)
    w3 = _person("Wendy Trois", world.c, gender="female", birth_year=1960)
    m1 = _person("Marc Quatre", world.c, gender="male", birth_year=2000)
    leaver = _person("Léo Cinq", world.c, gender="male", birth_year=1990)
    start = dt.date(2015, 1, 1)
    for actor, college in ((w1, habitants), (w2, habitants), (w3, associations), (m1, habitants)):
        membership_create(actor=actor, body=body, college=college, role="member", start_date=start)
    left = membership_create(
        actor=leaver, body=body, college=associations, role="member", start_date=start
    )
    membership_update(membership=left, end_date=dt.date(2026, 6, 1), end_reason="resigned")
    # w1 also sits in B1 (interlock) and works with the elected official (decision distance).
    membership_create(actor=w1, body=world.b1, role="member", start_date=start)
    interaction_create(
        source=w1,
        target_actor=world.e1,
        interaction_type="consultation",
        weight=3,
        start_date=start,
    )
    everyone = (w1, w2, w3, m1)
    for day, present in (
        (dt.date(2024, 1, 10), everyone),
        (dt.date(2025, 1, 10), everyone[:3]),
        (dt.date(2026, 1, 10), everyone[:1]),
        (dt.date(2026, 3, 10), everyone[:1]),
    ):
        meeting_create(
            body=body,
            date=day,
            attendance={a: "present" if a in present else "absent" for a in everyone},
        )
    opinion_create(
        body=body,
        date=dt.date(2025, 2, 1),
        title="Plan de mobilité",
        referral="referred",
        response_date=dt.date(2025, 12, 1),
        response_outcome="rejected",
    )
    opinion_create(body=body, date=dt.date(2025, 6, 1), title="Budget", referral="self")
    return body


# --- every route, every format -----------------------------------------------------------------


def get(client, path, **params):
    return client.get(path, {"as_of": AS_OF, **params})


def test_influence_map_node_link_matches_the_schema(client, world):  # noqa: F811
    doc = check(
        get(client, "/api/analysis/influence-map", territory=world.c.pk),
        "/api/analysis/influence-map",
    )
    assert {n["kind"] for n in doc["nodes"]} == {"actor", "body"} and doc["links"]
    # With its filters recorded in the parameters (lists, not null).
    doc = check(
        get(
            client,
            "/api/analysis/influence-map",
            territory=world.c.pk,
            category="resident",
            interaction_type="collaboration",
        ),
        "/api/analysis/influence-map",
    )
    assert doc["graph"]["parameters"]["categories"] == ["resident"]


def test_influence_map_of_a_scoped_key_shows_members_from_elsewhere_by_name_only(world):  # noqa: F811
    # B1 sits in Q; its members live in C, out of a Q key's reach: id, kind, label, metrics.
    scoped = client_for(make_key(scopes=("read", "analysis"), territory=world.q)[1])
    doc = check(get(scoped, "/api/analysis/influence-map"), "/api/analysis/influence-map")
    reduced = [n for n in doc["nodes"] if n["kind"] == "actor" and "territory" not in n]
    assert reduced and all("power" not in n and n["category"] == "" for n in reduced)


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("gexf", "application/gexf+xml"),
        ("graphml", "application/graphml+xml"),
        ("svg", "image/svg+xml"),
    ],
)
def test_influence_map_files_have_their_declared_media_types(client, world, fmt, media_type):  # noqa: F811
    response = get(client, "/api/analysis/influence-map", territory=world.c.pk, format=fmt)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert response_schema("/api/analysis/influence-map", 200, media_type) == {"type": "string"}


def test_actor_network_matches_the_schema(client, world):  # noqa: F811
    path = "/api/analysis/actors/{id}/network"
    for radius in (0, 2):
        doc = check(get(client, f"/api/analysis/actors/{world.p1.pk}/network", radius=radius), path)
        assert len(doc["nodes"]) >= 1


def test_paths_found_and_not_found_match_the_schema(client, world):  # noqa: F811
    path = "/api/analysis/paths"
    found = check(
        get(client, path, territory=world.c.pk, **{"from": world.p1.pk, "to": world.e1.pk}), path
    )
    assert found["found"] and found["shortest"]["steps"] and found["alternatives"]
    # p4 lives in D, tied to nobody: in the region's graph, no path reaches it.
    lost = check(
        get(client, path, territory=world.region.pk, **{"from": world.p1.pk, "to": world.p4.pk}),
        path,
    )
    assert not lost["found"] and lost["shortest"]["weakest_link"] is None


def test_interlocks_present_and_absent_match_the_schema(client, world):  # noqa: F811
    path = "/api/analysis/interlocks"
    doc = check(get(client, path, territory=world.c.pk), path)
    assert doc["pairs"] and doc["usual_suspects"] and doc["bodies"]
    doc = check(get(client, path, territory=world.c.pk, min_shared=5), path)
    assert doc["pairs"] == []


def test_stakeholders_match_the_schema(client, world):  # noqa: F811
    path = "/api/analysis/stakeholders"
    doc = check(get(client, path, territory=world.c.pk), path)
    assert {e["power_source"] for e in doc["entries"]} == {"declared", "network"}


def test_renewal_with_every_indicator_known_matches_the_schema(client, world, rich):  # noqa: F811
    path = "/api/analysis/bodies/{id}/renewal"
    doc = check(get(client, f"/api/analysis/bodies/{rich.pk}/renewal", territory=world.c.pk), path)
    statuses = {i["code"]: i["status"] for i in doc["indicators"]}
    assert list(statuses) == list(graph_renewal.INDICATOR_CODES)
    assert [c for c, s in statuses.items() if s == "unknown"] == []
    assert {"alert", "watch", "ok"} <= set(statuses.values())
    # The optional parts are there: per-college vacancies, departures by reason, age bands.
    detail = {i["code"]: i["detail"] for i in doc["indicators"]}
    assert len(detail["vacancy"]["colleges"]) == 2
    assert detail["turnover"]["left_by_reason"] == {"resigned": 1}
    assert detail["age_gap"]["members"] and detail["parity"]["threshold_on"] == "minority_share"
    # max_gap_1 turns the one-seat gap into a share: (n - 2) / 2n = 2 / 8 for 3 women, 1 man
    parity = next(i for i in doc["indicators"] if i["code"] == "parity")
    assert parity["threshold"] == [None, 0.25] and parity["value"] == 0.25
    assert parity["status"] == "alert" and parity["detail"]["gap"] == 2
    assert doc["rules"][0] == {
        "key": "mandate_years",
        "value": 3,
        "source_kind": "body",
        "charter_id": None,
    }
    assert doc["charter"] is None and "network_territory" in doc
    # The other parity rules grade the minority share, with no alert threshold for "none".
    for rule, threshold in (("balanced", [0.4, 0.25]), ("none", [0.4, None])):
        body_update(body=rich, parity_rule=rule)
        doc = check(
            get(client, f"/api/analysis/bodies/{rich.pk}/renewal", territory=world.c.pk), path
        )
        parity = next(i for i in doc["indicators"] if i["code"] == "parity")
        assert parity["threshold"] == threshold
        assert parity["detail"]["threshold_on"] == "minority_share"


def test_renewal_with_unknown_indicators_matches_the_schema(client, world):  # noqa: F811
    path = "/api/analysis/bodies/{id}/renewal"
    doc = check(get(client, f"/api/analysis/bodies/{world.b2.pk}/renewal"), path)
    assert "unknown" in {i["status"] for i in doc["indicators"]}
    body_update(body=world.b2, status="dormant")
    doc = check(
        get(client, f"/api/analysis/bodies/{world.b2.pk}/renewal", as_of="2026-11-02"), path
    )
    assert doc["indicators"][0]["status"] == "alert"


def test_renewal_ranking_matches_the_schema(client, world, rich):  # noqa: F811
    doc = check(get(client, "/api/analysis/renewal", territory=world.c.pk), "/api/analysis/renewal")
    assert doc["bodies"] == len(doc["ranking"]) == 3


def test_recruitment_pool_matches_the_schema(client, world, rich):  # noqa: F811
    path = "/api/analysis/bodies/{id}/recruitment"
    for body in (world.b1, world.b2, rich):
        doc = check(get(client, f"/api/analysis/bodies/{body.pk}/recruitment"), path)
        assert doc["personal_data"] is True  # every scope: the personal members are in it
        assert [c["code"] for c in doc["simulation"]["indicators"]] == list(
            graph_renewal.INDICATOR_CODES
        )


def test_jobs_match_the_schema(client, world, settings, monkeypatch):  # noqa: F811
    # 1: the body's renewal is analysed in its network territory, its quartier Q (2 nodes).
    settings.REGISTRY_ANALYSIS = {**settings.REGISTRY_ANALYSIS, "SYNC_MAX_NODES": 1}
    routes = {
        "/api/analysis/influence-map": "/api/analysis/influence-map",
        "/api/analysis/interlocks": "/api/analysis/interlocks",
        f"/api/analysis/bodies/{world.b1.pk}/renewal": "/api/analysis/bodies/{id}/renewal",
        f"/api/analysis/bodies/{world.b1.pk}/recruitment": "/api/analysis/bodies/{id}/recruitment",
    }
    locations = []
    for url, path in routes.items():
        response = get(client, url, territory=world.c.pk)
        job = check(response, path, 202)
        assert job["status"] == "READY" and job["finished_at"] is None
        locations.append(response["Location"])
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    for location in locations:
        job = check(client.get(location), "/api/analysis/jobs/{job_id}/")
        assert job["status"] == "SUCCESSFUL" and job["finished_at"]


def test_the_validation_refuses_an_undeclared_member_a_wrong_type_and_a_missing_one(
    client,
    world,  # noqa: F811
):
    path = "/api/analysis/bodies/{id}/renewal"
    doc = check(get(client, f"/api/analysis/bodies/{world.b1.pk}/renewal"), path)
    extra = copy.deepcopy(doc)
    extra["indicators"][2]["detail"]["surprise"] = 1
    assert errors_of(extra, path)
    wrong = copy.deepcopy(doc)
    wrong["indicators"][0]["status"] = "fine"
    assert errors_of(wrong, path)
    missing = copy.deepcopy(doc)
    del missing["counts"]
    assert errors_of(missing, path)


# --- the schema itself -------------------------------------------------------------------------


def _walk(node, refs: set[str]):
    """Every schema reachable from ``node`` (following references once)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref not in refs:
            refs.add(ref)
            yield from _walk(document()["components"]["schemas"][ref.rsplit("/", 1)[1]], refs)
        yield node
        for value in node.values():
            yield from _walk(value, refs)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, refs)


def test_no_analysis_answer_holds_a_free_form_object():
    for path, item in document()["paths"].items():
        if not path.startswith("/api/analysis/"):
            continue
        for status, response in item["get"]["responses"].items():
            if not status.startswith("2"):
                continue
            for media_type, content in response.get("content", {}).items():
                for schema in _walk(content["schema"], set()):
                    where = f"{path} {status} {media_type}"
                    assert schema.get("additionalProperties") in (None, False), where
                    if schema.get("type") == "object":
                        assert schema.get("properties"), f"{where}: an untyped object"


def _names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


HEADER = list(network.AnalysisHeaderSerializer().fields)


@pytest.mark.parametrize(
    ("serializer", "fields"),
    [
        (influence_schema.InfluenceParametersSerializer, _names(influence.InfluenceParameters)),
        (
            influence_schema.CommunitySerializer,
            _names(influence.Community) + _names(CommunityStyle)[1:],  # id once
        ),
        (network.FactSerializer, _names(paths.Fact)),
        (network.EgoNodeSerializer, _names(paths.EgoNode)),
        (network.StepSerializer, _names(paths.Step)),
        (network.ActorNetworkSerializer, ["territory_id", *_names(paths.EgoNetwork)]),
        (network.PathSerializer, _names(paths.Path)),
        (network.PathsSerializer, HEADER + _names(paths.Paths)),
        (network.BodyPairSerializer, _names(interlocks.BodyPair)),
        (network.ActorBodiesSerializer, _names(interlocks.ActorBodies)),
        (network.BodyInterlockSerializer, _names(interlocks.BodyInterlock)),
        # The projection is a graph: the answers leave graphs out.
        (network.InterlocksSerializer, HEADER + _names(interlocks.Interlocks)[:-1]),
        (network.StakeholderEntrySerializer, _names(stakeholders.StakeholderEntry)),
        (network.StakeholdersSerializer, HEADER + _names(stakeholders.StakeholderGrid)),
        (renewal.RenewalAssessmentSerializer, _names(graph_renewal.Assessment)),
        (renewal.BodyRenewalSerializer, HEADER + _names(graph_renewal.Assessment)),
        (
            renewal.IndicatorSerializer,
            [f for f in _names(graph_renewal.Indicator) if f not in ("code", "detail")],
        ),
        (
            strengths.StrengthSerializer,
            [f for f in _names(graph_strengths.Strength) if f not in ("code", "detail")],
        ),
        (
            strengths.UnderRepresentedGroupSerializer,
            ["group", "members", "share_here", "share_other_bodies", "share_territory"],
        ),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_each_answer_serializer_declares_its_dataclass_fields(serializer, fields):
    assert set(serializer().fields) == set(fields), (
        f"{serializer.__name__} must declare the fields of the dataclass it describes"
    )


def test_node_link_nodes_declare_every_metric_and_drawing_field():
    metrics = set(_names(influence.NodeMetrics)) - {"node"}
    assert metrics | set(STYLE_FIELDS) <= set(influence_schema.InfluenceMapNodeSerializer().fields)


def test_every_indicator_has_its_component_in_the_committed_schema():
    mapping = document()["components"]["schemas"]["RenewalIndicator"]["discriminator"]["mapping"]
    assert list(mapping) == list(graph_renewal.INDICATOR_CODES)
    statuses = document()["components"]["schemas"]["RenewalStatus"]["enum"]
    assert statuses == list(graph_renewal.STATUSES)


def test_every_strength_has_its_component_in_the_committed_schema():
    schemas = document()["components"]["schemas"]
    mapping = schemas["RenewalStrength"]["discriminator"]["mapping"]
    assert list(mapping) == list(graph_strengths.STRENGTH_CODES)
    assert schemas["RenewalStrengthStatus"]["enum"] == list(graph_strengths.STRENGTH_STATUSES)
