"""Renewal indicators of activity: attendance, its trend, meetings, dormancy.

Rules that change a count, each shown in the indicator's ``detail``:

- ``attendance`` and ``attendance_trend`` leave out the meetings whose
  attendance is not recorded (``excluded_without_attendance``);
- ``meetings_per_year``: when a charter (or the body's settings) sets
  ``min_meetings_per_year``, fewer meetings than the minimum is an alert and
  reaching it is ok (the threshold becomes ``[null, minimum - 1]``); otherwise
  the indicator's thresholds apply.
"""

from __future__ import annotations

import datetime as dt

from graph.model import BodyFacts
from graph.renewal.base import (
    ALERT,
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    OK,
    Context,
    Indicator,
    graded,
    unknown_result,
)
from graph.renewal.maths import years_before


def _meetings_in(facts: BodyFacts, start: dt.date, as_of: dt.date):
    return sorted((m for m in facts.meetings if start < m.date <= as_of), key=lambda m: m.date)


def _convened(meeting) -> int:
    return meeting.present + meeting.excused + meeting.absent


def attendance(ctx: Context) -> Indicator:
    code = "attendance"
    held = _meetings_in(ctx.facts, years_before(ctx.as_of, 1), ctx.as_of)
    meetings = [m for m in held if _convened(m)]
    if not meetings:
        return unknown_result(code, ctx.config, "attendance.none_recorded")
    present = sum(m.present for m in meetings)
    convened = sum(_convened(m) for m in meetings)
    rate = present / convened
    detail = {
        "meetings": len(meetings),
        "present": present,
        "convened": convened,
        "excluded_without_attendance": len(held) - len(meetings),
    }
    return graded(code, rate, ctx.config, detail, rate=rate, meetings=len(meetings))


def attendance_trend(ctx: Context) -> Indicator:
    code = "attendance_trend"
    start = years_before(ctx.as_of, 3)
    held = _meetings_in(ctx.facts, start, ctx.as_of)
    points = [
        ((m.date - start).days / DAYS_PER_YEAR, 100 * m.present / _convened(m))
        for m in held
        if _convened(m)
    ]
    excluded = len(held) - len(points)
    xs = [x for x, _ in points]
    if len(points) < 3 or len(set(xs)) < 2:
        return unknown_result(
            code,
            ctx.config,
            "attendance_trend.too_few",
            {"meetings": len(points), "excluded_without_attendance": excluded},
        )
    mx = sum(xs) / len(xs)
    my = sum(y for _, y in points) / len(points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    detail = {"meetings": len(points), "excluded_without_attendance": excluded}
    return graded(code, slope, ctx.config, detail, slope=slope, fall=-slope)


def meetings_per_year(ctx: Context) -> Indicator:
    code = "meetings_per_year"
    if not ctx.facts.meetings:
        return unknown_result(code, ctx.config, "meetings_per_year.none_recorded")
    count = len(_meetings_in(ctx.facts, years_before(ctx.as_of, 1), ctx.as_of))
    minimum = ctx.rules.get("min_meetings_per_year")
    detail = {"meetings": count, "min_meetings_per_year": minimum}
    if minimum is None:
        return graded(code, float(count), ctx.config, detail, count=count)
    status = ALERT if count < minimum else OK
    return graded(
        code,
        float(count),
        ctx.config,
        detail,
        key="meetings_per_year.rule",
        status=status,
        threshold=(None, minimum - 1),
        count=count,
        minimum=minimum,
    )


def dormancy(ctx: Context) -> Indicator:
    code = "dormancy"
    past = [m.date for m in ctx.facts.meetings if m.date <= ctx.as_of]
    if not past:
        return unknown_result(code, ctx.config, "dormancy.none_recorded")
    last = max(past)
    months = (ctx.as_of - last).days / DAYS_PER_MONTH
    detail = {"last_meeting": last.isoformat()}
    return graded(code, months, ctx.config, detail, months=months, last=last)
