"""graph.centrality: NetworkX's betweenness and effective size, computed with SciPy.

Values worked out by hand on small graphs; sampling checked to use NetworkX's pivots.
"""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest

from graph.centrality import betweenness, effective_size, pivots


def _graph(edges, **attrs) -> nx.Graph:
    g = nx.Graph()
    for u, v, *rest in edges:
        w = rest[0] if rest else 1
        g.add_edge(u, v, weight=w, distance=1 / w, **attrs)
    return g


def test_path_and_star_centres_carry_every_pair():
    # a - b - c: the only pair not involving b (a, c) runs through b: 1 of 1 pair.
    assert betweenness(_graph([("a", "b"), ("b", "c")])) == {"a": 0.0, "b": 1.0, "c": 0.0}
    # A star of 4 leaves: all C(4, 2) = 6 leaf pairs run through the centre.
    star = betweenness(_graph([("c", leaf) for leaf in "wxyz"]))
    assert star["c"] == 1.0 and star["w"] == 0.0


def test_equal_paths_share_the_pair():
    # The 4-cycle a-b-c-d-a: a and c are joined by two shortest paths (via b, via d),
    # so b gets half the pair (a, c); b is on no other shortest path. Normalised by the
    # C(3, 2) = 3 pairs that exclude b: 0.5 / 3 = 1/6.
    ring = betweenness(_graph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")]))
    assert ring == pytest.approx({u: 1 / 6 for u in "abcd"})


def test_paths_equal_in_length_but_not_in_floats_still_tie():
    # s-x-t has length 0.1 + 0.2 and s-y-t 0.15 + 0.15: the same length, but not the
    # same float (0.30000000000000004 != 0.3). x and y share the pair (s, t).
    g = nx.Graph()
    g.add_edge("s", "x", distance=0.1)
    g.add_edge("x", "t", distance=0.2)
    g.add_edge("s", "y", distance=0.15)
    g.add_edge("y", "t", distance=0.15)
    result = betweenness(g, normalized=False)
    assert result["x"] == pytest.approx(0.5) and result["y"] == pytest.approx(0.5)


def test_weights_are_lengths_strong_ties_are_short():
    # a-b strong (weight 5, length 0.2), b-c strong, a-c weak (weight 1, length 1):
    # the shortest a-c path goes a-b-c (0.4 < 1), so b carries the pair.
    g = _graph([("a", "b", 5), ("b", "c", 5), ("a", "c", 1)])
    assert betweenness(g)["b"] == 1.0


def test_sampling_uses_networkx_pivots_and_scaling():
    g = nx.gnm_random_graph(60, 150, seed=3)
    rng = random.Random(3)
    for u, v in g.edges:
        g.edges[u, v]["distance"] = float(rng.choice([1, 2, 4]))  # sums exact in floats
    assert pivots(g, 10, 7) == random.Random(7).sample(list(g.nodes()), 10)
    ours = betweenness(g, k=10, seed=7)
    theirs = nx.betweenness_centrality(g, k=10, seed=7, weight="distance")
    assert ours == pytest.approx(theirs, abs=1e-12)
    exact = nx.betweenness_centrality(g, weight="distance")
    assert betweenness(g) == pytest.approx(exact, abs=1e-12)


def test_effective_size_by_hand():
    # Star centre with 3 unconnected leaves: 3 non-redundant contacts.
    star = effective_size(_graph([("c", "x"), ("c", "y"), ("c", "z")]))
    assert star["c"] == pytest.approx(3.0) and star["x"] == pytest.approx(1.0)
    # Triangle, equal weights: each contact of a is redundant by p(a,w) m(v,w) = 1/2 * 1
    # through the third node: 2 contacts x (1 - 1/2) = 1.
    triangle = effective_size(_graph([("a", "b"), ("b", "c"), ("c", "a")]))
    assert triangle == pytest.approx({"a": 1.0, "b": 1.0, "c": 1.0})
    lonely = nx.Graph()
    lonely.add_node("q")
    assert math.isnan(effective_size(lonely)["q"])


def test_effective_size_matches_networkx_per_node_definition():
    g = nx.gnm_random_graph(40, 120, seed=5)
    rng = random.Random(5)
    for u, v in g.edges:
        g.edges[u, v]["weight"] = rng.choice([1, 2, 3])
    ours = effective_size(g)
    theirs = nx.effective_size(g, nodes=list(g), weight="weight")  # the per-node path
    assert {u: ours[u] for u in theirs} == pytest.approx(theirs, abs=1e-12)
