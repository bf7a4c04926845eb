"""``GET /api/analysis/bodies/{id}/recruitment`` on a hand-built world (as of 2026-11-01).

commune C ── quartier Q1, quartier Q2           commune D (apart)
Ville de C: collectivity in C, host of the conseil BQ (in Q1): its network
territory is C.

BQ "Conseil de quartier Q1": "Collège des habitants" (2 seats: r1, r2, men born
1950/1955, residents of Q1), "Collège des associations" (2 seats, empty; its one past
member, the resident "old", sat on behalf of asso2 until 2024-12-31)
candidates in C: asso1 (association, Q1), asso2 (association, Q2),
busy (association, C) sits in B2, B3, B4 (3 bodies: left out),
pc (person, Q2, lawful basis contract: left out),
pf (resident of Q1, consent, woman born 1990, email pf@example.org),
dd (person in D: not of the territory).
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import ALL_SCOPES
from api.personal_data_log import PersonalDataAccess
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-01"
START = dt.date(2025, 1, 1)
OK = dt.date(2030, 1, 1)


def _pd(gender, year, basis="consent", **more):
    return {"gender": gender, "birth_year": year, "lawful_basis": basis, "retention_until": OK}


@pytest.fixture
def world():
    cache.clear()
    c = territory_create(level="commune", code="97001", name="Commune C")
    q1 = territory_create(level="quartier", code="97001-Q1", name="Q1", parents=[(c, "municipal")])
    q2 = territory_create(level="quartier", code="97001-Q2", name="Q2", parents=[(c, "municipal")])
    d = territory_create(level="commune", code="97002", name="Commune D")
    ville = actor_create(
        kind="organization", category="collectivity", name="Ville de C", territory=c
    )

    def person(name, where, category="resident", **pd):
        return actor_create(kind="person", category=category, name=name, territory=where, **pd)

    def org(name, where):
        return actor_create(kind="organization", category="association", name=name, territory=where)

    w = {"c": c, "q1": q1, "q2": q2, "d": d, "ville": ville}
    w["r1"] = person("R1", q1, personal_data=_pd("male", 1950))
    w["r2"] = person("R2", q1, personal_data=_pd("male", 1955))
    w["asso1"], w["asso2"], w["busy"] = org("Asso 1", q1), org("Asso 2", q2), org("Busy", c)
    w["pc"] = person("PC", q2, personal_data=_pd("female", 1980, basis="contract"))
    w["pf"] = person("PF", q1, personal_data={**_pd("female", 1990), "email": "pf@example.org"})
    w["dd"] = person("DD", d)
    body = body_create(
        name="Conseil de quartier Q1", body_type="conseil_quartier", territory=q1, host=ville,
        colleges=[
            {"name": "Collège des habitants", "seats": 2, "selection_mode": "volunteer"},
            {"name": "Collège des associations", "seats": 2, "selection_mode": "designation"},
        ],
    )  # fmt: skip
    w["body"] = body
    w["hab"], w["asso"] = body.colleges.order_by("id")
    for r in ("r1", "r2"):
        membership_create(actor=w[r], body=body, college=w["hab"], role="member", start_date=START)
    w["old"] = person("Old", q2)
    membership_create(
        actor=w["old"], body=body, college=w["asso"], role="member", on_behalf_of=w["asso2"],
        start_date=dt.date(2022, 1, 1), end_date=dt.date(2024, 12, 31), end_reason="term_ended",
    )  # fmt: skip
    for n in (2, 3, 4):
        other = body_create(name=f"B{n}", body_type="conseil_citoyen", territory=c)
        membership_create(actor=w["busy"], body=other, role="member", start_date=START)
    w["other"] = other
    return w


def get(client, body, **params):
    return client.get(f"/api/analysis/bodies/{body.pk}/recruitment", {"as_of": AS_OF, **params})


def full():
    return client_for(make_key(scopes=ALL_SCOPES)[1])


def no_personal():
    return client_for(make_key(scopes=("read", "analysis"))[1])


def test_the_pool_fills_the_empty_associations_college(world):
    response = get(no_personal(), world["body"])
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    assert doc["network_territory"]["id"] == world["c"].pk
    colleges = {c["id"]: c for c in doc["colleges"]}
    asso = colleges[world["asso"].pk]
    # read from who filled it: a resident on behalf of an association counts as one
    assert (asso["vacant"], asso["profile_source"], asso["categories"]) == (
        2, "members", ["association"],
    )  # fmt: skip
    assert doc["vacant_seats"] == 2
    seated = {(s["actor_id"], s["college_id"]) for s in doc["simulation"]["seated"]}
    assert seated == {(world["asso1"].pk, world["asso"].pk), (world["asso2"].pk, world["asso"].pk)}
    vacancy = next(i for i in doc["simulation"]["indicators"] if i["code"] == "vacancy")
    assert (vacancy["value_before"], vacancy["value_after"]) == (0.5, 0.0)
    assert doc["excluded"] == {
        "host_authority": 1,
        "already_member": 2,
        "multi_membership": 1,
        "lawful_basis": 1,
        "retention_passed": 0,
        "erased": 0,
    }
    places = {g["value"]: g["label"] for g in doc["gaps"] if g["dimension"] == "sub_territory"}
    assert places["quartier:97001-Q2"] == "Q2"  # named, not coded
    ids = {c["actor_id"] for c in doc["candidates"]}
    assert world["dd"].pk not in ids and world["busy"].pk not in ids


def test_without_the_personal_data_scope_no_gender_age_or_contact(world):
    doc = orjson.loads(get(no_personal(), world["body"]).content)
    assert doc["personal_data"] is False
    assert doc["criteria_left_out"] == ["age_band", "gender"]
    assert b"pf@example.org" not in get(no_personal(), world["body"]).content
    for c in doc["candidates"]:
        assert (c["gender"], c["age_band"], c["channels"]) == (None, None, [])
        assert not {r["code"] for r in c["reasons"]} & {"gender", "age_band"}
    assert PersonalDataAccess.objects.count() == 0


def test_with_the_personal_data_scope_gender_reason_contact_and_logged_read(world):
    client = full()
    first = get(client, world["body"])
    doc = orjson.loads(first.content)
    assert doc["personal_data"] is True
    pf = next(c for c in doc["candidates"] if c["actor_id"] == world["pf"].pk)
    assert (pf["gender"], pf["age_band"]) == ("female", "25-39")
    assert pf["channels"] == [{"channel": "email", "value": "pf@example.org"}]
    assert "gender" in {r["code"] for r in pf["reasons"]}
    logged = set(PersonalDataAccess.objects.values_list("actor_id", flat=True))
    assert logged == {c["actor_id"] for c in doc["candidates"] if c["contact"] == "allowed"}
    assert world["pf"].pk in logged
    # the two readers never share a cached answer
    assert get(no_personal(), world["body"])["X-Analysis-Cache"] == "miss"
    again = get(client, world["body"])
    assert again["X-Analysis-Cache"] == "hit"
    assert PersonalDataAccess.objects.count() == 2 * len(logged)  # a cached read is logged too


def test_a_key_limited_to_the_quartier_sees_only_its_actors(world):
    client = client_for(make_key(scopes=("read", "analysis"), territory=world["q1"])[1])
    doc = orjson.loads(get(client, world["body"]).content)
    assert doc["network_territory"]["id"] == world["q1"].pk
    ids = {c["actor_id"] for c in doc["candidates"]}
    assert ids == {world["asso1"].pk, world["pf"].pk}
    # the left out of C outside Q1 (busy, pc) are not counted either
    assert doc["excluded"]["multi_membership"] == doc["excluded"]["lawful_basis"] == 0


def test_a_body_out_of_reach_answers_like_a_missing_id(world):
    client = client_for(make_key(scopes=("read", "analysis"), territory=world["q2"])[1])
    hidden = get(client, world["body"])
    missing = client.get("/api/analysis/bodies/999999/recruitment", {"as_of": AS_OF})
    assert hidden.status_code == missing.status_code == 404

    def strip(response):
        ignored = ("instance", "request_id")
        return {k: v for k, v in orjson.loads(response.content).items() if k not in ignored}

    assert strip(hidden) == strip(missing)


@pytest.mark.parametrize(
    "params, field",
    [({"top": "-1"}, "top"), ({"top": "51"}, "top"), ({"top": "x"}, "top"),
     ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"), ({"seed": "-3"}, "seed"),
     ({"as_of": "2026-13-01"}, "as_of")],
)  # fmt: skip
def test_bad_parameters_are_problems_naming_them(world, params, field):
    response = get(no_personal(), world["body"], **params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.content.decode()


def test_same_seed_same_bytes(world):
    first = get(no_personal(), world["body"], seed=3).content
    cache.clear()
    assert get(no_personal(), world["body"], seed=3).content == first


# The world is only read (the cache is keyed by top), so it may be shared between inputs.
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(top=st.integers(min_value=0, max_value=50))
def test_top_seats_at_most_the_candidates(world, top):
    doc = orjson.loads(get(no_personal(), world["body"], top=top).content)
    assert doc["simulation"]["top"] == min(top, doc["candidates_total"])


def test_query_count_does_not_grow_with_the_candidates(world, django_assert_max_num_queries):
    client = no_personal()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert get(client, world["body"]).status_code == 200
    for n in range(15):
        actor_create(
            kind="organization", category="association", name=f"More {n}", territory=world["q1"]
        )
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert get(client, world["body"]).status_code == 200


def test_every_lawful_basis_of_the_registry_is_classified():
    from graph.recruitment import CONTACT_BASES
    from registry.models.actor import LawfulBasis

    assert set(LawfulBasis.values) >= CONTACT_BASES, "a contact basis the registry lacks"


def test_a_sub_territory_is_the_territory_just_below_the_network_territory(world):
    """The strengths' rule (``graph.loaders.common.sub_territories``): a resident of a block
    inside Q2 counts for Q2, never for the block, in the gaps and in the reasons."""
    block = territory_create(
        level="quartier", code="97001-Q2-1", name="Îlot Q2-1", parents=[(world["q2"], "municipal")]
    )
    newcomer = actor_create(kind="person", category="resident", name="Block", territory=block)
    doc = orjson.loads(get(no_personal(), world["body"]).content)
    places = {g["value"] for g in doc["gaps"] if g["dimension"] == "sub_territory"}
    assert places == {"quartier:97001-Q2"}  # the block is no sub-territory of its own
    entry = next(c for c in doc["candidates"] if c["actor_id"] == newcomer.pk)
    assert entry["territory"] == "quartier:97001-Q2-1"  # where it lives, as recorded
    reason = next(r for r in entry["reasons"] if r["code"] == "sub_territory")
    assert "Q2" in reason["message_en"] and "Îlot" not in reason["message_en"]
    # Ville de C lives in C itself: no sub-territory, so no gap or reason names C.
    assert "commune:97001" not in places
