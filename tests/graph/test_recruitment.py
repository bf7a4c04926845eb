"""The recruitment pool on a hand-built body and territory (no database).

The body B1 (as of 2026-11-01) has two colleges: "Collège des habitants" (3 seats; its
members a1, a2 are residents) and "Collège des associations" (2 seats, no member ever:
read from its name). Seats 5, filled 2: 3 vacant.

Territory actors (12) and their communities, sub-territories:

    a1, a2   residents, quartier Q1, community 0, members of B1 (men born 1950, 1955)
    a3       resident person, Q2, community 1, consent, woman born 1990
    a4       association, commune C, community 1
    a5       association, C, community 1, sits in B2, B3, B4        -> multi_membership
    a6       person, Q2, community 2, lawful basis contract           -> lawful_basis
    a7       person, Q2, community 2, consent, retention 2026-01-01  -> retention_passed
    a8       person, Q2, community 2, erased                          -> erased
    a9       company, C, community 2, sits in B2 and B3
    a10      resident person, Q1, community 0, no personal data
    a11      person of category other, Q1, community 0, public_task   -> no reason
    a12      elected official, Q1, community 0, public_task           -> category reason

Community shares among the 12 actors: 0: 5/12, 1: 3/12, 2: 4/12 (hand count); B1's
members are all in 0, so 1 (shortfall 3/12 = 0.25) and 2 (4/12 = 0.333) are gaps.
Sub-territories: Q1 5/12, Q2 4/12, C 3/12 → Q2 and C are gaps. Profile categories:
resident 8, elected_official 2 → elected_official (0.2) is a gap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.model import BodyFacts, CollegeFacts, MemberFacts, TerritoryProfile
from graph.recruitment import (
    GAP_MIN_SHORTFALL,
    MAX_TOP,
    CandidateFacts,
    recruitment_pool,
)
from graph.recruitment.gaps import under_represented
from graph.recruitment.messages import EN, FR
from graph.renewal import RenewalConfig, assess_body

AS_OF = dt.date(2026, 11, 1)
START = dt.date(2024, 1, 1)
HAB, ASSO = 10, 11

PLACES = {1: "Q1", 2: "Q1", 3: "Q2", 4: "C", 5: "C", 6: "Q2", 7: "Q2", 8: "Q2", 9: "C"}
PLACES |= {10: "Q1", 11: "Q1", 12: "Q1"}
COMMUNITY = {1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 2, 7: 2, 8: 2, 9: 2, 10: 0, 11: 0, 12: 0}


def facts() -> BodyFacts:
    def member(pk, gender, year):
        return MemberFacts(pk, HAB, "member", START, None, "", "resident", gender, year)

    return BodyFacts(
        id=1, name="Conseil", body_type="neighbourhood_council", status="active",
        territory="commune:C", founding_date=START, dissolution_date=None, mandate_years=3,
        term_start=START, term_end=dt.date(2027, 1, 1), seats=None, parity_rule="none",
        min_age=None, max_age=None,
        colleges=(CollegeFacts(HAB, "Collège des habitants", 3),
                  CollegeFacts(ASSO, "Collège des associations", 2)),
        members=(member(1, "male", 1950), member(2, "male", 1955)),
    )  # fmt: skip


def graph() -> nx.MultiGraph:
    g = nx.MultiGraph(outside_actor_ids=frozenset(), restricted_actor_ids=frozenset())
    for pk, place in PLACES.items():
        g.add_node(f"a{pk}", kind="actor", label=f"A{pk}", territory=f"quartier:{place}")
    for b in (1, 2, 3, 4):
        g.add_node(f"b{b}", kind="body", label=f"B{b}")
    for a, b in ((1, 1), (2, 1), (5, 2), (5, 3), (5, 4), (9, 2), (9, 3)):
        g.add_edge(f"a{a}", f"b{b}", key=f"m{a}{b}", relation="membership", type="member")
    # a4 consults B1: an interaction, which makes it no member (it stays a candidate)
    g.add_edge("a4", "b1", key="i1", relation="interaction", type="consultation")
    return g


def candidates(personal: bool) -> list[CandidateFacts]:
    def c(pk, kind, category, **more):
        if not personal:
            more.pop("gender", None), more.pop("birth_year", None), more.pop("channels", None)
        return CandidateFacts(pk, f"A{pk}", kind, category, f"quartier:{PLACES[pk]}", **more)

    ok = dt.date(2030, 1, 1)
    return [
        c(1, "person", "resident", lawful_basis="consent", retention_until=ok),
        c(2, "person", "resident", lawful_basis="consent", retention_until=ok),
        c(3, "person", "resident", lawful_basis="consent", retention_until=ok,
          gender="female", birth_year=1990, channels=(("email", "a3@example.org"),)),
        c(4, "organization", "association"),
        c(5, "organization", "association"),
        c(6, "person", "resident", lawful_basis="contract", retention_until=ok),
        c(7, "person", "resident", lawful_basis="consent", retention_until=dt.date(2026, 1, 1)),
        c(8, "person", "resident", erased=True),
        c(9, "organization", "company"),
        c(10, "person", "resident"),
        c(11, "person", "other", lawful_basis="public_task", retention_until=ok),
        c(12, "person", "elected_official", lawful_basis="public_task", retention_until=ok),
    ]  # fmt: skip


PROFILE = TerritoryProfile(
    categories={"resident": 8, "elected_official": 2}, age_bands={"25-39": 5, "60-74": 5}
)
CONFIG = RenewalConfig()


def assess(added):
    body = facts()
    return assess_body(
        dataclasses.replace(body, members=body.members + added),
        as_of=AS_OF, network=None, profile=PROFILE, config=CONFIG,
    )  # fmt: skip


def pool(personal=False, cands=None, **kwargs):
    return recruitment_pool(
        facts(), as_of=AS_OF, candidates=cands if cands is not None else candidates(personal),
        graph=graph(), communities={f"a{k}": v for k, v in COMMUNITY.items()},
        pagerank={}, profile=PROFILE, personal=personal, assess=assess, **kwargs,
    )  # fmt: skip


def test_a_pool_fills_the_missing_associations_college():
    result = pool()
    colleges = {c.id: c for c in result.colleges}
    assert (colleges[HAB].vacant, colleges[HAB].profile_source) == (1, "members")
    assert colleges[HAB].categories == ("resident",)
    assert (colleges[ASSO].members, colleges[ASSO].vacant) == (0, 2)
    assert (colleges[ASSO].profile_source, colleges[ASSO].categories) == ("name", ("association",))
    association = next(c for c in result.candidates if c.actor_id == 4)
    assert association.college_id == ASSO
    assert association.reasons[0].code == "college"
    assert "Collège des associations" in association.reasons[0].message_en
    assert "Collège des associations" in association.reasons[0].message_fr
    # top 3 (the vacant seats): a3 takes the residents' seat, a4 and a10 the associations'
    seated = [(s.actor_id, s.college_id) for s in result.simulation.seated]
    assert seated == [(3, HAB), (4, ASSO), (10, ASSO)]
    vacancy = next(i for i in result.simulation.indicators if i.code == "vacancy")
    assert vacancy.value_before == pytest.approx(3 / 5)
    assert vacancy.value_after == 0.0
    assert (vacancy.status_before, vacancy.status_after) == ("alert", "ok")


def test_gaps_by_hand():
    gaps = {(g.dimension, g.value): g.shortfall for g in pool().gaps}
    assert gaps == pytest.approx(
        {
            ("community", "2"): 4 / 12,
            ("community", "1"): 3 / 12,
            ("category", "elected_official"): 0.2,
            ("sub_territory", "quartier:Q2"): 4 / 12,
            ("sub_territory", "quartier:C"): 3 / 12,
        }
    )


def test_ranking_scores_reasons_and_tie_break_by_id():
    result = pool()
    ranked = [(c.actor_id, c.score) for c in result.candidates]
    # a3: college 3 + community 2 + Q2 1; a4: college 3 + community 2 + C 1 (tie: id);
    # a10: college 3; a9: community 2 + C 1 - 2 x 0.5 (sits in B2 and B3); a12: category
    # 1 (elected officials: 0 of the members, 2/10 of the persons; no college of theirs)
    assert ranked == [(3, 6.0), (4, 6.0), (10, 3.0), (9, 2.0), (12, 1.0)]
    codes = {c.actor_id: [r.code for r in c.reasons] for c in result.candidates}
    assert codes[3] == ["college", "community", "sub_territory"]
    assert codes[9] == ["community", "sub_territory", "other_seats"]
    assert codes[12] == ["category"]
    # whether a person's personal data are held is personal data: told with the scope only
    assert {c.actor_id: c.contact for c in result.candidates} == {
        3: None,
        4: "organization",
        10: None,
        9: "organization",
        12: None,
    }
    assert result.unranked == 1  # a11
    contacts = {c.actor_id: c.contact for c in pool(personal=True).candidates}
    assert {k: contacts[k] for k in (4, 9, 10, 12)} == {
        4: "organization",
        9: "organization",
        10: "not_recorded",
        12: "allowed",
    }


def test_excluded_counts_per_reason():
    assert dict(pool().excluded) == {
        "host_authority": 0,
        "already_member": 2,
        "multi_membership": 1,
        "lawful_basis": 1,
        "retention_passed": 1,
        "erased": 1,
    }


def test_without_personal_data_no_gender_or_age_is_used_or_shown():
    result = pool(personal=False)
    assert result.criteria_left_out == ("age_band", "gender")
    assert not any(g.dimension in ("age_band", "gender") for g in result.gaps)
    for c in result.candidates:
        assert (c.gender, c.age_band, c.channels) == (None, None, ())
        assert not any(r.code in ("age_band", "gender") for r in c.reasons)


def test_with_personal_data_age_and_gender_reasons():
    result = pool(personal=True)
    gaps = {(g.dimension, g.value): g.shortfall for g in result.gaps}
    # members 75+ and 60-74 (a1 76, a2 71) vs 25-39 half of the profile; two men vs parity
    assert gaps[("age_band", "25-39")] == pytest.approx(0.5)
    assert gaps[("gender", "female")] == pytest.approx(0.5)
    first = result.candidates[0]
    assert (first.actor_id, first.score) == (3, 8.0)
    assert [r.code for r in first.reasons][-2:] == ["age_band", "gender"]
    assert (first.gender, first.age_band, first.channels) == (
        "female",
        "25-39",
        (("email", "a3@example.org"),),
    )


def test_same_answer_whatever_the_order_of_the_candidates():
    shuffled = candidates(False)
    random.Random(4).shuffle(shuffled)
    assert pool(cands=shuffled) == pool()


@settings(max_examples=30, deadline=None)
@given(top=st.integers(min_value=0, max_value=MAX_TOP), limit=st.integers(1, 10))
def test_top_and_limit_bound_the_simulation_and_the_list(top, limit):
    result = pool(top=top, limit=limit)
    assert result.simulation.top == min(top, result.candidates_total)
    assert [s.actor_id for s in result.simulation.seated] == [
        c.actor_id for c in pool(limit=50).candidates[:top]
    ]
    assert len(result.candidates) == min(limit, result.candidates_total)


@given(
    reference=st.dictionaries(st.sampled_from("abcd"), st.integers(1, 20), min_size=1),
    observed=st.dictionaries(st.sampled_from("abcd"), st.integers(0, 20)),
)
def test_the_gap_rule(reference, observed):
    gaps = {g.value for g in under_represented("x", reference, observed)}
    r_total, o_total = sum(reference.values()), sum(observed.values())
    for value in reference:
        body = observed.get(value, 0) / o_total if o_total else 0.0
        expected = round(reference[value] / r_total - body, 9) >= GAP_MIN_SHORTFALL
        assert (value in gaps) == expected


def test_both_catalogues_hold_the_same_keys_and_fields():
    import string

    def fields(text):
        return sorted(f for _t, f, _s, _c in string.Formatter().parse(text) if f)

    assert EN.keys() == FR.keys()
    for key in EN:
        assert fields(EN[key]) == fields(FR[key]), key


def test_the_readme_shows_the_declared_reasons():
    from pathlib import Path

    from graph.recruitment import reasons_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert reasons_table() in readme, "paste graph.recruitment.reasons_table() in the README"


@pytest.mark.parametrize(
    "basis, kept",
    [("consent", True), ("public_task", True), ("legitimate_interests", False),
     ("contract", False), ("legal_obligation", False), ("vital_interests", False),
     (None, True)],
)  # fmt: skip
def test_which_lawful_bases_allow_a_contact(basis, kept):
    # a3 with each basis (None: no personal-data row, kept as "not_recorded")
    cands = [
        dataclasses.replace(c, lawful_basis=basis) if c.actor_id == 3 else c
        for c in candidates(False)
    ]
    result = pool(personal=True, cands=cands)
    listed = {c.actor_id: c.contact for c in result.candidates}
    assert (3 in listed) == kept
    if kept:
        assert listed[3] == ("not_recorded" if basis is None else "allowed")
    assert dict(result.excluded)["lawful_basis"] == (1 if kept else 2)


def _ranked(*fits):
    """Candidates in rank order, the i-th (actor id i + 1) fitting college ``fits[i]``."""
    from graph.recruitment import Candidate

    return [
        Candidate(
            rank=i + 1, actor_id=i + 1, name=f"c{i + 1}", kind="person", category="resident",
            territory="", community=None, seats=0, score=10.0 - i, college_id=college,
            contact=None, reasons=(),
        )
        for i, college in enumerate(fits)
    ]  # fmt: skip


def _colleges(**vacant):
    from graph.recruitment import CollegeNeed

    return [
        CollegeNeed(int(k[1:]), k, v, 0, v, "members", ("resident",)) for k, v in vacant.items()
    ]


def test_each_college_is_filled_by_the_best_ranked_who_fit_it_before_anyone_else():
    """c1..c3 fit college 1 (2 seats), c4 and c5 college 2 (1 seat): c3, ranked above c4,
    fits a full college; c4 takes the seat of college 2, not c3 (by hand)."""
    from graph.recruitment.simulate import seat

    ranked, colleges = _ranked(1, 1, 1, 2, 2), _colleges(c1=2, c2=1)
    assert [(s.actor_id, s.college_id) for s in seat(ranked, colleges, 3)] == [
        (1, 1), (2, 1), (4, 2),
    ]  # fmt: skip
    # a top above the vacant seats: the next best (c3, then c5) sit outside any college
    assert [(s.actor_id, s.college_id) for s in seat(ranked, colleges, 5)] == [
        (1, 1), (2, 1), (3, None), (4, 2), (5, None),
    ]  # fmt: skip
    # top 1: the best candidate only
    assert [(s.actor_id, s.college_id) for s in seat(ranked, colleges, 1)] == [(1, 1)]
    # a candidate fitting no college takes the first seat left after those who fit:
    # c2 fits college 1 (1 of 2 seats), c1 then takes its other seat (body order)
    assert [(s.actor_id, s.college_id) for s in seat(_ranked(None, 1), colleges, 3)] == [
        (1, 1), (2, 1),
    ]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    fits=st.lists(st.sampled_from([1, 2, 3, None]), max_size=12),
    vacant=st.tuples(*[st.integers(0, 4)] * 3),
    top=st.integers(0, 15),
)
def test_seating_never_overfills_a_college_and_seats_min_top_candidates(fits, vacant, top):
    from graph.recruitment.simulate import seat

    colleges = _colleges(c1=vacant[0], c2=vacant[1], c3=vacant[2])
    seated = seat(_ranked(*fits), colleges, top)
    assert len(seated) == min(top, len(fits))
    assert len({s.actor_id for s in seated}) == len(seated)
    for c in colleges:
        assert sum(s.college_id == c.id for s in seated) <= c.vacant
    # no college seat is left empty while someone who fits it waits outside the seated
    seated_ids = {s.actor_id for s in seated}
    if len(seated) == top:
        return
    for c in colleges:
        taken = sum(s.college_id == c.id for s in seated)
        waiting = [i + 1 for i, f in enumerate(fits) if f == c.id and i + 1 not in seated_ids]
        assert taken == c.vacant or not waiting


@settings(max_examples=40, deadline=None)
@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from(["person", "organization"]),
            st.sampled_from(["resident", "association", "company", "elected_official"]),
            st.sampled_from([None, "consent", "public_task", "contract", "legitimate_interests"]),
            st.sampled_from([None, dt.date(2020, 1, 1), dt.date(2030, 1, 1)]),
            st.booleans(),
            st.sampled_from([None, "female", "male"]),
        ),
        max_size=12,
    ),
    personal=st.booleans(),
)
def test_every_actor_is_ranked_left_out_or_unranked_once(picks, personal):
    """Whatever the actors: each one is in exactly one of the ranking, an exclusion or
    ``unranked``; the ranking is by score then id; without ``personal`` no gender or age
    reason, gender, age band, channel or person's contact is given."""
    cands = [
        CandidateFacts(
            100 + i, f"X{i}", kind, category, "quartier:Q1",
            lawful_basis=basis if kind == "person" else None,
            retention_until=until if kind == "person" else None,
            erased=erased and kind == "person",
            gender=gender if personal and kind == "person" else None,
            birth_year=1990 if personal and kind == "person" else None,
            channels=(("email", f"x{i}@example.org"),) if personal and kind == "person" else (),
        )
        for i, (kind, category, basis, until, erased, gender) in enumerate(picks)
    ]  # fmt: skip
    result = pool(personal=personal, cands=cands, limit=50)
    assert result.candidates_total + sum(n for _r, n in result.excluded) + result.unranked == len(
        cands
    )
    order = [(-c.score, c.actor_id) for c in result.candidates]
    assert order == sorted(order)
    assert [c.rank for c in result.candidates] == list(range(1, len(result.candidates) + 1))
    if not personal:
        for c in result.candidates:
            assert (c.gender, c.age_band, c.channels) == (None, None, ())
            assert not {r.code for r in c.reasons} & {"gender", "age_band"}
            assert c.contact == ("organization" if c.kind == "organization" else None)
