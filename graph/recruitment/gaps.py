"""What a body lacks: the values it under-represents (the gap rule of ``rules``) and, per
college, its vacant seats and who usually fills it."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping

from graph.model import BodyFacts, MemberFacts
from graph.recruitment.messages import label
from graph.recruitment.model import CollegeNeed, Gap
from graph.recruitment.rules import COLLEGE_NAME_HINTS, GAP_MIN_SHORTFALL
from graph.renewal.base import AGE_BANDS
from graph.renewal.members import seats_of


def under_represented(
    dimension: str,
    reference: Mapping[str, float],
    observed: Mapping[str, float],
    labels: Mapping[str, str] | None = None,
) -> list[Gap]:
    """The values whose share in ``observed`` falls short of ``reference`` by at least
    ``GAP_MIN_SHORTFALL`` (the one gap rule), largest shortfall first, then by value."""
    ref_total, obs_total = sum(reference.values()), sum(observed.values())
    if ref_total <= 0:
        return []
    gaps = []
    for value in sorted(reference):
        territory = reference[value] / ref_total
        body = observed.get(value, 0) / obs_total if obs_total else 0.0
        # Rounded so that a shortfall of exactly the rule's value is not lost to floats.
        if round(territory - body, 9) >= GAP_MIN_SHORTFALL:
            name = (labels or {}).get(value) or label(value)[0]
            gaps.append(Gap(dimension, value, name, territory, body, territory - body))
    return sorted(gaps, key=lambda g: (-g.shortfall, g.value))


def admitted_bands(facts: BodyFacts) -> set[str]:
    """The age bands that the body's own age limits admit (all without limits)."""
    low = facts.min_age or 0
    high = facts.max_age if facts.max_age is not None else 200
    return {band for band, lo, hi in AGE_BANDS if lo <= high and hi >= low}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _from_name(name: str) -> tuple[str, ...]:
    lowered, plain = name.lower(), _plain(name)
    return tuple(
        category
        for category, words in COLLEGE_NAME_HINTS
        if any(w in lowered or _plain(w) in plain for w in words)
    )


def college_needs(
    facts: BodyFacts,
    current: Mapping[int, MemberFacts],
    filled_by: Mapping[int, Mapping[str, int]] | None = None,
) -> list[CollegeNeed]:
    """Per college (body order), its vacant seats and the categories that fill it.

    The profile is read from the college's members, current and past (each actor once,
    its category as recorded), or from ``filled_by`` when given (college id -> category
    -> count: the loader counts the organization a member sat on behalf of, so that a
    college of persons designated by associations reads as a college of associations). A college no member ever sat in is read from its name
    (``COLLEGE_NAME_HINTS``: "Collège des associations" -> association); with neither,
    it is "open": anyone fits. A body without colleges has one pseudo-college (id None)
    for its own seats. Vacant seats are seats minus current seat-holders (never below
    0); unknown seats count no vacancy.
    """
    needs = []
    for college in facts.colleges:
        members = sum(1 for m in current.values() if m.college_id == college.id)
        if filled_by is not None:
            counts = Counter(filled_by.get(college.id, {}))
        else:
            seen: dict[int, str] = {}
            for m in facts.members:
                if m.college_id == college.id and m.category:
                    seen.setdefault(m.actor_id, m.category)
            counts = Counter(seen.values())
        if counts:
            source = "members"
            categories = tuple(c for c, _n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))
        else:
            categories = _from_name(college.name)
            source = "name" if categories else "open"
        vacant = max(0, college.seats - members) if college.seats else 0
        needs.append(
            CollegeNeed(
                college.id, college.name, college.seats, members, vacant, source, categories
            )
        )
    if not facts.colleges:
        filled = len(current)
        vacant = max(0, facts.seats - filled) if facts.seats else 0
        needs.append(CollegeNeed(None, facts.name, facts.seats, filled, vacant, "open", ()))
    return needs


def vacant_seats(facts: BodyFacts, current: Mapping[int, MemberFacts]) -> int | None:
    """The body's vacant seats, as the vacancy indicator counts them (None: seats unknown)."""
    seats = seats_of(facts)
    if not seats:
        return None
    return max(0, seats - len(current))
