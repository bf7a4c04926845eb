"""A member list sent twice gives an empty diff, however its members are named (issue 11).

The README's own examples (new actor by name, with an external id, with identifiers),
then a property: for generated lists L (actor ids, identifiers, inline new actors
named in any of the ways French lists write names, with or without external ids and
colleges), ``sync(L)`` then ``sync(L)`` is empty, and so is a third send where every
new actor is spelled another way. Invented names only.
"""

from __future__ import annotations

import unicodedata

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.models import Actor, Membership
from registry.services import bodies
from registry.services.actors import actor_create
from registry.services.territories import territory_create

pytestmark = pytest.mark.django_db


def make_body():
    commune = territory_create(level="commune", code="75118", name="Paris 18e")
    return bodies.body_create(
        name="Conseil de quartier Goutte d'Or",
        body_type="conseil_quartier",
        territory=commune,
        colleges=[
            {"name": "Habitants", "selection_mode": "lot"},
            {"name": "Associations", "selection_mode": "designation"},
        ],
    )


def put(client, body, members, day="2026-11-25"):
    response = client.put(
        reverse("body-members", kwargs={"pk": body.pk}),
        {"effective_date": day, "members": members},
        format="json",
    )
    assert response.status_code == 200, response.content[:800]
    return response.json()


def empty(answer) -> bool:
    return answer["created"] == answer["updated"] == answer["ended"] == []


# --- the README examples ----------------------------------------------------------------


@pytest.fixture
def readme(db):
    body = make_body()
    president = actor_create(kind="person", category="resident", name="Karim Haddad")
    association = actor_create(
        kind="organization",
        category="association",
        name="Association des locataires",
        identifiers=[{"scheme": "rna", "value": "W751000001"}],
    )
    return body, president, association


def readme_list(president):
    return [
        {
            "actor": president.pk,
            "college": "Habitants",
            "role": "president",
            "external_id": "CQ-17",
        },
        {"identifier": {"scheme": "rna", "value": "W751000001"}, "college": "Associations"},
        {"new_actor": {"kind": "person", "category": "resident", "name": "Inès Roux"}},
    ]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"external_id": "CQ-18"},
        {"identifiers": [{"scheme": "external", "value": "RH-2291", "issuer": "mairie18"}]},
    ],
    ids=["by-name", "with-external-id", "with-identifiers"],
)
def test_the_readme_example_sent_twice_is_empty(full_client, readme, extra):
    body, president, _association = readme
    members = readme_list(president)
    if "external_id" in extra:
        members[2]["external_id"] = extra["external_id"]
    elif extra:
        members[2]["new_actor"].update(extra)
    first = put(full_client, body, members)
    assert len(first["created"]) == 3
    assert {c["name"] for c in first["created"]} == {
        "Karim Haddad",
        "Association des locataires",
        "Inès Roux",
    }
    actors = Actor.objects.count()
    second = put(full_client, body, members, day="2026-12-01")
    assert empty(second), second
    assert len(second["unchanged"]) == 3
    assert Actor.objects.count() == actors
    assert Membership.objects.filter(body=body, end_date__isnull=True).count() == 3


def test_the_readme_example_dry_run_then_run_then_again(full_client, readme):
    body, president, _association = readme
    members = readme_list(president)
    url = reverse("body-members", kwargs={"pk": body.pk}) + "?dry_run=true"
    dry = full_client.put(url, {"effective_date": "2026-11-25", "members": members}, format="json")
    assert dry.status_code == 200 and len(dry.json()["created"]) == 3
    assert Actor.objects.filter(name="Inès Roux").count() == 0
    put(full_client, body, members)
    assert empty(put(full_client, body, members, day="2026-12-01"))
    assert Actor.objects.filter(name="Inès Roux").count() == 1


# --- the property -----------------------------------------------------------------------

PEOPLE = [
    ("Marie", "Dupont"),
    ("Jean-Édouard", "Lefèvre"),
    ("Inès", "Roux"),
    ("Amadou", "Diallo"),
    ("Léa", "Nguyen"),
    ("Chloé", "Martin-Petit"),
    ("Yannick", "Le Goff"),
]


def _bare(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


SPELLINGS = [
    lambda g, f: {"name": f"{g} {f}"},
    lambda g, f: {"name": f"{f.upper()} {g}"},
    lambda g, f: {"name": f"  {g.lower()}   {f.lower()} "},
    lambda g, f: {"name": _bare(f"{f} {g}").replace("-", " ")},
    lambda g, f: {"name": f, "given_name": g, "family_name": f},
    lambda g, f: {"name": f"{g} {f}", "given_name": g, "family_name": f.upper()},
]


@st.composite
def member_lists(draw):
    """(entries, respell) where respell gives the same list with other spellings."""
    stored = draw(st.lists(st.sampled_from(range(3)), unique=True, max_size=3))
    people = draw(st.lists(st.sampled_from(range(len(PEOPLE))), unique=True, max_size=5))
    entries = []
    for i in stored:
        by = draw(st.sampled_from(["id", "identifier"]))
        entry = {"stored": i, "by": by}
        entries.append(entry)
    for p in people:
        entries.append(
            {
                "person": p,
                "spelling": draw(st.integers(0, len(SPELLINGS) - 1)),
                "respelling": draw(st.integers(0, len(SPELLINGS) - 1)),
                "external_id": draw(st.booleans()),
                "org": draw(st.booleans()) and p % 2 == 0,
            }
        )
    for entry in entries:
        entry["college"] = draw(st.sampled_from([None, "Habitants", "Associations", "habitants"]))
        entry["role"] = draw(st.sampled_from([None, "member", "president"]))
    return draw(st.permutations(entries))


def _render(specs, stored, respell=False):
    members = []
    for spec in specs:
        if "stored" in spec:
            actor = stored[spec["stored"]]
            entry = (
                {"actor": actor.pk}
                if spec["by"] == "id"
                else {"identifier": {"scheme": "siren", "value": f"12345678{spec['stored']}"}}
            )
        else:
            given, family = PEOPLE[spec["person"]]
            spelling = SPELLINGS[spec["respelling" if respell else "spelling"]]
            kind = {"kind": "person", "category": "resident"}
            if spec["org"]:
                kind = {"kind": "organization", "category": "association"}
                spelling = SPELLINGS[0]
            entry = {"new_actor": {**kind, **spelling(given, family)}}
            if spec["external_id"]:
                entry["external_id"] = f"S-{spec['person']}"
        if spec["college"] is not None:
            entry["college"] = spec["college"]
        if spec["role"] is not None:
            entry["role"] = spec["role"]
        members.append(entry)
    return members


class _Rollback(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=member_lists())
def test_any_list_sent_twice_is_empty_however_its_members_are_named(full_client, specs):
    try:
        with transaction.atomic():
            body = make_body()
            stored = [
                actor_create(
                    kind="organization",
                    category="association",
                    name=f"Association {i}",
                    identifiers=[{"scheme": "siren", "value": f"12345678{i}"}],
                )
                for i in range(3)
            ]
            members = _render(specs, stored)
            first = put(full_client, body, members)
            assert len(first["created"]) == len(members)
            actors = Actor.objects.count()
            second = put(full_client, body, members, day="2026-12-01")
            assert empty(second), (members, second)
            third = put(full_client, body, _render(specs, stored, respell=True), day="2026-12-02")
            assert empty(third), (members, third)
            assert Actor.objects.count() == actors
            raise _Rollback
    except _Rollback:
        pass
