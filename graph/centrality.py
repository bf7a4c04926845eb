"""Fast versions of the centralities NetworkX computes slowly on large graphs.

Each gives NetworkX's own definition, scaling and (for betweenness) sampled
pivots, on a weighted simple ``nx.Graph``; the graph stays the interface and
SciPy's compiled routines do the heavy part:

- ``betweenness``: Brandes' algorithm with each single-source Dijkstra run by
  ``scipy.sparse.csgraph.dijkstra`` (C) instead of a Python heap; the shortest-
  path counts and dependencies are then accumulated over the edges that lie on
  shortest paths. Equal-length paths are those whose lengths agree to a relative
  1e-9 (NetworkX compares floats exactly, so 1/3 + 1/3 and 2/3 may differ there;
  here they tie, as they should).
- ``effective_size``: Burt's weighted effective size from sparse products;
  ``nx.effective_size`` builds two dense n x n arrays (tens of GB for a region).
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

#: Relative tolerance under which two path lengths are the same length.
TIE_TOLERANCE = 1e-9


def _matrix(simple: nx.Graph, nodes: Sequence[Hashable], attr: str) -> sparse.csr_matrix:
    index = {u: i for i, u in enumerate(nodes)}
    rows, cols, vals = [], [], []
    for u, v, data in simple.edges(data=True):
        if u == v:
            continue
        i, j = index[u], index[v]
        value = float(data.get(attr, 1))
        rows += [i, j]
        cols += [j, i]
        vals += [value, value]
    n = len(nodes)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))


def pivots(simple: nx.Graph, k: int | None, seed: int | None) -> list[Hashable]:
    """The sources ``nx.betweenness_centrality(k=k, seed=seed)`` draws, in its order."""
    if k is None or k >= simple.number_of_nodes():
        return list(simple.nodes)
    return random.Random(seed).sample(list(simple.nodes()), k)


def betweenness(
    simple: nx.Graph,
    *,
    weight: str = "distance",
    k: int | None = None,
    seed: int | None = None,
    normalized: bool = True,
) -> dict[Hashable, float]:
    """``nx.betweenness_centrality(simple, k, normalized, weight, seed=seed)``, fast.

    Every edge needs a positive ``weight`` (a length). ``k`` samples that many
    sources with ``random.Random(seed)`` exactly as NetworkX does, and the
    result is rescaled as NetworkX rescales it.
    """
    nodes = list(simple.nodes)
    n = len(nodes)
    result = dict.fromkeys(nodes, 0.0)
    if n == 0:
        return result
    lengths = _matrix(simple, nodes, weight)
    coo = lengths.tocoo()
    tails, heads, span = coo.row, coo.col, coo.data
    index = {u: i for i, u in enumerate(nodes)}
    sources = pivots(simple, k if k is not None and k < n else None, seed)
    total = np.zeros(n)
    for source in sources:
        s = index[source]
        dist = csgraph.dijkstra(lengths, directed=True, indices=s)
        reach = dist[tails] + span
        with np.errstate(invalid="ignore"):  # inf - inf off the source's component
            tight = np.isfinite(reach) & (
                np.abs(reach - dist[heads]) <= TIE_TOLERANCE * np.maximum(1.0, dist[heads])
            )
        t_tails, t_heads = tails[tight], heads[tight]
        # On a shortest path, each tail is strictly closer than its head: edges taken in
        # the order of their tail's distance see every count they need already final.
        order = np.argsort(dist[t_tails], kind="stable")
        t_tails, t_heads = t_tails[order].tolist(), t_heads[order].tolist()
        sigma = [0.0] * n
        sigma[s] = 1.0
        for u, v in zip(t_tails, t_heads, strict=True):
            sigma[v] += sigma[u]
        delta = [0.0] * n
        for u, v in zip(reversed(t_tails), reversed(t_heads), strict=True):
            delta[u] += sigma[u] / sigma[v] * (1.0 + delta[v])
        delta[s] = 0.0
        total += np.asarray(delta)
    scale_source, scale_other = _scales(
        n, len(sources), sampled=len(sources) < n, normalized=normalized
    )
    chosen = set(sources) if len(sources) < n else set()
    for i, u in enumerate(nodes):
        result[u] = float(total[i]) * (scale_source if u in chosen else scale_other)
    return result


def _scales(n: int, k: int, *, sampled: bool, normalized: bool) -> tuple[float, float]:
    """NetworkX's rescaling of undirected betweenness without endpoints (source, others)."""
    pairs = n - 1  # the targets another node's paths can run to
    if pairs < 2:
        return 1.0, 1.0
    if not sampled:
        scale = 1 / (pairs * (pairs - 1)) if normalized else 0.5
        return scale, scale
    if normalized:
        source = 1 / ((k - 1) * (pairs - 1)) if k > 1 else math.nan
        return source, 1 / (k * (pairs - 1))
    source = pairs / ((k - 1) * 2) if k > 1 else math.nan
    return source, pairs / (k * 2)


def effective_size(simple: nx.Graph, *, weight: str = "weight") -> dict[Hashable, float]:
    """Burt's effective size, as ``nx.effective_size(simple, weight=weight)`` defines it.

    esize(u) = sum over neighbours v of (1 - sum_w p(u, w) m(v, w)), where p is a
    tie's share of u's strength and m a tie's ratio to v's strongest tie. An
    isolated node has none (NaN, as in NetworkX).
    """
    nodes = list(simple.nodes)
    if not nodes:
        return {}
    w = _matrix(simple, nodes, weight)
    strength = np.asarray(w.sum(axis=1)).ravel()
    strongest = w.max(axis=1).toarray().ravel()
    with np.errstate(divide="ignore"):
        p = sparse.diags(np.where(strength > 0, 1.0 / strength, 0.0)) @ w
        m = sparse.diags(np.where(strongest > 0, 1.0 / strongest, 0.0)) @ w
    # Only the entries on ties matter: sum_w p(u, w) m(v, w) for each tie u-v.
    redundancy = (p @ m.T).multiply(w > 0)
    degree = np.diff(w.indptr)
    esize = degree - np.asarray(redundancy.sum(axis=1)).ravel()
    return {u: float(x) if d else math.nan for u, x, d in zip(nodes, esize, degree, strict=True)}
