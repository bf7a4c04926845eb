"""The strengths in the renewal answers: the route, the ranking, a limited key, the loaders'
query counts.

The world (hand-built, as of 2026-11-01):

    region R ── commune C ── quartiers Q1, Q2
            └── commune D

    host: Ville C (an organization of C) runs B1 (in Q1), B2 (in Q2) and B3 (in D).
    B1 seats, from 2024-01-01: n1, n2 (lives in Q1), o1 (of C); n1 also sits in B2 from 2025-06-01;
    o1 has sat in B3 since 2019-01-01.
    B2: p1 from 2020-01-01, n1 from 2025-06-01.
    Opinions: B1 a self-referral adopted and a referral partly adopted; B2 a referral
    rejected; B3 a referral with no answer.

By hand, for B1 (window of the entrants from 2020-11-01; of the opinions 24 months):
entrants n1, n2, o1; newcomers n1, n2 (o1 sat in B3 before): 2 / 3; n1 later sat in B2;
the host referred 3 opinions to its 3 bodies, 1 to B1: 1 / 3, the even share.
A key limited to C does not see B3: o1 looks like a newcomer (3 / 3), and the host's
referrals are those of B1 and B2 (1 of 2, even share 1 / 2): nothing of B3 is counted.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ALL_SCOPES
from graph import loaders
from registry.models import Territory
from registry.services.activity import opinion_create
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-01"
D = dt.date


@pytest.fixture
def world() -> dict:
    cache.clear()
    region = territory_create(level="region", code="96", name="Région R")
    c = territory_create(
        level="commune", code="96001", name="Commune C", parents=[(region, "administrative")]
    )
    q1 = territory_create(level="quartier", code="96001-Q1", name="Q1", parents=[(c, "municipal")])
    q2 = territory_create(level="quartier", code="96001-Q2", name="Q2", parents=[(c, "municipal")])
    d = territory_create(
        level="commune", code="96002", name="Commune D", parents=[(region, "administrative")]
    )
    host = actor_create(kind="organization", category="collectivity", name="Ville C", territory=c)
    people = {
        key: actor_create(
            kind="person", category="resident", name=key, territory=q1 if key == "n2" else c
        )
        for key in ("n1", "n2", "o1", "p1")
    }
    b1 = body_create(name="B1", body_type="conseil_quartier", territory=q1, host=host)
    b2 = body_create(name="B2", body_type="conseil_quartier", territory=q2, host=host)
    b3 = body_create(name="B3", body_type="conseil_citoyen", territory=d, host=host)
    for person, body, start in (
        ("n1", b1, D(2024, 1, 1)),
        ("n2", b1, D(2024, 1, 1)),
        ("o1", b1, D(2024, 1, 1)),
        ("n1", b2, D(2025, 6, 1)),
        ("p1", b2, D(2020, 1, 1)),
        ("o1", b3, D(2019, 1, 1)),
    ):
        membership_create(actor=people[person], body=body, role="member", start_date=start)
    for body, day, referral, outcome in (
        (b1, D(2026, 1, 10), "self", "adopted"),
        (b1, D(2026, 3, 10), "referred", "partially_adopted"),
        (b2, D(2026, 2, 10), "referred", "rejected"),
        (b3, D(2026, 4, 10), "referred", ""),
    ):
        answer = {"response_date": day + dt.timedelta(days=20)} if outcome else {}
        opinion_create(
            body=body, date=day, title="Avis", referral=referral, response_outcome=outcome,
            **answer,
        )  # fmt: skip
    return {"c": c, "q1": q1, "b1": b1, "b2": b2, "b3": b3, "people": people}


def strengths_of(doc: dict) -> dict:
    return {s["code"]: s for s in doc["strengths"]}


def test_the_body_route_shows_the_strengths_beside_the_indicators(world):
    client = client_for(make_key(scopes=ALL_SCOPES)[1])
    response = client.get(f"/api/analysis/bodies/{world['b1'].pk}/renewal", {"as_of": AS_OF})
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    found = strengths_of(doc)
    new = found["newcomers"]
    assert new["value"] == pytest.approx(2 / 3) and new["status"] == "strength"
    assert new["detail"] == {
        "entry_years": 6, "entrants": 3, "newcomers": 2,
        "newcomers_seated": 2, "later_sat_elsewhere": 1,
    }  # fmt: skip
    assert (found["newcomers_onward"]["value"], found["newcomers_onward"]["status"]) == (
        1.0, "strength",
    )  # fmt: skip
    share = found["referral_share"]
    assert share["value"] == pytest.approx(1 / 3) and share["threshold"] == pytest.approx(1 / 3)
    assert share["status"] == "strength"
    assert share["detail"]["host_referrals"] == 3 and share["detail"]["host_bodies"] == 3
    assert found["initiative"]["value"] == 1.0 and found["initiative"]["status"] == "strength"
    taken = found["opinions_taken_up"]
    assert taken["value"] == 2.0 and taken["detail"]["by_referral"]["self"]["adopted"] == 1
    assert "initiative" in found["initiative"]["message_en"]
    assert found["initiative"]["message_fr"]
    assert "Strengths: opinions taken up, initiative" in doc["summary_en"]
    # the ranking gives each body the same strengths, beside its indicators
    ranking = orjson.loads(
        client.get("/api/analysis/renewal", {"territory": world["c"].pk, "as_of": AS_OF}).content
    )
    by_body = {a["body_id"]: a for a in ranking["ranking"]}
    assert by_body[world["b1"].pk]["strengths"] == doc["strengths"]
    assert by_body[world["b1"].pk]["indicators"] == doc["indicators"]
    b2 = strengths_of(by_body[world["b2"].pk])
    # B2 entrants since 2020-11-01: n1 only (p1 joined in 2020-01), who sat in B1 before
    assert b2["newcomers"]["value"] == 0.0 and b2["newcomers"]["status"] == "none"
    assert b2["newcomers_onward"]["status"] == "unknown"


def test_a_limited_key_counts_nothing_out_of_its_reach(world):
    key = client_for(make_key(scopes=("read", "analysis"), territory=world["c"])[1])
    response = key.get(f"/api/analysis/bodies/{world['b1'].pk}/renewal", {"as_of": AS_OF})
    assert response.status_code == 200, response.content
    found = strengths_of(orjson.loads(response.content))
    # o1's seat in B3 (commune D) is out of reach: as if it did not exist
    assert found["newcomers"]["detail"]["newcomers"] == 3
    assert found["newcomers"]["value"] == 1.0
    share = found["referral_share"]
    assert share["detail"]["host_referrals"] == 2 and share["detail"]["host_bodies"] == 2
    assert share["value"] == pytest.approx(0.5) and share["threshold"] == pytest.approx(0.5)
    # and the out-of-reach body stays a missing one
    missing = key.get(f"/api/analysis/bodies/{world['b3'].pk}/renewal", {"as_of": AS_OF})
    nowhere = key.get("/api/analysis/bodies/999999/renewal", {"as_of": AS_OF})
    assert missing.status_code == nowhere.status_code == 404
    assert orjson.loads(missing.content)["detail"] == orjson.loads(nowhere.content)["detail"]


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_strengths_loaders_read_a_bounded_number_of_queries(world):
    day = D(2026, 11, 1)
    one = _queries(lambda: loaders.body_facts(body_ids=[world["b1"].pk], as_of=day))
    three = _queries(
        lambda: loaders.body_facts(
            body_ids=[world["b1"].pk, world["b2"].pk, world["b3"].pk], as_of=day
        )
    )
    # bodies, colleges, memberships, attendance, meetings, opinions, seats elsewhere,
    # host referrals, host bodies: the same whatever the number of bodies
    assert one == three == 9
    facts = {f.id: f for f in loaders.body_facts(body_ids=[world["b1"].pk], as_of=day)}
    b1 = facts[world["b1"].pk]
    assert sorted((s.start, s.body_id) for s in b1.seats_elsewhere) == [
        (D(2019, 1, 1), world["b3"].pk),
        (D(2025, 6, 1), world["b2"].pk),
    ]
    peers = _queries(lambda: loaders.peer_members(territory_id=world["c"].pk, as_of=day))
    # the territories below, the seat holders, the territories just below, their holders:
    # the same for one territory and for all of them (loaders.peer_members_of)
    assert peers == 4
    every = set(Territory.objects.values_list("pk", flat=True))
    assert _queries(lambda: loaders.peer_members_of(territory_ids=every, as_of=day)) == 4
    members = loaders.peer_members(territory_id=world["c"].pk, as_of=day)
    # B1 and B2 are in C; n2 lives in Q1 (just below C), the others in C itself: no place
    assert sorted((m.body_id, m.actor_id, m.place) for m in members) == sorted(
        (body.pk, world["people"][key].pk, "quartier:96001-Q1" if key == "n2" else "")
        for body, key in ((world["b1"], "n1"), (world["b1"], "n2"), (world["b1"], "o1"),
                          (world["b2"], "n1"), (world["b2"], "p1"))
    )  # fmt: skip
    # a reader confined to Q1 sees the members living elsewhere with nothing of theirs
    confined = loaders.peer_members(
        territory_id=world["c"].pk, as_of=day, reach_territory_id=world["q1"].pk
    )
    known = {m.actor_id for m in confined if m.category or m.place}
    assert known == {world["people"]["n2"].pk}
    profile = loaders.territory_profile(territory_id=world["c"].pk, as_of=day)
    assert profile.places == {"quartier:96001-Q1": 1}


def test_a_change_to_a_body_the_strengths_read_elsewhere_refreshes_the_answer(world):
    from registry.models import Opinion
    from registry.services.activity import opinion_update

    client = client_for(make_key(scopes=ALL_SCOPES)[1])
    url, params = "/api/analysis/renewal", {"territory": world["c"].pk, "as_of": AS_OF}
    assert client.get(url, params)["X-Analysis-Cache"] == "miss"
    assert client.get(url, params)["X-Analysis-Cache"] == "hit"
    # B3 lies in commune D, outside C; its referral counted in B1's share of the host's
    opinion_update(opinion=Opinion.objects.get(body=world["b3"]), referral="self")
    response = client.get(url, params)
    assert response["X-Analysis-Cache"] == "miss"
    ranking = {a["body_id"]: a for a in orjson.loads(response.content)["ranking"]}
    share = strengths_of(ranking[world["b1"].pk])["referral_share"]
    assert share["detail"]["host_referrals"] == 2 and share["value"] == pytest.approx(0.5)
