"""What a body achieved, beside its limits: the strengths of the renewal assessment.

A renewal is not only a list of what went wrong. Each strength is computed and
explained like an indicator: a value, a threshold where one applies, a status
(``strength`` when the threshold is reached, ``none`` when the value is known and
below it, ``unknown`` when the data it needs is missing: never a silent 0), a
detail and a sentence in English and French. Strengths do not enter the renewal
score: they are shown beside the indicators so that the consultant can argue
what to keep.

Layout: ``base`` (results, peers, the spec dataclass), ``declaration`` (the one
table, ``STRENGTHS``), one module per family (``opinions``, ``newcomers``,
``diversity``, ``network``). Pure: no clock, no database.
"""

from __future__ import annotations

import datetime as dt

from graph.model import BodyFacts, MemberFacts, TerritoryProfile
from graph.renewal.base import BodyNetwork
from graph.renewal.strengths.base import (
    NONE,
    STRENGTH,
    STRENGTH_STATUSES,
    Peers,
    Strength,
    StrengthContext,
    StrengthSpec,
)
from graph.renewal.strengths.declaration import (
    STRENGTH_BY_CODE,
    STRENGTH_CODES,
    STRENGTH_UNITS,
    STRENGTHS,
    readme_table,
)
from graph.renewal.strengths.network import communities_by_body


def assess_strengths(
    facts: BodyFacts,
    *,
    as_of: dt.date,
    current: dict[int, MemberFacts],
    network: BodyNetwork | None,
    profile: TerritoryProfile | None,
    peers: Peers | None,
) -> tuple[Strength, ...]:
    """Every strength of the body, in declaration order."""
    ctx = StrengthContext(facts, as_of, current, network, profile, peers)
    return tuple(spec.compute(ctx, spec) for spec in STRENGTHS)


__all__ = [
    "NONE",
    "STRENGTH",
    "STRENGTHS",
    "STRENGTH_BY_CODE",
    "STRENGTH_CODES",
    "STRENGTH_STATUSES",
    "STRENGTH_UNITS",
    "Peers",
    "Strength",
    "StrengthSpec",
    "assess_strengths",
    "communities_by_body",
    "readme_table",
]
