"""The strengths of the renewal assessment, checked against values computed by hand on
small hand-built facts (arithmetic in comments), and the declaration they derive from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.model import (
    BodyFacts,
    MemberFacts,
    OpinionFacts,
    PeerMember,
    ReferralFacts,
    SeatFacts,
    TerritoryProfile,
)
from graph.renewal import BodyNetwork, RenewalConfig, assess_body
from graph.renewal.maths import current_actors
from graph.renewal.messages import en, fr
from graph.renewal.strengths import (
    STRENGTH_CODES,
    STRENGTHS,
    Peers,
    assess_strengths,
    communities_by_body,
    readme_table,
)

AS_OF = dt.date(2026, 11, 1)
D = dt.date
README = Path(__file__).resolve().parents[2] / "README.md"


def body(**kw) -> BodyFacts:
    base = dict(
        id=1, name="Conseil citoyen", body_type="conseil_citoyen", status="active",
        territory="commune:75056", founding_date=None, dissolution_date=None,
        mandate_years=3, term_start=None, term_end=None, seats=None, parity_rule="none",
        min_age=None, max_age=None,
    )  # fmt: skip
    base.update(kw)
    return BodyFacts(**base)


def seat(actor: int, start: dt.date, end: dt.date | None = None, role="member") -> MemberFacts:
    return MemberFacts(actor, None, role, start, end, "term_ended" if end else "", "resident")


def opinion(day: dt.date, referral: str, outcome: str = "") -> OpinionFacts:
    answered = day + dt.timedelta(days=30) if outcome else None
    return OpinionFacts(day, referral, answered, outcome)


def strengths(facts: BodyFacts, *, network=None, profile=None, peers=None) -> dict:
    found = assess_strengths(
        facts,
        as_of=AS_OF,
        current=current_actors(facts, AS_OF),
        network=network,
        profile=profile,
        peers=peers,
    )
    assert tuple(s.code for s in found) == STRENGTH_CODES
    return {s.code: s for s in found}


# --- opinions --------------------------------------------------------------------------


OPINIONS = (
    opinion(D(2025, 3, 1), "referred", "adopted"),
    opinion(D(2025, 6, 1), "referred", "partially_adopted"),
    opinion(D(2026, 1, 1), "self", "adopted"),
    opinion(D(2026, 2, 1), "self", "rejected"),
    opinion(D(2026, 3, 1), "mandatory", "noted"),
    opinion(D(2026, 10, 1), "referred"),  # no answer yet
    opinion(D(2024, 6, 1), "self", "adopted"),  # older than 24 months: left out
)


def test_opinions_taken_up_by_referral_kind():
    found = strengths(body(opinions=OPINIONS))["opinions_taken_up"]
    # in the window (2024-11-01, 2026-11-01]: 6 opinions; adopted 2 (referred, self),
    # partly 1 (referred): 3 taken up >= 2
    assert (found.value, found.status, found.threshold, found.unit) == (
        3.0, "strength", 2, "opinions",
    )  # fmt: skip
    assert found.detail["issued"] == 6
    assert (found.detail["adopted"], found.detail["partially_adopted"]) == (2, 1)
    assert found.detail["by_referral"] == {
        "referred": {"issued": 3, "adopted": 1, "partially_adopted": 1},
        "self": {"issued": 2, "adopted": 1, "partially_adopted": 0},
        "mandatory": {"issued": 1, "adopted": 0, "partially_adopted": 0},
    }
    assert "3 of the 6 opinions" in found.message_en
    assert "2 on the authority's referral, 1 on self-referral, 0 on mandatory" in found.message_en
    assert "3 des 6 avis" in found.message_fr


def test_initiative_counts_self_referrals_taken_up():
    found = strengths(body(opinions=OPINIONS))["initiative"]
    # self-referrals in the window: 2 (one adopted, one rejected); the 2024 one is too old
    assert (found.value, found.status) == (1.0, "strength")
    assert found.detail == {"window_months": 24, "self_referrals": 2, "taken_up": 1}
    assert "initiative" in found.message_en and "initiative" in found.message_fr


def test_opinion_strengths_unknown_without_opinions_and_none_when_all_old():
    found = strengths(body())
    assert found["opinions_taken_up"].status == found["initiative"].status == "unknown"
    assert found["opinions_taken_up"].value is None
    old = strengths(body(opinions=(opinion(D(2023, 1, 1), "self", "adopted"),)))
    assert (old["opinions_taken_up"].value, old["opinions_taken_up"].status) == (0.0, "none")
    assert (old["initiative"].value, old["initiative"].status) == (0.0, "none")


def test_referral_share_against_the_even_share():
    referrals = (
        *(ReferralFacts(1, D(2026, m, 1)) for m in (1, 2, 3)),
        *(ReferralFacts(2, D(2026, m, 1)) for m in (1, 2, 3, 4, 5)),
        ReferralFacts(3, D(2025, 6, 1)),
        ReferralFacts(3, D(2025, 7, 1)),
        ReferralFacts(1, D(2023, 1, 1)),  # older than 24 months
    )
    facts = body(host_id=9, host_bodies=4, host_referrals=referrals)
    found = strengths(facts)["referral_share"]
    # 3 of the 10 referrals of the window = .30; even share 1 / 4 = .25: a strength
    assert found.value == pytest.approx(0.3) and found.status == "strength"
    assert found.threshold == pytest.approx(0.25)
    assert found.detail == {
        "window_months": 24, "host_referrals": 10, "host_bodies": 4,
        "received": 3, "even_share": 0.25,
    }  # fmt: skip
    assert "3 of the 10 referrals" in found.message_en and "30.0%" in found.message_en
    assert "30,0 %" in found.message_fr
    # body 4 of the host received none: 0 < .25
    other = strengths(body(id=4, host_id=9, host_bodies=4, host_referrals=referrals))
    assert (other["referral_share"].value, other["referral_share"].status) == (0.0, "none")


def test_referral_share_unknown_without_host_or_referral():
    assert strengths(body())["referral_share"].status == "unknown"
    quiet = strengths(body(host_id=9, host_bodies=3))["referral_share"]
    assert quiet.status == "unknown" and quiet.detail["host_referrals"] == 0
    # a host with this body alone: 100% of its referrals, but no choice to measure
    alone = strengths(
        body(host_id=9, host_bodies=1, host_referrals=(ReferralFacts(1, D(2026, 1, 1)),))
    )["referral_share"]
    assert alone.status == "unknown" and alone.value is None
    assert "alone" in alone.message_en


# --- newcomers -------------------------------------------------------------------------


def newcomer_body() -> BodyFacts:
    members = (
        seat(1, D(2024, 2, 1)),  # newcomer, later sat elsewhere (2025)
        seat(2, D(2024, 2, 1)),  # sat elsewhere since 2019: not a newcomer
        seat(3, D(2024, 2, 1)),  # a seat elsewhere the same day: not earlier, newcomer
        seat(4, D(2015, 2, 1)),  # entered before the 6-year window: not an entrant
        seat(5, D(2022, 1, 1), D(2023, 6, 1)),  # newcomer, left since
        seat(6, D(2024, 2, 1), role="elected_referent"),  # no seat: not counted
    )
    elsewhere = (
        SeatFacts(1, 7, D(2025, 3, 1)),
        SeatFacts(2, 7, D(2019, 5, 1)),
        SeatFacts(3, 8, D(2024, 2, 1)),
        SeatFacts(5, 8, D(2027, 1, 1)),  # after the date: ignored
    )
    return body(members=members, seats_elsewhere=elsewhere)


def test_newcomers_share_of_the_entrants():
    found = strengths(newcomer_body())["newcomers"]
    # entrants since 2020-11-01: actors 1, 2, 3, 5 (4 started in 2015, 6 holds no seat);
    # newcomers 1, 3, 5: 3 / 4 = .75 >= .5; still seated: 1 and 3
    assert found.value == pytest.approx(0.75) and found.status == "strength"
    assert found.detail == {
        "entry_years": 6, "entrants": 4, "newcomers": 3,
        "newcomers_seated": 2, "later_sat_elsewhere": 1,
    }  # fmt: skip
    assert "3 of the 4 members who joined in the last 6 years (75.0%)" in found.message_en


def test_newcomers_who_later_sat_elsewhere():
    found = strengths(newcomer_body())["newcomers_onward"]
    # of the newcomers 1, 3, 5 only 1 took a seat elsewhere after joining
    assert (found.value, found.status, found.unit) == (1.0, "strength", "members")
    assert "1 of the body's 3 newcomers" in found.message_en


def test_newcomers_unknown_without_entrants():
    found = strengths(body(members=(seat(4, D(2012, 1, 1)),)))
    assert found["newcomers"].status == found["newcomers_onward"].status == "unknown"
    assert found["newcomers"].detail["entrants"] == 0


@given(
    st.lists(st.tuples(st.integers(1, 6), st.dates(D(2010, 1, 1), D(2026, 11, 1))), max_size=12),
    st.lists(
        st.tuples(st.integers(1, 6), st.integers(2, 4), st.dates(D(2005, 1, 1), D(2028, 1, 1))),
        max_size=12,
    ),
)
def test_newcomer_counts_are_nested(seats_here, seats_there):
    facts = body(
        members=tuple(seat(a, d) for a, d in seats_here),
        seats_elsewhere=tuple(SeatFacts(a, b, d) for a, b, d in seats_there),
    )
    found = strengths(facts)
    new, onward = found["newcomers"], found["newcomers_onward"]
    if new.status == "unknown":
        assert new.detail["entrants"] == 0 and onward.status == "unknown"
        return
    detail = new.detail
    assert 0 <= detail["later_sat_elsewhere"] <= detail["newcomers"] <= detail["entrants"]
    assert 0.0 <= new.value <= 1.0
    assert (onward.status == "unknown") == (detail["newcomers"] == 0)


# --- diversity -------------------------------------------------------------------------


def peer(body_id, actor, category="", gender=None, year=None, place="") -> PeerMember:
    return PeerMember(body_id, actor, category, gender, year, place)


A18, A20 = "arrondissement_municipal:75118", "arrondissement_municipal:75120"
PEERS = Peers(
    members=(
        peer(1, 1, "association", "female", 2005, A20),
        peer(1, 2, "association", "female", None, A18),
        peer(1, 3, "resident", "male", None, ""),
        *(peer(2, a, "resident", "male", 1970, A18) for a in (10, 11, 12)),
        peer(2, 13, "elected_official", "female", 1955, A18),
        peer(3, 10, "resident", "male", 1970, A18),  # the same person in a third body
        peer(3, 14, "resident", "male", 1960, A18),
    ),
)
PROFILE = TerritoryProfile(
    categories={"resident": 60, "association": 30, "elected_official": 10},
    age_bands={"<25": 25, "25-39": 25, "40-59": 25, "60-74": 25},
    places={A18: 50, A20: 50},
)


def test_diversity_of_categories():
    found = strengths(body(), profile=PROFILE, peers=PEERS)["diversity_categories"]
    # other bodies, distinct persons 10-14: resident 4/5 = .8, elected 1/5 = .2, association 0.
    # territory: resident .6, association .3, elected .1 -> only association is under-represented;
    # the body brings 2 associations (actors 1 and 2): 2 >= 2
    assert (found.value, found.status, found.threshold) == (2.0, "strength", 2)
    assert found.detail["other_bodies_members"] == 5 and found.detail["known"] == 3
    assert found.detail["under_represented"] == [
        {"group": "association", "members": 2, "share_here": pytest.approx(2 / 3),
         "share_other_bodies": 0.0, "share_territory": pytest.approx(0.3)},
    ]  # fmt: skip
    assert "(association)" in found.message_en


def test_diversity_of_genders_against_parity():
    found = strengths(body(), profile=PROFILE, peers=PEERS)["diversity_genders"]
    # other bodies: 4 men, 1 woman -> women .2 < .5; the body has 2 women
    assert (found.value, found.status) == (2.0, "strength")
    assert [g["group"] for g in found.detail["under_represented"]] == ["female"]
    # aggregates only: no actor id in the detail
    assert "actor" not in str(found.detail)


def test_diversity_of_places_below_threshold_and_ages_unknown():
    found = strengths(body(), profile=PROFILE, peers=PEERS)
    places = found["diversity_places"]
    # others all in the 18e (5/5); the 20e (.5 of the territory) is under-represented;
    # the body has 1 member there (actor 3 has no sub-territory: 2 known of 3)
    assert (places.value, places.status) == (1.0, "none")
    assert places.detail["known"] == 2
    ages = found["diversity_ages"]
    # one birth year known of 3 members: fewer than half
    assert ages.status == "unknown" and ages.value is None
    assert "1 of 3 current members" in ages.message_en


GROUPS = {
    "categories": st.sampled_from(["", "resident", "association", "elected_official"]),
    "genders": st.sampled_from([None, "female", "male", "other"]),
    "places": st.sampled_from(["", A18, A20]),
}


@given(
    st.lists(
        st.tuples(
            st.integers(1, 3),
            st.integers(1, 9),
            GROUPS["categories"],
            GROUPS["genders"],
            st.one_of(st.none(), st.integers(1930, 2015)),
            GROUPS["places"],
        ),
        max_size=20,
    )
)
def test_diversity_never_counts_more_than_the_known_members(rows):
    peers = Peers(members=tuple(peer(b, a, c, g, y, p) for b, a, c, g, y, p in rows))
    found = strengths(body(), profile=PROFILE, peers=peers)
    for dimension in ("categories", "ages", "genders", "places"):
        item = found[f"diversity_{dimension}"]
        if item.status == "unknown":
            assert item.value is None
            continue
        groups = item.detail["under_represented"]
        assert item.value == sum(g["members"] for g in groups) <= item.detail["known"]
        assert 2 * item.detail["known"] >= item.detail["members"]
        for g in groups:
            assert g["share_other_bodies"] < g["share_territory"]
        assert item.status == ("strength" if item.value >= 2 else "none")


def test_diversity_compares_persons_with_persons_leaving_organizations_out():
    """The reference is the territory's persons: seated organizations count neither here
    nor in the other bodies. By hand: other bodies hold 3 resident persons and 2
    association organizations; without them, residents are 3/3 of the persons, so
    associations (.3 of the territory) and elected officials (.1) are under-represented;
    the body's 2 association persons count, its association organization does not (with
    it, associations would be 2/5 = .4 elsewhere, not under-represented)."""
    org = dict(kind="organization")
    peers = Peers(
        members=(
            peer(1, 1, "association", "female", 2005, A20),
            peer(1, 2, "association", "female", 2000, A20),
            PeerMember(1, 3, "association", None, None, A20, **org),
            *(peer(2, a, "resident", "male", 1970, A18) for a in (10, 11, 12)),
            *(PeerMember(2, a, "association", None, None, A18, **org) for a in (20, 21)),
        ),
    )
    found = strengths(body(), profile=PROFILE, peers=peers)
    categories = found["diversity_categories"]
    assert (categories.value, categories.status) == (2.0, "strength")
    assert categories.detail["members"] == categories.detail["known"] == 2
    assert categories.detail["other_bodies_members"] == 3
    assert [g["group"] for g in categories.detail["under_represented"]] == [
        "association", "elected_official",
    ]  # fmt: skip
    # the organization is no member of unknown age: both persons' birth years are known
    assert found["diversity_ages"].detail["known"] == found["diversity_ages"].detail["members"]


def test_diversity_unknown_without_profile_or_peers():
    found = strengths(body(), profile=None, peers=PEERS)
    assert found["diversity_categories"].status == "unknown"
    assert found["diversity_places"].status == "unknown"
    # genders need no profile (parity), but they need the other bodies
    assert found["diversity_genders"].status == "strength"
    alone = strengths(body(), profile=PROFILE, peers=None)
    assert all(alone[f"diversity_{d}"].status == "unknown" for d in ("categories", "genders"))
    lonely = Peers(members=tuple(m for m in PEERS.members if m.body_id == 1))
    assert strengths(body(), profile=PROFILE, peers=lonely)["diversity_genders"].status == (
        "unknown"
    )


# --- communities -----------------------------------------------------------------------


def network(members=("a1", "a2"), total=3) -> BodyNetwork:
    return BodyNetwork(
        body_id=1, members=members, other_bodies=(), max_jaccard=0.0, most_interlocked=None,
        most_interlocked_label="", bodies_sharing=0, communities_touched=0,
        communities_total=total, reach=None, concentration=None, decision_makers=0,
        distances=(), decision_distance=None,
    )  # fmt: skip


def test_communities_by_body_follows_members_and_their_ties():
    g = nx.MultiGraph()
    g.add_nodes_from(["b1", "b2"], kind="body")
    g.add_nodes_from(["a1", "a2", "a3", "a4"], kind="actor")
    g.add_edge("a1", "b1", relation="membership")
    g.add_edge("a2", "b1", relation="membership")
    g.add_edge("a2", "a3", relation="interaction")
    g.add_edge("a4", "b2", relation="membership")
    communities = {"a1": 0, "a2": 0, "a3": 1, "a4": 2, "b1": 0, "b2": 2}
    memberships = {"b1": {"a1", "a2"}, "b2": {"a4"}}
    # b1: a1, a2, their neighbours b1 and a3 -> {0, 1}; b2: a4 and b2 -> {2}
    assert communities_by_body(g, communities, memberships) == {
        1: frozenset({0, 1}),
        2: frozenset({2}),
    }


def test_community_reach_counts_the_communities_only_this_body_touches():
    peers = Peers(communities={1: frozenset({0, 1, 2}), 2: frozenset({0}), 3: frozenset({1})})
    found = strengths(body(), network=network(), peers=peers)["community_reach"]
    assert (found.value, found.status) == (1.0, "strength")
    assert found.detail == {
        "touched": [0, 1, 2],
        "only_this_body": [2],
        "total": 3,
        "other_bodies": 2,
    }
    shared = Peers(communities={1: frozenset({0}), 2: frozenset({0, 1})})
    assert strengths(body(), network=network(), peers=shared)["community_reach"].status == "none"


def test_community_reach_unknown_without_graph_or_members():
    assert strengths(body())["community_reach"].status == "unknown"
    peers = Peers(communities={1: frozenset()})
    assert strengths(body(), network=network(members=()), peers=peers)[
        "community_reach"
    ].status == ("unknown")


# --- the assessment and the declaration -------------------------------------------------


def test_assessment_carries_the_strengths_beside_the_indicators():
    facts = newcomer_body()
    result = assess_body(
        facts, as_of=AS_OF, network=None, profile=None, config=RenewalConfig(), peers=None
    )
    assert tuple(s.code for s in result.strengths) == STRENGTH_CODES
    assert result.strengths_shown == ("newcomers", "newcomers_onward")
    assert result.summary_en.endswith(" Strengths: newcomers, newcomers who went on.")
    assert result.summary_fr.endswith(
        " Points forts : nouveaux participants, nouveaux venus ayant poursuivi."
    )
    assert result.strength("newcomers").value == pytest.approx(0.75)


def test_every_strength_has_its_sentences_in_both_languages():
    for spec in STRENGTHS:
        for status in ("strength", "none"):
            key = f"strength.{spec.code}.{status}"
            assert key in en.MESSAGES and key in fr.MESSAGES, key


def test_readme_strengths_table_is_the_declaration():
    text = README.read_text(encoding="utf-8")
    start = text.index("### Strengths")
    section = text[start : text.find("\n### ", start + 1)]
    assert readme_table() in section, (
        "The README's strengths table differs from graph.renewal.strengths.STRENGTHS: paste "
        "the output of `python -c 'from graph.renewal.strengths import readme_table; "
        "print(readme_table())'` into README.md (Consultant, Strengths)."
    )
