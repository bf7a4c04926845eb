"""Strengths of diversity: the members a body brings from groups the territory's other
bodies under-represent (categories, age bands, genders, sub-territories).

For one dimension, a group is *under-represented* in the other bodies of the
network territory when its share among their members (distinct persons whose
value is known; organizations seated are left out, here and there) is below its share in the territory's reference: the persons of
the territory by category, by age band and by sub-territory
(``TerritoryProfile``), parity (50 / 50) for women and men. The value is the
number of this body's current members from those groups. Rules, in the detail:

- members whose value is unknown are left out, and the strength is ``unknown``
  when fewer than half of the body's members (persons, and members out of the
  reader's reach) have one (as for the gaps);
- genders: women and men only (the reference is parity);
- sub-territory: the territory just below the network territory that holds the
  member's home territory (``graph.loaders.facts``); members living elsewhere or
  at the network territory itself have none;
- only aggregates are given (members per group), never a person's value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from graph.model import PeerMember
from graph.renewal.maths import age_band
from graph.renewal.strengths.base import Strength, StrengthContext, StrengthSpec, result, unknown

PARITY_REFERENCE = {"female": 1, "male": 1}


def _value(dimension: str, ctx: StrengthContext) -> Callable[[PeerMember], str | None]:
    if dimension == "categories":
        return lambda m: m.category or None
    if dimension == "ages":
        return lambda m: age_band(m.birth_year, ctx.as_of) if m.birth_year is not None else None
    if dimension == "genders":
        return lambda m: m.gender if m.gender in PARITY_REFERENCE else None
    return lambda m: m.place or None


def _reference(dimension: str, ctx: StrengthContext) -> Mapping[str, int]:
    if dimension == "genders":
        return PARITY_REFERENCE
    profile = ctx.profile
    if profile is None:
        return {}
    return {"categories": profile.categories, "ages": profile.age_bands}.get(
        dimension, profile.places
    )


def _shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: n / total for k, n in counts.items()} if total else {}


def diversity(dimension: str) -> Callable[[StrengthContext, StrengthSpec], Strength]:
    """The compute function of the diversity strength of ``dimension``."""

    def compute(ctx: StrengthContext, spec: StrengthSpec) -> Strength:
        reference = _shares(_reference(dimension, ctx))
        if not reference:
            return unknown(spec, "no_profile")
        if ctx.peers is None:
            return unknown(spec, "no_peers")
        value = _value(dimension, ctx)
        # Persons only: the reference is the territory's persons (organizations have no
        # age or gender, and their categories are not the persons' ones).
        persons = [m for m in ctx.peers.members if m.kind != "organization"]
        here = [m for m in persons if m.body_id == ctx.facts.id]
        known_here = Counter(v for m in here if (v := value(m)) is not None)
        known = sum(known_here.values())
        if not here or 2 * known < len(here):
            return unknown(spec, "unknown_members", known=known, members=len(here))
        others: dict[int, str] = {}
        for m in persons:
            if m.body_id != ctx.facts.id and (v := value(m)) is not None:
                others.setdefault(m.actor_id, v)
        if not others:
            return unknown(spec, "no_peers")
        elsewhere = _shares(Counter(others.values()))
        under = sorted(g for g, share in reference.items() if elsewhere.get(g, 0.0) < share)
        groups = [
            {
                "group": g,
                "members": known_here.get(g, 0),
                "share_here": known_here.get(g, 0) / known,
                "share_other_bodies": elsewhere.get(g, 0.0),
                "share_territory": reference[g],
            }
            for g in under
        ]
        brought = sum(g["members"] for g in groups)
        detail = {
            "members": len(here),
            "known": known,
            "other_bodies_members": len(others),
            "under_represented": groups,
        }
        names = ", ".join(g["group"] for g in groups if g["members"]) or "—"
        return result(spec, float(brought), detail, brought=brought, known=known, groups=names)

    return compute
