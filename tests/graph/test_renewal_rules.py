"""The charter rules change what the indicators count, and every exclusion is shown.

Hand-built cases; the arithmetic is in the comments. ``AS_OF`` is 2026-11-01.
"""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pytest

from graph.renewal import Layer, RenewalConfig, assess_body, body_network
from tests.graph.test_renewal import (
    AS_OF,
    CONFIG,
    D,
    body,
    gendered,
    indicator,
    meeting,
    member,
    members,
    network,
    opinion,
)

CHARTER = {
    "kind": "charter",
    "id": 12,
    "name": "Charte parisienne de la participation",
    "territory_id": 75,
    "body_type": None,
    "adopted_by": "Délibération 2017 DDCT 128",
    "url": "",
}


def charter(**rules) -> RenewalConfig:
    return RenewalConfig.layered([Layer(CHARTER, rules=rules)])


# --- decision distance: unreachable members are counted ------------------------------------------


def test_one_of_25_members_connected_at_distance_0_is_an_alert_not_ok():
    # "0.0 steps, 1 of 25 connected": 24 unreachable of 25 = .96 >= .50 -> alert
    names = tuple(f"a{i}" for i in range(1, 26))
    distances = (("a1", 0), *((n, None) for n in names[1:]))
    net = network(
        members=names,
        other_bodies=tuple((n, 0) for n in names),
        distances=distances,
        decision_distance=0.0,
        decision_makers=1,
    )
    item = indicator(body(), "decision_distance", network=net)
    assert item.status == "alert" and item.value == 0.0
    assert item.detail["unreachable"] == 24 and item.detail["reachable"] == 1
    assert item.detail["unreachable_share"] == pytest.approx(24 / 25)
    assert "24 of 25 members (96.0%) have no path" in item.message_en
    assert "24 membre(s) sur 25 (96,0 %)" in item.message_fr


def test_unreachable_share_makes_watch_from_a_quarter():
    # 1 of 4 unreachable = .25 -> watch, although the mean 1.0 of the others is ok
    net = network(distances=(("a1", 1), ("a2", 1), ("a3", 1), ("a4", None)))
    item = indicator(body(), "decision_distance", network=net)
    assert item.status == "watch" and item.value == 1.0
    # none unreachable: graded on the distance alone
    assert indicator(body(), "decision_distance", network=network()).status == "ok"


def test_decision_distance_on_a_hand_built_graph():
    # body b1 with members a1..a4; e1 an elected official; a1 - e1 and a2 - x - e1; a3 and a4
    # only reach e1 through b1, which does not count: reachable a1 (1) and a2 (2), mean 1.5
    # (ok by distance), but 2 of 4 unreachable = .50 -> alert
    g = nx.MultiGraph()
    g.add_node("b1", kind="body", label="B1")
    for a in ("a1", "a2", "a3", "a4", "x"):
        g.add_node(a, kind="actor", category="resident", power=None)
    g.add_node("e1", kind="actor", category="elected_official", power=None)
    for k, a in enumerate(("a1", "a2", "a3", "a4")):
        g.add_edge(a, "b1", key=f"m{k}", relation="membership")
    g.add_edge("a1", "e1", key="i1", relation="interaction")
    g.add_edge("a2", "x", key="i2", relation="interaction")
    g.add_edge("x", "e1", key="i3", relation="interaction")
    g.add_edge("e1", "b1", key="m9", relation="membership")  # the referent sits in the body
    net = body_network(g, 1, communities={}, pagerank={})
    assert dict(net.distances) == {"a1": 1, "a2": 2, "a3": None, "a4": None, "e1": 0}
    # e1 is a member too (distance 0): reachable 3 of 5, mean (1 + 2 + 0) / 3 = 1.0,
    # unreachable 2 of 5 = .40 -> watch
    item = indicator(body(), "decision_distance", network=net)
    assert item.value == pytest.approx(1.0) and item.status == "watch"
    assert (item.detail["reachable"], item.detail["unreachable"]) == (3, 2)
    g.remove_node("e1")
    g.add_node("e2", kind="actor", category="elected_official", power=None)
    net = body_network(g, 1, communities={}, pagerank={})
    item = indicator(body(), "decision_distance", network=net)
    assert item.status == "alert" and item.value is None  # nobody reaches e2
    g.remove_node("e2")
    net = body_network(g, 1, communities={}, pagerank={})
    assert indicator(body(), "decision_distance", network=net).status == "unknown"


# --- answer delay ----------------------------------------------------------------------------------


def test_answer_delay_rule_is_applied_and_shown():
    # opinions of 2026-01-01 (answered 2026-02-01), 2026-06-01 (unanswered, 153 days old),
    # 2026-09-01 (unanswered, 61 days old) and 2026-10-15 (unanswered, 17 days old)
    facts = body(
        opinions=(
            opinion(D(2026, 1, 1), D(2026, 2, 1)),
            opinion(D(2026, 6, 1)),
            opinion(D(2026, 9, 1)),
            opinion(D(2026, 10, 15)),
        )
    )
    # default 90 days: the 61- and 17-day-old ones are not late yet -> 1 answered of 2 = .5
    item = indicator(facts, "opinions_answered")
    assert item.value == 0.5 and item.status == "watch"
    assert item.detail == {
        "opinions": 2,
        "issued": 4,
        "excluded_recent_unanswered": 2,
        "answer_delay_days": 90,
        "answered": 1,
    }
    assert "2 more, less than 90 days old" in item.message_en
    assert "2 autre(s), de moins de 90 jours" in item.message_fr
    # a charter's 30 days: only the 17-day-old one waits -> 1 of 3 = .333 -> watch
    item = indicator(facts, "opinions_answered", config=charter(answer_delay_days=30))
    assert item.value == pytest.approx(1 / 3)
    assert item.detail["excluded_recent_unanswered"] == 1
    assert item.detail["answer_delay_days"] == 30
    # opinions_issued counts them all, whatever the delay
    assert indicator(facts, "opinions_issued").value == 4


def test_an_opinion_recorded_as_no_response_counts_at_once():
    facts = body(opinions=(opinion(D(2026, 10, 15), outcome="no_response"),))
    item = indicator(facts, "opinions_answered")
    assert item.value == 0.0 and item.detail["excluded_recent_unanswered"] == 0


def test_response_delay_shows_the_undated_answers_left_out():
    # answered after 31 days, and one answered (outcome recorded) without a date
    facts = body(
        opinions=(opinion(D(2026, 1, 1), D(2026, 2, 1)), opinion(D(2026, 3, 1), outcome="noted"))
    )
    item = indicator(facts, "response_delay")
    assert item.value == 31 and item.detail == {"answers": 1, "excluded_undated_answers": 1}


# --- meetings ----------------------------------------------------------------------------------------


def test_charter_minimum_of_meetings_replaces_the_thresholds():
    # 2 meetings in the last 12 months: watch under the default thresholds (watch at 2)
    facts = body(meetings=(meeting(D(2026, 3, 1)), meeting(D(2026, 9, 1))))
    assert indicator(facts, "meetings_per_year").status == "watch"
    # the charter asks 3 a year: 2 < 3 -> alert, threshold [null, 2]
    item = indicator(facts, "meetings_per_year", config=charter(min_meetings_per_year=3))
    assert item.status == "alert" and item.threshold == (None, 2)
    assert item.detail == {"meetings": 2, "min_meetings_per_year": 3}
    assert "fewer than the 3 a year its charter requires" in item.message_en
    # 2 a year asked: met -> ok
    item = indicator(facts, "meetings_per_year", config=charter(min_meetings_per_year=2))
    assert item.status == "ok"


def test_attendance_shows_the_meetings_left_out():
    # one meeting with 8/10 present, one with no attendance recorded
    facts = body(meetings=(meeting(D(2026, 3, 1)), meeting(D(2026, 9, 1), 0, 0, 0)))
    item = indicator(facts, "attendance")
    assert item.value == 0.8 and item.detail["excluded_without_attendance"] == 1


# --- terms ---------------------------------------------------------------------------------------------


def test_term_limit_and_mandate_length_from_the_charter():
    # 4 members since 2019-11-01: 7.0 years of consecutive service on 2026-11-01
    facts = body(mandate_years=None, members=members(4, start=D(2019, 11, 1)))
    # default: 2 terms of 3 years = 6 < 7 -> all 4 beyond (1.0, alert); 3 years assumed
    item = indicator(facts, "beyond_two_terms")
    assert item.value == 1.0 and item.detail["mandate_assumed"] is True
    # charter: 4-year mandates -> 8 > 7: none beyond, and the length is not assumed
    item = indicator(facts, "beyond_two_terms", config=charter(mandate_years=4))
    assert item.value == 0.0 and item.detail["mandate_assumed"] is False
    # charter: at most 3 terms of 3 years = 9 > 7: none beyond
    item = indicator(facts, "beyond_two_terms", config=charter(max_consecutive_terms=3))
    assert item.value == 0.0 and item.detail["max_consecutive_terms"] == 3
    assert "more than 3 terms of 3 years" in item.message_en
    # the body's own 2-year mandate wins over the charter's 4: 2 x 2 = 4 < 7 -> all beyond
    own = body(mandate_years=2, members=facts.members)
    assert indicator(own, "beyond_two_terms", config=charter(mandate_years=4)).value == 1.0


def test_an_interrupted_stay_is_not_consecutive():
    # 2012-01-01 -> 2018-01-01 (6 years), away, then since 2024-11-01 (2.0 years):
    # consecutive 2.0 <= 6 -> not beyond; tenure (the union) is 8.0 years
    stays = (
        member(D(2012, 1, 1), D(2018, 1, 1), actor=900, end_reason="term_ended"),
        member(D(2024, 11, 1), actor=900),
    )
    facts = body(members=stays)
    assert indicator(facts, "beyond_two_terms").value == 0.0
    assert indicator(facts, "tenure_median").value == pytest.approx(8.0, abs=0.01)
    # a re-appointment 10 days late is still consecutive: 2017-11-11 -> 2026-11-01 = 8.97 > 6
    late = (
        member(D(2017, 11, 1), D(2020, 11, 1), actor=901, end_reason="term_ended"),
        member(D(2020, 11, 11), actor=901),
    )
    assert indicator(body(members=late), "beyond_two_terms").value == 1.0


# --- parity ---------------------------------------------------------------------------------------------


def test_parity_rule_from_the_charter_unless_the_body_has_one():
    # 3 women, 7 men: minority .30. Body rule "none": at most watch
    facts = body(parity_rule="none", members=gendered(3, 7))
    assert indicator(facts, "parity").status == "watch"
    # the charter's max_gap_1: gap 4 > 1 -> alert; threshold (10 - 2) / 20 = .40
    item = indicator(facts, "parity", config=charter(parity_rule="max_gap_1"))
    assert item.status == "alert" and item.threshold == (None, pytest.approx(0.4))
    assert item.detail["rule"] == "max_gap_1" and item.value == pytest.approx(0.3)
    # a body's own rule (not "none") wins: balanced grades .30 -> watch (alert at .25)
    own = body(parity_rule="balanced", members=gendered(3, 7))
    item = indicator(own, "parity", config=charter(parity_rule="max_gap_1"))
    assert item.status == "watch" and item.detail["rule"] == "balanced"


def test_max_gap_1_threshold_for_odd_and_even_sizes():
    # 5 women, 4 men: gap 1, minority 4/9 = .444 > (9 - 2) / 18 = .389 -> ok
    item = indicator(body(parity_rule="max_gap_1", members=gendered(5, 4)), "parity")
    assert item.status == "ok" and item.value == pytest.approx(4 / 9)
    # 6 women, 3 men: gap 3, minority 3/9 = .333 <= .389 -> alert
    item = indicator(body(parity_rule="max_gap_1", members=gendered(6, 3)), "parity")
    assert item.status == "alert" and item.threshold[1] == pytest.approx(7 / 18)


def test_parity_unknown_when_no_member_is_a_woman_or_a_man():
    item = indicator(body(members=members(3, gender="other")), "parity")
    assert item.status == "unknown" and item.detail == {"known": 3, "members": 3}


# --- age rule -------------------------------------------------------------------------------------------


def test_age_rule_from_the_charter_counts_members_outside_and_unknown_birth_years():
    # a youth council 16-25 by its charter; on 2026: born 2005 -> 21, 1999 -> 27, 2012 -> 14
    crowd = (
        members(3, birth_year=2005)
        + members(1, birth_year=1999)
        + members(1, birth_year=2012)
        + members(1)  # birth year unknown
    )
    facts = body(members=crowd)
    assert indicator(facts, "age_rule").status == "unknown"  # no rule at all
    item = indicator(facts, "age_rule", config=charter(min_age=16, max_age=25))
    # 2 of the 5 known are outside (27 and 14) -> 2 >= 2: alert
    assert item.value == 2 and item.status == "alert"
    assert item.detail == {
        "min_age": 16,
        "max_age": 25,
        "members": 6,
        "unknown_birth_year": 1,
        "outside": 2,
    }
    assert "between 16 and 25" in item.message_en and "entre 16 et 25 ans" in item.message_fr
    # the body's own maximum (30) wins over the charter's 25: only the 14-year-old is outside
    own = body(max_age=30, members=crowd)
    item = indicator(own, "age_rule", config=charter(min_age=16, max_age=25))
    assert item.value == 1 and item.status == "watch"
    # birth year known for fewer than half: unknown
    hidden = body(max_age=25, members=members(1, birth_year=2005) + members(2))
    assert indicator(hidden, "age_rule").status == "unknown"


# --- the rules and the charter in the assessment ------------------------------------------------------


def test_assessment_lists_every_rule_with_its_source():
    config = RenewalConfig.layered(
        [Layer(CHARTER, weights={"parity": 3}, rules={"answer_delay_days": 60, "min_age": 16})]
    )
    facts = body(mandate_years=4, parity_rule="none", max_age=25)
    result = assess_body(facts, as_of=AS_OF, network=None, profile=None, config=config,
                         network_territory=75)  # fmt: skip
    assert result.charter == CHARTER and result.network_territory == 75
    rules = {r.key: (r.value, r.source_kind, r.charter_id) for r in result.rules}
    assert rules == {
        "mandate_years": (4, "body", None),
        "min_meetings_per_year": (None, "default", None),
        "answer_delay_days": (60, "charter", 12),
        "parity_rule": ("none", "default", None),  # the body's "none" does not win
        "max_consecutive_terms": (2, "default", None),
        "min_age": (16, "charter", 12),
        "max_age": (25, "body", None),
    }
    plain = assess_body(facts, as_of=AS_OF, network=None, profile=None, config=CONFIG)
    assert plain.charter is None and plain.network_territory is None


def test_detail_shows_turnover_departures_at_the_end_of_a_term():
    # 4 members; one left resigned on 2026-05-01, one at the end of term on 2026-06-01;
    # headcount 4 a year ago, 2 now: mean 3; 1 early departure / 3 = .333 -> watch
    crowd = (
        member(D(2024, 1, 1), D(2026, 5, 1), actor=701, end_reason="resigned"),
        member(D(2024, 1, 1), D(2026, 6, 1), actor=702, end_reason="term_ended"),
        member(D(2024, 1, 1), actor=703),
        member(D(2024, 1, 1), actor=704),
    )
    item = indicator(body(members=crowd), "turnover")
    assert item.value == pytest.approx(1 / 3) and item.status == "watch"
    assert item.detail["excluded_end_of_term"] == 1
    assert item.detail["left_by_reason"] == {"resigned": 1, "term_ended": 1}


def test_the_body_mandate_length_wins_over_the_charter():
    result = assess_body(body(mandate_years=3), as_of=dt.date(2030, 1, 1), network=None,
                         profile=None, config=charter(mandate_years=5))  # fmt: skip
    use = next(r for r in result.rules if r.key == "mandate_years")
    assert (use.value, use.source_kind, use.charter_id) == (3, "body", None)
    result = assess_body(body(mandate_years=None), as_of=dt.date(2030, 1, 1), network=None,
                         profile=None, config=charter(mandate_years=5))  # fmt: skip
    use = next(r for r in result.rules if r.key == "mandate_years")
    assert (use.value, use.source_kind, use.charter_id) == (5, "charter", 12)
