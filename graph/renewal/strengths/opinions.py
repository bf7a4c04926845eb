"""Strengths of the opinions: opinions taken up, initiative, share of the authority's referrals.

All three look at the opinions of the last 24 months, the window of the opinion
indicators (``graph.renewal.opinions``). Rules that change a count, shown in the
``detail``:

- an opinion is *taken up* when the authority's answer, recorded by ``as_of``, is
  ``adopted`` or ``partially_adopted``;
- ``referral_share`` counts the opinions the body's host authority referred
  (``referral="referred"``) to any of its bodies; its threshold is the even share,
  1 / the number of bodies the host runs: a body above it is the one the authority
  turns to; it is ``unknown`` when the host runs this body alone (nothing to choose
  between). A key confined to a territory counts only the host's bodies within it.
"""

from __future__ import annotations

from graph.model import OpinionFacts
from graph.renewal.maths import years_before
from graph.renewal.strengths.base import (
    NONE,
    STRENGTH,
    Strength,
    StrengthContext,
    StrengthSpec,
    result,
    unknown,
)

WINDOW_YEARS = 2
WINDOW_MONTHS = 12 * WINDOW_YEARS
REFERRALS = ("referred", "self", "mandatory")
TAKEN_UP = ("adopted", "partially_adopted")


def _recent(ctx: StrengthContext) -> list[OpinionFacts]:
    start = years_before(ctx.as_of, WINDOW_YEARS)
    return [o for o in ctx.facts.opinions if start < o.date <= ctx.as_of]


def _breakdown(opinions: list[OpinionFacts]) -> dict[str, dict[str, int]]:
    """Referral kind -> issued, adopted, partially_adopted (every kind present)."""
    table = {kind: {"issued": 0, "adopted": 0, "partially_adopted": 0} for kind in REFERRALS}
    for o in opinions:
        row = table.get(o.referral)
        if row is None:  # not a referral kind of the registry: counted in the totals only
            continue
        row["issued"] += 1
        if o.response_outcome in TAKEN_UP:
            row[o.response_outcome] += 1
    return table


def opinions_taken_up(ctx: StrengthContext, spec: StrengthSpec) -> Strength:
    if not ctx.facts.opinions:
        return unknown(spec, "none_recorded")
    recent = _recent(ctx)
    table = _breakdown(recent)
    adopted = sum(1 for o in recent if o.response_outcome == "adopted")
    partly = sum(1 for o in recent if o.response_outcome == "partially_adopted")
    taken = adopted + partly
    detail = {
        "window_months": WINDOW_MONTHS,
        "issued": len(recent),
        "adopted": adopted,
        "partially_adopted": partly,
        "by_referral": table,
    }

    def up(kind: str) -> int:
        return table[kind]["adopted"] + table[kind]["partially_adopted"]

    return result(
        spec, float(taken), detail,
        taken=taken, issued=len(recent), adopted=adopted, partly=partly,
        referred=up("referred"), self=up("self"), mandatory=up("mandatory"),
    )  # fmt: skip


def initiative(ctx: StrengthContext, spec: StrengthSpec) -> Strength:
    if not ctx.facts.opinions:
        return unknown(spec, "none_recorded")
    own = [o for o in _recent(ctx) if o.referral == "self"]
    taken = sum(1 for o in own if o.response_outcome in TAKEN_UP)
    detail = {"window_months": WINDOW_MONTHS, "self_referrals": len(own), "taken_up": taken}
    return result(spec, float(taken), detail, taken=taken, issued=len(own))


def referral_share(ctx: StrengthContext, spec: StrengthSpec) -> Strength:
    facts = ctx.facts
    if facts.host_id is None or facts.host_bodies == 0:
        return unknown(spec, "no_host")
    start = years_before(ctx.as_of, WINDOW_YEARS)
    referrals = [r for r in facts.host_referrals if start < r.date <= ctx.as_of]
    detail = {
        "window_months": WINDOW_MONTHS,
        "host_referrals": len(referrals),
        "host_bodies": facts.host_bodies,
    }
    if not referrals:
        return unknown(spec, "no_referral", detail)
    if facts.host_bodies == 1:  # a share of one body says nothing of the authority's choice
        return unknown(spec, "single_body", detail, total=len(referrals))
    here = sum(1 for r in referrals if r.body_id == facts.id)
    share, even = here / len(referrals), 1 / facts.host_bodies
    detail.update(received=here, even_share=even)
    status = STRENGTH if here and share >= even else NONE
    return result(
        spec, share, detail, status=status, threshold=even,
        received=here, total=len(referrals), share=share, bodies=facts.host_bodies, even=even,
    )  # fmt: skip
