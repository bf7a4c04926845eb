"""Small statistics the analysis needs, by hand (the project does not depend on SciPy).

- ``spearman``: do two metrics rank the nodes the same way (e.g. PageRank vs
  declared power, or this year's ranking vs last year's)? Ranks, not values,
  because the metrics live on unrelated scales.
- ``gini``: how unevenly something (ties, seats, speaking time) is spread.

Both return None where the statistic is undefined rather than NaN, so that
JSON output never carries NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n in input order; tied values share the mean of their ranks.

    ``[10, 20, 20, 30]`` -> ``[1, 2.5, 2.5, 4]``: the two 20s would take ranks
    2 and 3, so each gets 2.5 (what keeps Spearman symmetric under ties).
    """
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = (start + end) / 2 + 1  # mean of positions start..end, 1-based
        for position in range(start, end + 1):
            ranks[order[position]] = rank
        start = end + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson correlation; None when fewer than two pairs or a constant series."""
    if len(x) != len(y):
        raise ValueError(f"series of different lengths: {len(x)} and {len(y)}")
    n = len(x)
    if n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman rank correlation with average ranks for ties (Pearson on the ranks).

    None when undefined: fewer than two pairs, or one series constant (nothing
    to rank). Raises ValueError when the series differ in length.
    """
    if len(x) != len(y):
        raise ValueError(f"series of different lengths: {len(x)} and {len(y)}")
    return pearson(average_ranks(x), average_ranks(y))


def gini(values: Sequence[float]) -> float | None:
    """Gini coefficient of non-negative values: 0 when equal, towards 1 when one holds all.

    Mean absolute difference over twice the mean, computed on the sorted values
    (sum of (2i - n - 1) x_i over n * sum). None when empty or all zero.
    """
    if any(v < 0 for v in values):
        raise ValueError("gini needs non-negative values")
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return None
    ordered = sorted(values)
    weighted = sum((2 * i - n - 1) * v for i, v in enumerate(ordered, start=1))
    return weighted / (n * total)
