"""The Popolo export is self-contained: every reference in it names an object of it.

A person's or organization's ``area_id``, an area's ``parent_id``, a body's
``parent_id`` (its host), a post's ``organization_id``, a membership's
``organization_id``, ``post_id``, ``person_id``, ``member``, ``on_behalf_of_id``,
``area_id``: each resolves inside the same document or is left out. Checked on a
world built to make references leak (members, hosts and organizations represented
living elsewhere, a commune with parents in two hierarchies, a quartier, a body on a
territory no longer valid), for several territories, scoped keys and dates, and the
document stays valid Popolo (the JSON Schemas of ``tests/api/test_popolo.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from registry.models import Actor, Body, Territory
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create
from tests.api.generic import caller
from tests.api.test_popolo import KINDS, World, _person, build_world, export, validators

__all__ = ["validators"]  # the Popolo JSON Schema validators, a fixture of test_popolo

pytestmark = pytest.mark.django_db


@dataclass
class Leaky:
    world: World
    quartier: Territory
    other_quartier: Territory
    old_quartier: Territory
    traveller: Actor
    local: Actor
    foreign_org: Actor
    foreign_body: Body
    old_body: Body


def build_leaky() -> Leaky:
    """``build_world`` plus everything that once made a reference point outside the export."""
    w = build_world()
    t = w.tree
    quartier = territory_create(
        level="quartier", code="75118-Q04", name="Goutte d'Or", parents=[(t.commune, "municipal")]
    )
    other_quartier = territory_create(
        level="quartier", code="89025-Q01", name="Centre", parents=[(t.other_commune, "municipal")]
    )
    old_quartier = territory_create(
        level="quartier",
        code="75118-Q99",
        name="Ancien quartier",
        parents=[(t.commune, "municipal")],
        valid_until=dt.date(2020, 1, 1),
    )
    # Lives in a quartier of Avallon, sits in Paris's body: the export of Paris names
    # them, and used to give them the area_id of a quartier it did not hold.
    traveller = _person("Chloe Voyageuse", other_quartier)
    local = _person("Denis Local", quartier)
    foreign_org = actor_create(
        kind="organization",
        category="association",
        name="Association de l'Yonne",
        territory=t.other_commune,
    )
    college = w.body.colleges.get(name="Habitants")
    membership_create(
        actor=traveller,
        body=w.body,
        college=college,
        on_behalf_of=foreign_org,
        start_date=dt.date(2024, 1, 1),
    )
    membership_create(actor=local, body=w.body, college=college, start_date=dt.date(2024, 1, 1))
    membership_create(actor=foreign_org, body=w.body, start_date=dt.date(2024, 1, 1))
    # A body of Avallon hosted by an actor of Paris, with a member from Paris.
    foreign_body = body_create(
        name="Comité d'Avallon",
        body_type="comite_consultatif",
        territory=t.other_commune,
        host=w.host,
        colleges=[{"name": "Tous", "seats": 5, "selection_mode": "volunteer"}],
    )
    membership_create(
        actor=w.person,
        body=foreign_body,
        college=foreign_body.colleges.get(),
        start_date=dt.date(2024, 1, 1),
    )
    # A body still active on a quartier that ceased to exist.
    old_body = body_create(
        name="Conseil de l'ancien quartier", body_type="conseil_quartier", territory=old_quartier
    )
    membership_create(actor=local, body=old_body, start_date=dt.date(2019, 1, 1))
    return Leaky(
        w,
        quartier,
        other_quartier,
        old_quartier,
        traveller,
        local,
        foreign_org,
        foreign_body,
        old_body,
    )


def references(obj, path: str = "") -> list[tuple[str, str]]:
    """Every reference in ``obj``: ``(where, id)`` of each ``*_id`` and of ``member``."""
    found = []
    if isinstance(obj, dict):
        for name, value in obj.items():
            where = f"{path}/{name}"
            if name.endswith("_id") and value is not None:
                found.append((where, value))
            elif name == "member" and isinstance(value, dict):
                found.append((where, value.get("id")))
            else:
                found.extend(references(value, where))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            found.extend(references(item, f"{path}/{i}"))
    return found


def assert_closed(doc: dict) -> None:
    ids = [obj["id"] for kind in KINDS for obj in doc[kind]]
    assert len(ids) == len(set(ids)), "an object appears twice"
    dangling = [(where, ref) for where, ref in references(doc) if ref not in set(ids)]
    assert not dangling, f"references to objects the export does not hold: {dangling}"


def assert_valid_popolo(doc: dict, validators) -> None:
    for kind, validator in validators.items():
        for obj in doc[kind]:
            errors = [e.message for e in validator.iter_errors(obj)]
            assert not errors, f"{kind} {obj.get('id')} is not valid Popolo: {errors}\n{obj}"


def by_id(doc: dict, kind: str) -> dict[str, dict]:
    return {obj["id"]: obj for obj in doc[kind]}


def test_every_reference_resolves_for_every_territory_key_and_date(validators):
    k = build_leaky()
    t = k.world.tree
    territories = [
        t.region,
        t.dept,
        t.commune,
        k.quartier,
        k.old_quartier,
        k.world.epci,
        t.other_region,
        t.other_commune,
        k.other_quartier,
    ]
    keys = [
        caller(scopes=("read", "personal_data")),
        caller(scopes=("read",)),
        caller(scopes=("read", "personal_data"), territory=t.dept),
        caller(scopes=("read",), territory=t.commune),
        caller(scopes=("read", "personal_data"), territory=k.world.epci),
        caller(scopes=("read",), territory=t.other_region),
    ]
    checked = 0
    for key in keys:
        for territory in territories:
            for as_of in (None, "2019-06-01", "2024-06-01"):
                query = {"territory": str(territory.pk)} | ({"as_of": as_of} if as_of else {})
                response = key.client.get("/api/export/popolo", query)
                if response.status_code == 404:  # outside the key's territory
                    continue
                assert response.status_code == 200, (query, response.content[:300])
                doc = response.json()
                assert_closed(doc)
                assert_valid_popolo(doc, validators)
                checked += 1
    assert checked >= 40, f"only {checked} exports checked: the keys should reach more"


def test_a_member_living_elsewhere_is_named_without_a_foreign_area(validators):
    k = build_leaky()
    t = k.world.tree
    doc = export(caller().client, t.commune)
    assert_closed(doc)
    persons = by_id(doc, "persons")
    traveller = persons[f"actor/{k.traveller.pk}"]
    assert traveller["name"] == "Chloe Voyageuse"
    assert "area_id" not in traveller, "the quartier of Avallon is not in Paris's export"
    local = persons[f"actor/{k.local.pk}"]
    assert local["area_id"] == f"territory/{k.quartier.pk}", "a territory inside is kept"
    orgs = by_id(doc, "organizations")
    assert "area_id" not in orgs[f"actor/{k.foreign_org.pk}"]
    seat = next(m for m in doc["memberships"] if m.get("person_id") == f"actor/{k.traveller.pk}")
    assert seat["on_behalf_of_id"] == f"actor/{k.foreign_org.pk}"  # included, so kept
    assert seat["post_id"].startswith("college/")
    # The same person in Avallon's own export: there the quartier is held.
    avallon = export(caller().client, t.other_commune)
    assert by_id(avallon, "persons")[f"actor/{k.traveller.pk}"]["area_id"] == (
        f"territory/{k.other_quartier.pk}"
    )


def test_an_area_names_a_parent_of_the_export_only():
    k = build_leaky()
    t = k.world.tree
    commune = export(caller().client, t.commune)
    areas = by_id(commune, "areas")
    assert "parent_id" not in areas[f"territory/{t.commune.pk}"], "its département is not held"
    assert areas[f"territory/{k.quartier.pk}"]["parent_id"] == f"territory/{t.commune.pk}"
    # Under its EPCI, Paris's parent is the EPCI (the administrative parent is outside).
    epci = by_id(export(caller().client, k.world.epci), "areas")
    assert epci[f"territory/{t.commune.pk}"]["parent_id"] == f"territory/{k.world.epci.pk}"
    assert "parent_id" not in epci[f"territory/{k.world.epci.pk}"]
    # Under the région, the administrative parent is preferred, as before.
    region = by_id(export(caller().client, t.region), "areas")
    assert region[f"territory/{t.commune.pk}"]["parent_id"] == f"territory/{t.dept.pk}"


def test_a_body_on_a_territory_gone_by_the_date_keeps_no_area():
    k = build_leaky()
    doc = export(caller().client, k.world.tree.commune, as_of="2024-06-01")
    assert_closed(doc)
    assert f"territory/{k.old_quartier.pk}" not in by_id(doc, "areas")
    old = by_id(doc, "organizations")[f"body/{k.old_body.pk}"]
    assert "area_id" not in old
    assert old["classification"] == "participation-body"
    for seat in doc["memberships"]:
        if seat["organization_id"] == f"body/{k.old_body.pk}":
            assert "area_id" not in seat


def test_a_scoped_key_gets_a_closed_export_with_outsiders_by_name():
    k = build_leaky()
    t = k.world.tree
    doc = export(caller(territory=t.commune).client, t.commune)
    assert_closed(doc)
    traveller = by_id(doc, "persons")[f"actor/{k.traveller.pk}"]
    assert traveller == {"id": f"actor/{k.traveller.pk}", "name": "Chloe Voyageuse"}
