"""The renewal assessment, checked against values computed by hand (arithmetic in comments)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import networkx as nx
import pytest

from graph.model import (
    BodyFacts,
    CollegeFacts,
    MeetingFacts,
    MemberFacts,
    OpinionFacts,
    TerritoryProfile,
)
from graph.renewal import (
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    INDICATOR_CODES,
    Assessment,
    BodyNetwork,
    Indicator,
    RenewalConfig,
    age_band,
    assess_body,
    body_network,
    composite,
    dissimilarity,
    gini,
    rank_bodies,
)

AS_OF = dt.date(2026, 11, 1)
CONFIG = RenewalConfig.from_overrides(None, None)
D = dt.date
_ids = itertools.count(1)


def body(**kw) -> BodyFacts:
    base = {
        "id": 1,
        "name": "Conseil de quartier Nord",
        "body_type": "neighbourhood_council",
        "status": "active",
        "territory": "commune:75056",
        "founding_date": None,
        "dissolution_date": None,
        "mandate_years": 3,
        "term_start": None,
        "term_end": None,
        "seats": None,
        "parity_rule": "none",
        "min_age": None,
        "max_age": None,
    }
    base.update(kw)
    return BodyFacts(**base)


DEFAULT_START = D(2025, 1, 1)


def member(start=DEFAULT_START, end=None, *, actor=None, **kw) -> MemberFacts:
    base = {
        "actor_id": actor if actor is not None else next(_ids),
        "college_id": None,
        "role": "member",
        "start": start,
        "end": end,
        "end_reason": "",
        "category": "resident",
    }
    base.update(kw)
    return MemberFacts(**base)


def members(n: int, **kw) -> tuple[MemberFacts, ...]:
    return tuple(member(**kw) for _ in range(n))


def meeting(day: dt.date, present=8, excused=1, absent=1) -> MeetingFacts:
    return MeetingFacts(day, "plenary", present, excused, absent)


def opinion(day: dt.date, answer: dt.date | None = None, outcome: str = "") -> OpinionFacts:
    if answer is not None and not outcome:
        outcome = "adopted"
    return OpinionFacts(day, "referred", answer, outcome)


def indicator(facts: BodyFacts, code: str, *, network=None, profile=None, config=CONFIG):
    return assess_body(
        facts, as_of=AS_OF, network=network, profile=profile, config=config
    ).indicator(code)


# --- mandate -------------------------------------------------------------------------------


def test_mandate_overdue_is_alert_with_days_and_dates_in_both_languages():
    item = indicator(body(term_end=D(2025, 1, 20)), "mandate")
    # 2025-01-20 -> 2026-01-20 = 365 days, + 11 (rest of Jan) + 273 (Feb..Oct) + 1 = 650
    assert item.value == 650
    assert item.status == "alert"
    assert "650 days ago (2025-01-20)" in item.message_en
    assert "il y a 650 jours (20/01/2025)" in item.message_fr


def test_mandate_due_soon_is_watch_and_far_end_is_ok():
    # 2027-03-01 is 120 days after 2026-11-01: value -120 >= watch -180
    assert indicator(body(term_end=D(2027, 3, 1)), "mandate").status == "watch"
    # 2028-01-01 is 426 days away: -426 < -180
    assert indicator(body(term_end=D(2028, 1, 1)), "mandate").status == "ok"
    # ends on as_of: no longer current (end > as_of is the registry's rule) -> overdue
    assert indicator(body(term_end=AS_OF), "mandate").status == "alert"


def test_mandate_unknown_and_dormant_or_dissolved_reported():
    item = indicator(body(), "mandate")
    assert item.status == "unknown" and "not recorded" in item.message_en
    dormant = indicator(body(status="dormant", term_end=D(2030, 1, 1)), "mandate")
    assert dormant.status == "alert" and "dormant" in dormant.message_en
    assert "sommeil" in dormant.message_fr
    dissolved = indicator(body(status="dissolved", dissolution_date=D(2026, 2, 1)), "mandate")
    assert dissolved.status == "alert" and "01/02/2026" in dissolved.message_fr


# --- vacancy -------------------------------------------------------------------------------


def test_vacancy_24_seats_10_members_is_alert():
    item = indicator(body(seats=24, members=members(10)), "vacancy")
    # (24 - 10) / 24 = 14 / 24 = 0.5833 >= 0.40
    assert item.value == pytest.approx(14 / 24)
    assert item.status == "alert"
    assert "58.3%" in item.message_en and "58,3 %" in item.message_fr


def test_vacancy_watch_ok_unknown():
    assert indicator(body(seats=24, members=members(18)), "vacancy").status == "watch"  # 6/24 = .25
    assert indicator(body(seats=24, members=members(22)), "vacancy").status == "ok"  # 2/24 = .083
    assert indicator(body(members=members(5)), "vacancy").status == "unknown"


def test_vacancy_by_college_from_college_seats():
    colleges = (CollegeFacts(1, "Habitants", 10), CollegeFacts(2, "Associations", 2))
    facts = body(colleges=colleges, members=members(9, college_id=1))
    item = indicator(facts, "vacancy")
    # seats 10 + 2 = 12; 9 members -> 3/12 = 0.25 watch
    assert item.value == pytest.approx(0.25) and item.status == "watch"
    by_name = {c["name"]: c for c in item.detail["colleges"]}
    assert by_name["Habitants"]["vacancy"] == pytest.approx(0.1)  # 1/10
    assert by_name["Associations"]["vacancy"] == 1.0  # 2/2, alert
    assert "Associations" in item.message_en


def test_vacancy_one_college_in_alert_raises_ok_to_watch():
    colleges = (CollegeFacts(1, "Habitants", 20), CollegeFacts(2, "Associations", 4))
    facts = body(colleges=colleges, members=members(20, college_id=1) + members(2, college_id=2))
    item = indicator(facts, "vacancy")
    # overall 2/24 = .083 (ok) but Associations 2/4 = .5 (alert) -> watch
    assert item.value == pytest.approx(2 / 24) and item.status == "watch"


# --- tenure ----------------------------------------------------------------------------------


def veteran(actor: int) -> tuple[MemberFacts, ...]:
    """Three past terms of 3 years and a fourth running: 2014-11-01 -> as_of = 12.0 years."""
    starts = [D(2014, 11, 1), D(2017, 11, 1), D(2020, 11, 1), D(2023, 11, 1)]
    ends = [*starts[1:], None]
    return tuple(
        member(s, e, actor=actor, end_reason="term_ended" if e else "")
        for s, e in zip(starts, ends, strict=True)
    )


def test_three_past_terms_are_beyond_two_terms_alert():
    facts = body(members=veteran(101) + veteran(102) + veteran(103) + veteran(104))
    tenure = indicator(facts, "tenure_median")
    # 2014-11-01 -> 2026-11-01 = 12 * 365 + 3 leap days = 4383 days / 365.25 = 12.0 years
    assert tenure.value == pytest.approx(12.0) and tenure.status == "alert"
    beyond = indicator(facts, "beyond_two_terms")
    # 12 > 2 x 3 for all 4 members -> 4/4 = 1.0
    assert beyond.value == 1.0 and beyond.status == "alert"
    # with 6-year mandates, 12.0 is not beyond 2 x 6
    assert indicator(replace(facts, mandate_years=6), "beyond_two_terms").value == 0.0


def test_tenure_watch_ok_unknown_and_assumed_mandate():
    # 2021-11-01 -> as_of = 1826 days = 4.9993 years: watch (>= 4, < 6)
    assert indicator(body(members=members(3, start=D(2021, 11, 1))), "tenure_median").status == (
        "watch"
    )
    # 365 days = 0.9993 years: ok
    recent = body(members=members(4, start=D(2025, 11, 1)))
    assert indicator(recent, "tenure_median").status == "ok"
    assert indicator(recent, "beyond_two_terms").status == "ok"
    assert indicator(body(), "tenure_median").status == "unknown"
    assert indicator(body(), "beyond_two_terms").status == "unknown"
    # 1 veteran (12 years) among 4 -> 1/4 = 0.25: watch; no mandate length -> 3 assumed, said
    facts = body(mandate_years=None, members=veteran(201) + members(3, start=D(2025, 11, 1)))
    item = indicator(facts, "beyond_two_terms")
    assert item.value == 0.25 and item.status == "watch"
    assert item.detail["mandate_assumed"] is True
    assert "assuming a 3-year mandate" in item.message_en
    assert "mandat supposé de 3 ans" in item.message_fr


def test_overlapping_memberships_count_once_in_tenure():
    # two roles at once, from 2020-11-01 and 2022-11-01: 6 years, not 6 + 4
    facts = body(
        members=(
            member(D(2020, 11, 1), actor=301),
            member(D(2022, 11, 1), actor=301, role="secretary"),
        )
    )
    # 2020-11-01 -> 2026-11-01 = 2191 days / 365.25 = 5.9986
    assert indicator(facts, "tenure_median").value == pytest.approx(2191 / 365.25)


# --- turnover --------------------------------------------------------------------------------


def test_turnover_watch_alert_ok_unknown():
    stayers = members(10, start=D(2020, 1, 1))
    left5 = members(5, start=D(2020, 1, 1), end=D(2026, 3, 1), end_reason="resigned")
    item = indicator(body(members=stayers + left5), "turnover")
    # headcount 15 on 2025-11-01 and 10 on 2026-11-01: mean 12.5; 5 / 12.5 = 0.4 -> watch
    assert item.value == pytest.approx(0.4) and item.status == "watch"
    left8 = members(8, start=D(2020, 1, 1), end=D(2026, 3, 1), end_reason="moved_away")
    # (18 + 10) / 2 = 14; 8 / 14 = 0.571 -> alert
    assert indicator(body(members=stayers + left8), "turnover").status == "alert"
    # departures at the end of the term are the renewal itself: not counted
    ended = members(5, start=D(2020, 1, 1), end=D(2026, 3, 1), end_reason="term_ended")
    item = indicator(body(members=stayers + ended), "turnover")
    assert item.value == 0 and item.status == "ok"
    assert item.detail["left_by_reason"] == {"term_ended": 5}
    assert indicator(body(), "turnover").status == "unknown"


def test_reappointed_member_is_not_a_departure():
    facts = body(
        members=(
            member(D(2020, 1, 1), D(2026, 3, 1), actor=401, end_reason="resigned"),
            member(D(2026, 3, 1), actor=401),
            member(D(2020, 1, 1), actor=402),
        )
    )
    assert indicator(facts, "turnover").value == 0


# --- attendance ---------------------------------------------------------------------------------


def test_attendance_levels():
    low = body(meetings=(meeting(D(2026, 2, 1), 3, 1, 6), meeting(D(2026, 6, 1), 3, 1, 6)))
    item = indicator(low, "attendance")
    # (3 + 3) / (10 + 10) = 0.30 <= 0.40 -> alert
    assert item.value == pytest.approx(0.3) and item.status == "alert"
    assert "30.0%" in item.message_en and "30,0 %" in item.message_fr
    # 6/10 = 0.60: thresholds are inclusive -> watch
    assert indicator(body(meetings=(meeting(D(2026, 2, 1), 6, 2, 2),)), "attendance").status == (
        "watch"
    )
    assert indicator(body(meetings=(meeting(D(2026, 2, 1), 8, 1, 1),)), "attendance").status == (
        "ok"
    )
    # older than 12 months, or no attendance recorded: unknown
    assert indicator(body(meetings=(meeting(D(2025, 6, 1)),)), "attendance").status == "unknown"
    assert indicator(body(meetings=(meeting(D(2026, 6, 1), 0, 0, 0),)), "attendance").status == (
        "unknown"
    )


THREE_DATES = (D(2024, 1, 1), D(2025, 1, 1), D(2026, 1, 2))  # 366 days apart each


def trend(rates: tuple[int, int, int]) -> BodyFacts:
    return body(
        meetings=tuple(
            meeting(day, present, 0, 100 - present)
            for day, present in zip(THREE_DATES, rates, strict=True)
        )
    )


def test_attendance_falling_from_90_to_30_is_alert():
    item = indicator(trend((90, 60, 30)), "attendance_trend")
    # evenly spaced points: slope = -30 points per 366 days = -30 / (366 / 365.25) pp/year
    assert item.value == pytest.approx(-30 / (366 / 365.25))
    assert item.status == "alert"
    assert "falling by 29.9 points" in item.message_en


def test_attendance_trend_watch_ok_unknown():
    # -6 points per 366 days = -5.99 pp/year: watch (<= -5, > -10)
    assert indicator(trend((70, 64, 58)), "attendance_trend").status == "watch"
    # y = 70, 70, 72 at x = 0, 1, 2 steps: slope = ((-1)(-2/3) + (1)(4/3)) / 2 = 1 point per step
    item = indicator(trend((70, 70, 72)), "attendance_trend")
    assert item.value == pytest.approx(365.25 / 366) and item.status == "ok"
    two = body(meetings=(meeting(D(2025, 1, 1)), meeting(D(2026, 1, 1))))
    assert indicator(two, "attendance_trend").status == "unknown"


# --- activity ------------------------------------------------------------------------------------


def test_last_meeting_two_years_ago_is_dormant():
    facts = body(meetings=(meeting(D(2024, 10, 8)),))
    item = indicator(facts, "dormancy")
    # 754 days / (365.25 / 12) = 24.77 months >= 12
    assert item.value == pytest.approx(754 / 30.4375) and item.status == "alert"
    assert "24.8 months ago (2024-10-08)" in item.message_en
    assert "24,8 mois (08/10/2024)" in item.message_fr
    # and no meeting in the last 12 months: 0 <= 1 -> alert
    assert indicator(facts, "meetings_per_year").value == 0
    assert indicator(facts, "meetings_per_year").status == "alert"


def test_dormancy_and_meetings_per_year_levels():
    # 245 days = 8.05 months -> watch
    assert indicator(body(meetings=(meeting(D(2026, 3, 1)),)), "dormancy").status == "watch"
    # 31 days = 1.02 months -> ok
    assert indicator(body(meetings=(meeting(D(2026, 10, 1)),)), "dormancy").status == "ok"
    two = body(meetings=(meeting(D(2026, 3, 1)), meeting(D(2026, 9, 1))))
    assert indicator(two, "meetings_per_year").status == "watch"  # 2 <= 2
    four = body(meetings=tuple(meeting(D(2026, m, 1)) for m in (1, 4, 7, 10)))
    assert indicator(four, "meetings_per_year").status == "ok"
    # a meeting after as_of does not count
    future = body(meetings=(meeting(D(2026, 10, 1)), meeting(D(2027, 1, 1))))
    assert indicator(future, "meetings_per_year").value == 1
    assert indicator(body(), "dormancy").status == "unknown"
    assert indicator(body(), "meetings_per_year").status == "unknown"


# --- opinions ------------------------------------------------------------------------------------


def test_four_opinions_a_year_one_in_ten_answered():
    days = [D(2024, 12, 1) + dt.timedelta(days=70 * k) for k in range(10)]  # 2024-12-01..2026-09
    ops = (opinion(days[0], days[0] + dt.timedelta(days=30)),) + tuple(opinion(d) for d in days[1:])
    facts = body(opinions=ops)
    issued = indicator(facts, "opinions_issued")
    assert issued.value == 10 and issued.status == "ok"
    answered = indicator(facts, "opinions_answered")
    # The last one (2026-09-07) is 55 days old: within the 90-day grace, not yet late.
    # 1 answered of the 9 due = 0.111 <= 0.25 -> alert
    assert answered.value == pytest.approx(1 / 9) and answered.status == "alert"
    assert answered.detail["excluded_recent_unanswered"] == 1
    assert answered.detail["answer_delay_days"] == 90 and answered.detail["issued"] == 10
    assert "Only 1 of the 9" in answered.message_en
    adopted = indicator(facts, "opinions_adopted")
    assert adopted.value == 1.0 and adopted.status == "ok"  # 1 adopted / 1 answered
    assert indicator(facts, "response_delay").value == 30


def test_opinion_levels():
    d = D(2026, 1, 1)
    half = body(
        opinions=(
            opinion(d, D(2026, 2, 1), "partially_adopted"),
            opinion(d, D(2026, 2, 1), "rejected"),
            opinion(d),
            opinion(d, None, "no_response"),  # "no response" is not an answer
        )
    )
    assert indicator(half, "opinions_answered").value == 0.5  # 2/4: watch (inclusive)
    assert indicator(half, "opinions_answered").status == "watch"
    assert indicator(half, "opinions_adopted").value == 0.5  # 1 of 2 answered: ok
    assert indicator(half, "opinions_adopted").status == "ok"
    outcomes = ["adopted", "partially_adopted", "rejected", "noted", "rejected"]
    two_of_five = body(opinions=tuple(opinion(d, D(2026, 2, 1), o) for o in outcomes))
    assert indicator(two_of_five, "opinions_adopted").status == "watch"  # 2/5 = .4
    none_taken = body(opinions=(opinion(d, D(2026, 2, 1), "rejected"),))
    assert indicator(none_taken, "opinions_adopted").status == "alert"  # 0/1
    # an answer dated after as_of is not yet one
    later = body(opinions=(opinion(d, D(2027, 1, 1)),))
    assert indicator(later, "opinions_answered").value == 0


def test_response_delay_and_issued_levels():
    d = D(2026, 1, 1)
    assert (
        indicator(body(opinions=(opinion(d, d + dt.timedelta(100)),)), "response_delay").status
        == "watch"
    )
    slow = body(opinions=(opinion(d, d + dt.timedelta(150)), opinion(d, d + dt.timedelta(250))))
    item = indicator(slow, "response_delay")
    assert item.value == 200 and item.status == "alert"  # median(150, 250) = 200 >= 180
    assert indicator(body(opinions=(opinion(d),)), "opinions_issued").status == "watch"  # 1
    old = body(opinions=(opinion(D(2023, 1, 1)),))  # none in the last 24 months
    assert indicator(old, "opinions_issued").status == "alert"
    assert indicator(old, "opinions_answered").status == "unknown"
    for code in ("opinions_issued", "opinions_answered", "opinions_adopted", "response_delay"):
        assert indicator(body(), code).status == "unknown"


# --- parity ----------------------------------------------------------------------------------------


def gendered(women: int, men: int, unknown: int = 0) -> tuple[MemberFacts, ...]:
    return members(women, gender="female") + members(men, gender="male") + members(unknown)


def test_parity_max_gap_1():
    item = indicator(body(parity_rule="max_gap_1", members=gendered(9, 4)), "parity")
    # |9 - 4| = 5 > 1: legal breach. Value and threshold are both a minority share:
    # 4 / 13 = .3077, at or under (13 - 2) / 26 = .4231, the share a gap of 2 would give
    assert item.value == pytest.approx(4 / 13) and item.status == "alert"
    assert item.unit == "share" and item.threshold == (None, pytest.approx(11 / 26))
    assert item.detail["gap"] == 5 and (item.detail["women"], item.detail["men"]) == (9, 4)
    assert "9 women and 4 men" in item.message_en and "9 femmes et 4 hommes" in item.message_fr
    assert indicator(body(parity_rule="max_gap_1", members=gendered(7, 6)), "parity").status == "ok"


def test_parity_balanced_and_none():
    # minority share 3/10 = .30 <= .40 -> watch; 2/10 = .20 <= .25 -> alert; 9/20 = .45 ok
    # (thresholds inclusive, as for every indicator: 4/10 = .40 is watch)
    assert (
        indicator(body(parity_rule="balanced", members=gendered(3, 7)), "parity").status == "watch"
    )
    assert (
        indicator(body(parity_rule="balanced", members=gendered(2, 8)), "parity").status == "alert"
    )
    assert indicator(body(parity_rule="balanced", members=gendered(9, 11)), "parity").status == "ok"
    assert (
        indicator(body(parity_rule="balanced", members=gendered(4, 6)), "parity").status == "watch"
    )
    # no rule: at most watch
    assert indicator(body(parity_rule="none", members=gendered(1, 9)), "parity").status == "watch"


def test_parity_unknown_when_gender_known_for_fewer_than_half():
    item = indicator(body(parity_rule="max_gap_1", members=gendered(2, 2, unknown=6)), "parity")
    assert item.status == "unknown" and "4 of 10" in item.message_en


# --- representativeness -------------------------------------------------------------------------------


PROFILE = TerritoryProfile(
    categories={"resident": 50, "association": 30, "company": 20},
    age_bands={"<25": 30, "25-39": 25, "40-59": 25, "60-74": 15, "75+": 5},
)


def test_dissimilarity_and_helpers():
    # p = .8/.2/0, q = .5/.3/.2: ½(.3 + .1 + .2) = 0.3
    assert dissimilarity({"resident": 8, "association": 2}, PROFILE.categories) == pytest.approx(
        0.3
    )
    assert dissimilarity({"a": 1}, {"a": 5}) == 0
    assert dissimilarity({}, {"a": 1}) is None
    assert gini([1, 1, 1, 1]) == 0
    # Σ|xi - xj| over ordered pairs = 2 x 3 = 6; / (2 n² mean) = 6 / (2 x 16 x .25) = 0.75
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert gini([]) is None
    assert age_band(2002, AS_OF) == "<25"  # 24
    assert age_band(2001, AS_OF) == "25-39"  # 25
    assert age_band(1951, AS_OF) == "75+"  # 75


def test_age_gap_levels():
    elders = body(members=members(10, birth_year=1955))  # all 71 -> "60-74"
    item = indicator(elders, "age_gap", profile=PROFILE)
    # ½(.30 + .25 + .25 + |1 - .15| + .05) = ½ x 1.70 = 0.85 -> alert
    assert item.value == pytest.approx(0.85) and item.status == "alert"
    mirror = body(
        members=members(3, birth_year=2005)  # 21
        + members(3, birth_year=1990)  # 36
        + members(2, birth_year=1970)  # 56
        + members(1, birth_year=1955)  # 71
        + members(1, birth_year=1940)  # 86
    )
    # p = .3/.3/.2/.1/.1: ½(0 + .05 + .05 + .05 + .05) = 0.1 -> ok
    assert indicator(mirror, "age_gap", profile=PROFILE).value == pytest.approx(0.1)
    assert indicator(mirror, "age_gap", profile=PROFILE).status == "ok"
    older = body(
        members=members(4, birth_year=1990)
        + members(3, birth_year=1970)
        + members(2, birth_year=1955)
        + members(1, birth_year=1940)
    )
    # p = 0/.4/.3/.2/.1: ½(.3 + .15 + .05 + .05 + .05) = 0.3 -> watch
    assert indicator(older, "age_gap", profile=PROFILE).value == pytest.approx(0.3)
    assert indicator(older, "age_gap", profile=PROFILE).status == "watch"


def test_youth_council_compared_with_the_ages_it_admits():
    youth = body(min_age=11, max_age=24, members=members(10, birth_year=2010))  # all 16
    # only the "<25" band of the territory is admissible: p = q = 1 -> 0
    assert indicator(youth, "age_gap", profile=PROFILE).value == 0


def test_age_gap_unknown():
    assert indicator(body(members=members(4, birth_year=1980)), "age_gap").status == "unknown"
    half_unknown = body(members=members(1, birth_year=1980) + members(3))
    item = indicator(half_unknown, "age_gap", profile=PROFILE)
    assert item.status == "unknown" and "1 of 4" in item.message_en


def test_category_gap_levels():
    facts = body(members=members(8) + members(2, category="association"))
    # the dissimilarity example: 0.3 -> watch (>= .25, < .40)
    assert indicator(facts, "category_gap", profile=PROFILE).value == pytest.approx(0.3)
    assert indicator(facts, "category_gap", profile=PROFILE).status == "watch"
    elected = body(members=members(10, category="elected_official"))
    # ½(.5 + .3 + .2 + 1) = 1.0 -> alert
    assert indicator(elected, "category_gap", profile=PROFILE).value == pytest.approx(1.0)
    mirror = body(
        members=members(5) + members(3, category="association") + members(2, category="company")
    )
    assert indicator(mirror, "category_gap", profile=PROFILE).value == pytest.approx(0)
    assert indicator(mirror, "category_gap", profile=TerritoryProfile()).status == "unknown"


# --- the network -------------------------------------------------------------------------------------


def registry_graph() -> nx.MultiGraph:
    """b1 has a1, a2, a3, a4, a7; a1 also sits in b2, b3, b4; a2 in b2.

    a7 is a local authority (a decision-maker) inside b1; a9 an elected official
    outside; a10 a resident with declared power 5.
    """
    g = nx.MultiGraph()
    categories = {1: "resident", 2: "resident", 3: "resident", 4: "resident", 5: "association"}
    categories |= {
        6: "resident",
        7: "collectivity",
        9: "elected_official",
        10: "resident",
        11: "resident",
    }
    for pk, category in categories.items():
        power = 5 if pk == 10 else 2
        g.add_node(f"a{pk}", kind="actor", label=f"A{pk}", category=category, power=power)
    for pk in (1, 2, 3, 4):
        g.add_node(f"b{pk}", kind="body", label=f"Body {pk}", category="neighbourhood_council")
    key = itertools.count(1)
    for b, actors in {1: (1, 2, 3, 4, 7), 2: (1, 2, 5), 3: (1, 6), 4: (1,)}.items():
        for a in actors:
            g.add_edge(f"a{a}", f"b{b}", key=f"m{next(key)}", relation="membership", weight=3)
    for u, v in (("a3", "a9"), ("a3", "a9"), ("a5", "a9"), ("a4", "a10")):
        g.add_edge(u, v, key=f"i{next(key)}", relation="interaction", weight=2, sign=1)
    return g


COMMUNITIES = {
    "a1": 0, "a2": 0, "a3": 0, "a7": 0, "b1": 0, "a4": 1, "a10": 1,
    "b2": 2, "a5": 2, "b3": 3, "b4": 3, "a6": 3, "a9": 4, "a11": 5,
}  # fmt: skip
PAGERANK = {"a1": 0.4, "a2": 0.1, "a3": 0.1, "a4": 0.1, "a7": 0.3}


def test_body_network_on_a_hand_made_graph():
    net = body_network(registry_graph(), 1, communities=COMMUNITIES, pagerank=PAGERANK)
    assert net.members == ("a1", "a2", "a3", "a4", "a7")
    assert net.other_bodies == (("a1", 3), ("a2", 1), ("a3", 0), ("a4", 0), ("a7", 0))
    # b2 = {a1, a2, a5}: 2 shared / 6 in the union = 1/3; b3: 1/6; b4: 1/5
    assert net.max_jaccard == pytest.approx(1 / 3)
    assert net.most_interlocked == "b2" and net.most_interlocked_label == "Body 2"
    assert net.bodies_sharing == 3
    # members + neighbours touch communities {0, 1, 2, 3, 4} of {0..5}: 5/6
    assert (net.communities_touched, net.communities_total) == (5, 6)
    assert net.reach == pytest.approx(5 / 6)
    # sorted .1 .1 .1 .3 .4: Σ(2i - n - 1) x_i = -.4 - .2 + 0 + .6 + 1.6 = 1.6; / (5 x 1.0) = .32
    assert net.concentration == pytest.approx(0.32)
    # without b1: a1 -> b2 -> a5 -> a9 = 3, a2 likewise 3, a3 -> a9 = 1, a4 -> a10 (power 5) = 1,
    # a7 is a decision-maker: 0 (and a1 does NOT reach a7 through b1). Mean 8/5 = 1.6
    assert dict(net.distances) == {"a1": 3, "a2": 3, "a3": 1, "a4": 1, "a7": 0}
    assert net.decision_distance == pytest.approx(1.6)
    assert net.decision_makers == 3  # a7, a9, a10


def test_body_network_indicators():
    net = body_network(registry_graph(), 1, communities=COMMUNITIES, pagerank=PAGERANK)
    facts = body()
    multi = indicator(facts, "multi_membership", network=net)
    assert multi.value == pytest.approx(0.2) and multi.status == "watch"  # 1 of 5 in 3+ others
    assert indicator(facts, "interlock", network=net).status == "watch"  # .333
    assert indicator(facts, "reach", network=net).status == "ok"  # .833
    assert indicator(facts, "concentration", network=net).status == "ok"  # .32
    assert indicator(facts, "decision_distance", network=net).status == "ok"  # 1.6
    for code in ("multi_membership", "interlock", "reach", "concentration", "decision_distance"):
        item = indicator(facts, code)
        assert item.status == "unknown" and "graph was not given" in item.message_en


def test_decision_makers_unreachable_or_absent():
    g = nx.MultiGraph()
    g.add_node("b5", kind="body", label="B5")
    g.add_node("a20", kind="actor", category="resident", power=None)
    g.add_node("a21", kind="actor", category="elected_official", power=None)
    g.add_edge("a20", "b5", key="m1", relation="membership")
    g.add_edge("a21", "b5", key="m2", relation="membership")
    # a21 is a member: 0; a20 only reaches a21 through b5, which does not count
    net = body_network(g, 5, communities={}, pagerank={})
    assert dict(net.distances) == {"a20": None, "a21": 0}
    assert net.decision_distance == 0 and net.reach is None
    g.remove_node("a21")
    g.add_node("a22", kind="actor", category="elected_official", power=None)
    net = body_network(g, 5, communities={}, pagerank={})
    assert net.decision_distance is None and net.decision_makers == 1
    assert indicator(body(), "decision_distance", network=net).status == "alert"
    assert indicator(body(), "reach", network=net).status == "unknown"
    g.remove_node("a22")
    net = body_network(g, 5, communities={}, pagerank={})
    assert indicator(body(), "decision_distance", network=net).status == "unknown"
    empty = body_network(g, 99, communities={}, pagerank={})
    assert empty.members == () and indicator(body(), "interlock", network=empty).status == "unknown"


def network(**kw) -> BodyNetwork:
    base = {
        "body_id": 1,
        "members": ("a1", "a2", "a3", "a4"),
        "other_bodies": (("a1", 0), ("a2", 0), ("a3", 0), ("a4", 0)),
        "max_jaccard": 0.0,
        "most_interlocked": None,
        "most_interlocked_label": "",
        "bodies_sharing": 0,
        "communities_touched": 3,
        "communities_total": 6,
        "reach": 0.5,
        "concentration": 0.1,
        "decision_makers": 2,
        "distances": (("a1", 1), ("a2", 1), ("a3", 1), ("a4", 1)),
        "decision_distance": 1.0,
    }
    base.update(kw)
    return BodyNetwork(**base)


# --- every indicator reaches every status, with both sentences ---------------------------------


def _n(**kw):
    return {"network": network(**kw)}


CASES: dict[str, dict[str, tuple[BodyFacts, dict]]] = {
    "mandate": {
        "ok": (body(term_end=D(2028, 1, 1)), {}),
        "watch": (body(term_end=D(2027, 3, 1)), {}),
        "alert": (body(term_end=D(2025, 1, 20)), {}),
        "unknown": (body(), {}),
    },
    "vacancy": {
        "ok": (body(seats=24, members=members(22)), {}),
        "watch": (body(seats=24, members=members(18)), {}),
        "alert": (body(seats=24, members=members(10)), {}),
        "unknown": (body(members=members(3)), {}),
    },
    "tenure_median": {
        "ok": (body(members=members(3, start=D(2025, 11, 1))), {}),
        "watch": (body(members=members(3, start=D(2021, 11, 1))), {}),
        "alert": (body(members=veteran(501)), {}),
        "unknown": (body(), {}),
    },
    "beyond_two_terms": {
        "ok": (body(members=members(3, start=D(2025, 11, 1))), {}),
        "watch": (body(members=veteran(502) + members(3, start=D(2025, 11, 1))), {}),
        "alert": (body(members=veteran(503)), {}),
        "unknown": (body(), {}),
    },
    "turnover": {
        "ok": (body(members=members(10, start=D(2020, 1, 1))), {}),
        "watch": (
            body(
                members=members(10, start=D(2020, 1, 1))
                + members(5, start=D(2020, 1, 1), end=D(2026, 3, 1), end_reason="resigned")
            ),
            {},
        ),
        "alert": (
            body(
                members=members(10, start=D(2020, 1, 1))
                + members(8, start=D(2020, 1, 1), end=D(2026, 3, 1), end_reason="resigned")
            ),
            {},
        ),
        "unknown": (body(), {}),
    },
    "attendance": {
        "ok": (body(meetings=(meeting(D(2026, 2, 1), 8, 1, 1),)), {}),
        "watch": (body(meetings=(meeting(D(2026, 2, 1), 5, 2, 3),)), {}),
        "alert": (body(meetings=(meeting(D(2026, 2, 1), 3, 1, 6),)), {}),
        "unknown": (body(), {}),
    },
    "attendance_trend": {
        "ok": (trend((70, 70, 72)), {}),
        "watch": (trend((70, 64, 58)), {}),
        "alert": (trend((90, 60, 30)), {}),
        "unknown": (body(), {}),
    },
    "meetings_per_year": {
        "ok": (body(meetings=tuple(meeting(D(2026, m, 1)) for m in (1, 4, 7, 10))), {}),
        "watch": (body(meetings=(meeting(D(2026, 3, 1)), meeting(D(2026, 9, 1)))), {}),
        "alert": (body(meetings=(meeting(D(2024, 10, 8)),)), {}),
        "unknown": (body(), {}),
    },
    "dormancy": {
        "ok": (body(meetings=(meeting(D(2026, 10, 1)),)), {}),
        "watch": (body(meetings=(meeting(D(2026, 3, 1)),)), {}),
        "alert": (body(meetings=(meeting(D(2024, 10, 8)),)), {}),
        "unknown": (body(), {}),
    },
    "opinions_issued": {
        "ok": (body(opinions=(opinion(D(2026, 1, 1)), opinion(D(2026, 2, 1)))), {}),
        "watch": (body(opinions=(opinion(D(2026, 1, 1)),)), {}),
        "alert": (body(opinions=(opinion(D(2023, 1, 1)),)), {}),
        "unknown": (body(), {}),
    },
    "opinions_answered": {
        "ok": (body(opinions=(opinion(D(2026, 1, 1), D(2026, 2, 1)),)), {}),
        "watch": (
            body(opinions=(opinion(D(2026, 1, 1), D(2026, 2, 1)), opinion(D(2026, 1, 1)))),
            {},
        ),
        "alert": (body(opinions=(opinion(D(2026, 1, 1)),)), {}),
        "unknown": (body(), {}),
    },
    "opinions_adopted": {
        "ok": (body(opinions=(opinion(D(2026, 1, 1), D(2026, 2, 1)),)), {}),
        "watch": (
            body(
                opinions=tuple(
                    opinion(D(2026, 1, 1), D(2026, 2, 1), o)
                    for o in ("adopted", "adopted", "rejected", "noted", "rejected")
                )
            ),
            {},
        ),
        "alert": (body(opinions=(opinion(D(2026, 1, 1), D(2026, 2, 1), "rejected"),)), {}),
        "unknown": (body(opinions=(opinion(D(2026, 1, 1)),)), {}),
    },
    "response_delay": {
        "ok": (body(opinions=(opinion(D(2026, 1, 1), D(2026, 2, 1)),)), {}),
        "watch": (body(opinions=(opinion(D(2026, 1, 1), D(2026, 4, 11)),)), {}),  # 100 days
        "alert": (body(opinions=(opinion(D(2026, 1, 1), D(2026, 9, 1)),)), {}),  # 243 days
        "unknown": (body(opinions=(opinion(D(2026, 1, 1)),)), {}),
    },
    "parity": {
        "ok": (body(parity_rule="max_gap_1", members=gendered(7, 6)), {}),
        "watch": (body(parity_rule="balanced", members=gendered(3, 7)), {}),
        "alert": (body(parity_rule="max_gap_1", members=gendered(9, 4)), {}),
        "unknown": (body(members=gendered(1, 1, unknown=5)), {}),
    },
    "age_rule": {  # a youth council of 16-25 year olds; 2026 - 2005 = 21, 2026 - 1990 = 36
        "ok": (body(min_age=16, max_age=25, members=members(4, birth_year=2005)), {}),
        "watch": (
            body(max_age=25, members=members(3, birth_year=2005) + members(1, birth_year=1990)),
            {},
        ),
        "alert": (
            body(max_age=25, members=members(2, birth_year=2005) + members(2, birth_year=1990)),
            {},
        ),
        "unknown": (body(members=members(4, birth_year=2005)), {}),  # no age rule
    },
    "age_gap": {
        "ok": (
            body(members=members(4, birth_year=2005)),
            {"profile": TerritoryProfile(age_bands={"<25": 1})},
        ),
        "watch": (
            body(members=members(7, birth_year=2005) + members(3, birth_year=1980)),
            {"profile": TerritoryProfile(age_bands={"<25": 1})},
        ),  # ½(.3 + .3) = .3
        "alert": (body(members=members(10, birth_year=1955)), {"profile": PROFILE}),
        "unknown": (body(members=members(4, birth_year=1980)), {}),
    },
    "category_gap": {
        "ok": (body(members=members(5)), {"profile": TerritoryProfile(categories={"resident": 1})}),
        "watch": (
            body(members=members(8) + members(2, category="association")),
            {"profile": PROFILE},
        ),
        "alert": (body(members=members(4, category="company")), {"profile": PROFILE}),
        "unknown": (body(members=members(4)), {}),
    },
    "multi_membership": {
        "ok": (body(), _n()),
        "watch": (  # 1 of 5 = .20: watch from .10, alert from .25
            body(),
            _n(
                members=("a1", "a2", "a3", "a4", "a5"),
                other_bodies=(("a1", 3), ("a2", 0), ("a3", 0), ("a4", 0), ("a5", 0)),
            ),
        ),
        "alert": (body(), _n(other_bodies=(("a1", 3), ("a2", 4), ("a3", 0), ("a4", 0)))),  # .5
        "unknown": (body(), {}),
    },
    "interlock": {
        "ok": (body(), _n()),
        "watch": (body(), _n(max_jaccard=0.3, most_interlocked="b2", bodies_sharing=1)),
        "alert": (body(), _n(max_jaccard=0.6, most_interlocked="b2", bodies_sharing=1)),
        "unknown": (body(), {}),
    },
    "reach": {
        "ok": (body(), _n()),
        "watch": (body(), _n(reach=0.2, communities_touched=1, communities_total=5)),
        "alert": (body(), _n(reach=0.1, communities_touched=1, communities_total=10)),
        "unknown": (body(), _n(reach=None, communities_touched=0, communities_total=0)),
    },
    "concentration": {
        "ok": (body(), _n()),
        "watch": (body(), _n(concentration=0.45)),
        "alert": (body(), _n(concentration=0.75)),
        "unknown": (body(), _n(members=(), other_bodies=(), distances=())),
    },
    "decision_distance": {
        "ok": (body(), _n()),
        "watch": (body(), _n(decision_distance=3.0)),
        "alert": (body(), _n(decision_distance=4.0)),
        "unknown": (body(), _n(decision_makers=0, decision_distance=None)),
    },
}


def test_every_indicator_has_cases():
    assert set(CASES) == set(INDICATOR_CODES) == set(DEFAULT_THRESHOLDS) == set(DEFAULT_WEIGHTS)


@pytest.mark.parametrize(
    ("code", "status"),
    [(c, s) for c in INDICATOR_CODES for s in ("ok", "watch", "alert", "unknown")],
)
def test_each_indicator_reaches_each_status_with_both_sentences(code, status):
    facts, kw = CASES[code][status]
    item = indicator(facts, code, **kw)
    assert item.status == status, item.message_en
    assert item.message_en and item.message_fr and item.message_en != item.message_fr
    assert item.message_en.endswith(".") and item.message_fr.endswith(".")
    assert (item.value is None) == (status == "unknown")
    assert len(item.threshold) == 2


# --- the composite score ------------------------------------------------------------------------------


def fake(code: str, status: str) -> Indicator:
    return Indicator(code, None, "", (None, None), status, {}, "en.", "fr.")


def test_composite_weighted_mean_renormalised_over_known():
    items = [
        fake("mandate", "alert"),  # weight 3 x 100
        fake("vacancy", "watch"),  # weight 2 x 50
        fake("parity", "ok"),  # weight 2 x 0
        fake("attendance", "unknown"),  # weight 2, left out
    ]
    score, used = composite(items, DEFAULT_WEIGHTS)
    # (300 + 100 + 0) / (3 + 2 + 2) = 400 / 7 = 57.14
    assert score == pytest.approx(400 / 7)
    assert used == (("mandate", 3 / 7), ("vacancy", 2 / 7), ("parity", 2 / 7))
    # a weight of 0 leaves the indicator out as well
    score, used = composite(items, {**DEFAULT_WEIGHTS, "mandate": 0})
    assert score == pytest.approx(100 / 4) and [c for c, _ in used] == ["vacancy", "parity"]
    assert composite([fake("mandate", "unknown")], DEFAULT_WEIGHTS) == (None, ())


def test_assessment_score_counts_and_summary():
    facts = body(
        term_end=D(2025, 1, 20),  # alert
        seats=24,
        members=gendered(9, 4),  # vacancy 11/24 = .458 alert
        parity_rule="max_gap_1",  # gap 5 alert
    )
    result = assess_body(facts, as_of=AS_OF, network=None, profile=None, config=CONFIG)
    counts = dict(result.counts)
    assert sum(counts.values()) == len(INDICATOR_CODES) == 22
    # known: mandate A(3), vacancy A(2), tenure_median ok(1) [1.8 y], beyond_two_terms ok(2),
    # turnover ok(1) [0 departures], parity A(2) -> (3+2+2) x 100 / (3+2+1+2+1+2) = 700 / 11
    assert counts == {"ok": 3, "watch": 0, "alert": 3, "unknown": 16}
    assert result.score == pytest.approx(700 / 11)
    assert sum(w for _, w in result.weights) == pytest.approx(1)
    assert result.alerts == ("mandate", "vacancy", "parity")
    # the 13 members all joined in 2025 with no seat anywhere before: newcomers, a strength
    assert result.summary_en == (
        "Renewal score 64/100: 3 alert(s) (mandate, vacant seats, parity), 0 to watch, 16 unknown."
        " Strengths: newcomers."
    )
    assert "mandat, sièges vacants, parité" in result.summary_fr
    assert result.summary_fr.endswith(" Points forts : nouveaux participants.")
    empty = assess_body(body(), as_of=AS_OF, network=None, profile=None, config=CONFIG)
    assert empty.score is None and empty.weights == () and "No indicator" in empty.summary_en


def assessment(body_id: int, score: float | None, alerts: int) -> Assessment:
    items = tuple(fake(c, "alert") for c in INDICATOR_CODES[:alerts])
    return Assessment(body_id, "", AS_OF, score, items, (), (), "", "")


def test_rank_bodies():
    a = assessment(3, 50, 1)
    b = assessment(5, 50, 2)
    c = assessment(9, 80, 0)
    d = assessment(1, None, 0)
    e = assessment(2, 50, 1)
    ranked = rank_bodies([a, b, c, d, e])
    # 80 first; at 50, two alerts before one; then body id 2 before 3; unknown score last
    assert [x.body_id for x in ranked] == [9, 5, 2, 3, 1]
    assert isinstance(ranked, tuple)


# --- configuration ------------------------------------------------------------------------------------------


def test_config_overrides_merge_onto_defaults():
    config = RenewalConfig.from_overrides(
        {"vacancy": {"alert": 0.5}, "dormancy": (3, 9)}, {"mandate": 5}
    )
    assert config.thresholds["vacancy"] == {"watch": 0.2, "alert": 0.5}
    assert config.thresholds["dormancy"] == {"watch": 3, "alert": 9}
    assert config.weights["mandate"] == 5 and config.weights["vacancy"] == 2
    assert DEFAULT_THRESHOLDS["vacancy"]["alert"] == 0.4 and DEFAULT_WEIGHTS["mandate"] == 3
    # 14/24 = .583 is still alert; 11/24 = .458 becomes watch under alert .5
    assert (
        indicator(body(seats=24, members=members(13)), "vacancy", config=config).status == "watch"
    )
    assert RenewalConfig() == RenewalConfig.from_overrides(None, None)


@pytest.mark.parametrize(
    ("thresholds", "weights", "named"),
    [
        ({"vacancancy": {"alert": 0.5}}, None, "vacancancy"),
        ({"vacancy": {"critical": 0.5}}, None, "vacancy.critical"),
        ({"vacancy": {"alert": "high"}}, None, "vacancy.alert"),
        ({"vacancy": {"watch": 0.6}}, None, "vacancy"),  # watch beyond alert .4
        ({"attendance": (0.3, 0.5)}, None, "attendance"),  # lower is worse: watch must be higher
        (None, {"mandat": 2}, "mandat"),
        (None, {"mandate": -1}, "mandate"),
    ],
)
def test_config_rejects_unknown_or_bad_keys(thresholds, weights, named):
    with pytest.raises(ValueError, match=named):
        RenewalConfig.from_overrides(thresholds, weights)


# --- determinism -----------------------------------------------------------------------------------------------


def test_determinism():
    facts = body(
        term_end=D(2025, 1, 20),
        seats=24,
        members=gendered(9, 4) + veteran(601),
        meetings=tuple(meeting(D(2026, m, 3)) for m in (5, 1, 9)),
        opinions=(opinion(D(2026, 1, 1), D(2026, 3, 1)), opinion(D(2025, 6, 1))),
    )
    g = registry_graph()
    runs = [
        assess_body(
            facts,
            as_of=AS_OF,
            network=body_network(g, 1, communities=COMMUNITIES, pagerank=PAGERANK),
            profile=PROFILE,
            config=CONFIG,
        )
        for _ in range(2)
    ]
    shuffled = replace(facts, members=tuple(reversed(facts.members)), meetings=facts.meetings[::-1])
    runs.append(
        assess_body(
            shuffled,
            as_of=AS_OF,
            network=body_network(g, 1, communities=COMMUNITIES, pagerank=PAGERANK),
            profile=PROFILE,
            config=CONFIG,
        )
    )
    assert runs[0] == runs[1] == runs[2]
    assert [i.code for i in runs[0].indicators] == list(INDICATOR_CODES)


def test_referents_and_facilitators_hold_no_seat():
    # 10 seated members (5 women, 5 men) plus an elected referent (a man), a technical
    # referent and a facilitator: 10 of 24 seats filled (14/24 = 58.3 % vacant, alert)
    # and parity 5/5 (gap 0, ok): the three non-seated people count in neither.
    others = (
        member(role="elected_referent", gender="male"),
        member(role="technical_referent", gender="male"),
        member(role="facilitator", gender="male"),
    )
    facts = body(seats=24, parity_rule="max_gap_1", members=gendered(5, 5) + others)
    vacancy = indicator(facts, "vacancy")
    assert vacancy.value == pytest.approx(14 / 24, abs=1e-3) and vacancy.status == "alert"
    parity = indicator(facts, "parity")
    assert parity.value == 0.5 and parity.detail["gap"] == 0 and parity.status == "ok"


def test_a_recent_unanswered_opinion_is_not_late_yet():
    # 2026-10-01 is 31 days before as_of: inside the 90-day grace -> not judged yet.
    only_recent = body(opinions=(opinion(D(2026, 10, 1)),))
    item = indicator(only_recent, "opinions_answered")
    assert item.status == "unknown" and "too early" in item.message_en
    # With an older answered one beside it: 1 of 1 due answered -> ok.
    both = body(
        opinions=(opinion(D(2026, 1, 1), D(2026, 2, 1), "adopted"), opinion(D(2026, 10, 1)))
    )
    assert indicator(both, "opinions_answered").status == "ok"


def test_shared_decision_distances_equal_a_search_without_each_body():
    # On random registry-like graphs, the one-search distances corrected per body equal
    # a plain search in the graph without the body, for every member of every body.
    import random

    from graph.renewal import _bfs, _is_decision_maker, decision_distances, membership_index

    for trial in range(20):
        rng = random.Random(trial)
        g = nx.MultiGraph()
        actors = [f"a{i}" for i in range(1, 41)]
        bodies = [f"b{i}" for i in range(1, 7)]
        for a in actors:
            g.add_node(
                a, kind="actor", category=rng.choice(["resident"] * 8 + ["elected_official"])
            )
        for b in bodies:
            g.add_node(b, kind="body")
        for k, a in enumerate(actors):
            for b in rng.sample(bodies, rng.choice([0, 1, 1, 2])):
                g.add_edge(a, b, key=f"m{trial}{k}{b}", relation="membership")
        for k in range(25):
            u, v = rng.sample(actors, 2)
            g.add_edge(u, v, key=f"i{k}", relation="interaction")
        shared = decision_distances(g)
        deciders = [n for n, d in g.nodes(data=True) if _is_decision_maker(d)]
        for b in bodies:
            net = body_network(g, int(b[1:]), communities={}, pagerank={}, decider_distance=shared)
            indexed = body_network(
                g, int(b[1:]), communities={}, pagerank={}, memberships=membership_index(g)
            )
            assert indexed == net
            alone = _bfs(g, deciders, skip=b)
            assert dict(net.distances) == {m: alone.get(m) for m in net.members}, (trial, b)
