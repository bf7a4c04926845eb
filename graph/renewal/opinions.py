"""Renewal indicators of the opinions: issued, answered, adopted, response delay.

All four look at the opinions of the last 24 months. Rules that change a count,
each shown in the indicator's ``detail``:

- an answer counts once recorded on or before ``as_of``; the outcome
  ``no_response`` is not an answer;
- ``opinions_answered`` leaves out the unanswered opinions younger than the
  answer delay (rule ``answer_delay_days``, default 90 days: the authority has
  that long to answer), counted in ``excluded_recent_unanswered``; an opinion
  recorded as ``no_response`` is counted at once, whatever its age;
- ``response_delay`` leaves out the answers without a date
  (``excluded_undated_answers``).
"""

from __future__ import annotations

import datetime as dt
import statistics

from graph.model import BodyFacts
from graph.renewal.base import Context, Indicator, graded, unknown_result
from graph.renewal.maths import years_before
from graph.renewal.messages import phrase


def _recent_opinions(facts: BodyFacts, as_of: dt.date):
    return sorted(
        (o for o in facts.opinions if years_before(as_of, 2) < o.date <= as_of),
        key=lambda o: o.date,
    )


def _answered(opinion, as_of: dt.date) -> bool:
    """An answer counts once recorded on or before ``as_of`` ("no_response" is not one)."""
    if opinion.response_outcome == "no_response":
        return False
    if opinion.response_date is not None:
        return opinion.response_date <= as_of
    return opinion.response_outcome != ""


def opinions_issued(ctx: Context) -> Indicator:
    code = "opinions_issued"
    if not ctx.facts.opinions:
        return unknown_result(code, ctx.config, "opinions_issued.none_recorded")
    count = len(_recent_opinions(ctx.facts, ctx.as_of))
    return graded(code, float(count), ctx.config, {"opinions": count}, count=count)


def opinions_answered(ctx: Context) -> Indicator:
    code = "opinions_answered"
    as_of, delay = ctx.as_of, ctx.rules["answer_delay_days"]
    recent = _recent_opinions(ctx.facts, as_of)
    if not recent:
        return unknown_result(code, ctx.config, "opinions_answered.none_recorded")
    due = [
        o
        for o in recent
        if _answered(o, as_of)
        or o.response_outcome == "no_response"
        or (as_of - o.date).days > delay
    ]
    excluded = len(recent) - len(due)
    detail = {
        "opinions": len(due),
        "issued": len(recent),
        "excluded_recent_unanswered": excluded,
        "answer_delay_days": delay,
    }
    if not due:
        return unknown_result(
            code, ctx.config, "opinions_answered.too_early", detail, pending=excluded, delay=delay
        )
    answered = sum(1 for o in due if _answered(o, as_of))
    detail["answered"] = answered
    share = answered / len(due)
    note = "opinions_answered.excluded" if excluded else None
    return graded(
        code,
        share,
        ctx.config,
        detail,
        answered=answered,
        opinions=len(due),
        share=share,
        note=phrase(note, excluded=excluded, delay=delay),
    )


def opinions_adopted(ctx: Context) -> Indicator:
    code = "opinions_adopted"
    answered = [o for o in _recent_opinions(ctx.facts, ctx.as_of) if _answered(o, ctx.as_of)]
    if not answered:
        return unknown_result(code, ctx.config, "opinions_adopted.none_answered")
    adopted = sum(1 for o in answered if o.response_outcome in ("adopted", "partially_adopted"))
    share = adopted / len(answered)
    detail = {"answered": len(answered), "adopted": adopted}
    return graded(
        code, share, ctx.config, detail, adopted=adopted, answered=len(answered), share=share
    )


def response_delay(ctx: Context) -> Indicator:
    code = "response_delay"
    answered = [o for o in _recent_opinions(ctx.facts, ctx.as_of) if _answered(o, ctx.as_of)]
    delays = [(o.response_date - o.date).days for o in answered if o.response_date is not None]
    detail = {"answers": len(delays), "excluded_undated_answers": len(answered) - len(delays)}
    if not delays:
        return unknown_result(code, ctx.config, "response_delay.none_dated", detail)
    median = float(statistics.median(delays))
    return graded(code, median, ctx.config, detail, days=median)
