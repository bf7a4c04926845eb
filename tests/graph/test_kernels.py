"""graph.kernels: igraph behind NetworkX graphs, NetworkX's answers.

Every kernel against the NetworkX function it stands for, on generated weighted
graphs (isolated nodes, self-loops, several components): exact for core numbers,
within 1e-9 relative for PageRank, betweenness, constraint and effective size.
Communities: seeded and deterministic, at least NetworkX's Louvain modularity on
graphs with a known structure. Betweenness: the same bits whether its pivots ran
here or on the worker processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import centrality, kernels
from graph.influence import influence_map
from graph.kernels import brandes as btw

REL = 1e-9


@st.composite
def weighted_graphs(draw, *, loops: bool = True, max_nodes: int = 18):
    n = draw(st.integers(1, max_nodes))
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(1, 9)),
            max_size=3 * n,
        )
    )
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u, v, w in edges:
        if u == v and not loops:
            continue
        # Lengths that are powers of two: sums are exact, so ties are ties for both.
        g.add_edge(u, v, weight=w, distance=float(2 ** (w % 3)))
    return g


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= REL * max(abs(a), abs(b)) or abs(a - b) <= 1e-15


@settings(max_examples=150)
@given(weighted_graphs())
def test_pagerank_is_networkx_pagerank(g):
    ours = kernels.pagerank(kernels.compile_graph(g), alpha=0.85)
    theirs = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-13, max_iter=10_000)
    assert all(close(ours[u], theirs[u]) for u in g), (ours, theirs)


@settings(max_examples=150)
@given(weighted_graphs())
def test_constraint_is_networkx_constraint(g):
    ours = kernels.constraint(kernels.compile_graph(g))
    theirs = nx.constraint(g, weight="weight")
    assert all(close(ours[u], theirs[u]) for u in g), (ours, theirs)


@settings(max_examples=150)
@given(weighted_graphs(loops=False))
def test_core_numbers_and_effective_size_are_networkx_ones(g):
    c = kernels.compile_graph(g)
    assert kernels.core_number(c) == nx.core_number(g)
    ours = kernels.effective_size(c)
    theirs = nx.effective_size(g, nodes=list(g), weight="weight")
    assert all(close(ours[u], theirs[u]) for u in g), (ours, theirs)


@settings(max_examples=150)
@given(weighted_graphs(), st.integers(0, 2**16), st.data())
def test_betweenness_is_networkx_betweenness(g, seed, data):
    c = kernels.compile_graph(g)
    exact = kernels.betweenness(c)
    theirs = nx.betweenness_centrality(g, weight="distance")
    assert all(close(exact[u], theirs[u]) for u in g), (exact, theirs)
    k = data.draw(st.integers(1, g.number_of_nodes()))
    sampled = kernels.betweenness(c, pivots=centrality.pivots(g, k, seed))
    theirs = nx.betweenness_centrality(g, k=k, seed=seed, weight="distance")
    assert all(close(sampled[u], theirs[u]) for u in g), (sampled, theirs)


def test_betweenness_on_workers_is_the_same_bits(monkeypatch):
    g = nx.gnm_random_graph(300, 1200, seed=11)
    rng = random.Random(11)
    for u, v in g.edges:
        g.edges[u, v]["weight"] = w = rng.randint(1, 9)
        g.edges[u, v]["distance"] = 1 / w
    c = kernels.compile_graph(g)
    pivots = centrality.pivots(g, 100, 5)
    monkeypatch.setattr(btw, "workers", lambda: 2)
    allowed = btw.workers_allowed()
    allowed.__enter__()
    here = kernels.betweenness(c, pivots=pivots)
    here_exact = kernels.betweenness(c)
    assert not btw.parallel(c, len(pivots))
    monkeypatch.setattr(btw, "PARALLEL_MIN_WORK", 0)
    assert btw.parallel(c, len(pivots))
    calls = []
    real = btw._submit
    monkeypatch.setattr(btw, "_submit", lambda *a: calls.append(1) or real(*a))
    assert kernels.betweenness(c, pivots=pivots) == here
    assert kernels.betweenness(c) == here_exact
    btw.warm(10**9)  # started beforehand: the same answer
    pending = btw.start(c, pivots=pivots)
    assert pending.futures is not None and pending.result() == here
    assert len(calls) == 3
    allowed.__exit__(None, None, None)
    assert not btw.parallel(c, len(pivots))  # only where the caller allows it


def test_betweenness_without_workers_is_computed_here(monkeypatch, caplog):
    g = nx.path_graph(5)
    for u, v in g.edges:
        g.edges[u, v]["distance"] = 1.0
    c = kernels.compile_graph(g)
    monkeypatch.setattr(btw, "workers", lambda: 2)
    monkeypatch.setattr(btw, "PARALLEL_MIN_WORK", 0)

    def refuse():
        raise OSError("no processes here")

    monkeypatch.setattr(btw, "_executor", refuse)
    with btw.workers_allowed(), caplog.at_level(logging.WARNING, logger="graph.kernels.brandes"):
        result = kernels.betweenness(c, normalized=False)
    assert result == pytest.approx({0: 0.0, 1: 3.0, 2: 4.0, 3: 3.0, 4: 0.0})
    assert "computed in process" in caplog.text


def _planted(groups: int, size: int, seed: int) -> nx.Graph:
    g = nx.planted_partition_graph(groups, size, 0.5, 0.02, seed=seed)
    rng = random.Random(seed)
    for u, v in g.edges:
        g.edges[u, v]["weight"] = rng.randint(1, 5)
    return g


@pytest.mark.parametrize(
    "g",
    [nx.karate_club_graph(), _planted(6, 20, 1), _planted(10, 30, 2), nx.les_miserables_graph()],
    ids=["karate", "planted-6x20", "planted-10x30", "les-miserables"],
)
def test_communities_seeded_and_at_least_louvain(g):
    c = kernels.compile_graph(g)
    first = kernels.communities(c, seed=3)
    assert kernels.communities(kernels.compile_graph(g), seed=3) == first  # same bytes
    assert set().union(*first) == set(g) and sum(map(len, first)) == len(g)  # a partition
    ours = nx.community.modularity(g, first, weight="weight")
    louvain = nx.community.modularity(
        g, nx.community.louvain_communities(g, weight="weight", seed=3), weight="weight"
    )
    assert ours >= louvain - 1e-12


def test_communities_leave_the_global_random_generator_alone():
    random.seed(42)
    expected = random.random()
    random.seed(42)
    kernels.communities(kernels.compile_graph(nx.karate_club_graph()), seed=1)
    assert random.random() == expected


def test_influence_map_converts_the_graph_once(monkeypatch):
    g = nx.MultiGraph()
    for i in range(1, 6):
        g.add_node(f"a{i}", kind="actor", label=f"A{i}", category="resident")
    g.add_node("b1", kind="body", label="B1", category="conseil_quartier")
    for i in range(1, 6):
        g.add_edge(f"a{i}", "b1", key=f"m{i}", relation="membership", type="member", weight=3)
    g.add_edge("a1", "a2", key="i1", relation="interaction", type="funding", weight=2, sign=1)
    calls = []
    real = kernels.compile_graph
    monkeypatch.setattr(
        kernels, "compile_graph", lambda *a, **kw: calls.append(1) or real(*a, **kw)
    )
    result = influence_map(g, as_of=dt.date(2026, 1, 1), seed=0)
    assert len(calls) == 1
    assert result.node("b1").betweenness > 0


def same_conversion(a: kernels.Compiled, b: kernels.Compiled) -> bool:
    return (
        a.nodes == b.nodes
        and a.edges.tolist() == b.edges.tolist()
        and a.weights.tolist() == b.weights.tolist()
        and a.distances.tolist() == b.distances.tolist()
        and a.loops == b.loops
    )


@st.composite
def registry_graphs(draw):
    """Registry-shaped multigraphs: parallel facts, self-loops, facts under weight 1."""
    actors = draw(st.integers(1, 12))
    bodies = draw(st.integers(0, 4))
    nodes = [f"a{i}" for i in range(1, actors + 1)] + [f"b{i}" for i in range(1, bodies + 1)]
    g = nx.MultiGraph()
    for node in draw(st.permutations(nodes)):  # inserted in any order
        g.add_node(node, kind="actor" if node[0] == "a" else "body")
    facts = draw(
        st.lists(
            st.tuples(st.sampled_from(nodes), st.sampled_from(nodes), st.integers(0, 6)),
            max_size=40,
        )
    )
    for k, (u, v, w) in enumerate(facts):
        g.add_edge(u, v, key=f"i{k}", relation="interaction", type="cooperation", weight=w)
    return g


@settings(max_examples=200)
@given(registry_graphs())
def test_compile_collapsed_is_compile_of_collapse(g):
    from graph.model import collapse

    direct, through = kernels.compile_collapsed(g), kernels.compile_graph(collapse(g))
    assert same_conversion(direct, through)
    assert kernels.pagerank(direct, alpha=0.85) == kernels.pagerank(through, alpha=0.85)
    assert kernels.communities(direct, seed=1) == kernels.communities(through, seed=1)
    assert kernels.core_number(direct) == kernels.core_number(through)
    theirs = kernels.constraint(through)
    assert all(close(a, theirs[u]) for u, a in kernels.constraint(direct).items())


def test_pagerank_gives_the_same_bits_on_every_run():
    # igraph's PRPACK sums over OpenMP threads; left to several, the last bits of a large
    # graph's scores changed from one run to the next (and a renewal answer with them).
    g = nx.gnm_random_graph(3000, 20000, seed=1)
    rng = random.Random(1)
    for u, v in g.edges:
        g.edges[u, v]["weight"] = rng.randint(1, 9)
    c = kernels.compile_graph(g)
    first = kernels.pagerank(c, alpha=0.85)
    assert all(kernels.pagerank(c, alpha=0.85) == first for _ in range(10))
