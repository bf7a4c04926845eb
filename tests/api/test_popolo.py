"""Popolo export of a territory: valid Popolo, exactly the territory's objects, scoped, constant SQL.

Every exported object is validated offline against the Popolo 1.0 JSON Schemas
kept in ``/work/shared/data/popolo-schemas/`` (``POPOLO_SCHEMAS`` overrides the
folder); their ``$ref``s name ``http://www.popoloproject.com/schemas/<file>#``,
mapped to the files by a ``referencing`` registry, so nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import Actor, Body, Membership, Territory
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.memberships import membership_create, membership_end
from registry.services.territories import territory_create
from tests.api.generic import Tree, assert_json, assert_problem, build_tree, caller, key_of

pytestmark = pytest.mark.django_db

SCHEMA_DIR = Path(os.environ.get("POPOLO_SCHEMAS", "/work/shared/data/popolo-schemas"))
SCHEMA_BASE = "http://www.popoloproject.com/schemas/"
KINDS = {
    "persons": "person.json",
    "organizations": "organization.json",
    "memberships": "membership.json",
    "posts": "post.json",
    "areas": "area.json",
}
PERSONAL_KEYS = ("contact_details", "email", "gender", "birth_date")
URL = reverse("popolo-export")


@pytest.fixture(scope="module")
def validators():
    """A Draft 3 validator per Popolo kind, resolving every ``$ref`` from the local files."""
    if not SCHEMA_DIR.is_dir() or not (SCHEMA_DIR / "person.json").is_file():
        pytest.skip(f"Popolo JSON Schemas not found in {SCHEMA_DIR} (set POPOLO_SCHEMAS)")
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT3

    schemas, resources = {}, []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.name] = contents
        resource = DRAFT3.create_resource(contents)
        resources.append((f"{SCHEMA_BASE}{path.name}", resource))
        resources.append((path.name, resource))  # relative references, should a copy use them
    registry = referencing.Registry().with_resources(resources)
    checker = jsonschema.Draft3Validator.FORMAT_CHECKER
    return {
        kind: jsonschema.Draft3Validator(schemas[name], registry=registry, format_checker=checker)
        for kind, name in KINDS.items()
    }


@dataclass
class World:
    tree: Tree
    epci: Territory
    host: Actor
    association: Actor
    person: Actor
    body: Body
    other_person: Actor
    other_body: Body


def _person(name: str, territory: Territory, *, birth_year: int = 1980) -> Actor:
    given, family = name.split(" ", 1)
    return actor_create(
        kind="person",
        category="resident",
        name=name,
        given_name=given,
        family_name=family,
        territory=territory,
        identifiers=[{"scheme": "external", "value": f"crm-{name}", "issuer": "crm"}],
        other_names=[{"name": f"{given[0]}. {family}", "note": "initials"}],
        links=[{"url": "https://example.org/people/1", "note": "profile"}],
        sources=[{"url": "https://example.org/source"}],
        personal_data={
            "email": f"{given.lower()}@example.org",
            "phone": "+33 1 23 45 67 89",
            "gender": "female",
            "birth_year": birth_year,
            "lawful_basis": "public_task",
            "retention_until": dt.date(2030, 1, 1),
        },
    )


def build_world() -> World:
    tree = build_tree()
    epci = territory_create(level="epci", code="200054781", name="Métropole du Grand Paris")
    from registry.services.territories import territory_link

    territory_link(parent=epci, child=tree.commune, kind="intercommunal")
    host = actor_create(
        kind="organization",
        category="collectivity",
        name="Ville de Paris",
        territory=tree.commune,
        identifiers=[{"scheme": "siren", "value": "217500016"}],
        founding_date=dt.date(1975, 1, 1),
    )
    association = actor_create(
        kind="organization",
        category="association",
        name="Association des habitants",
        territory=tree.commune,
        other_names=[{"name": "ADH", "note": "acronym", "start_date": dt.date(2001, 5, 1)}],
        identifiers=[{"scheme": "rna", "value": "W751234567"}],
    )
    person = _person("Alice Martin", tree.commune)
    body = body_create(
        name="Conseil de quartier Belleville",
        body_type="conseil_quartier",
        territory=tree.commune,
        host=host,
        founding_date=dt.date(2002, 3, 1),
        term_start=dt.date(2023, 1, 1),
        term_end=dt.date(2026, 1, 1),
        seats=20,
        colleges=[
            {"name": "Habitants", "seats": 12, "selection_mode": "lot"},
            {"name": "Associations", "seats": 8, "selection_mode": "designation"},
        ],
    )
    residents, associations = sorted(body.colleges.all(), key=lambda c: c.name != "Habitants")
    membership_create(
        actor=person,
        body=body,
        college=residents,
        role="president",
        start_date=dt.date(2023, 1, 1),
    )
    membership_create(
        actor=association, body=body, college=associations, start_date=dt.date(2023, 1, 1)
    )
    other_person = _person("Bruno Petit", tree.other_commune)
    other_body = body_create(
        name="Conseil citoyen d'Avallon", body_type="conseil_citoyen", territory=tree.other_commune
    )
    membership_create(actor=other_person, body=other_body, start_date=dt.date(2024, 1, 1))
    return World(tree, epci, host, association, person, body, other_person, other_body)


def export(client, territory, **params):
    ref = territory if isinstance(territory, str) else str(territory.pk)
    return assert_json(client.get(URL, {"territory": ref, **params}))


def ids_of(doc: dict, kind: str) -> set[str]:
    found = [obj["id"] for obj in doc[kind]]
    assert len(found) == len(set(found)), f"duplicate {kind}: {found}"
    return set(found)


# --- Popolo validity ---------------------------------------------------------------------


def test_every_exported_object_is_valid_popolo(validators):
    build_world()
    doc = export(caller().client, Territory.objects.get(level="region", code="11"))
    assert set(doc) == set(KINDS)
    for kind, validator in validators.items():
        assert doc[kind], f"the test data should give some {kind}"
        for obj in doc[kind]:
            errors = [
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(obj)
            ]
            assert not errors, f"{kind} {obj.get('id')} is not valid Popolo: {errors}\n{obj}"


def test_the_schemas_do_catch_invalid_objects(validators):
    """The validation above can fail: a malformed date and a wrong type are refused."""
    assert not validators["memberships"].is_valid({"start_date": "01/02/2024"})
    assert not validators["persons"].is_valid({"birth_date": "1980-1-1"})
    assert not validators["areas"].is_valid({"parent_id": 42})
    # Through a $ref to another file: an identifier needs its "identifier", a link its "url".
    assert not validators["persons"].is_valid({"identifiers": [{"scheme": "siren"}]})
    assert not validators["organizations"].is_valid({"links": [{"note": "no url"}]})
    assert not validators["persons"].is_valid({"contact_details": [{"type": "email"}]})


# --- mapping --------------------------------------------------------------------------------


def test_mapping_of_each_kind():
    w = build_world()
    doc = export(caller().client, w.tree.commune)
    persons = {p["id"]: p for p in doc["persons"]}
    orgs = {o["id"]: o for o in doc["organizations"]}
    alice = persons[f"actor/{w.person.pk}"]
    assert alice["name"] == "Alice Martin"
    assert alice["given_name"] == "Alice" and alice["family_name"] == "Martin"
    assert alice["identifiers"] == [{"scheme": "external:crm", "identifier": "crm-Alice Martin"}]
    assert alice["other_names"] == [{"name": "A. Martin", "note": "initials"}]
    assert alice["links"] == [{"url": "https://example.org/people/1", "note": "profile"}]
    assert alice["sources"] == [{"url": "https://example.org/source"}]

    body = orgs[f"body/{w.body.pk}"]
    assert body["classification"] == "participation-body"
    assert body["parent_id"] == f"actor/{w.host.pk}"
    assert body["area_id"] == f"territory/{w.tree.commune.pk}"
    assert body["founding_date"] == "2002-03-01"
    host = orgs[f"actor/{w.host.pk}"]
    assert host["classification"] == "collectivity"
    assert host["identifiers"] == [{"scheme": "siren", "identifier": "217500016"}]
    assert orgs[f"actor/{w.association.pk}"]["other_names"] == [
        {"name": "ADH", "note": "acronym", "start_date": "2001-05-01"}
    ]

    posts = {p["label"]: p for p in doc["posts"]}
    assert set(posts) == {"Habitants", "Associations"}
    residents = posts["Habitants"]
    assert residents["organization_id"] == f"body/{w.body.pk}"
    assert residents["seats"] == 12
    college = w.body.colleges.get(name="Habitants")
    assert residents["id"] == f"college/{college.pk}"

    by_member = {m.get("person_id") or m["member"]["id"]: m for m in doc["memberships"]}
    alice_seat = by_member[f"actor/{w.person.pk}"]
    seat = Membership.objects.get(actor=w.person)
    assert alice_seat["id"] == f"membership/{seat.pk}"
    assert alice_seat["role"] == "president"
    assert alice_seat["organization_id"] == f"body/{w.body.pk}"
    assert alice_seat["post_id"] == f"college/{college.pk}"
    assert alice_seat["start_date"] == "2023-01-01"
    assert "member" not in alice_seat
    assoc_seat = by_member[f"actor/{w.association.pk}"]
    assert assoc_seat["member"] == {"@type": "Organization", "id": f"actor/{w.association.pk}"}
    assert "person_id" not in assoc_seat

    (area,) = doc["areas"]
    assert area == {
        "id": f"territory/{w.tree.commune.pk}",
        "name": "Paris",
        "identifier": "commune:75056",
        "classification": "commune",
        # No parent_id: its département and EPCI are not in the export (it is closed).
    }
    # Every reference of the document resolves within it.
    every_id = set().union(*(ids_of(doc, kind) for kind in KINDS))
    for m in doc["memberships"]:
        refs = [m.get("person_id"), m.get("member", {}).get("id"), m["organization_id"]]
        refs += [m.get("post_id"), m.get("on_behalf_of_id")]
        assert {r for r in refs if r} <= every_id, m
    for o in doc["organizations"]:
        assert o.get("parent_id") in every_id | {None}, o


# --- what a territory holds -------------------------------------------------------------


def test_export_holds_exactly_the_territory_and_below():
    w = build_world()
    client = caller().client
    doc = export(client, key_of(w.tree.region))
    assert ids_of(doc, "areas") == {
        f"territory/{t.pk}" for t in (w.tree.region, w.tree.dept, w.tree.commune)
    }
    assert ids_of(doc, "persons") == {f"actor/{w.person.pk}"}
    assert ids_of(doc, "organizations") == {
        f"actor/{w.host.pk}",
        f"actor/{w.association.pk}",
        f"body/{w.body.pk}",
    }
    assert ids_of(doc, "memberships") == {
        f"membership/{pk}"
        for pk in Membership.objects.filter(body=w.body).values_list("pk", flat=True)
    }
    assert ids_of(doc, "posts") == {f"college/{c.pk}" for c in w.body.colleges.all()}

    other = export(client, w.tree.other_region)
    assert ids_of(other, "persons") == {f"actor/{w.other_person.pk}"}
    assert ids_of(other, "organizations") == {f"body/{w.other_body.pk}"}
    assert not ids_of(other, "posts")
    assert f"territory/{w.tree.commune.pk}" not in ids_of(other, "areas")


def test_export_follows_the_intercommunal_hierarchy_too():
    w = build_world()
    doc = export(caller().client, key_of(w.epci))
    assert ids_of(doc, "areas") == {f"territory/{w.epci.pk}", f"territory/{w.tree.commune.pk}"}
    assert f"body/{w.body.pk}" in ids_of(doc, "organizations")
    assert f"actor/{w.other_person.pk}" not in ids_of(doc, "persons")


def test_as_of_keeps_what_is_current_on_that_date():
    w = build_world()
    seat = Membership.objects.get(actor=w.person)
    membership_end(membership=seat, end_date=dt.date(2024, 6, 1), end_reason="resigned")
    client = caller().client
    everything = export(client, w.tree.commune)
    ended = next(m for m in everything["memberships"] if m["id"] == f"membership/{seat.pk}")
    assert ended["end_date"] == "2024-06-01" and ended["end_reason"] == "resigned"
    assert f"membership/{seat.pk}" in ids_of(
        export(client, w.tree.commune, as_of="2024-05-31"), "memberships"
    )
    later = export(client, w.tree.commune, as_of="2024-06-01")
    assert f"membership/{seat.pk}" not in ids_of(later, "memberships")
    assert len(later["memberships"]) == 1
    before = export(client, w.tree.commune, as_of="2000-01-01")
    assert not before["memberships"]
    assert f"body/{w.body.pk}" not in ids_of(before, "organizations")  # founded in 2002


# --- personal data ----------------------------------------------------------------------


def test_personal_data_only_with_the_scope():
    w = build_world()
    plain = export(caller(scopes=("read",)).client, w.tree.region)
    for p in plain["persons"]:
        assert not set(PERSONAL_KEYS) & set(p), p
    assert "alice@example.org" not in json.dumps(plain)

    full = export(caller(scopes=("read", "personal_data")).client, w.tree.region)
    alice = next(p for p in full["persons"] if p["id"] == f"actor/{w.person.pk}")
    assert alice["email"] == "alice@example.org"
    assert alice["gender"] == "female"
    assert alice["birth_date"] == "1980"  # a bare year: never an invented full date
    assert {"type": "email", "value": "alice@example.org"} in alice["contact_details"]
    assert {"type": "voice", "value": "+33 1 23 45 67 89"} in alice["contact_details"]


def test_a_scoped_key_sees_no_personal_data_of_members_from_elsewhere():
    """A member living outside the key's territory is named (the seat is in it), no more."""
    w = build_world()
    membership_create(actor=w.other_person, body=w.body, start_date=dt.date(2024, 1, 1))
    scoped = export(
        caller(scopes=("read", "personal_data"), territory=w.tree.dept).client, w.tree.dept
    )
    persons = {p["id"]: p for p in scoped["persons"]}
    outsider = persons[f"actor/{w.other_person.pk}"]
    assert outsider["name"] == "Bruno Petit"
    assert not set(PERSONAL_KEYS) & set(outsider), outsider
    assert persons[f"actor/{w.person.pk}"]["birth_date"] == "1980"

    national = export(caller(scopes=("read", "personal_data")).client, w.tree.dept)
    outsider = next(p for p in national["persons"] if p["id"] == f"actor/{w.other_person.pk}")
    assert outsider["email"] == "bruno@example.org"


# --- access -------------------------------------------------------------------------------


def test_a_scoped_key_exports_its_territory_and_below_only():
    w = build_world()
    client = caller(territory=w.tree.dept).client
    assert ids_of(export(client, w.tree.dept), "persons") == {f"actor/{w.person.pk}"}
    assert export(client, key_of(w.tree.commune))["organizations"]
    for outside in (w.tree.region, w.tree.other_region, w.tree.other_commune, w.epci):
        assert_problem(client.get(URL, {"territory": outside.pk}), 404)
    assert_problem(client.get(URL, {"territory": key_of(w.tree.other_commune)}), 404)


def test_read_scope_is_needed():
    w = build_world()
    response = caller(scopes=("analysis",)).client.get(URL, {"territory": w.tree.region.pk})
    assert_problem(response, 403)
    from rest_framework.test import APIClient

    assert APIClient().get(URL, {"territory": w.tree.region.pk}).status_code in (401, 403)


@pytest.mark.parametrize(
    "params", [{}, {"territory": ""}, {"territory": "paris"}, {"territory": "commune:"}]
)
def test_missing_or_malformed_territory_is_a_400_naming_it(params):
    build_tree()
    assert_problem(caller().client.get(URL, params), 400, field="territory")


def test_unknown_territory_is_a_404_and_bad_date_a_400():
    tree = build_tree()
    client = caller().client
    assert_problem(client.get(URL, {"territory": "commune:00000"}), 404)
    assert_problem(client.get(URL, {"territory": "987654321"}), 404)
    assert_problem(
        client.get(URL, {"territory": tree.region.pk, "as_of": "2024-13-01"}), 400, field="as_of"
    )


# --- SQL --------------------------------------------------------------------------------


def test_queries_do_not_grow_with_the_members():
    w = build_world()
    client = caller(scopes=("read", "personal_data")).client
    export(client, w.tree.region)  # the key's first use records when it was last used

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            doc = export(client, w.tree.region)
        return len(ctx.captured_queries), len(doc["memberships"])

    def add_members(n: int, start: int) -> None:
        for i in range(start, start + n):
            member = _person(f"Membre N{i:03d}", w.tree.commune, birth_year=1950 + i)
            membership_create(actor=member, body=w.body, start_date=dt.date(2024, 1, 1))

    add_members(2, 0)
    q_small, n_small = measure()
    add_members(18, 2)
    q_large, n_large = measure()
    assert n_large == n_small + 18
    assert q_small == q_large, (
        f"{q_small} queries for {n_small} memberships, {q_large} for {n_large}"
    )
    assert q_small <= 12, f"a handful of queries expected, got {q_small}"
