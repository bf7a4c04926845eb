"""The one declaration of the renewal indicators: one ``IndicatorSpec`` row per indicator.

Everything else derives from ``INDICATORS``: the order of the assessment, the
default thresholds and weights, the units, the validation of settings and
charters, the table of the package docstring and the README table (checked by
``tests/graph/test_renewal_declaration.py``). To add an indicator, write its
compute function and add its row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graph.renewal import activity, composition, members, network_indicators, opinions
from graph.renewal.base import Context, Indicator


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator is: its code, labels, unit, direction, defaults and computation."""

    code: str
    label_en: str
    label_fr: str
    unit: str
    higher_is_worse: bool  # True: ↑ higher is worse; False: ↓ lower is worse
    watch: float  # default threshold of the status "watch" (inclusive)
    alert: float  # default threshold of the status "alert" (inclusive)
    weight: float  # default weight in the composite score (0 leaves it out)
    meaning: str  # what the value measures, with the rules that change a count
    why: str  # why these defaults
    compute: Callable[[Context], Indicator]

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_worse else "↓"


S = IndicatorSpec

INDICATORS: tuple[IndicatorSpec, ...] = (
    S("mandate", "mandate", "mandat", "days", True, -180, 0, 3,
      "days since the term ended (negative: days left); a dormant or dissolved body is always an alert",
      "an expired mandate is the first reason to renew; 6 months to prepare",
      members.mandate),
    S("vacancy", "vacant seats", "sièges vacants", "share", True, 0.20, 0.40, 2,
      "share of seats without a current member (detail per college; one college at alert makes the body watch at least)",
      "above 2 seats in 5 empty the body no longer represents its colleges",
      members.vacancy),
    S("tenure_median", "median tenure", "ancienneté médiane", "years", True, 4, 6, 1,
      "median years served by the current members (overlapping memberships counted once)",
      "past one 3-year term for most members, the body stops renewing",
      members.tenure_median),
    S("beyond_two_terms", "members beyond the term limit", "membres au-delà de la limite de mandats", "share", True, 0.25, 0.50, 2,
      "share of current members whose consecutive service is longer than `max_consecutive_terms` mandates (default 2) of `mandate_years` (the body's, else its charter's, else 3 years)",
      "the usual \"two terms\" good practice of participation charters",
      members.beyond_two_terms),
    S("turnover", "turnover", "rotation", "share", True, 0.25, 0.50, 1,
      "early departures in 12 months / average headcount (departures at the end of a term are not counted)",
      "a quarter leaving mid-term means the body is losing its members",
      members.turnover),
    S("attendance", "attendance", "assiduité", "share", False, 0.60, 0.40, 2,
      "present / convened over 12 months (meetings without recorded attendance left out)",
      "below 60% quorums become fragile; below 40% the body is hollow",
      activity.attendance),
    S("attendance_trend", "attendance trend", "tendance de l'assiduité", "pp/year", False, -5, -10, 1,
      "least-squares slope of the attendance over 3 years, points per year (meetings without recorded attendance left out)",
      "a steady fall announces the hollowing before it shows",
      activity.attendance_trend),
    S("meetings_per_year", "meetings per year", "réunions par an", "meetings", False, 2, 1, 1,
      "meetings in the last 12 months; with a `min_meetings_per_year` rule, fewer is an alert and reaching it ok",
      "charters usually require 3 plenary meetings a year or more",
      activity.meetings_per_year),
    S("dormancy", "dormancy", "inactivité", "months", True, 6, 12, 2,
      "months since the last meeting",
      "a year without a meeting is a dormant body",
      activity.dormancy),
    S("opinions_issued", "opinions issued", "avis rendus", "opinions", False, 1, 0, 1,
      "opinions issued in the last 24 months",
      "a consultative body exists to give opinions",
      opinions.opinions_issued),
    S("opinions_answered", "opinions answered", "avis ayant reçu une réponse", "share", False, 0.50, 0.25, 1,
      "share of the opinions of the last 24 months that got an answer; unanswered opinions younger than `answer_delay_days` (default 90) are left out and counted in the detail",
      "unanswered opinions discourage members (the \"feedback\" duty)",
      opinions.opinions_answered),
    S("opinions_adopted", "opinions adopted", "avis suivis", "share", False, 0.40, 0.20, 1,
      "share adopted or partly adopted, among the answered opinions of the last 24 months",
      "opinions never taken up signal a body outside the decision loop",
      opinions.opinions_adopted),
    S("response_delay", "response delay", "délai de réponse", "days", True, 90, 180, 1,
      "median days from opinion to answer (answers without a date left out)",
      "an answer after 6 months comes after the decision",
      opinions.response_delay),
    S("parity", "parity", "parité", "share", False, 0.40, 0.25, 2,
      "minority share: the less represented of women and men among the women and men; with the `max_gap_1` rule, alert at or under the share a gap of 2 seats gives, (n − 2) / 2n; with no rule at most watch",
      "below 40% the minority is no longer heard; under 25% the balance is far off",
      composition.parity),
    S("age_rule", "age rule", "règle d'âge", "members", True, 1, 2, 2,
      "current members outside the ages the body admits (`min_age`/`max_age`: the body's, else its charter's), by birth year; unknown without an age rule or with fewer than half the birth years",
      "the age from the birth year alone may be a year off: one member outside is checked first, two breach the rule",
      composition.age_rule),
    S("age_gap", "age gap to the territory", "écart d'âge au territoire", "index", True, 0.20, 0.35, 1,
      "dissimilarity index of age bands against the territory's persons (members of unknown birth year and bands outside the age rule left out)",
      "the share of members to move to mirror the territory's ages",
      composition.age_gap),
    S("category_gap", "category gap to the territory", "écart de catégories au territoire", "index", True, 0.25, 0.40, 1,
      "the same for actor categories (members of unknown category left out)",
      "same, for categories (residents, associations...), which differ more",
      composition.category_gap),
    S("multi_membership", "multi-membership", "cumul d'instances", "share", True, 0.10, 0.25, 1,
      "share of members sitting in 3 or more other bodies",
      "the same few people everywhere: one seat in ten held by the \"usual suspects\" is already a circle",
      network_indicators.multi_membership),
    S("interlock", "interlock", "recouvrement", "jaccard", True, 0.25, 0.50, 1,
      "highest Jaccard index of the members with another body",
      "a body sharing half its members with another one duplicates it",
      network_indicators.interlock),
    S("reach", "network reach", "portée du réseau", "share", False, 0.25, 0.10, 1,
      "share of the territory's communities the members and their ties touch",
      "members and their ties should reach beyond one social circle",
      network_indicators.reach),
    S("concentration", "concentration of influence", "concentration de l'influence", "gini", True, 0.40, 0.60, 1,
      "Gini coefficient of the members' PageRank (a member missing from it counts 0)",
      "influence held by a few members crowds the others out",
      network_indicators.concentration),
    S("decision_distance", "distance to decision-makers", "distance aux décideurs", "hops", True, 2.5, 3.5, 1,
      "mean ties from the members who can reach a decision-maker (elected official, collectivity, or declared power 4+) to the nearest one; "
      f"at least watch when {network_indicators.UNREACHABLE_WATCH:.0%} of the members cannot reach one, alert from {network_indicators.UNREACHABLE_ALERT:.0%}; unknown with no decision-maker in the graph",
      "members far from elected officials cannot carry the opinions",
      network_indicators.decision_distance),
)  # fmt: skip

del S

#: Indicator code -> its declaration.
BY_CODE: dict[str, IndicatorSpec] = {spec.code: spec for spec in INDICATORS}
INDICATOR_CODES: tuple[str, ...] = tuple(BY_CODE)
#: Indicator code -> the unit of its value.
INDICATOR_UNITS: dict[str, str] = {spec.code: spec.unit for spec in INDICATORS}

#: Unit -> the values a threshold in that unit may take (inclusive): what a value of
#: the unit can be, so that a threshold no value can reach is refused where it is written.
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0),
    "jaccard": (0.0, 1.0),
    "gini": (0.0, 1.0),
    "index": (0.0, 1.0),
    "days": (-36_500.0, 36_500.0),  # ``mandate`` counts days before the term's end
    "years": (0.0, 100.0),
    "months": (0.0, 1_200.0),
    "meetings": (0.0, 366.0),
    "opinions": (0.0, 10_000.0),
    "members": (0.0, 10_000.0),
    "hops": (0.0, 1_000.0),
    "pp/year": (-100.0, 100.0),
}
#: The weights an indicator may be given in the composite score (inclusive).
WEIGHT_RANGE: tuple[float, float] = (0.0, 100.0)
#: Indicator code -> {"watch": value, "alert": value}.
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    spec.code: {"watch": spec.watch, "alert": spec.alert} for spec in INDICATORS
}
#: Indicator code -> weight in the composite score (0 leaves it out).
DEFAULT_WEIGHTS: dict[str, float] = {spec.code: spec.weight for spec in INDICATORS}


def _number(x: float) -> str:
    return f"{x:g}".replace("-", "−")


def readme_table() -> str:
    """The Markdown table of the README (Consultant, Renewal indicators), as it must read."""
    lines = [
        "| code | meaning | unit | worse | watch | alert | weight |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in INDICATORS:
        lines.append(
            f"| `{s.code}` | {s.meaning} | {s.unit} | {s.arrow} | {_number(s.watch)} "
            f"| {_number(s.alert)} | {_number(s.weight)} |"
        )
    return "\n".join(lines)


def docstring_table() -> str:
    """The reStructuredText table of the package docstring."""
    rows = [
        (f"``{s.code}``", f"{s.label_en} ({s.unit}) {s.arrow}", _number(s.watch),
         _number(s.alert), _number(s.weight), s.why)
        for s in INDICATORS
    ]  # fmt: skip
    head = ("code", "indicator (unit)", "watch", "alert", "weight", "why this default")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    rule = "  ".join("=" * w for w in widths)

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([rule, line(head), rule, *(line(r) for r in rows), rule])
