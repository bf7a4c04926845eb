"""Which consultative bodies need renewal, and why: indicators, statuses and a composite score.

A consultant asks "which councils should we renew first?". The answer must be
explainable, so every indicator is a plain measure with a watch and an alert
threshold, a status (``ok`` / ``watch`` / ``alert`` / ``unknown``) and a
sentence in English and French saying what the value means and what to do.
``unknown`` is never silently counted as fine: it says which data is missing,
and it is left out of the composite score (whose weights are renormalised over
the indicators that are known), so that a body with poor records is neither
rewarded nor punished for it.

This module is pure: it never reads the clock or the database. ``as_of`` is
given; the facts come from ``graph.model`` (built by ``graph.loaders``).

Thresholds are inclusive: a value that reaches the watch (alert) value is
``watch`` (``alert``). "↑" means higher is worse, "↓" lower is worse.

========================  ===================================================  ======  ======  ======  ==================================================================
code                      meaning (unit)                                       watch   alert   weight  why this default
========================  ===================================================  ======  ======  ======  ==================================================================
``mandate``               days since the term ended (negative: days left) ↑    -180    0       3       an expired mandate is the first reason to renew; 6 months to prepare
``vacancy``               share of seats without a current member ↑            0.20    0.40    2       above 2 seats in 5 empty the body no longer represents its colleges
``tenure_median``         median years in the body of current members ↑        4       6       1       past one 3-year term for most members, the body stops renewing
``beyond_two_terms``      share of members in the body > 2 mandates ↑          0.25    0.50    2       the usual "two terms" good practice of participation charters
``turnover``              early departures in 12 months / mean headcount ↑     0.25    0.50    1       a quarter leaving mid-term means the body is losing its members
``attendance``            present / convened over 12 months ↓                  0.60    0.40    2       below 60% quorums become fragile; below 40% the body is hollow
``attendance_trend``      attendance slope over 3 years (pp per year) ↓        -5      -10     1       a steady fall announces the hollowing before it shows
``meetings_per_year``     meetings in the last 12 months ↓                     2       1       1       charters usually require 3 plenary meetings a year or more
``dormancy``              months since the last meeting ↑                      6       12      2       a year without a meeting is a dormant body
``opinions_issued``       opinions issued in the last 24 months ↓              1       0       1       a consultative body exists to give opinions
``opinions_answered``     share of those opinions that got an answer ↓         0.50    0.25    1       unanswered opinions discourage members (the "feedback" duty)
``opinions_adopted``      share adopted or partially, among answered ↓         0.40    0.20    1       opinions never taken up signal a body outside the decision loop
``response_delay``        median days from opinion to answer ↑                 90      180     1       an answer after 6 months comes after the decision
``parity``                gap women/men; rule-dependent (see below)            0.40    0.25    2       max_gap_1 is a legal rule (gap > 1 = alert); else minority share
``age_gap``               dissimilarity of age bands with the territory ↑      0.20    0.35    1       the share of members to move to mirror the territory's ages
``category_gap``          dissimilarity of actor categories with territory ↑   0.25    0.40    1       same, for categories (residents, associations...), which differ more
``multi_membership``      share of members sitting in 3+ other bodies ↑        0.10    0.25    1       the same few people everywhere: one seat in ten held by the "usual suspects" is already a circle
``interlock``             max Jaccard of the members with another body ↑       0.25    0.50    1       a body sharing half its members with another one duplicates it
``reach``                 share of the territory's communities touched ↓       0.25    0.10    1       members and their ties should reach beyond one social circle
``concentration``         Gini of the members' PageRank ↑                      0.40    0.60    1       influence held by a few members crowds the others out
``decision_distance``     mean hops from members to a decision-maker ↑         2.5     3.5     1       members far from elected officials cannot carry the opinions
========================  ===================================================  ======  ======  ======  ==================================================================

``parity``: with ``parity_rule="max_gap_1"`` a gap above one seat is a legal
breach, so ``alert`` whatever the thresholds; otherwise the thresholds apply to
the minority share (women or men, among those of known gender), strictly below:
``watch`` under 40%, and for ``balanced`` ``alert`` under 25% (a body with no
rule is at most ``watch``).

The composite score is the weighted mean of the status points (ok 0, watch 50,
alert 100) over the indicators whose status is known: 100 is the most urgent
need of renewal.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.model import (
    DECISION_MAKER_CATEGORIES,
    SEAT_ROLES,
    BodyFacts,
    MemberFacts,
    TerritoryProfile,
    body_node,
    node_order,
)

OK, WATCH, ALERT, UNKNOWN = "ok", "watch", "alert", "unknown"
STATUSES = (OK, WATCH, ALERT, UNKNOWN)
#: Points of each known status in the composite score.
STATUS_POINTS = {OK: 0.0, WATCH: 50.0, ALERT: 100.0}

#: Mandate length assumed when the body does not declare one (the common 3 years).
DEFAULT_MANDATE_YEARS = 3
#: A member sitting in at least this many other bodies counts as a multi-member.
MULTI_MEMBERSHIP_MIN = 3
#: Power (declared 0-5) from which an actor counts as a decision-maker.
DECISION_MAKER_MIN_POWER = 4
#: Age bands of ``TerritoryProfile.age_bands``: label -> (min age, max age) inclusive.
AGE_BANDS = (
    ("<25", 0, 24),
    ("25-39", 25, 39),
    ("40-59", 40, 59),
    ("60-74", 60, 74),
    ("75+", 75, 200),
)
#: End reasons that are not a departure for the turnover (the term is the renewal itself).
NORMAL_END_REASONS = frozenset({"term_ended"})
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

# code -> (label_en, label_fr, unit, higher_is_worse)
_SPECS: dict[str, tuple[str, str, str, bool]] = {
    "mandate": ("mandate", "mandat", "days", True),
    "vacancy": ("vacant seats", "sièges vacants", "share", True),
    "tenure_median": ("median tenure", "ancienneté médiane", "years", True),
    "beyond_two_terms": (
        "members beyond two terms",
        "membres au-delà de deux mandats",
        "share",
        True,
    ),
    "turnover": ("turnover", "rotation", "share", True),
    "attendance": ("attendance", "assiduité", "share", False),
    "attendance_trend": ("attendance trend", "tendance de l'assiduité", "pp/year", False),
    "meetings_per_year": ("meetings per year", "réunions par an", "meetings", False),
    "dormancy": ("dormancy", "inactivité", "months", True),
    "opinions_issued": ("opinions issued", "avis rendus", "opinions", False),
    "opinions_answered": ("opinions answered", "avis ayant reçu une réponse", "share", False),
    "opinions_adopted": ("opinions adopted", "avis suivis", "share", False),
    "response_delay": ("response delay", "délai de réponse", "days", True),
    "parity": ("parity", "parité", "members", True),
    "age_gap": ("age gap to the territory", "écart d'âge au territoire", "index", True),
    "category_gap": (
        "category gap to the territory",
        "écart de catégories au territoire",
        "index",
        True,
    ),
    "multi_membership": ("multi-membership", "cumul d'instances", "share", True),
    "interlock": ("interlock", "recouvrement", "jaccard", True),
    "reach": ("network reach", "portée du réseau", "share", False),
    "concentration": ("concentration of influence", "concentration de l'influence", "gini", True),
    "decision_distance": ("distance to decision-makers", "distance aux décideurs", "hops", True),
}

#: Indicator code -> {"watch": value, "alert": value} (see the module table).
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    "mandate": {"watch": -180, "alert": 0},
    "vacancy": {"watch": 0.20, "alert": 0.40},
    "tenure_median": {"watch": 4, "alert": 6},
    "beyond_two_terms": {"watch": 0.25, "alert": 0.50},
    "turnover": {"watch": 0.25, "alert": 0.50},
    "attendance": {"watch": 0.60, "alert": 0.40},
    "attendance_trend": {"watch": -5, "alert": -10},
    "meetings_per_year": {"watch": 2, "alert": 1},
    "dormancy": {"watch": 6, "alert": 12},
    "opinions_issued": {"watch": 1, "alert": 0},
    "opinions_answered": {"watch": 0.50, "alert": 0.25},
    "opinions_adopted": {"watch": 0.40, "alert": 0.20},
    "response_delay": {"watch": 90, "alert": 180},
    "parity": {"watch": 0.40, "alert": 0.25},
    "age_gap": {"watch": 0.20, "alert": 0.35},
    "category_gap": {"watch": 0.25, "alert": 0.40},
    "multi_membership": {"watch": 0.10, "alert": 0.25},
    "interlock": {"watch": 0.25, "alert": 0.50},
    "reach": {"watch": 0.25, "alert": 0.10},
    "concentration": {"watch": 0.40, "alert": 0.60},
    "decision_distance": {"watch": 2.5, "alert": 3.5},
}

#: Indicator code -> weight in the composite score (0 leaves it out).
DEFAULT_WEIGHTS: dict[str, float] = {
    "mandate": 3,
    "vacancy": 2,
    "tenure_median": 1,
    "beyond_two_terms": 2,
    "turnover": 1,
    "attendance": 2,
    "attendance_trend": 1,
    "meetings_per_year": 1,
    "dormancy": 2,
    "opinions_issued": 1,
    "opinions_answered": 1,
    "opinions_adopted": 1,
    "response_delay": 1,
    "parity": 2,
    "age_gap": 1,
    "category_gap": 1,
    "multi_membership": 1,
    "interlock": 1,
    "reach": 1,
    "concentration": 1,
    "decision_distance": 1,
}

INDICATOR_CODES: tuple[str, ...] = tuple(_SPECS)
#: Indicator code -> the unit of its value.
INDICATOR_UNITS: dict[str, str] = {code: spec[2] for code, spec in _SPECS.items()}
#: What the parity thresholds apply to: the seat gap (rule max_gap_1) or the minority share.
PARITY_THRESHOLD_ON: tuple[str, ...] = ("gap", "minority_share")


# --- configuration -----------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalConfig:
    """Thresholds and weights in force; built from Django settings by ``from_overrides``."""

    thresholds: dict[str, dict[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
    )
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    @classmethod
    def from_overrides(
        cls,
        thresholds: Mapping[str, Any] | None = None,
        weights: Mapping[str, Any] | None = None,
    ) -> RenewalConfig:
        """Merge overrides onto the defaults; a typo must fail loudly, not be ignored.

        ``thresholds`` maps a code to ``{"watch": x, "alert": y}`` (either key
        may be left out) or to a ``(watch, alert)`` pair. Unknown codes or keys,
        non-numbers, negative weights and a watch value beyond the alert value
        raise ``ValueError`` naming the key.
        """
        merged = {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
        for code, value in (thresholds or {}).items():
            if code not in merged:
                raise ValueError(f"unknown renewal indicator in thresholds: {code!r}")
            if isinstance(value, Mapping):
                items = dict(value)
            elif isinstance(value, list | tuple) and len(value) == 2:
                items = {"watch": value[0], "alert": value[1]}
            else:
                raise ValueError(
                    f"renewal threshold {code!r} must be {{'watch': x, 'alert': y}} or (watch, alert)"
                )
            for key, number in items.items():
                if key not in ("watch", "alert"):
                    raise ValueError(f"unknown renewal threshold key: {code}.{key}")
                if isinstance(number, bool) or not isinstance(number, int | float):
                    raise ValueError(f"renewal threshold {code}.{key} must be a number")
                merged[code][key] = number
            watch, alert = merged[code]["watch"], merged[code]["alert"]
            if (watch > alert) if _SPECS[code][3] else (watch < alert):
                raise ValueError(f"renewal threshold {code}: watch must come before alert")
        merged_weights = dict(DEFAULT_WEIGHTS)
        for code, weight in (weights or {}).items():
            if code not in merged_weights:
                raise ValueError(f"unknown renewal indicator in weights: {code!r}")
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                raise ValueError(f"renewal weight {code!r} must be a number >= 0")
            merged_weights[code] = weight
        return cls(thresholds=merged, weights=merged_weights)

    def grade(self, code: str, value: float) -> str:
        """The status of ``value`` for indicator ``code`` (thresholds inclusive)."""
        limits = self.thresholds[code]
        if _SPECS[code][3]:
            if value >= limits["alert"]:
                return ALERT
            return WATCH if value >= limits["watch"] else OK
        if value <= limits["alert"]:
            return ALERT
        return WATCH if value <= limits["watch"] else OK

    def limits(self, code: str) -> tuple[float, float]:
        return (self.thresholds[code]["watch"], self.thresholds[code]["alert"])


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One measure of a body, its status and the sentence that explains it (en/fr)."""

    code: str
    value: float | None
    unit: str
    threshold: tuple[float | None, float | None]  # (watch, alert)
    status: str
    detail: dict[str, Any]
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class Assessment:
    """The renewal assessment of one body: indicators, composite score and summary."""

    body_id: int
    body_name: str
    as_of: dt.date
    score: float | None  # 0-100, 100 = most urgent; None when no indicator is known
    indicators: tuple[Indicator, ...]
    weights: tuple[tuple[str, float], ...]  # renormalised over the known indicators
    counts: tuple[tuple[str, int], ...]  # (status, count) in STATUSES order
    summary_en: str
    summary_fr: str

    @property
    def alerts(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators if i.status == ALERT)

    def indicator(self, code: str) -> Indicator:
        for item in self.indicators:
            if item.code == code:
                return item
        raise KeyError(code)


@dataclass(frozen=True)
class BodyNetwork:
    """Where a body's current members stand in the registry graph."""

    body_id: int
    members: tuple[str, ...]  # actor nodes, node_order
    other_bodies: tuple[tuple[str, int], ...]  # (member, number of OTHER bodies they sit in)
    max_jaccard: float  # 0.0 when no other body shares a member
    most_interlocked: str | None  # body node reaching max_jaccard (first in node_order)
    most_interlocked_label: str
    bodies_sharing: int  # other bodies sharing at least one member
    communities_touched: int
    communities_total: int
    reach: float | None  # touched / total; None when there are no communities
    concentration: float | None  # Gini of the members' PageRank; None without members
    decision_makers: int  # decision-makers in the graph (0: distance cannot be known)
    distances: tuple[tuple[str, int | None], ...]  # (member, hops to the nearest one)
    decision_distance: float | None  # mean over reachable members; None when none is


# --- small maths -----------------------------------------------------------------------------


def gini(values: Iterable[float]) -> float | None:
    """Gini coefficient: Σ_i Σ_j |x_i − x_j| / (2 n² mean); 0 when all equal (or all 0)."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return None
    total = sum(xs)
    if total == 0:
        return 0.0
    # sorted form of the double sum: Σ_i (2i − n − 1) x_i, i from 1
    return sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1)) / (n * total)


def dissimilarity(observed: Mapping[str, float], reference: Mapping[str, float]) -> float | None:
    """Duncan's dissimilarity index ½ Σ |p_i − q_i|: the share to move to match the reference."""
    p_total, q_total = sum(observed.values()), sum(reference.values())
    if p_total <= 0 or q_total <= 0:
        return None
    keys = sorted(set(observed) | set(reference))
    return 0.5 * sum(
        abs(observed.get(k, 0) / p_total - reference.get(k, 0) / q_total) for k in keys
    )


def age_band(birth_year: int, as_of: dt.date) -> str:
    """Age band on ``as_of`` from the birth year alone (no birthday: age = year difference)."""
    age = as_of.year - birth_year
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return AGE_BANDS[0][0] if age < 0 else AGE_BANDS[-1][0]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _is_current(member: MemberFacts, day: dt.date) -> bool:
    """The registry's rule: start <= day and (no end or end > day)."""
    return member.start <= day and (member.end is None or member.end > day)


def _current_actors(facts: BodyFacts, day: dt.date) -> dict[int, MemberFacts]:
    """Actor id -> one current seat (the earliest started), in actor id order.

    Only seat-holding roles (``SEAT_ROLES``): referents and facilitators do
    not fill a seat, and do not count in parity, tenure or turnover.
    """
    current: dict[int, MemberFacts] = {}
    for m in sorted(facts.members, key=lambda m: (m.actor_id, m.start)):
        if m.role in SEAT_ROLES and _is_current(m, day) and m.actor_id not in current:
            current[m.actor_id] = m
    return current


def _tenure_years(memberships: Iterable[MemberFacts], as_of: dt.date) -> float:
    """Years served up to ``as_of``: the union of the memberships (overlaps counted once)."""
    spans = sorted(
        (m.start, min(m.end, as_of) if m.end else as_of) for m in memberships if m.start <= as_of
    )
    days, cursor = 0, None
    for start, end in spans:
        if cursor is not None and start < cursor:
            start = cursor
        if end > start:
            days += (end - start).days
        cursor = max(cursor, end) if cursor else end
    return days / DAYS_PER_YEAR


# --- formatting --------------------------------------------------------------------------------


def _num_en(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}"


def _num_fr(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace(".", ",").replace("-", "−")


def _pct_en(x: float) -> str:
    return f"{100 * x:.1f}%"


def _pct_fr(x: float) -> str:
    return f"{100 * x:.1f}".replace(".", ",") + " %"


def _date_en(d: dt.date) -> str:
    return d.isoformat()


def _date_fr(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _unknown(code: str, config: RenewalConfig, en: str, fr: str, **detail: Any) -> Indicator:
    return Indicator(code, None, _SPECS[code][2], config.limits(code), UNKNOWN, detail, en, fr)


def _graded(
    code: str,
    value: float,
    config: RenewalConfig,
    detail: dict[str, Any],
    messages: Mapping[str, tuple[str, str]],
    status: str | None = None,
    threshold: tuple[float | None, float | None] | None = None,
) -> Indicator:
    """An indicator whose sentence is chosen by its status (``messages[status] = (en, fr)``)."""
    status = status or config.grade(code, value)
    en, fr = messages[status]
    return Indicator(
        code,
        value,
        _SPECS[code][2],
        threshold if threshold is not None else config.limits(code),
        status,
        detail,
        en,
        fr,
    )


# --- the indicators ------------------------------------------------------------------------------


def _mandate(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "mandate"
    detail: dict[str, Any] = {
        "body_status": facts.status,
        "term_end": facts.term_end.isoformat() if facts.term_end else None,
    }
    if facts.status in ("dormant", "dissolved"):
        value = float((as_of - facts.term_end).days) if facts.term_end else None
        if facts.status == "dormant":
            en = "The body is declared dormant: relaunch it with a renewal of its members, or dissolve it formally."
            fr = "L'instance est déclarée en sommeil : la relancer en renouvelant ses membres, ou la dissoudre formellement."
        else:
            when_en = f" on {_date_en(facts.dissolution_date)}" if facts.dissolution_date else ""
            when_fr = f" le {_date_fr(facts.dissolution_date)}" if facts.dissolution_date else ""
            en = f"The body was dissolved{when_en}: recreate it if the consultation is still required, otherwise archive it."
            fr = f"L'instance a été dissoute{when_fr} : la recréer si la consultation reste requise, sinon l'archiver."
        return Indicator(code, value, "days", config.limits(code), ALERT, detail, en, fr)
    if facts.term_end is None:
        return _unknown(
            code,
            config,
            "The end of the current term is not recorded: enter the term dates to follow the renewal.",
            "La fin du mandat en cours n'est pas renseignée : saisir les dates du mandat pour suivre le renouvellement.",
            **detail,
        )
    days = (as_of - facts.term_end).days
    end_en, end_fr = _date_en(facts.term_end), _date_fr(facts.term_end)
    messages = {
        ALERT: (
            f"The mandate ended {days} days ago ({end_en}) and has not been renewed: organise the renewal (call for candidates or drawing of lots).",
            f"Le mandat a pris fin il y a {days} jours ({end_fr}) sans renouvellement : organiser le renouvellement (appel à candidatures ou tirage au sort).",
        ),
        WATCH: (
            f"The mandate ends in {-days} days ({end_en}): prepare the renewal now (call for candidates or drawing of lots).",
            f"Le mandat prend fin dans {-days} jours ({end_fr}) : préparer dès maintenant le renouvellement (appel à candidatures ou tirage au sort).",
        ),
        OK: (
            f"The mandate runs until {end_en} ({-days} days left): nothing to do yet.",
            f"Le mandat court jusqu'au {end_fr} (encore {-days} jours) : rien à faire pour l'instant.",
        ),
    }
    return _graded(code, float(days), config, detail, messages)


def _seats_of(facts: BodyFacts) -> int | None:
    if facts.seats:
        return facts.seats
    if facts.colleges and all(c.seats for c in facts.colleges):
        return sum(c.seats or 0 for c in facts.colleges)
    return None


def _vacancy(facts: BodyFacts, current: dict[int, MemberFacts], config: RenewalConfig) -> Indicator:
    code = "vacancy"
    seats = _seats_of(facts)
    if not seats:
        return _unknown(
            code,
            config,
            "The number of seats is not recorded: enter it (body or colleges) to measure vacancies.",
            "Le nombre de sièges n'est pas renseigné : le saisir (instance ou collèges) pour mesurer les vacances.",
        )
    filled = len(current)
    rate = max(0.0, (seats - filled) / seats)
    colleges = []
    worst_college = OK
    for college in facts.colleges:
        members = len({a for a, m in current.items() if m.college_id == college.id})
        c_rate = max(0.0, (college.seats - members) / college.seats) if college.seats else None
        c_status = config.grade(code, c_rate) if c_rate is not None else UNKNOWN
        if c_status == ALERT:
            worst_college = ALERT
        colleges.append(
            {
                "id": college.id,
                "name": college.name,
                "seats": college.seats,
                "members": members,
                "vacancy": c_rate,
                "status": c_status,
            }
        )
    status = config.grade(code, rate)
    if status == OK and worst_college == ALERT:
        status = WATCH  # one college badly under-filled is worth a look
    short = [c["name"] for c in colleges if c["status"] == ALERT]
    coll_en = f" Colleges most affected: {', '.join(short)}." if short else ""
    coll_fr = f" Collèges les plus touchés : {', '.join(short)}." if short else ""
    vacant = max(0, seats - filled)
    messages = {
        ALERT: (
            f"{vacant} of {seats} seats are vacant ({_pct_en(rate)}): fill them (call for candidates, drawing of lots) or renew the body.{coll_en}",
            f"{vacant} sièges sur {seats} sont vacants ({_pct_fr(rate)}) : les pourvoir (appel à candidatures, tirage au sort) ou renouveler l'instance.{coll_fr}",
        ),
        WATCH: (
            f"{vacant} of {seats} seats are vacant ({_pct_en(rate)}): plan a partial renewal to fill them.{coll_en}",
            f"{vacant} sièges sur {seats} sont vacants ({_pct_fr(rate)}) : prévoir un renouvellement partiel pour les pourvoir.{coll_fr}",
        ),
        OK: (
            f"{filled} members for {seats} seats ({_pct_en(rate)} vacant): the body is filled.",
            f"{filled} membres pour {seats} sièges ({_pct_fr(rate)} vacants) : l'instance est pourvue.",
        ),
    }
    detail = {"seats": seats, "members": filled, "colleges": colleges}
    return _graded(code, rate, config, detail, messages, status=status)


def _tenures(facts: BodyFacts, current: dict[int, MemberFacts], as_of: dt.date) -> list[float]:
    return [
        _tenure_years((m for m in facts.members if m.actor_id == actor), as_of) for actor in current
    ]


def _tenure_median(
    facts: BodyFacts, current: dict[int, MemberFacts], as_of: dt.date, config: RenewalConfig
) -> Indicator:
    code = "tenure_median"
    if not current:
        return _unknown(
            code,
            config,
            "No current member is recorded: the tenure cannot be measured; record the memberships.",
            "Aucun membre en cours n'est enregistré : l'ancienneté ne peut être mesurée ; saisir les adhésions.",
        )
    median = statistics.median(_tenures(facts, current, as_of))
    y_en, y_fr = _num_en(median), _num_fr(median)
    messages = {
        ALERT: (
            f"Half of the members have sat for {y_en} years or more: renew the membership and cap the number of consecutive terms.",
            f"La moitié des membres siègent depuis {y_fr} ans ou plus : renouveler la composition et limiter le nombre de mandats consécutifs.",
        ),
        WATCH: (
            f"The median tenure is {y_en} years: bring in new members at the next renewal.",
            f"L'ancienneté médiane est de {y_fr} ans : faire entrer de nouveaux membres au prochain renouvellement.",
        ),
        OK: (
            f"The median tenure is {y_en} years: the membership renews itself.",
            f"L'ancienneté médiane est de {y_fr} ans : la composition se renouvelle.",
        ),
    }
    return _graded(code, median, config, {"members": len(current)}, messages)


def _beyond_two_terms(
    facts: BodyFacts, current: dict[int, MemberFacts], as_of: dt.date, config: RenewalConfig
) -> Indicator:
    code = "beyond_two_terms"
    if not current:
        return _unknown(
            code,
            config,
            "No current member is recorded: the terms served cannot be counted; record the memberships.",
            "Aucun membre en cours n'est enregistré : les mandats effectués ne peuvent être comptés ; saisir les adhésions.",
        )
    assumed = facts.mandate_years is None
    mandate = facts.mandate_years or DEFAULT_MANDATE_YEARS
    tenures = _tenures(facts, current, as_of)
    beyond = sum(1 for t in tenures if t > 2 * mandate)
    share = beyond / len(tenures)
    note_en = (
        f" (assuming a {mandate}-year mandate: the body's mandate length is not recorded)"
        if assumed
        else ""
    )
    note_fr = (
        f" (mandat supposé de {mandate} ans : la durée du mandat de l'instance n'est pas renseignée)"
        if assumed
        else ""
    )
    messages = {
        ALERT: (
            f"{beyond} of {len(tenures)} members ({_pct_en(share)}) have sat for more than two terms of {mandate} years{note_en}: renew them in priority and cap consecutive terms.",
            f"{beyond} membre(s) sur {len(tenures)} ({_pct_fr(share)}) siègent depuis plus de deux mandats de {mandate} ans{note_fr} : les renouveler en priorité et limiter les mandats consécutifs.",
        ),
        WATCH: (
            f"{beyond} of {len(tenures)} members ({_pct_en(share)}) have sat for more than two terms of {mandate} years{note_en}: open their seats at the next renewal.",
            f"{beyond} membre(s) sur {len(tenures)} ({_pct_fr(share)}) siègent depuis plus de deux mandats de {mandate} ans{note_fr} : ouvrir leurs sièges au prochain renouvellement.",
        ),
        OK: (
            f"{beyond} of {len(tenures)} members ({_pct_en(share)}) have sat for more than two terms of {mandate} years{note_en}: no action needed.",
            f"{beyond} membre(s) sur {len(tenures)} ({_pct_fr(share)}) siègent depuis plus de deux mandats de {mandate} ans{note_fr} : aucune action nécessaire.",
        ),
    }
    detail = {
        "members": len(tenures),
        "beyond": beyond,
        "mandate_years": mandate,
        "mandate_assumed": assumed,
    }
    return _graded(code, share, config, detail, messages)


def _turnover(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "turnover"
    start = _years_before(as_of, 1)
    head_start = len(_current_actors(facts, start))
    head_end = len(_current_actors(facts, as_of))
    average = (head_start + head_end) / 2
    if average == 0:
        return _unknown(
            code,
            config,
            "No member was recorded over the last 12 months: the turnover cannot be measured; record the memberships.",
            "Aucun membre n'est enregistré sur les 12 derniers mois : la rotation ne peut être mesurée ; saisir les adhésions.",
        )
    still = set(_current_actors(facts, as_of))
    reasons: Counter[str] = Counter()
    left: set[int] = set()
    for m in sorted(facts.members, key=lambda m: (m.actor_id, m.start)):
        if m.end and start < m.end <= as_of and m.actor_id not in still and m.actor_id not in left:
            left.add(m.actor_id)
            reasons[m.end_reason or "unknown"] += 1
    departures = sum(n for r, n in reasons.items() if r not in NORMAL_END_REASONS)
    rate = departures / average
    messages = {
        ALERT: (
            f"{departures} members left before the end of their term in the last 12 months ({_pct_en(rate)} of the average headcount): find out why and fill the seats.",
            f"{departures} membres sont partis avant la fin de leur mandat au cours des 12 derniers mois ({_pct_fr(rate)} de l'effectif moyen) : en comprendre les raisons et pourvoir les sièges.",
        ),
        WATCH: (
            f"{departures} members left before the end of their term in the last 12 months ({_pct_en(rate)} of the average headcount): watch the departures and plan to replace them.",
            f"{departures} membres sont partis avant la fin de leur mandat au cours des 12 derniers mois ({_pct_fr(rate)} de l'effectif moyen) : suivre les départs et prévoir leur remplacement.",
        ),
        OK: (
            f"{departures} early departures in the last 12 months ({_pct_en(rate)} of the average headcount): the membership is stable.",
            f"{departures} départs anticipés au cours des 12 derniers mois ({_pct_fr(rate)} de l'effectif moyen) : la composition est stable.",
        ),
    }
    detail = {
        "departures": departures,
        "left_by_reason": dict(sorted(reasons.items())),
        "headcount_start": head_start,
        "headcount_end": head_end,
        "average_headcount": average,
    }
    return _graded(code, rate, config, detail, messages)


def _meetings_in(facts: BodyFacts, start: dt.date, as_of: dt.date):
    return sorted((m for m in facts.meetings if start < m.date <= as_of), key=lambda m: m.date)


def _attendance(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "attendance"
    meetings = [
        m
        for m in _meetings_in(facts, _years_before(as_of, 1), as_of)
        if m.present + m.excused + m.absent
    ]
    if not meetings:
        return _unknown(
            code,
            config,
            "No attendance was recorded for a meeting of the last 12 months: record who attended.",
            "Aucune présence n'est enregistrée pour une réunion des 12 derniers mois : saisir les présences.",
        )
    present = sum(m.present for m in meetings)
    convened = sum(m.present + m.excused + m.absent for m in meetings)
    rate = present / convened
    messages = {
        ALERT: (
            f"Only {_pct_en(rate)} of the members attended the meetings of the last 12 months ({len(meetings)} meeting(s)): ask the absent members whether they will stay, and renew the body.",
            f"Seuls {_pct_fr(rate)} des membres ont assisté aux réunions des 12 derniers mois ({len(meetings)} réunion(s)) : demander aux absents s'ils restent et renouveler l'instance.",
        ),
        WATCH: (
            f"Attendance was {_pct_en(rate)} over the last 12 months ({len(meetings)} meeting(s)): contact the members who no longer come.",
            f"L'assiduité a été de {_pct_fr(rate)} sur les 12 derniers mois ({len(meetings)} réunion(s)) : contacter les membres qui ne viennent plus.",
        ),
        OK: (
            f"Attendance was {_pct_en(rate)} over the last 12 months ({len(meetings)} meeting(s)): the members take part.",
            f"L'assiduité a été de {_pct_fr(rate)} sur les 12 derniers mois ({len(meetings)} réunion(s)) : les membres participent.",
        ),
    }
    detail = {"meetings": len(meetings), "present": present, "convened": convened}
    return _graded(code, rate, config, detail, messages)


def _attendance_trend(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "attendance_trend"
    start = _years_before(as_of, 3)
    points = [
        (
            (m.date - start).days / DAYS_PER_YEAR,
            100 * m.present / (m.present + m.excused + m.absent),
        )
        for m in _meetings_in(facts, start, as_of)
        if m.present + m.excused + m.absent
    ]
    xs = [x for x, _ in points]
    if len(points) < 3 or len(set(xs)) < 2:
        return _unknown(
            code,
            config,
            "Fewer than 3 meetings with attendance were recorded over the last 3 years: the trend cannot be measured; record the attendance of each meeting.",
            "Moins de 3 réunions avec présences sont enregistrées sur les 3 dernières années : la tendance ne peut être mesurée ; saisir les présences de chaque réunion.",
            meetings=len(points),
        )
    mx = sum(xs) / len(xs)
    my = sum(y for _, y in points) / len(points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    s_en, s_fr = _num_en(slope), _num_fr(slope)
    messages = {
        ALERT: (
            f"Attendance is falling by {_num_en(-slope)} points a year over the last 3 years: the body is emptying; renew it before it becomes dormant.",
            f"L'assiduité baisse de {_num_fr(-slope)} points par an sur les 3 dernières années : l'instance se vide ; la renouveler avant qu'elle ne tombe en sommeil.",
        ),
        WATCH: (
            f"Attendance is falling by {_num_en(-slope)} points a year over the last 3 years: ask the members what would bring them back (schedule, agenda, feedback).",
            f"L'assiduité baisse de {_num_fr(-slope)} points par an sur les 3 dernières années : demander aux membres ce qui les ferait revenir (horaires, ordre du jour, retours).",
        ),
        OK: (
            f"Attendance changes by {s_en} points a year over the last 3 years: no downward trend.",
            f"L'assiduité évolue de {s_fr} points par an sur les 3 dernières années : pas de tendance à la baisse.",
        ),
    }
    return _graded(code, slope, config, {"meetings": len(points)}, messages)


def _meetings_per_year(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "meetings_per_year"
    if not facts.meetings:
        return _unknown(
            code,
            config,
            "No meeting of the body is recorded: enter its meetings to measure its activity.",
            "Aucune réunion de l'instance n'est enregistrée : saisir ses réunions pour mesurer son activité.",
        )
    count = len(_meetings_in(facts, _years_before(as_of, 1), as_of))
    messages = {
        ALERT: (
            f"The body met {count} time(s) in the last 12 months: it is barely active; set a calendar of meetings or renew it.",
            f"L'instance s'est réunie {count} fois au cours des 12 derniers mois : elle est à peine active ; fixer un calendrier de réunions ou la renouveler.",
        ),
        WATCH: (
            f"The body met {count} times in the last 12 months: plan more regular meetings.",
            f"L'instance s'est réunie {count} fois au cours des 12 derniers mois : prévoir des réunions plus régulières.",
        ),
        OK: (
            f"The body met {count} times in the last 12 months: it is active.",
            f"L'instance s'est réunie {count} fois au cours des 12 derniers mois : elle est active.",
        ),
    }
    return _graded(code, float(count), config, {"meetings": count}, messages)


def _dormancy(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "dormancy"
    past = [m.date for m in facts.meetings if m.date <= as_of]
    if not past:
        return _unknown(
            code,
            config,
            "No meeting of the body is recorded: enter its meetings to know whether it is dormant.",
            "Aucune réunion de l'instance n'est enregistrée : saisir ses réunions pour savoir si elle est en sommeil.",
        )
    last = max(past)
    months = (as_of - last).days / DAYS_PER_MONTH
    m_en, m_fr = _num_en(months), _num_fr(months)
    l_en, l_fr = _date_en(last), _date_fr(last)
    messages = {
        ALERT: (
            f"The last meeting was {m_en} months ago ({l_en}): the body is dormant; relaunch it with a renewal of its members.",
            f"La dernière réunion date de {m_fr} mois ({l_fr}) : l'instance est en sommeil ; la relancer en renouvelant ses membres.",
        ),
        WATCH: (
            f"The last meeting was {m_en} months ago ({l_en}): convene the body.",
            f"La dernière réunion date de {m_fr} mois ({l_fr}) : réunir l'instance.",
        ),
        OK: (
            f"The last meeting was {m_en} months ago ({l_en}).",
            f"La dernière réunion date de {m_fr} mois ({l_fr}).",
        ),
    }
    return _graded(code, months, config, {"last_meeting": last.isoformat()}, messages)


#: Days an authority has to answer before an unanswered opinion counts against it.
ANSWER_GRACE_DAYS = 90


def _recent_opinions(facts: BodyFacts, as_of: dt.date):
    return sorted(
        (o for o in facts.opinions if _years_before(as_of, 2) < o.date <= as_of),
        key=lambda o: o.date,
    )


def _answered(opinion, as_of: dt.date) -> bool:
    """An answer counts once recorded on or before ``as_of`` ("no_response" is not one)."""
    if opinion.response_outcome == "no_response":
        return False
    if opinion.response_date is not None:
        return opinion.response_date <= as_of
    return opinion.response_outcome != ""


def _opinions_issued(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "opinions_issued"
    if not facts.opinions:
        return _unknown(
            code,
            config,
            "No opinion of the body is recorded: enter its opinions (or confirm it gives none) to measure its output.",
            "Aucun avis de l'instance n'est enregistré : saisir ses avis (ou confirmer qu'elle n'en rend pas) pour mesurer sa production.",
        )
    count = len(_recent_opinions(facts, as_of))
    messages = {
        ALERT: (
            f"{count} opinion(s) issued in the last 24 months: refer questions to the body, or let it take up subjects itself.",
            f"{count} avis rendu(s) au cours des 24 derniers mois : saisir l'instance de questions, ou lui permettre de s'autosaisir.",
        ),
        WATCH: (
            f"Only {count} opinion(s) issued in the last 24 months: refer more questions to the body.",
            f"Seulement {count} avis rendu(s) au cours des 24 derniers mois : saisir davantage l'instance.",
        ),
        OK: (
            f"{count} opinions were issued in the last 24 months.",
            f"{count} avis ont été rendus au cours des 24 derniers mois.",
        ),
    }
    return _graded(code, float(count), config, {"opinions": count}, messages)


def _opinions_answered(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "opinions_answered"
    recent = _recent_opinions(facts, as_of)
    if not recent:
        return _unknown(
            code,
            config,
            "No opinion was recorded in the last 24 months: the share answered cannot be measured.",
            "Aucun avis n'est enregistré sur les 24 derniers mois : la part des avis ayant reçu une réponse ne peut être mesurée.",
        )
    # An opinion younger than the grace period and still unanswered is not late yet.
    due = [o for o in recent if _answered(o, as_of) or (as_of - o.date).days > ANSWER_GRACE_DAYS]
    pending = len(recent) - len(due)
    if not due:
        return _unknown(
            code,
            config,
            f"The {pending} opinion(s) of the last 24 months are less than {ANSWER_GRACE_DAYS} days old and still await an answer: too early to judge.",
            f"Les {pending} avis des 24 derniers mois ont moins de {ANSWER_GRACE_DAYS} jours et attendent encore une réponse : trop tôt pour juger.",
            opinions=len(recent),
            pending=pending,
        )
    recent = due
    answered = sum(1 for o in recent if _answered(o, as_of))
    share = answered / len(recent)
    messages = {
        ALERT: (
            f"Only {answered} of the {len(recent)} opinions of the last 24 months got an answer ({_pct_en(share)}): the authority must answer each opinion, or members will stop giving them.",
            f"Seuls {answered} des {len(recent)} avis des 24 derniers mois ont reçu une réponse ({_pct_fr(share)}) : l'autorité doit répondre à chaque avis, sans quoi les membres cesseront d'en rendre.",
        ),
        WATCH: (
            f"{answered} of the {len(recent)} opinions of the last 24 months got an answer ({_pct_en(share)}): set up a systematic written answer.",
            f"{answered} des {len(recent)} avis des 24 derniers mois ont reçu une réponse ({_pct_fr(share)}) : mettre en place une réponse écrite systématique.",
        ),
        OK: (
            f"{answered} of the {len(recent)} opinions of the last 24 months got an answer ({_pct_en(share)}).",
            f"{answered} des {len(recent)} avis des 24 derniers mois ont reçu une réponse ({_pct_fr(share)}).",
        ),
    }
    return _graded(
        code,
        share,
        config,
        {"opinions": len(recent), "answered": answered, "pending": pending},
        messages,
    )


def _opinions_adopted(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "opinions_adopted"
    answered = [o for o in _recent_opinions(facts, as_of) if _answered(o, as_of)]
    if not answered:
        return _unknown(
            code,
            config,
            "No answered opinion in the last 24 months: the share adopted cannot be measured; record the authority's answers.",
            "Aucun avis n'a reçu de réponse au cours des 24 derniers mois : la part des avis suivis ne peut être mesurée ; saisir les réponses de l'autorité.",
        )
    adopted = sum(1 for o in answered if o.response_outcome in ("adopted", "partially_adopted"))
    share = adopted / len(answered)
    messages = {
        ALERT: (
            f"Only {adopted} of the {len(answered)} answered opinions were adopted, even partly ({_pct_en(share)}): review with the authority how the opinions feed its decisions.",
            f"Seuls {adopted} des {len(answered)} avis ayant reçu une réponse ont été suivis, même partiellement ({_pct_fr(share)}) : revoir avec l'autorité comment les avis nourrissent ses décisions.",
        ),
        WATCH: (
            f"{adopted} of the {len(answered)} answered opinions were adopted, even partly ({_pct_en(share)}): refer the body earlier, while decisions are still open.",
            f"{adopted} des {len(answered)} avis ayant reçu une réponse ont été suivis, même partiellement ({_pct_fr(share)}) : saisir l'instance plus tôt, quand la décision est encore ouverte.",
        ),
        OK: (
            f"{adopted} of the {len(answered)} answered opinions were adopted, even partly ({_pct_en(share)}).",
            f"{adopted} des {len(answered)} avis ayant reçu une réponse ont été suivis, même partiellement ({_pct_fr(share)}).",
        ),
    }
    return _graded(code, share, config, {"answered": len(answered), "adopted": adopted}, messages)


def _response_delay(facts: BodyFacts, as_of: dt.date, config: RenewalConfig) -> Indicator:
    code = "response_delay"
    delays = [
        (o.response_date - o.date).days
        for o in _recent_opinions(facts, as_of)
        if o.response_date is not None and _answered(o, as_of)
    ]
    if not delays:
        return _unknown(
            code,
            config,
            "No dated answer to an opinion of the last 24 months: record the dates of the authority's answers.",
            "Aucune réponse datée à un avis des 24 derniers mois : saisir les dates des réponses de l'autorité.",
        )
    median = float(statistics.median(delays))
    d_en, d_fr = _num_en(median, 0), _num_fr(median, 0)
    messages = {
        ALERT: (
            f"The authority answers opinions after {d_en} days (median): agree on an answer deadline, the answer now comes after the decision.",
            f"L'autorité répond aux avis en {d_fr} jours (médiane) : convenir d'un délai de réponse, la réponse arrive aujourd'hui après la décision.",
        ),
        WATCH: (
            f"The authority answers opinions after {d_en} days (median): ask for a faster answer.",
            f"L'autorité répond aux avis en {d_fr} jours (médiane) : demander une réponse plus rapide.",
        ),
        OK: (
            f"The authority answers opinions after {d_en} days (median).",
            f"L'autorité répond aux avis en {d_fr} jours (médiane).",
        ),
    }
    return _graded(code, median, config, {"answers": len(delays)}, messages)


def _parity(facts: BodyFacts, current: dict[int, MemberFacts], config: RenewalConfig) -> Indicator:
    code = "parity"
    genders = [m.gender for m in current.values()]
    known = [g for g in genders if g in ("female", "male", "other")]
    if not current or 2 * len(known) < len(current):
        return _unknown(
            code,
            config,
            f"The gender is known for {len(known)} of {len(current)} current members (fewer than half): parity cannot be assessed; complete the members' records.",
            f"Le genre est connu pour {len(known)} des {len(current)} membres en cours (moins de la moitié) : la parité ne peut être évaluée ; compléter les fiches des membres.",
            known=len(known),
            members=len(current),
        )
    women, men = known.count("female"), known.count("male")
    gap = abs(women - men)
    minority = min(women, men) / (women + men) if women + men else 0.0
    watch, alert = config.limits(code)
    detail = {
        "women": women,
        "men": men,
        "known": len(known),
        "members": len(current),
        "minority_share": minority,
        "rule": facts.parity_rule,
    }
    counts_en = f"{women} women and {men} men (gap {gap})"
    counts_fr = f"{women} femmes et {men} hommes (écart {gap})"
    if facts.parity_rule == "max_gap_1":
        status = ALERT if gap > 1 else OK
        threshold: tuple[float | None, float | None] = (None, 2)
        detail["threshold_on"] = PARITY_THRESHOLD_ON[0]
        messages = {
            ALERT: (
                f"{counts_en}: the legal parity rule (at most one seat of difference) is breached; rebalance at the next appointments.",
                f"{counts_fr} : la règle légale de parité (au plus un siège d'écart) n'est pas respectée ; rééquilibrer lors des prochaines désignations.",
            ),
            OK: (
                f"{counts_en}: the parity rule (at most one seat of difference) is met.",
                f"{counts_fr} : la règle de parité (au plus un siège d'écart) est respectée.",
            ),
        }
    else:
        status = OK
        if minority < watch:
            status = WATCH
        if facts.parity_rule == "balanced" and minority < alert:
            status = ALERT
        threshold = (watch, alert if facts.parity_rule == "balanced" else None)
        detail["threshold_on"] = PARITY_THRESHOLD_ON[1]
        messages = {
            ALERT: (
                f"{counts_en}, the minority gender holds {_pct_en(minority)} of the seats: the balance sought is far off; target the under-represented gender in the next call for candidates.",
                f"{counts_fr}, le genre minoritaire occupe {_pct_fr(minority)} des sièges : l'équilibre recherché est loin ; cibler le genre sous-représenté lors du prochain appel à candidatures.",
            ),
            WATCH: (
                f"{counts_en}, the minority gender holds {_pct_en(minority)} of the seats: seek more balance at the next renewal.",
                f"{counts_fr}, le genre minoritaire occupe {_pct_fr(minority)} des sièges : rechercher davantage d'équilibre au prochain renouvellement.",
            ),
            OK: (
                f"{counts_en}: the body is balanced.",
                f"{counts_fr} : l'instance est équilibrée.",
            ),
        }
    return _graded(code, float(gap), config, detail, messages, status=status, threshold=threshold)


def _age_gap(
    facts: BodyFacts,
    current: dict[int, MemberFacts],
    as_of: dt.date,
    profile: TerritoryProfile | None,
    config: RenewalConfig,
) -> Indicator:
    code = "age_gap"
    if profile is None or not profile.age_bands:
        return _unknown(
            code,
            config,
            "The ages of the territory's population are not known: the age gap cannot be measured.",
            "Les âges de la population du territoire ne sont pas connus : l'écart d'âge ne peut être mesuré.",
        )
    years = [m.birth_year for m in current.values() if m.birth_year is not None]
    if not current or 2 * len(years) < len(current):
        return _unknown(
            code,
            config,
            f"The birth year is known for {len(years)} of {len(current)} current members (fewer than half): complete the members' records to measure the age gap.",
            f"L'année de naissance est connue pour {len(years)} des {len(current)} membres en cours (moins de la moitié) : compléter les fiches pour mesurer l'écart d'âge.",
        )
    # a youth or elders' council is compared with the ages it may admit
    low, high = facts.min_age or 0, facts.max_age or 200
    bounds = {label: (lo, hi) for label, lo, hi in AGE_BANDS}
    reference = {
        band: n
        for band, n in profile.age_bands.items()
        if band in bounds and bounds[band][0] <= high and bounds[band][1] >= low
    }
    observed = Counter(age_band(y, as_of) for y in years)
    index = dissimilarity(observed, reference)
    if index is None:
        return _unknown(
            code,
            config,
            "The territory's population has no age band the body may admit: the age gap cannot be measured.",
            "La population du territoire n'a aucune tranche d'âge admissible dans l'instance : l'écart d'âge ne peut être mesuré.",
        )
    detail = {
        "members": dict(sorted(observed.items())),
        "territory": dict(sorted(reference.items())),
        "known": len(years),
    }
    messages = {
        ALERT: (
            f"{_pct_en(index)} of the members would have to change to mirror the ages of the territory (dissimilarity {index:.2f}): draw lots or target the missing age groups.",
            f"{_pct_fr(index)} des membres devraient changer pour refléter les âges du territoire (dissimilarité {_num_fr(index, 2)}) : tirer au sort ou cibler les tranches d'âge absentes.",
        ),
        WATCH: (
            f"The ages of the members differ from the territory's (dissimilarity {index:.2f}): reach the under-represented age groups at the next renewal.",
            f"Les âges des membres s'écartent de ceux du territoire (dissimilarité {_num_fr(index, 2)}) : aller chercher les tranches d'âge sous-représentées au prochain renouvellement.",
        ),
        OK: (
            f"The ages of the members mirror the territory's (dissimilarity {index:.2f}).",
            f"Les âges des membres reflètent ceux du territoire (dissimilarité {_num_fr(index, 2)}).",
        ),
    }
    return _graded(code, index, config, detail, messages)


def _category_gap(
    current: dict[int, MemberFacts], profile: TerritoryProfile | None, config: RenewalConfig
) -> Indicator:
    code = "category_gap"
    if profile is None or not profile.categories:
        return _unknown(
            code,
            config,
            "The make-up of the territory's actors is not known: the category gap cannot be measured.",
            "La composition des acteurs du territoire n'est pas connue : l'écart de catégories ne peut être mesuré.",
        )
    categories = [m.category for m in current.values() if m.category]
    if not current or 2 * len(categories) < len(current):
        return _unknown(
            code,
            config,
            f"The category is known for {len(categories)} of {len(current)} current members (fewer than half): complete the records to measure the category gap.",
            f"La catégorie est connue pour {len(categories)} des {len(current)} membres en cours (moins de la moitié) : compléter les fiches pour mesurer l'écart de catégories.",
        )
    observed = Counter(categories)
    index = dissimilarity(observed, profile.categories)
    if index is None:
        return _unknown(
            code,
            config,
            "The territory profile has no actor counted: the category gap cannot be measured.",
            "Le profil du territoire ne compte aucun acteur : l'écart de catégories ne peut être mesuré.",
        )
    detail = {
        "members": dict(sorted(observed.items())),
        "territory": dict(sorted(profile.categories.items())),
    }
    messages = {
        ALERT: (
            f"{_pct_en(index)} of the members would have to change to mirror the territory's actors (dissimilarity {index:.2f}): open seats to the missing categories.",
            f"{_pct_fr(index)} des membres devraient changer pour refléter les acteurs du territoire (dissimilarité {_num_fr(index, 2)}) : ouvrir des sièges aux catégories absentes.",
        ),
        WATCH: (
            f"The members' categories differ from the territory's (dissimilarity {index:.2f}): invite the under-represented categories at the next renewal.",
            f"Les catégories des membres s'écartent de celles du territoire (dissimilarité {_num_fr(index, 2)}) : inviter les catégories sous-représentées au prochain renouvellement.",
        ),
        OK: (
            f"The members' categories mirror the territory's (dissimilarity {index:.2f}).",
            f"Les catégories des membres reflètent celles du territoire (dissimilarité {_num_fr(index, 2)}).",
        ),
    }
    return _graded(code, index, config, detail, messages)


_NO_NETWORK = (
    "The registry graph was not given: this network indicator cannot be computed.",
    "Le graphe du registre n'a pas été fourni : cet indicateur de réseau ne peut être calculé.",
)
_NO_MEMBERS = (
    "The body has no current member in the registry graph: this network indicator cannot be computed.",
    "L'instance n'a aucun membre en cours dans le graphe du registre : cet indicateur de réseau ne peut être calculé.",
)


def _network_indicators(network: BodyNetwork | None, config: RenewalConfig) -> list[Indicator]:
    codes = ("multi_membership", "interlock", "reach", "concentration", "decision_distance")
    if network is None:
        return [_unknown(c, config, *_NO_NETWORK) for c in codes]
    if not network.members:
        return [_unknown(c, config, *_NO_MEMBERS) for c in codes]
    result = []

    n = len(network.members)
    many = sum(1 for _, k in network.other_bodies if k >= MULTI_MEMBERSHIP_MIN)
    share = many / n
    result.append(
        _graded(
            "multi_membership",
            share,
            config,
            {"members": n, "multi_members": many, "min_other_bodies": MULTI_MEMBERSHIP_MIN},
            {
                ALERT: (
                    f"{many} of {n} members ({_pct_en(share)}) sit in {MULTI_MEMBERSHIP_MIN} or more other bodies: the same people are everywhere; recruit members who sit nowhere else (drawing of lots).",
                    f"{many} membre(s) sur {n} ({_pct_fr(share)}) siègent dans {MULTI_MEMBERSHIP_MIN} autres instances ou plus : ce sont toujours les mêmes ; recruter des membres qui ne siègent nulle part ailleurs (tirage au sort).",
                ),
                WATCH: (
                    f"{many} of {n} members ({_pct_en(share)}) sit in {MULTI_MEMBERSHIP_MIN} or more other bodies: favour newcomers at the next renewal.",
                    f"{many} membre(s) sur {n} ({_pct_fr(share)}) siègent dans {MULTI_MEMBERSHIP_MIN} autres instances ou plus : privilégier de nouveaux venus au prochain renouvellement.",
                ),
                OK: (
                    f"{many} of {n} members ({_pct_en(share)}) sit in {MULTI_MEMBERSHIP_MIN} or more other bodies.",
                    f"{many} membre(s) sur {n} ({_pct_fr(share)}) siègent dans {MULTI_MEMBERSHIP_MIN} autres instances ou plus.",
                ),
            },
        )
    )

    j = network.max_jaccard
    other = network.most_interlocked_label or network.most_interlocked or ""
    result.append(
        _graded(
            "interlock",
            j,
            config,
            {
                "most_interlocked": network.most_interlocked,
                "bodies_sharing": network.bodies_sharing,
            },
            {
                ALERT: (
                    f"The body and {other} have {_pct_en(j)} of their combined members in common (Jaccard {j:.2f}): the two bodies duplicate each other; renew one, or merge them.",
                    f"L'instance et {other} ont {_pct_fr(j)} de leurs membres cumulés en commun (Jaccard {_num_fr(j, 2)}) : les deux instances font doublon ; renouveler l'une ou les fusionner.",
                ),
                WATCH: (
                    f"The body and {other} have {_pct_en(j)} of their combined members in common (Jaccard {j:.2f}): limit overlapping seats at the next renewal.",
                    f"L'instance et {other} ont {_pct_fr(j)} de leurs membres cumulés en commun (Jaccard {_num_fr(j, 2)}) : limiter les cumuls au prochain renouvellement.",
                ),
                OK: (
                    f"The largest overlap with another body is a Jaccard of {j:.2f} ({network.bodies_sharing} bodies share members).",
                    f"Le plus fort recouvrement avec une autre instance est un Jaccard de {_num_fr(j, 2)} ({network.bodies_sharing} instances partagent des membres).",
                ),
            },
        )
    )

    if network.reach is None:
        result.append(
            _unknown(
                "reach",
                config,
                "No community partition of the territory was given: the network reach cannot be computed.",
                "Aucune partition en communautés du territoire n'a été fournie : la portée du réseau ne peut être calculée.",
            )
        )
    else:
        r, t, total = network.reach, network.communities_touched, network.communities_total
        result.append(
            _graded(
                "reach",
                r,
                config,
                {"touched": t, "total": total},
                {
                    ALERT: (
                        f"The members and their contacts reach {t} of the territory's {total} communities ({_pct_en(r)}): the body speaks for one circle; recruit beyond it.",
                        f"Les membres et leurs contacts touchent {t} des {total} communautés du territoire ({_pct_fr(r)}) : l'instance parle pour un seul cercle ; recruter au-delà.",
                    ),
                    WATCH: (
                        f"The members and their contacts reach {t} of the territory's {total} communities ({_pct_en(r)}): widen the recruitment.",
                        f"Les membres et leurs contacts touchent {t} des {total} communautés du territoire ({_pct_fr(r)}) : élargir le recrutement.",
                    ),
                    OK: (
                        f"The members and their contacts reach {t} of the territory's {total} communities ({_pct_en(r)}).",
                        f"Les membres et leurs contacts touchent {t} des {total} communautés du territoire ({_pct_fr(r)}).",
                    ),
                },
            )
        )

    g = network.concentration if network.concentration is not None else 0.0
    result.append(
        _graded(
            "concentration",
            g,
            config,
            {"members": n},
            {
                ALERT: (
                    f"Influence within the body is concentrated on a few members (Gini {g:.2f}): rotate the chair and the speaking roles, and renew the most central members.",
                    f"L'influence dans l'instance est concentrée sur quelques membres (Gini {_num_fr(g, 2)}) : faire tourner la présidence et les prises de parole, renouveler les membres les plus centraux.",
                ),
                WATCH: (
                    f"Influence within the body is unevenly spread (Gini {g:.2f}): share the roles more widely.",
                    f"L'influence dans l'instance est inégalement répartie (Gini {_num_fr(g, 2)}) : mieux partager les rôles.",
                ),
                OK: (
                    f"Influence within the body is evenly spread (Gini {g:.2f}).",
                    f"L'influence dans l'instance est bien répartie (Gini {_num_fr(g, 2)}).",
                ),
            },
        )
    )

    reachable = sum(1 for _, d in network.distances if d is not None)
    detail = {"members": n, "reachable": reachable, "decision_makers": network.decision_makers}
    if network.decision_makers == 0:
        result.append(
            _unknown(
                "decision_distance",
                config,
                "No decision-maker (elected official, local authority, or power 4+) is recorded in the graph: the distance cannot be measured.",
                "Aucun décideur (élu, collectivité, ou pouvoir de 4 ou plus) n'est enregistré dans le graphe : la distance ne peut être mesurée.",
                **detail,
            )
        )
    elif network.decision_distance is None:
        en = "None of the members is connected to a decision-maker outside the body: involve an elected referent and link the body to the services that decide."
        fr = "Aucun membre n'est relié à un décideur en dehors de l'instance : associer un élu référent et relier l'instance aux services qui décident."
        result.append(
            Indicator(
                "decision_distance",
                None,
                "hops",
                config.limits("decision_distance"),
                ALERT,
                detail,
                en,
                fr,
            )
        )
    else:
        d = network.decision_distance
        result.append(
            _graded(
                "decision_distance",
                d,
                config,
                detail,
                {
                    ALERT: (
                        f"The members are {d:.1f} steps away from a decision-maker on average ({reachable} of {n} connected): involve an elected referent and organise regular exchanges with the decision-makers.",
                        f"Les membres sont en moyenne à {_num_fr(d)} pas d'un décideur ({reachable} sur {n} reliés) : associer un élu référent et organiser des échanges réguliers avec les décideurs.",
                    ),
                    WATCH: (
                        f"The members are {d:.1f} steps away from a decision-maker on average ({reachable} of {n} connected): bring the decision-makers to the meetings.",
                        f"Les membres sont en moyenne à {_num_fr(d)} pas d'un décideur ({reachable} sur {n} reliés) : faire venir les décideurs aux réunions.",
                    ),
                    OK: (
                        f"The members are {d:.1f} steps away from a decision-maker on average ({reachable} of {n} connected).",
                        f"Les membres sont en moyenne à {_num_fr(d)} pas d'un décideur ({reachable} sur {n} reliés).",
                    ),
                },
            )
        )
    return result


# --- the network of a body ---------------------------------------------------------------------------


def _members_of(graph: nx.MultiGraph, node: str) -> set[str]:
    if node not in graph:
        return set()
    return {
        other
        for other, facts in graph.adj[node].items()
        if any(data.get("relation") == "membership" for data in facts.values())
    }


class _LazyMemberships(dict):
    """Node -> the nodes it shares a membership with, read from the graph when asked."""

    def __init__(self, graph: nx.MultiGraph):
        super().__init__()
        self.graph = graph

    def __missing__(self, node: str) -> set[str]:
        value = self[node] = _members_of(self.graph, node)
        return value

    def get(self, node, default=None):
        return self[node]


def membership_index(graph: nx.MultiGraph) -> dict[str, set[str]]:
    """Every node -> the nodes it shares a membership with (a body's members, an actor's
    bodies), read once for all the bodies of a graph."""
    index: dict[str, set[str]] = {n: set() for n in graph.nodes}
    for u, v, data in graph.edges(data=True):
        if data.get("relation") == "membership":
            index[u].add(v)
            index[v].add(u)
    return index


def _is_decision_maker(data: Mapping[str, Any]) -> bool:
    if data.get("kind") != "actor":
        return False
    power = data.get("power")
    return data.get("category") in DECISION_MAKER_CATEGORIES or (
        power is not None and power >= DECISION_MAKER_MIN_POWER
    )


#: Key under which ``decision_distances`` records how many decision-makers it found.
DECIDERS_KEY = "__deciders__"


def _bfs(graph: nx.MultiGraph, sources: Iterable[str], *, skip: str | None = None) -> dict:
    """Hops from the nearest of ``sources`` to every node reached (``skip`` left out)."""
    distance = {s: 0 for s in sources if s != skip}
    frontier = list(distance)
    adjacency = graph.adj
    while frontier:
        following = []
        for u in frontier:
            hops = distance[u] + 1
            for v in adjacency[u]:
                if v != skip and v not in distance:
                    distance[v] = hops
                    following.append(v)
        frontier = following
    return distance


def decision_distances(graph: nx.MultiGraph) -> dict:
    """Hops from every node to the nearest decision-maker, in one search for all bodies.

    ``body_network`` corrects it per body where a path ran through the body itself.
    """
    deciders = [n for n, data in graph.nodes(data=True) if _is_decision_maker(data)]
    distance = _bfs(graph, sorted(deciders, key=node_order))
    distance[DECIDERS_KEY] = len(deciders)
    return distance


def _distances_without(
    graph: nx.MultiGraph, body: str, members: list[str], distance: Mapping[str, int]
) -> Mapping[str, int]:
    """The members' hops to a decision-maker in the graph without ``body``.

    The distance in the whole graph holds for a member whose shortest path avoids
    the body: when it is no longer than the body's own distance (a path through the
    body is longer), or when another neighbour is one hop closer (that neighbour's
    own path cannot run through the body, or the member would be two hops further
    than the body it touches). Only otherwise is the body searched again without it.
    """
    through = distance.get(body)
    kept: dict[str, int] = {}
    for m in members:
        d = distance.get(m)
        if d is None:
            continue  # no path at all, with or without the body
        if (
            through is None
            or d <= through
            or any(n != body and distance.get(n) == d - 1 for n in graph.adj[m])
        ):
            kept[m] = d
        else:
            deciders = [n for n, data in graph.nodes(data=True) if _is_decision_maker(data)]
            return _bfs(graph, sorted(deciders, key=node_order), skip=body)
    return kept


def body_network(
    graph: nx.MultiGraph,
    body_id: int,
    *,
    communities: Mapping[str, int],
    pagerank: Mapping[str, float],
    decider_distance: Mapping[str, int] | None = None,
    communities_total: int | None = None,
    memberships: Mapping[str, set[str]] | None = None,
) -> BodyNetwork:
    """Where the body's current members stand in the registry graph.

    ``communities`` (node -> community) and ``pagerank`` (node -> score) are
    computed once for the whole graph by the caller, so that every body is
    measured against the same partition and the same ranking.

    The distance to decision-makers is measured in hops on the graph WITHOUT
    this body's node: through the body, every member would be two hops from its
    elected referent, which says nothing about the members' own access to
    decision-makers. A member who is a decision-maker is at distance 0;
    members who reach none are left out of the mean (counted in ``distances``).
    The reach counts the communities of the members and of all their
    neighbours (actors and bodies); a member missing from ``pagerank`` counts 0.
    """
    node = body_node(body_id)
    # ``memberships`` (``membership_index``) spares a scan of the edges per body when
    # many bodies of one graph are measured.
    if memberships is None:
        memberships = _LazyMemberships(graph)
    members = sorted(memberships.get(node, ()), key=node_order)
    member_set = set(members)

    other_bodies: list[tuple[str, int]] = []
    touched_bodies: set[str] = set()
    for m in members:
        bodies = {b for b in memberships[m] if b != node and graph.nodes[b].get("kind") == "body"}
        other_bodies.append((m, len(bodies)))
        touched_bodies |= bodies
    best, best_body = 0.0, None
    for b in sorted(touched_bodies, key=node_order):
        theirs = memberships[b]
        jaccard = len(member_set & theirs) / len(member_set | theirs)
        if jaccard > best:
            best, best_body = jaccard, b

    total = communities_total if communities_total is not None else len(set(communities.values()))
    around = set(member_set)
    for m in members:
        around.update(graph.neighbors(m))
    touched = {communities[n] for n in around if n in communities}
    reach = len(touched) / total if total else None

    concentration = gini(pagerank.get(m, 0.0) for m in members) if members else None

    if decider_distance is None:
        decider_distance = decision_distances(graph)
    deciders = decider_distance.get(DECIDERS_KEY, 0)
    lengths: Mapping[str, int] = {}
    if deciders and members:
        lengths = _distances_without(graph, node, members, decider_distance)
    distances = tuple((m, int(lengths[m]) if m in lengths else None) for m in members)
    reached = [d for _, d in distances if d is not None]
    mean = sum(reached) / len(reached) if reached else None

    return BodyNetwork(
        body_id=body_id,
        members=tuple(members),
        other_bodies=tuple(other_bodies),
        max_jaccard=best,
        most_interlocked=best_body,
        most_interlocked_label=graph.nodes[best_body].get("label", "") if best_body else "",
        bodies_sharing=len(touched_bodies),
        communities_touched=len(touched),
        communities_total=total,
        reach=reach,
        concentration=concentration,
        decision_makers=deciders,
        distances=distances,
        decision_distance=mean,
    )


# --- the assessment ------------------------------------------------------------------------------------


def composite(
    indicators: Iterable[Indicator], weights: Mapping[str, float]
) -> tuple[float | None, tuple[tuple[str, float], ...]]:
    """Weighted mean of the status points over the known indicators, and the weights used.

    Unknown indicators are left out and the weights renormalised over the
    others: missing data must neither raise nor lower the urgency.
    """
    known = [
        (i.code, weights.get(i.code, 0), STATUS_POINTS[i.status])
        for i in indicators
        if i.status != UNKNOWN and weights.get(i.code, 0) > 0
    ]
    total = sum(w for _, w, _ in known)
    if total == 0:
        return None, ()
    used = tuple((code, w / total) for code, w, _ in known)
    score = sum(w * points for _, w, points in known) / total
    return score, used


def assess_body(
    facts: BodyFacts,
    *,
    as_of: dt.date,
    network: BodyNetwork | None,
    profile: TerritoryProfile | None,
    config: RenewalConfig,
) -> Assessment:
    """All the indicators of one body on ``as_of``, its composite score and summary."""
    current = _current_actors(facts, as_of)
    indicators = [
        _mandate(facts, as_of, config),
        _vacancy(facts, current, config),
        _tenure_median(facts, current, as_of, config),
        _beyond_two_terms(facts, current, as_of, config),
        _turnover(facts, as_of, config),
        _attendance(facts, as_of, config),
        _attendance_trend(facts, as_of, config),
        _meetings_per_year(facts, as_of, config),
        _dormancy(facts, as_of, config),
        _opinions_issued(facts, as_of, config),
        _opinions_answered(facts, as_of, config),
        _opinions_adopted(facts, as_of, config),
        _response_delay(facts, as_of, config),
        _parity(facts, current, config),
        _age_gap(facts, current, as_of, profile, config),
        _category_gap(current, profile, config),
        *_network_indicators(network, config),
    ]
    score, used = composite(indicators, config.weights)
    counts = Counter(i.status for i in indicators)
    alerts = [i.code for i in indicators if i.status == ALERT]
    n_watch, n_unknown = counts[WATCH], counts[UNKNOWN]
    if score is None:
        summary_en = "No indicator could be computed: complete the body's records."
        summary_fr = "Aucun indicateur n'a pu être calculé : compléter les données de l'instance."
    else:
        s = f"{score:.0f}/100"
        if alerts:
            names_en = ", ".join(_SPECS[c][0] for c in alerts)
            names_fr = ", ".join(_SPECS[c][1] for c in alerts)
            head_en = f"Renewal score {s}: {len(alerts)} alert(s) ({names_en})"
            head_fr = f"Score de renouvellement {s} : {len(alerts)} alerte(s) ({names_fr})"
        else:
            head_en = f"Renewal score {s}: no alert"
            head_fr = f"Score de renouvellement {s} : aucune alerte"
        summary_en = f"{head_en}, {n_watch} to watch, {n_unknown} unknown."
        summary_fr = f"{head_fr}, {n_watch} à surveiller, {n_unknown} inconnu(s)."
    return Assessment(
        body_id=facts.id,
        body_name=facts.name,
        as_of=as_of,
        score=score,
        indicators=tuple(indicators),
        weights=used,
        counts=tuple((s, counts[s]) for s in STATUSES),
        summary_en=summary_en,
        summary_fr=summary_fr,
    )


def rank_bodies(assessments: Iterable[Assessment]) -> tuple[Assessment, ...]:
    """Most urgent first: score desc (unknown last), then more alerts, then body id."""
    return tuple(
        sorted(
            assessments,
            key=lambda a: (
                -(a.score if a.score is not None else -1.0),
                -len(a.alerts),
                a.body_id,
            ),
        )
    )


__all__ = [
    "ALERT",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_WEIGHTS",
    "INDICATOR_CODES",
    "INDICATOR_UNITS",
    "PARITY_THRESHOLD_ON",
    "OK",
    "STATUSES",
    "UNKNOWN",
    "WATCH",
    "Assessment",
    "BodyNetwork",
    "Indicator",
    "RenewalConfig",
    "age_band",
    "assess_body",
    "body_network",
    "composite",
    "dissimilarity",
    "gini",
    "rank_bodies",
]
