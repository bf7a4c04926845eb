"""The planted core change of the demo (``scenario.CORE_NEWCOMERS``): two Goussainville
councils founded in 2019 with three residents each, joined by ten residents at the start of
the last term who collaborate with each other since. Written after everything else and with
no random draw, so the rest of the data set is the same with or without them. Beside them,
a circle of six residents that broke up in 2025 (``scenario.BROKEN_CIRCLE``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import combinations

from registry.demo.scenario import (
    BROKEN_CIRCLE,
    CIRCLE_BROKE,
    CORE_NEWCOMERS,
    DEMO_SOURCES,
    NEWCOMER_BODIES,
    NEWCOMER_BODIES_FOUNDED,
    NEWCOMERS_JOINED,
)
from registry.models import Actor, Body, Interaction, Membership

_CIRCLE = [name for half in BROKEN_CIRCLE for name in half]
#: Their ties (every pair of newcomers, every pair of the broken circle): counted in the
#: demo's interactions per scale.
NEWCOMER_TIES = len(list(combinations(CORE_NEWCOMERS, 2))) + len(list(combinations(_CIRCLE, 2)))
#: Their mandate: three years from the newcomers' arrival.
MANDATE_YEARS = 3


def write_newcomers(writer, *, territory_id: int, host_id: int) -> None:
    """The two councils, their old guard, the newcomers, their seats and their ties."""
    bodies = writer.now(
        [
            Body(
                name=spec.name,
                body_type=spec.body_type,
                territory_id=territory_id,
                host_id=host_id,
                description="Planted: ten newcomers join in 2025 and enter the core.",
                status="active",
                founding_date=NEWCOMER_BODIES_FOUNDED,
                mandate_years=MANDATE_YEARS,
                term_start=NEWCOMERS_JOINED,
                term_end=dt.date(NEWCOMERS_JOINED.year + MANDATE_YEARS, 3, 1),
                seats=12,
                sources=DEMO_SOURCES,
            )
            for spec in NEWCOMER_BODIES
        ]
    )
    names = [n for spec in NEWCOMER_BODIES for n in spec.old_guard] + [*CORE_NEWCOMERS, *_CIRCLE]
    actors = writer.now(
        [
            Actor(
                kind="person",
                category="resident",
                name=name,
                given_name=name.split(" ", 1)[0],
                family_name=name.split(" ", 1)[1],
                territory_id=territory_id,
                sources=DEMO_SOURCES,
            )
            for name in names
        ]
    )
    by_name = {a.name: a for a in actors}
    for spec, body in zip(NEWCOMER_BODIES, bodies, strict=True):
        for name in spec.old_guard:
            writer.add(_seat(by_name[name], body, NEWCOMER_BODIES_FOUNDED))
        for name in CORE_NEWCOMERS:
            writer.add(_seat(by_name[name], body, NEWCOMERS_JOINED))
    for a, b in combinations(CORE_NEWCOMERS, 2):
        writer.add(_tie(by_name[a], by_name[b], territory_id, NEWCOMERS_JOINED))
    first_half = set(BROKEN_CIRCLE[0])
    for a, b in combinations(_CIRCLE, 2):
        across = (a in first_half) != (b in first_half)
        writer.add(
            _tie(
                by_name[a],
                by_name[b],
                territory_id,
                NEWCOMER_BODIES_FOUNDED,
                CIRCLE_BROKE if across else None,
            )
        )


def _tie(a: Actor, b: Actor, territory_id: int, start: dt.date, end=None) -> Interaction:
    return Interaction(
        source_id=a.id,
        target_actor_id=b.id,
        interaction_type="collaboration",
        direction="mutual",
        weight=4,
        sign=1,
        start_date=start,
        end_date=end,
        territory_id=territory_id,
        source_note="entretien",
        confidence=Decimal("0.90"),
    )


def _seat(actor: Actor, body: Body, start: dt.date) -> Membership:
    return Membership(
        actor=actor, body=body, role="member", selection_mode="volunteer", start_date=start
    )
