"""What the recruitment pool receives (``CandidateFacts``) and returns (``Pool``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CandidateFacts:
    """An actor of the territory who might take part, as the loader read it.

    ``gender``, ``birth_year`` and ``channels`` are filled only for a reader holding the
    ``personal_data`` scope (None / empty otherwise). ``lawful_basis`` is None for a
    person with no personal-data row and for organizations; ``erased`` marks a person
    pseudonymised by an erasure.
    """

    actor_id: int
    name: str
    kind: str  # "person" / "organization"
    category: str
    territory: str  # "level:code" of its home (person) or action (organization) territory
    lawful_basis: str | None = None
    retention_until: dt.date | None = None
    erased: bool = False
    gender: str | None = None
    birth_year: int | None = None
    channels: tuple[tuple[str, str], ...] = ()  # (channel, value): email, phone, postal_address


@dataclass(frozen=True)
class Gap:
    """A value the body under-represents (``rules.GAP_MIN_SHORTFALL``)."""

    dimension: str
    value: str
    label: str
    territory_share: float
    body_share: float
    shortfall: float


@dataclass(frozen=True)
class CollegeNeed:
    """A college, its vacant seats and who usually fills it."""

    id: int | None  # None: the body's seats outside any college
    name: str
    seats: int | None
    members: int
    vacant: int
    #: Where the profile comes from: "members" (its members, current and past), "name"
    #: (its name, no member ever recorded) or "open" (nothing to go by: anyone fits).
    profile_source: str
    categories: tuple[str, ...]  # most frequent first, then by code


@dataclass(frozen=True)
class Reason:
    code: str
    weight: float
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class Candidate:
    rank: int
    actor_id: int
    name: str
    kind: str
    category: str
    territory: str
    community: int | None
    seats: int  # bodies of the territory it sits in now
    score: float
    college_id: int | None  # the college it would fill (None: outside colleges or none)
    #: "allowed" (person, lawful basis allows it), "organization" (through its public
    #: channels) or "not_recorded" (person with no personal-data row: no contact held);
    #: None for a person when the reader lacks the personal_data scope.
    contact: str | None
    reasons: tuple[Reason, ...]
    gender: str | None = None  # personal data only
    age_band: str | None = None  # personal data only
    channels: tuple[tuple[str, str], ...] = ()  # personal data only


@dataclass(frozen=True)
class IndicatorChange:
    code: str
    value_before: float | None
    status_before: str
    value_after: float | None
    status_after: str


@dataclass(frozen=True)
class Seating:
    actor_id: int
    college_id: int | None


@dataclass(frozen=True)
class Simulation:
    """The body's assessment before and after the top candidates take the vacant seats."""

    top: int
    seated: tuple[Seating, ...]
    score_before: float | None
    score_after: float | None
    indicators: tuple[IndicatorChange, ...]


@dataclass(frozen=True)
class Pool:
    body_id: int
    body_name: str
    as_of: dt.date
    personal_data: bool
    criteria_left_out: tuple[str, ...]  # personal dimensions not used (no scope)
    vacant_seats: int | None
    gaps: tuple[Gap, ...]
    colleges: tuple[CollegeNeed, ...]
    candidates_total: int
    candidates: tuple[Candidate, ...]  # the first ``limit``
    excluded: tuple[tuple[str, int], ...]  # (reason, count) in ``rules.EXCLUSIONS`` order
    unranked: int  # actors left with no reason to propose them
    simulation: Simulation
