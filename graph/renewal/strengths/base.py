"""What the strengths share: statuses, the result dataclass, the peers of a body.

Pure: no clock, no database (see ``graph.renewal``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.model import BodyFacts, MemberFacts, PeerMember, TerritoryProfile
from graph.renewal.base import UNKNOWN, BodyNetwork
from graph.renewal.messages import say

#: The threshold is reached: the figure is a strength of the body.
STRENGTH = "strength"
#: The figure is known and below the threshold (not a weakness: no strength to show).
NONE = "none"
STRENGTH_STATUSES = (STRENGTH, NONE, UNKNOWN)


@dataclass(frozen=True)
class Strength:
    """One achievement of a body, its status and the sentence that explains it (en/fr)."""

    code: str
    value: float | None
    unit: str
    threshold: float | None  # reached (inclusive) -> "strength"; None: no fixed threshold
    status: str
    detail: dict[str, Any]
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class Peers:
    """The other bodies of the network territory, as the strengths compare with them.

    ``members``: every current seat holder of the territory's bodies (this body's
    included, ``PeerMember``); ``communities``: body id -> the communities its members
    and their ties touch in the territory's graph (``communities_by_body``).
    """

    members: tuple[PeerMember, ...] = ()
    communities: Mapping[int, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class StrengthContext:
    """What a strength's compute function receives (one per body and date)."""

    facts: BodyFacts
    as_of: dt.date
    current: dict[int, MemberFacts]
    network: BodyNetwork | None
    profile: TerritoryProfile | None
    peers: Peers | None


@dataclass(frozen=True)
class StrengthSpec:
    """What a strength is: code, labels, unit, threshold and computation (one row of
    ``graph.renewal.strengths.STRENGTHS``)."""

    code: str
    label_en: str
    label_fr: str
    unit: str
    threshold: float | None  # reached (inclusive) -> "strength"; None: set per body
    meaning: str  # what the value counts, with the rules that change a count
    action: str  # what the consultant does with it
    compute: Callable[[StrengthContext, StrengthSpec], Strength]


def result(
    spec: StrengthSpec,
    value: float | None,
    detail: dict[str, Any],
    *,
    status: str | None = None,
    threshold: float | None = None,
    key: str | None = None,
    **values: Any,
) -> Strength:
    """A strength graded on its threshold (the declared one unless ``threshold`` is given;
    unless ``status`` is given), whose sentence is ``"strength.<key>.<status>"`` of the
    catalogues (``key`` defaults to the code)."""
    limit = spec.threshold if threshold is None else threshold
    if status is None:
        reached = value is not None and limit is not None and value >= limit
        status = STRENGTH if reached else NONE
    en, fr = say(f"strength.{key or spec.code}.{status}", **values)
    return Strength(spec.code, value, spec.unit, limit, status, detail, en, fr)


def unknown(
    spec: StrengthSpec, key: str, detail: dict[str, Any] | None = None, **values: Any
) -> Strength:
    """An ``unknown`` strength (the data it needs is missing: never a silent 0); its
    sentence is ``"strength.<code>.<key>"``."""
    en, fr = say(f"strength.{spec.code}.{key}", **values)
    return Strength(spec.code, None, spec.unit, spec.threshold, UNKNOWN, detail or {}, en, fr)
