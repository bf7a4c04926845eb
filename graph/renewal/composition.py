"""Renewal indicators of composition: parity, the age rule, age and category gaps.

Rules that change a count, each shown in the indicator's ``detail``:

- ``parity`` counts the current members whose gender is known; it needs it for
  half of them at least. Its value and its thresholds are one unit: the
  minority share (the less represented of women and men, among women and men),
  ↓ lower is worse. The rule ``parity_rule`` (the body's own, else its
  charter's) decides: ``max_gap_1`` (a legal rule: at most one seat of gap)
  turns the gap into the share it allows, ``(n − 2) / 2n`` for ``n`` women and
  men, at or under which the rule is breached (``alert``); ``balanced`` grades
  the share by the thresholds; ``none`` grades it too, but at most ``watch``.
- ``age_rule`` counts the current members outside the ages the body admits
  (``min_age`` / ``max_age``: the body's own, else its charter's), by birth year
  (age = year difference); members whose birth year is unknown are counted
  apart (``unknown_birth_year``) and it is ``unknown`` when they are half or more.
- ``age_gap`` and ``category_gap`` leave out the members whose birth year or
  category is unknown (and need half of them known); ``age_gap`` compares with
  the territory's age bands the body may admit.
"""

from __future__ import annotations

from collections import Counter

from graph.renewal.base import AGE_BANDS, ALERT, WATCH, Context, Indicator, graded, unknown_result
from graph.renewal.maths import age_band, dissimilarity
from graph.renewal.messages import phrase

#: What the parity thresholds apply to: the minority share, whatever the rule.
PARITY_THRESHOLD_ON: tuple[str, ...] = ("minority_share",)


def _known_half(known: int, members: int) -> bool:
    return members > 0 and 2 * known >= members


def parity(ctx: Context) -> Indicator:
    code, config = "parity", ctx.config
    genders = [m.gender for m in ctx.current.values()]
    known = [g for g in genders if g in ("female", "male", "other")]
    if not _known_half(len(known), len(ctx.current)):
        return unknown_result(
            code, config, "parity.unknown_gender", {"known": len(known), "members": len(ctx.current)},
            known=len(known), members=len(ctx.current),
        )  # fmt: skip
    women, men = known.count("female"), known.count("male")
    gap, n = abs(women - men), women + men
    if n == 0:  # every known gender is "other": no balance of women and men to measure
        return unknown_result(
            code,
            config,
            "parity.no_women_or_men",
            {"known": len(known), "members": len(ctx.current)},
        )
    minority = min(women, men) / n
    rule = ctx.rules["parity_rule"]
    detail = {
        "women": women,
        "men": men,
        "gap": gap,
        "known": len(known),
        "members": len(ctx.current),
        "minority_share": minority,
        "rule": rule,
        "threshold_on": PARITY_THRESHOLD_ON[0],
    }
    counts = phrase("parity.counts", women=women, men=men, gap=gap)
    if rule == "max_gap_1":
        legal = (n - 2) / (2 * n) if n else 0.0
        detail["legal_threshold"] = legal
        status = ALERT if gap > 1 else "ok"
        return graded(
            code, minority, config, detail, key="parity.max_gap_1", status=status,
            threshold=(None, legal), counts=counts, share=minority,
        )  # fmt: skip
    watch, alert = config.limits(code)
    status = config.grade(code, minority)
    if rule != "balanced" and status == ALERT:
        status = WATCH  # without a rule, imbalance is worth a look, not an alert
    threshold = (watch, alert if rule == "balanced" else None)
    return graded(
        code, minority, config, detail, status=status, threshold=threshold,
        counts=counts, share=minority,
    )  # fmt: skip


def _age_limits(ctx: Context) -> tuple[int | None, int | None]:
    return ctx.rules.get("min_age"), ctx.rules.get("max_age")


def age_rule(ctx: Context) -> Indicator:
    code, config = "age_rule", ctx.config
    low, high = _age_limits(ctx)
    detail = {"min_age": low, "max_age": high, "members": len(ctx.current)}
    if low is None and high is None:
        return unknown_result(code, config, "age_rule.no_rule", detail)
    years = [m.birth_year for m in ctx.current.values() if m.birth_year is not None]
    detail["unknown_birth_year"] = len(ctx.current) - len(years)
    if not _known_half(len(years), len(ctx.current)):
        return unknown_result(
            code,
            config,
            "age_rule.unknown_birth",
            detail,
            known=len(years),
            members=len(ctx.current),
        )
    ages = [ctx.as_of.year - y for y in years]
    outside = sum(
        1 for a in ages if (low is not None and a < low) or (high is not None and a > high)
    )
    detail["outside"] = outside
    rule = phrase(
        "age_rule.between" if low is not None and high is not None
        else "age_rule.from" if low is not None else "age_rule.up_to",
        low=low, high=high,
    )  # fmt: skip
    return graded(
        code, float(outside), config, detail, outside=outside, known=len(years), rule=rule
    )


def age_gap(ctx: Context) -> Indicator:
    code, config, profile = "age_gap", ctx.config, ctx.profile
    if profile is None or not profile.age_bands:
        return unknown_result(code, config, "age_gap.no_profile")
    years = [m.birth_year for m in ctx.current.values() if m.birth_year is not None]
    if not _known_half(len(years), len(ctx.current)):
        return unknown_result(
            code, config, "age_gap.unknown_birth", known=len(years), members=len(ctx.current)
        )
    # a youth or elders' council is compared with the ages it may admit
    low, high = _age_limits(ctx)
    low, high = low or 0, high if high is not None else 200
    bounds = {label: (lo, hi) for label, lo, hi in AGE_BANDS}
    reference = {
        band: n
        for band, n in profile.age_bands.items()
        if band in bounds and bounds[band][0] <= high and bounds[band][1] >= low
    }
    observed = Counter(age_band(y, ctx.as_of) for y in years)
    index = dissimilarity(observed, reference)
    if index is None:
        return unknown_result(code, config, "age_gap.no_band")
    detail = {
        "members": dict(sorted(observed.items())),
        "territory": dict(sorted(reference.items())),
        "known": len(years),
        "unknown_birth_year": len(ctx.current) - len(years),
    }
    return graded(code, index, config, detail, index=index)


def category_gap(ctx: Context) -> Indicator:
    code, config, profile = "category_gap", ctx.config, ctx.profile
    if profile is None or not profile.categories:
        return unknown_result(code, config, "category_gap.no_profile")
    categories = [m.category for m in ctx.current.values() if m.category]
    if not _known_half(len(categories), len(ctx.current)):
        return unknown_result(
            code, config, "category_gap.unknown_category",
            known=len(categories), members=len(ctx.current),
        )  # fmt: skip
    observed = Counter(categories)
    index = dissimilarity(observed, profile.categories)
    if index is None:
        return unknown_result(code, config, "category_gap.empty_profile")
    detail = {
        "members": dict(sorted(observed.items())),
        "territory": dict(sorted(profile.categories.items())),
        "known": len(categories),
        "unknown_category": len(ctx.current) - len(categories),
    }
    return graded(code, index, config, detail, index=index)
