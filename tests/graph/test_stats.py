"""graph.stats: rank correlation and Gini against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from graph.stats import average_ranks, gini, pearson, spearman


def test_average_ranks_share_ties():
    # 20 and 20 would take ranks 2 and 3 -> both 2.5.
    assert average_ranks([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]
    # Three-way tie on ranks 1..3 -> 2 each; input order kept.
    assert average_ranks([5, 1, 1, 1]) == [4.0, 2.0, 2.0, 2.0]
    assert average_ranks([]) == []


def test_spearman_without_ties_is_plus_or_minus_one_for_monotone_series():
    assert spearman([1, 2, 3, 4], [10, 100, 1000, 10000]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_spearman_without_ties_matches_the_d_squared_formula():
    # ranks x = 1 2 3 4 5, ranks y = 2 1 4 3 5 -> d = -1 1 -1 1 0, sum d^2 = 4;
    # rho = 1 - 6 * 4 / (5 * (25 - 1)) = 1 - 24/120 = 0.8.
    assert spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50]) == pytest.approx(0.8)


def test_spearman_with_ties_by_hand():
    # x ranks 1 2 3 4 5 (mean 3); y = 5 6 7 8 7 -> ranks 1 2 3.5 5 3.5 (mean 3).
    # dx = -2 -1 0 1 2, dy = -2 -1 0.5 2 0.5
    # sum dx dy = 4 + 1 + 0 + 2 + 1 = 8; sum dx^2 = 10; sum dy^2 = 4 + 1 + .25 + 4 + .25 = 9.5
    # rho = 8 / sqrt(10 * 9.5) = 8 / sqrt(95) = 0.8207826...
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / math.sqrt(95))
    assert spearman([5, 6, 7, 8, 7], [1, 2, 3, 4, 5]) == pytest.approx(8 / math.sqrt(95))


def test_spearman_undefined_cases():
    assert spearman([], []) is None
    assert spearman([1], [2]) is None
    assert spearman([1, 2, 3], [7, 7, 7]) is None  # nothing to rank
    with pytest.raises(ValueError):
        spearman([1, 2], [1, 2, 3])


def test_pearson_by_hand():
    # x = 1 2 3, y = 1 3 2: dx = -1 0 1, dy = -1 1 0 -> sum = 1, sxx = syy = 2 -> 0.5.
    assert pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)


def test_gini_by_hand():
    assert gini([4, 4, 4, 4]) == 0.0
    # One holds all of 4 people: sorted 0 0 0 1, sum (2i - n - 1) x_i = (8 - 5) * 1 = 3;
    # 3 / (4 * 1) = 0.75 (= 1 - 1/n).
    assert gini([0, 1, 0, 0]) == pytest.approx(0.75)
    # 1 2 3: (2-4)*1 + (4-4)*2 + (6-4)*3 = 4; 4 / (3 * 6) = 2/9.
    assert gini([3, 1, 2]) == pytest.approx(2 / 9)
    assert gini([]) is None
    assert gini([0, 0]) is None
    with pytest.raises(ValueError):
        gini([1, -1])
