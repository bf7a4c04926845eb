"""Strengths of recruitment: newcomers brought into participation, and who went on.

Rules that change a count, shown in the ``detail``:

- the *entrants* are the actors whose first seat (a seat-holding role,
  ``graph.model.SEAT_ROLES``) in this body started in the last ``ENTRY_YEARS``
  years (two usual terms), whether they still sit or not;
- an entrant is a *newcomer* when no seat in any other body of the registry
  started before that first seat here (a seat elsewhere starting the same day is
  not earlier);
- a newcomer *later sat elsewhere* when a seat in another body started after
  that first seat here (by ``as_of``).

A key confined to a territory sees only the seats in the bodies within it: a seat
out of its reach is neither counted nor told apart (the loader leaves it out).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from graph.model import SEAT_ROLES
from graph.renewal.maths import years_before
from graph.renewal.strengths.base import Strength, StrengthContext, StrengthSpec, result, unknown

#: Years back from ``as_of`` in which a first seat makes an entrant.
ENTRY_YEARS = 6


def _first_seats(ctx: StrengthContext) -> dict[int, dt.date]:
    """Actor id -> start of their first seat in this body, for the entrants of the window."""
    first: dict[int, dt.date] = {}
    for m in ctx.facts.members:
        seat = m.role in SEAT_ROLES and m.start <= ctx.as_of
        if seat and (m.actor_id not in first or m.start < first[m.actor_id]):
            first[m.actor_id] = m.start
    since = years_before(ctx.as_of, ENTRY_YEARS)
    return {a: d for a, d in sorted(first.items()) if d > since}


def _newcomers(ctx: StrengthContext) -> tuple[dict[int, dt.date], dict[int, dt.date], set[int]]:
    """The entrants, the newcomers among them, and the newcomers who later sat elsewhere."""
    entrants = _first_seats(ctx)
    elsewhere: dict[int, list[dt.date]] = defaultdict(list)
    for seat in ctx.facts.seats_elsewhere:
        if seat.body_id != ctx.facts.id and seat.start <= ctx.as_of:
            elsewhere[seat.actor_id].append(seat.start)
    newcomers = {a: d for a, d in entrants.items() if not any(s < d for s in elsewhere.get(a, ()))}
    onward = {a for a, d in newcomers.items() if any(s > d for s in elsewhere.get(a, ()))}
    return entrants, newcomers, onward


def newcomers(ctx: StrengthContext, spec: StrengthSpec) -> Strength:
    entrants, new, onward = _newcomers(ctx)
    detail = {"entry_years": ENTRY_YEARS, "entrants": len(entrants), "newcomers": len(new)}
    if not entrants:
        return unknown(spec, "no_entrant", detail, years=ENTRY_YEARS)
    current = sum(1 for a in new if a in ctx.current)
    detail.update(newcomers_seated=current, later_sat_elsewhere=len(onward))
    share = len(new) / len(entrants)
    return result(
        spec, share, detail,
        new=len(new), entrants=len(entrants), share=share, years=ENTRY_YEARS, seated=current,
    )  # fmt: skip


def newcomers_onward(ctx: StrengthContext, spec: StrengthSpec) -> Strength:
    _entrants, new, onward = _newcomers(ctx)
    detail = {"entry_years": ENTRY_YEARS, "newcomers": len(new), "later_sat_elsewhere": len(onward)}
    if not new:
        return unknown(spec, "no_newcomer", detail, years=ENTRY_YEARS)
    return result(spec, float(len(onward)), detail, onward=len(onward), new=len(new))
