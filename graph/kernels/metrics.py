"""PageRank, Burt's constraint, core numbers and communities on a ``Compiled`` graph.

Each returns what the NetworkX function named in its docstring returns on the
same graph (node -> value), within the tolerances the tests hold them to.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Hashable

import igraph as ig
import networkx as nx
import numpy as np
from scipy import sparse
from threadpoolctl import ThreadpoolController

from graph.kernels.compiled import Compiled, as_networkx

#: The thread pools of the libraries loaded (igraph's OpenMP among them), to limit.
_THREADS = ThreadpoolController()

#: igraph draws its random numbers from one process-wide generator: the seeded one is
#: installed for one community detection at a time.
_RNG_LOCK = threading.Lock()

#: Leiden iterations at most after Louvain: on the demo and benchmark graphs it is
#: stable after 2 to 6.
LEIDEN_MAX_ITERATIONS = 50


def _with_loops(c: Compiled, *, factor: float) -> ig.Graph:
    """The graph with its self-loops back, each at ``factor`` x its weight."""
    graph = c.graph.copy()
    graph.add_edges(
        [(i, i) for i in c.loops], attributes={"weight": [w * factor for w in c.loops.values()]}
    )
    return graph


def pagerank(c: Compiled, *, alpha: float) -> dict[Hashable, float]:
    """``nx.pagerank(simple, alpha, weight="weight")``, solved exactly (igraph's PRPACK).

    NetworkX stops its power iteration within ``tol`` per node; PRPACK solves the
    same linear system, so the two agree to that tolerance. Uniform teleport, a
    node without ties hands its rank to everyone, as in NetworkX. An undirected
    self-loop counts twice in igraph and once in NetworkX's matrix: it goes in at
    half its weight.
    """
    if not c.n:
        return {}
    graph = _with_loops(c, factor=0.5) if c.loops else c.graph
    # PRPACK splits its sums over OpenMP threads: the last bits then depend on how the
    # threads ran (a Gini of PageRank differed at 1e-14 between two runs). One thread.
    with _THREADS.limit(limits=1, user_api="openmp"):
        scores = graph.pagerank(weights="weight", damping=alpha, implementation="prpack")
    return dict(zip(c.nodes, scores, strict=True))


def constraint(c: Compiled) -> dict[Hashable, float]:
    """``nx.constraint(simple, weight="weight")``: Burt's constraint (NaN when isolated).

    igraph's definition is NetworkX's on a loop-free graph; with self-loops (the
    registry makes none: an actor cannot interact with itself) NetworkX computes it.
    """
    if not c.n:
        return {}
    if c.loops:
        return nx.constraint(as_networkx(c), weight="weight")
    return dict(zip(c.nodes, c.graph.constraint(weights="weight"), strict=True))


def core_number(c: Compiled) -> dict[Hashable, int]:
    """``nx.core_number`` of the graph without its self-loops (exact)."""
    return dict(zip(c.nodes, c.graph.coreness(), strict=True))


def communities(c: Compiled, *, seed: int) -> list[set[Hashable]]:
    """Louvain, then Leiden from Louvain's partition, on modularity (weights ``weight``).

    igraph's Louvain (``community_multilevel``) finds the partition, and Leiden
    (``community_leiden``, modularity objective, until an iteration changes
    nothing, ``LEIDEN_MAX_ITERATIONS`` at most) starts from it: its moves only ever
    raise the modularity, and its refinement keeps every community connected. Leiden alone, from singletons,
    fell below NetworkX's Louvain on 5 of the demo's 46 territories; started from
    Louvain it is at or above it on all of them (tests/graph/test_planted_cases.py)
    and on the benchmark graphs (tests/bench/bench_analysis.py prints both). Every
    random choice comes from ``random.Random(seed)``: the same graph, node order
    and seed give the same partition. In place of ``nx.community.louvain_communities``.
    """
    if not c.n:
        return []
    graph = _with_loops(c, factor=1.0) if c.loops else c.graph
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            membership = graph.community_multilevel(weights="weight").membership
            # Leiden one iteration at a time until one changes nothing, at most
            # LEIDEN_MAX_ITERATIONS: igraph's own "until stable" (n_iterations=-1) never
            # ends on some graphs with self-loops (the registry makes none).
            for _ in range(LEIDEN_MAX_ITERATIONS):
                moved = graph.community_leiden(
                    objective_function="modularity",
                    weights="weight",
                    n_iterations=1,
                    initial_membership=membership,
                ).membership
                if _canonical(moved) == _canonical(membership):
                    break
                membership = moved
        finally:
            ig.set_random_number_generator(random)
    parts: dict[int, set[Hashable]] = {}
    for node, part in zip(c.nodes, membership, strict=True):
        parts.setdefault(part, set()).add(node)
    return list(parts.values())


def _canonical(membership: list[int]) -> list[int]:
    """A partition's labels renumbered in order of first appearance (igraph may renumber
    the same partition)."""
    labels: dict[int, int] = {}
    return [labels.setdefault(part, len(labels)) for part in membership]


def effective_size(c: Compiled) -> dict[Hashable, float]:
    """Burt's effective size, as ``nx.effective_size(simple, weight="weight")`` defines it.

    esize(u) = sum over neighbours v of (1 - sum_w p(u, w) m(v, w)), where p is a
    tie's share of u's strength and m a tie's ratio to v's strongest tie; from
    SciPy's sparse products (igraph has no effective size, and
    ``nx.effective_size`` builds two dense n x n arrays: tens of GB for a region).
    Self-loops are left out. An isolated node has none (NaN, as in NetworkX).
    """
    if not c.n:
        return {}
    rows = np.concatenate([c.edges[:, 0], c.edges[:, 1]])
    cols = np.concatenate([c.edges[:, 1], c.edges[:, 0]])
    w = sparse.csr_matrix((np.concatenate([c.weights, c.weights]), (rows, cols)), shape=(c.n, c.n))
    strength = np.asarray(w.sum(axis=1)).ravel()
    strongest = w.max(axis=1).toarray().ravel()
    with np.errstate(divide="ignore"):
        p = sparse.diags(np.where(strength > 0, 1.0 / strength, 0.0)) @ w
        m = sparse.diags(np.where(strongest > 0, 1.0 / strongest, 0.0)) @ w
    # Only the entries on ties matter: sum_w p(u, w) m(v, w) for each tie u-v.
    redundancy = (p @ m.T).multiply(w > 0)
    degree = np.diff(w.indptr)
    esize = degree - np.asarray(redundancy.sum(axis=1)).ravel()
    return {u: float(x) if d else math.nan for u, x, d in zip(c.nodes, esize, degree, strict=True)}
