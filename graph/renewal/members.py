"""Renewal indicators of the membership: mandate, vacancy, tenure, terms, turnover.

Rules that change a count, each shown in the indicator's ``detail``:

- only seat-holding roles are members (``graph.model.SEAT_ROLES``);
- ``beyond_two_terms`` counts the members whose consecutive service (the
  unbroken run of memberships up to the date, breaks under
  ``CONSECUTIVE_BREAK_DAYS`` bridged) is longer than ``max_consecutive_terms``
  mandates of ``mandate_years`` (charter rules; the body's own mandate length
  wins); an earlier, interrupted stay does not count;
- ``turnover`` leaves out the departures at the end of a term
  (``NORMAL_END_REASONS``): the renewal itself is not a loss of members.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from graph.model import BodyFacts, MemberFacts
from graph.renewal.base import (
    ALERT,
    NORMAL_END_REASONS,
    OK,
    UNKNOWN,
    Context,
    Indicator,
    graded,
    unknown_result,
)
from graph.renewal.maths import consecutive_years, current_actors, tenure_years, years_before
from graph.renewal.messages import phrase, say


def mandate(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "mandate"
    detail: dict[str, Any] = {
        "body_status": facts.status,
        "term_end": facts.term_end.isoformat() if facts.term_end else None,
    }
    if facts.status in ("dormant", "dissolved"):
        value = float((as_of - facts.term_end).days) if facts.term_end else None
        if facts.status == "dormant":
            en, fr = say("mandate.dormant")
        else:
            when = phrase(
                "mandate.dissolved_on" if facts.dissolution_date else None,
                day=facts.dissolution_date,
            )
            en, fr = say("mandate.dissolved", when=when)
        return Indicator(code, value, config.unit(code), config.limits(code), ALERT, detail, en, fr)
    if facts.term_end is None:
        return unknown_result(code, config, "mandate.no_term_end", detail)
    days = (as_of - facts.term_end).days
    return graded(code, float(days), config, detail, days=days, left=-days, end=facts.term_end)


def seats_of(facts: BodyFacts) -> int | None:
    """The body's seats: its own, else the sum of its colleges' when each has a number
    (None: unknown)."""
    if facts.seats:
        return facts.seats
    if facts.colleges and all(c.seats for c in facts.colleges):
        return sum(c.seats or 0 for c in facts.colleges)
    return None


def vacancy(ctx: Context) -> Indicator:
    facts, current, config = ctx.facts, ctx.current, ctx.config
    code = "vacancy"
    seats = seats_of(facts)
    if not seats:
        return unknown_result(code, config, "vacancy.no_seats")
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
        status = "watch"  # one college badly under-filled is worth a look
    short = [c["name"] for c in colleges if c["status"] == ALERT]
    affected = phrase("vacancy.colleges_affected" if short else None, names=", ".join(short))
    detail = {"seats": seats, "members": filled, "colleges": colleges}
    return graded(
        code, rate, config, detail, status=status,
        vacant=max(0, seats - filled), seats=seats, filled=filled, rate=rate, colleges=affected,
    )  # fmt: skip


def _tenures(facts: BodyFacts, current: dict[int, MemberFacts], as_of: dt.date) -> list[float]:
    return [
        tenure_years((m for m in facts.members if m.actor_id == actor), as_of) for actor in current
    ]


def tenure_median(ctx: Context) -> Indicator:
    code = "tenure_median"
    if not ctx.current:
        return unknown_result(code, ctx.config, "tenure_median.no_members")
    median = statistics.median(_tenures(ctx.facts, ctx.current, ctx.as_of))
    return graded(code, median, ctx.config, {"members": len(ctx.current)}, years=median)


def beyond_two_terms(ctx: Context) -> Indicator:
    """Members who served longer than ``max_consecutive_terms`` mandates (default 2)."""
    facts, current, config = ctx.facts, ctx.current, ctx.config
    code = "beyond_two_terms"
    if not current:
        return unknown_result(code, config, "beyond_two_terms.no_members")
    mandate_years = ctx.rules["mandate_years"]
    terms = ctx.rules["max_consecutive_terms"]
    # the length is "assumed" when neither the body nor a charter nor the settings set it
    assumed = facts.mandate_years is None and "rule:mandate_years" not in config.sources
    tenures = [
        consecutive_years((m for m in facts.members if m.actor_id == actor), ctx.as_of)
        for actor in current
    ]
    beyond = sum(1 for t in tenures if t > terms * mandate_years)
    share = beyond / len(tenures)
    detail = {
        "members": len(tenures),
        "beyond": beyond,
        "mandate_years": mandate_years,
        "mandate_assumed": assumed,
        "max_consecutive_terms": terms,
    }
    note = phrase("beyond_two_terms.assumed" if assumed else None, mandate=mandate_years)
    return graded(
        code, share, config, detail,
        beyond=beyond, members=len(tenures), share=share, terms=terms, mandate=mandate_years, note=note,
    )  # fmt: skip


def turnover(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "turnover"
    start = years_before(as_of, 1)
    head_start = len(current_actors(facts, start))
    head_end = len(current_actors(facts, as_of))
    average = (head_start + head_end) / 2
    if average == 0:
        return unknown_result(code, config, "turnover.no_members")
    still = set(current_actors(facts, as_of))
    reasons: Counter[str] = Counter()
    left: set[int] = set()
    for m in sorted(facts.members, key=lambda m: (m.actor_id, m.start)):
        if m.end and start < m.end <= as_of and m.actor_id not in still and m.actor_id not in left:
            left.add(m.actor_id)
            reasons[m.end_reason or "unknown"] += 1
    departures = sum(n for r, n in reasons.items() if r not in NORMAL_END_REASONS)
    rate = departures / average
    detail = {
        "departures": departures,
        "left_by_reason": dict(sorted(reasons.items())),
        "excluded_end_of_term": sum(n for r, n in reasons.items() if r in NORMAL_END_REASONS),
        "headcount_start": head_start,
        "headcount_end": head_end,
        "average_headcount": average,
    }
    return graded(code, rate, config, detail, departures=departures, rate=rate)
