"""API1:2023 Broken Object Level Authorization.

A key limited to one territory can neither read, list, write, sync, import, export,
analyse nor learn the existence of another territory's objects, through any endpoint,
filter, expansion, history or the change feed. An object out of reach answers exactly
as an object that does not exist (404, same problem), never 403.

The routes are taken from the URL configuration (the router's registry), so a new
resource is covered without touching this file.
"""

from __future__ import annotations

import io

import orjson
import pytest
from django.urls import reverse

from api.urls import router
from registry.models import Actor, Body, ChangeRecord, Interaction, Membership
from tests.security.conftest import OUTSIDE_MARK, assert_problem

pytestmark = pytest.mark.django_db

MISSING = 987654
#: (prefix, basename, expandable fields) of every router resource.
RESOURCES = [
    (prefix, basename, sorted(getattr(viewset.serializer_class, "expandable", {}) or {}))
    for prefix, viewset, basename in router.registry
]
BASENAMES = [basename for _prefix, basename, _expand in RESOURCES]
PREFIX = {basename: prefix for prefix, basename, _expand in RESOURCES}

#: Object routes beyond the router's detail and history: (name, basename of the object).
OBJECT_ROUTES = [
    ("body-members", "body"),
    ("analysis-actor-network", "actor"),
    ("analysis-body-renewal", "body"),
    ("analysis-body-recruitment", "body"),
    ("actor-personal-data-export", "actor"),
]
#: Routes analysing or exporting a whole territory (``?territory=``).
TERRITORY_ROUTES = [
    "popolo-export",
    "analysis-influence-map",
    "analysis-interlocks",
    "analysis-stakeholders",
    "analysis-renewal",
    "analysis-obligations",
    "analysis-evolution",
]


def assert_same_as_missing(outside, missing) -> None:
    """The answer about an out-of-reach object is the answer about a missing one."""
    a = assert_problem(outside, 404)
    b = assert_problem(missing, 404)
    assert (a["code"], a["detail"], a["type"]) == (b["code"], b["detail"], b["type"])
    assert OUTSIDE_MARK.encode() not in outside.content


def assert_clean(response) -> None:
    assert OUTSIDE_MARK.encode() not in response.content, response.content[:800]
    assert b"zorglub@" not in response.content.lower()


# --- reads of one object -------------------------------------------------------------


@pytest.mark.parametrize("basename", BASENAMES)
@pytest.mark.parametrize("suffix", ["", "history/"])
def test_api1_outside_object_is_404_like_a_missing_one(world, basename, suffix):
    client, prefix = world.client, PREFIX[basename]
    outside = world.outside.obj(basename)
    inside = world.inside.obj(basename)
    assert client.get(f"/api/{prefix}/{inside.pk}/{suffix}").status_code == 200
    assert world.national.get(f"/api/{prefix}/{outside.pk}/{suffix}").status_code == 200
    assert_same_as_missing(
        client.get(f"/api/{prefix}/{outside.pk}/{suffix}"),
        client.get(f"/api/{prefix}/{MISSING}/{suffix}"),
    )


def test_api1_outside_territory_by_natural_key_is_404_like_a_missing_one(world):
    outside = world.outside.commune
    assert_same_as_missing(
        world.client.get(f"/api/territories/{outside.level}:{outside.code}/"),
        world.client.get("/api/territories/commune:00000/"),
    )


@pytest.mark.parametrize(("name", "basename"), OBJECT_ROUTES)
def test_api1_outside_object_routes_are_404_like_a_missing_one(world, name, basename):
    client = world.client
    inside = world.inside.obj(basename)
    assert client.get(reverse(name, args=[inside.pk])).status_code == 200
    assert_same_as_missing(
        client.get(reverse(name, args=[world.outside.obj(basename).pk])),
        client.get(reverse(name, args=[MISSING])),
    )


@pytest.mark.parametrize("name", TERRITORY_ROUTES)
def test_api1_outside_territory_cannot_be_exported_or_analysed(world, name):
    client, url = world.client, reverse(name)
    assert client.get(url, {"territory": world.inside.dept.pk}).status_code == 200
    for outside in (world.outside.commune, world.outside.region, world.inside.region):
        assert_same_as_missing(
            client.get(url, {"territory": outside.pk}),
            client.get(url, {"territory": MISSING}),
        )
        assert_same_as_missing(
            client.get(url, {"territory": f"{outside.level}:{outside.code}"}),
            client.get(url, {"territory": "commune:00000"}),
        )


def test_api1_paths_between_outside_actors_answer_as_between_missing_ones(world):
    url = reverse("analysis-paths")
    inside = world.inside.person.pk
    outside = world.outside.person.pk
    for a, b in ((inside, outside), (outside, inside)):
        leaked = world.client.get(url, {"from": a, "to": b})
        missing = world.client.get(
            url, {"from": MISSING if a == outside else a, "to": MISSING if b == outside else b}
        )
        assert leaked.status_code == missing.status_code, (leaked.content, missing.content)
        assert_clean(leaked)
        if leaked.status_code >= 400:
            p, q = orjson.loads(leaked.content), orjson.loads(missing.content)
            assert p["code"] == q["code"]


# --- lists, filters, expansions, pages -------------------------------------------------


def _list_queries(world, expand: list[str]) -> list[dict]:
    outside = world.outside
    queries = [
        {"limit": 1000},
        {"pagination": "cursor"},
        {"q": OUTSIDE_MARK},
        {"territory": outside.commune.pk},
        {"territory": f"commune:{outside.commune.code}"},
        {"ordering": "-id"},
        {"limit": 1000, "offset": 0, "brief": "true"},
    ]
    if expand:
        queries.append({"limit": 1000, "expand": ",".join(expand)})
    return queries


@pytest.mark.parametrize(("prefix", "basename", "expand"), RESOURCES)
def test_api1_lists_filters_and_expansions_never_show_outside_objects(
    world, prefix, basename, expand
):
    outside = world.outside.obj(basename)
    inside = world.inside.obj(basename)
    national = world.national.get(f"/api/{prefix}/", {"limit": 1000}).json()
    assert outside.pk in {row["id"] for row in national["results"]}
    for query in _list_queries(world, expand):
        response = world.client.get(f"/api/{prefix}/", query)
        assert response.status_code == 200, (query, response.content[:300])
        assert_clean(response)
        rows = response.json()["results"]
        assert outside.pk not in {row["id"] for row in rows} or outside.pk == inside.pk
    by_id = world.client.get(f"/api/{prefix}/", {"id": outside.pk}).json()
    if outside.pk != inside.pk:
        assert by_id["results"] == [] and by_id.get("count", 0) == 0


@pytest.mark.parametrize(("prefix", "basename", "expand"), RESOURCES)
def test_api1_inside_objects_expanded_and_their_history_show_nothing_outside(
    world, prefix, basename, expand
):
    inside = world.inside.obj(basename)
    for query in ({}, {"expand": ",".join(expand)} if expand else {}):
        assert_clean(world.client.get(f"/api/{prefix}/{inside.pk}/", query))
    assert_clean(world.client.get(f"/api/{prefix}/{inside.pk}/history/"))


@pytest.mark.django_db(transaction=True)  # PostgreSQL files changes in the feed at commit
def test_api1_change_feed_holds_no_outside_change(world):
    everything = world.national.get("/api/changes/", {"limit": 1000}).json()
    assert any(OUTSIDE_MARK in orjson.dumps(r).decode() for r in everything["results"])
    scoped = world.client.get("/api/changes/", {"limit": 1000})
    assert scoped.status_code == 200
    assert_clean(scoped)
    assert scoped.json()["results"], "the key sees its own territory's changes"
    # Walking the feed a change at a time shows nothing more.
    cursor, seen = None, 0
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = world.client.get("/api/changes/", params)
        assert_clean(page)
        data = page.json()
        seen += len(data["results"])
        cursor = data["next"]
        if not data["has_more"]:
            break
    assert seen == len(scoped.json()["results"])


def test_api1_export_and_analyses_of_the_own_territory_show_nothing_outside(world):
    territory = {"territory": world.inside.dept.pk}
    for name in TERRITORY_ROUTES:
        response = world.client.get(reverse(name), territory)
        assert response.status_code == 200, (name, response.content[:300])
        assert_clean(response)
    for name, basename in OBJECT_ROUTES:
        response = world.client.get(reverse(name, args=[world.inside.obj(basename).pk]))
        assert response.status_code == 200, (name, response.content[:300])
        assert_clean(response)


# --- writes on outside objects -------------------------------------------------------


@pytest.mark.parametrize("basename", BASENAMES)
@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_api1_outside_object_cannot_be_changed_or_deleted(world, basename, method):
    prefix = PREFIX[basename]
    outside = world.outside.obj(basename)
    before = ChangeRecord.objects.count()
    send = getattr(world.client, method)
    payload = {} if method == "delete" else {"name": "Hijacked", "title": "Hijacked"}
    assert_same_as_missing(
        send(f"/api/{prefix}/{outside.pk}/", payload, format="json"),
        send(f"/api/{prefix}/{MISSING}/", payload, format="json"),
    )
    assert ChangeRecord.objects.count() == before
    assert type(outside).objects.filter(pk=outside.pk).exists()


def test_api1_outside_body_cannot_be_synced_or_imported(world):
    body = world.outside.body
    before = ChangeRecord.objects.count()
    payload = {"members": []}
    assert_same_as_missing(
        world.client.put(f"/api/bodies/{body.pk}/members/", payload, format="json"),
        world.client.put(f"/api/bodies/{MISSING}/members/", payload, format="json"),
    )

    def upload():
        f = io.BytesIO(b"actor_id;role\n")
        f.name = "members.csv"
        return {"file": f}

    assert_same_as_missing(
        world.client.post(f"/api/bodies/{body.pk}/members/import/", upload(), format="multipart"),
        world.client.post(f"/api/bodies/{MISSING}/members/import/", upload(), format="multipart"),
    )
    assert ChangeRecord.objects.count() == before
    assert Membership.objects.get(pk=world.outside.membership.pk).end_date is None


def test_api1_outside_person_cannot_be_erased(world):
    person = world.outside.person
    assert_same_as_missing(
        world.client.post(f"/api/actors/{person.pk}/erase/", {}, format="json"),
        world.client.post(f"/api/actors/{MISSING}/erase/", {}, format="json"),
    )
    person.refresh_from_db()
    assert person.name.startswith(OUTSIDE_MARK) and not person.is_pseudonymised


# --- writes naming outside objects -----------------------------------------------------


def _errors(response) -> dict:
    body = orjson.loads(response.content)
    return {(e["field"], e["code"]) for e in body.get("errors", [])}


@pytest.mark.parametrize(
    ("resource", "payload", "field"),
    [
        (
            "memberships",
            lambda w, a: {"actor": a, "body": w.inside.body.pk, "start_date": "2025-01-01"},
            "actor",
        ),
        (
            "interactions",
            lambda w, a: {
                "source": a,
                "target_actor": w.inside.organization.pk,
                "interaction_type": "collaboration",
                "territory": w.inside.commune.pk,
            },
            "source",
        ),
    ],
)
def test_api1_writes_naming_an_outside_object_answer_as_naming_a_missing_one(
    world, resource, payload, field
):
    before = ChangeRecord.objects.count()
    leaked = world.client.post(
        f"/api/{resource}/", payload(world, world.outside.person.pk), format="json"
    )
    missing = world.client.post(f"/api/{resource}/", payload(world, MISSING), format="json")
    assert_problem(leaked, 422)
    assert_problem(missing, 422)
    assert field in {f for f, _c in _errors(leaked)}
    assert _errors(leaked) == _errors(missing)
    assert_clean(leaked)
    assert ChangeRecord.objects.count() == before


def test_api1_sync_naming_outside_actors_answers_as_naming_missing_ones(world):
    url = f"/api/bodies/{world.inside.body.pk}/members/?dry_run=true"
    outside = world.outside.person
    leaked = world.client.put(
        url,
        {
            "members": [
                {"actor": outside.pk},
                {"identifier": {"scheme": "rna", "value": "W2ZORGLUB"}},
            ]
        },
        format="json",
    )
    missing = world.client.put(
        url,
        {"members": [{"actor": MISSING}, {"identifier": {"scheme": "rna", "value": "W0NONE"}}]},
        format="json",
    )
    assert_problem(leaked, 422)
    assert_problem(missing, 422)
    assert _errors(leaked) == _errors(missing)
    assert_clean(leaked)


def test_api1_bulk_upsert_never_reveals_or_changes_outside_actors(world):
    """An identifier of an outside actor is refused without its id, values or changes."""
    outside = world.outside.person
    before = ChangeRecord.objects.count()
    ident = {"scheme": "rna", "value": "W2ZORGLUB"}
    for dry_run in ("true", "false"):
        for item in (
            {"identifier": ident},  # would be "unchanged", listing the outside id
            {"identifier": ident, "name": "Renamed"},  # would show [old, new]
        ):
            response = world.client.post(
                f"/api/actors/bulk/?dry_run={dry_run}", {"items": [item]}, format="json"
            )
            assert_problem(response, 422)
            assert_clean(response)
            assert b"unchanged" not in response.content and b"changes" not in response.content
    assert ChangeRecord.objects.count() == before
    outside.refresh_from_db()
    assert outside.name.startswith(OUTSIDE_MARK)


def test_api1_bulk_upsert_cannot_create_outside_even_in_a_dry_run(world):
    item = {
        "identifier": {"scheme": "rna", "value": "W9NEW"},
        "kind": "organization",
        "category": "association",
        "name": "Nouvelle",
        "territory": world.outside.commune.pk,
    }
    for dry_run in ("true", "false"):
        response = world.client.post(
            f"/api/actors/bulk/?dry_run={dry_run}", {"items": [item]}, format="json"
        )
        assert_problem(response, 422)
    assert not Actor.objects.filter(name="Nouvelle").exists()
    inside = {**item, "territory": world.inside.commune.pk}
    ok = world.client.post("/api/actors/bulk/", {"items": [inside]}, format="json")
    assert ok.status_code == 200, ok.content


def test_api1_bulk_interactions_never_reveal_or_change_outside_ones(world):
    outside = world.outside.interaction
    before = ChangeRecord.objects.count()
    for dry_run in ("true", "false"):
        for item in (
            {"external_id": outside.external_id},
            {"external_id": outside.external_id, "weight": 5},
        ):
            response = world.client.post(
                f"/api/interactions/bulk/?dry_run={dry_run}", {"items": [item]}, format="json"
            )
            assert response.status_code in (422,), response.content
            assert_clean(response)
    assert ChangeRecord.objects.count() == before
    assert Interaction.objects.get(pk=outside.pk).weight == 1


def test_api1_national_key_reaches_both_branches(world):
    """The control: the same requests succeed without a territory limit."""
    for basename in BASENAMES:
        prefix = PREFIX[basename]
        for side in (world.inside, world.outside):
            assert world.national.get(f"/api/{prefix}/{side.obj(basename).pk}/").status_code == 200
    assert Body.objects.count() == 2


#: (resource, basename of the object changed, field, basename of the object it points to,
#: how to send it): every relation a write may set, nested ones included.
RELATIONS = [
    ("bodies", "body", "host", "organization", None),
    ("colleges", "college", "body", "body", None),
    ("memberships", "membership", "actor", "person", None),
    ("memberships", "membership", "body", "body", None),
    ("memberships", "membership", "college", "college", None),
    ("memberships", "membership", "on_behalf_of", "organization", None),
    ("meetings", "meeting", "body", "body", None),
    (
        "meetings",
        "meeting",
        "attendance",
        "person",
        lambda pk: [{"actor": pk, "status": "present"}],
    ),
    ("opinions", "opinion", "body", "body", None),
    ("interactions", "interaction", "source", "person", None),
    ("interactions", "interaction", "target_actor", "organization", None),
    ("interactions", "interaction", "target_body", "body", None),
    ("interactions", "interaction", "territory", "commune", None),
    ("actors", "actor", "territory", "commune", None),
    ("bodies", "body", "territory", "commune", None),
]


def _side_obj(side, name):
    return getattr(side, name)


@pytest.mark.parametrize(
    ("prefix", "basename", "field", "target", "shape"),
    RELATIONS,
    ids=[f"{r[0]}.{r[2]}" for r in RELATIONS],
)
def test_api1_no_write_can_point_an_inside_object_at_an_outside_one(
    world, prefix, basename, field, target, shape
):
    """PATCH an inside object so that one of its relations names an outside object: refused
    exactly as naming a missing one, nothing written."""
    inside = world.inside.obj(basename)
    shape = shape or (lambda pk: pk)
    before = ChangeRecord.objects.count()
    extra = {"target_actor": None} if field == "target_body" else {}
    url = f"/api/{prefix}/{inside.pk}/"
    leaked = world.client.patch(
        url, {field: shape(_side_obj(world.outside, target).pk), **extra}, format="json"
    )
    missing = world.client.patch(url, {field: shape(MISSING), **extra}, format="json")
    assert_problem(leaked, 422)
    assert_problem(missing, 422)
    assert _errors(leaked) == _errors(missing)
    assert_clean(leaked)
    assert ChangeRecord.objects.count() == before


def test_api1_a_new_territory_cannot_be_attached_under_an_outside_one(world):
    """Even beside a parent of its own: one link would graft it into the other tree.
    Refused exactly as a parent that does not exist."""
    before = ChangeRecord.objects.count()

    def create(parent_id):
        return world.client.post(
            "/api/territories/",
            {
                "level": "quartier",
                "code": "Q-ALPHA-1",
                "name": "Alpha quartier",
                "parent_links": [
                    {"territory": world.inside.commune.pk, "kind": "municipal"},
                    {"territory": parent_id, "kind": "administrative"},
                ],
            },
            format="json",
        )

    leaked = create(world.outside.dept.pk)
    body = assert_problem(leaked, 422)
    assert {e["field"] for e in body["errors"]} == {"parent_links.1.territory"}
    missing = create(MISSING)
    assert_problem(missing, 422)
    assert _errors(leaked) == _errors(missing)
    assert ChangeRecord.objects.count() == before
    assert (
        world.client.post(
            "/api/territories/",
            {
                "level": "quartier",
                "code": "Q-ALPHA-2",
                "name": "Alpha quartier 2",
                "parent_links": [{"territory": world.inside.commune.pk, "kind": "municipal"}],
            },
            format="json",
        ).status_code
        == 201
    )


def test_api1_another_territorys_analysis_job_is_404_like_a_missing_one(world):
    from django.conf import settings
    from django.test import override_settings

    bounds = {**settings.REGISTRY_ANALYSIS, "SYNC_MAX_NODES": 1}
    with override_settings(REGISTRY_ANALYSIS=bounds):
        queued = world.national.get(
            reverse("analysis-influence-map"), {"territory": world.outside.dept.pk}
        )
        assert queued.status_code == 202, queued.content
        job = queued["Location"]
        assert world.national.get(job).status_code == 200
        assert_same_as_missing(
            world.client.get(job),
            world.client.get("/api/analysis/jobs/00000000-0000-4000-8000-000000000000/"),
        )


def test_api1_outside_actors_referred_to_by_inside_objects_show_by_name_only(world):
    """The documented policy (README, Popolo export): a member, host or party of an inside
    object who lives elsewhere appears by id and brief form (name) where that object is
    shown; never with personal data, never as an object of its own (detail, history,
    personal data export and analysis of it are 404)."""
    inside, outside = world.inside, world.outside
    assert (
        world.national.patch(
            f"/api/bodies/{inside.body.pk}/", {"host": outside.organization.pk}, format="json"
        ).status_code
        == 200
    )
    member = world.national.post(
        "/api/memberships/",
        {
            "actor": outside.person.pk,
            "body": inside.body.pk,
            "start_date": "2025-01-01",
            "role": "secretary",
        },
        format="json",
    )
    assert member.status_code == 201, member.content
    shown = [
        world.client.get(f"/api/bodies/{inside.body.pk}/", {"expand": "host"}),
        world.client.get("/api/memberships/", {"expand": "actor,on_behalf_of", "limit": 1000}),
        world.client.get(f"/api/bodies/{inside.body.pk}/members/"),
        world.client.get(reverse("popolo-export"), {"territory": inside.dept.pk}),
        world.client.get(reverse("analysis-influence-map"), {"territory": inside.dept.pk}),
    ]
    assert any(b"Zorglub Personne" in r.content for r in shown)
    for response in shown:
        assert response.status_code == 200, response.content[:300]
        for value in personal_values_of(outside):
            assert value not in response.content
    for url in (
        f"/api/actors/{outside.person.pk}/",
        f"/api/actors/{outside.person.pk}/history/",
        f"/api/actors/{outside.organization.pk}/",
        reverse("actor-personal-data-export", args=[outside.person.pk]),
        reverse("analysis-actor-network", args=[outside.person.pk]),
    ):
        assert_problem(world.client.get(url), 404)


def personal_values_of(side) -> list[bytes]:
    from registry.models import PersonalData

    pd = PersonalData.objects.get(actor=side.person)
    return [pd.email.encode(), pd.phone.encode(), f'"birth_year":{pd.birth_year}'.encode()]


def _territory_parameters(viewset) -> list[str]:
    """The list parameters of a resource that name a territory (id or level:code)."""
    from api.filters import TerritoryRefFilter, WithinTerritoryFilter

    filterset = getattr(viewset, "filterset_class", None)
    if filterset is None:
        return []
    return [
        name
        for name, filter_ in filterset.base_filters.items()
        if isinstance(filter_, TerritoryRefFilter | WithinTerritoryFilter)
    ]


TERRITORY_PARAMETERS = [
    (prefix, name)
    for prefix, viewset, _basename in router.registry
    for name in _territory_parameters(viewset)
]


@pytest.mark.parametrize(("prefix", "name"), TERRITORY_PARAMETERS)
def test_api1_a_list_parameter_naming_a_territory_out_of_reach_answers_as_a_missing_one(
    world, prefix, name
):
    """Beside the key's territory (another branch, at any level): a territory it may not
    reach, named by id or natural key in any parameter of any list, gives the answer of a
    territory that does not exist. (The key's own ancestors keep filtering its own rows:
    test_auth.test_territory_scoped_key_filtering_a_parent_returns_only_inside.)"""
    assert TERRITORY_PARAMETERS, "no territory parameter found: the walk is broken"
    missing = world.client.get(f"/api/{prefix}/", {name: MISSING}).json()
    for territory in (world.outside.commune, world.outside.dept, world.outside.region):
        for ref in (territory.pk, f"{territory.level}:{territory.code}"):
            answer = world.client.get(f"/api/{prefix}/", {name: ref})
            assert answer.status_code == 200, answer.content[:300]
            assert answer.json() == missing, (prefix, name, ref)
