"""Small maths and date helpers of the renewal assessment (Gini, dissimilarity, age bands)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from graph.model import SEAT_ROLES, BodyFacts, MemberFacts
from graph.renewal.base import AGE_BANDS, DAYS_PER_YEAR

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


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def is_current(member: MemberFacts, day: dt.date) -> bool:
    """The registry's rule: start <= day and (no end or end > day)."""
    return member.start <= day and (member.end is None or member.end > day)


def current_actors(facts: BodyFacts, day: dt.date) -> dict[int, MemberFacts]:
    """Actor id -> one current seat (the earliest started), in actor id order.

    Only seat-holding roles (``SEAT_ROLES``): referents and facilitators do
    not fill a seat, and do not count in parity, tenure or turnover.
    """
    current: dict[int, MemberFacts] = {}
    for m in sorted(facts.members, key=lambda m: (m.actor_id, m.start)):
        if m.role in SEAT_ROLES and is_current(m, day) and m.actor_id not in current:
            current[m.actor_id] = m
    return current


def tenure_years(memberships: Iterable[MemberFacts], as_of: dt.date) -> float:
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


#: A break between two memberships shorter than this (days) does not end a run of
#: consecutive terms (a re-appointment recorded a few days late is still consecutive).
CONSECUTIVE_BREAK_DAYS = 31


def consecutive_years(memberships: Iterable[MemberFacts], as_of: dt.date) -> float:
    """Years of the unbroken run of memberships that reaches ``as_of`` (breaks shorter than
    ``CONSECUTIVE_BREAK_DAYS`` bridged): the consecutive service of a current member."""
    spans = sorted(
        (m.start, min(m.end, as_of) if m.end else as_of) for m in memberships if m.start <= as_of
    )
    run_start, run_end = None, None
    for start, end in spans:
        if run_end is not None and (start - run_end).days < CONSECUTIVE_BREAK_DAYS:
            run_end = max(run_end, end)
        else:
            run_start, run_end = start, end
    if run_start is None:
        return 0.0
    return (run_end - run_start).days / DAYS_PER_YEAR
