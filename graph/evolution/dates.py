"""The dates of an evolution: ``from``, ``from + step``, ... and ``to``, always last."""

from __future__ import annotations

import calendar
import datetime as dt

#: Each step and its length in months (the one grammar of ``step``).
STEPS: dict[str, int] = {"year": 12, "quarter": 3, "month": 1}
#: Most dates in one evolution (a year by month, three years by quarter, twelve by year):
#: each date is a snapshot of the network and of every body's assessment.
MAX_SNAPSHOTS = 13


class TooManyDates(ValueError):
    """More than ``MAX_SNAPSHOTS`` dates between ``from`` and ``to`` at that step."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


def plus_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` later, on the same day of the month or the month's last."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def snapshot_dates(start: dt.date, end: dt.date, step: str) -> tuple[dt.date, ...]:
    """``start``, ``start + step``, ... before ``end``, then ``end`` (``start < end``).

    Each date counts from ``start`` (31 January by month: 28 or 29 February, then 31
    March), so a step never drifts. Raises ``TooManyDates`` over ``MAX_SNAPSHOTS``.
    """
    if start >= end:
        raise ValueError("start must be before end")
    months = STEPS[step]
    days = [start]
    while True:
        day = plus_months(start, months * len(days))
        if day >= end:
            break
        days.append(day)
        if len(days) > MAX_SNAPSHOTS:
            raise TooManyDates(len(days) + 1)
    days.append(end)
    if len(days) > MAX_SNAPSHOTS:
        raise TooManyDates(len(days))
    return tuple(days)
