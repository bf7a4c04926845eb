"""NetworkX's definitions where igraph has none, or where NetworkX's own is slow.

- ``pivots``: the sources ``nx.betweenness_centrality(k=k, seed=seed)`` draws,
  and ``scales``: how NetworkX rescales betweenness; ``graph.kernels`` computes
  betweenness itself on igraph;
- ``betweenness`` and ``effective_size``: the kernels of ``graph.kernels`` on
  one NetworkX graph, for a caller that needs only that metric.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable

import networkx as nx


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
    """``nx.betweenness_centrality(simple, k, normalized, weight, seed=seed)``, compiled.

    Every edge needs a positive ``weight`` (a length). ``k`` samples that many
    sources with ``random.Random(seed)`` exactly as NetworkX does, and the
    result is rescaled as NetworkX rescales it. Converts ``simple`` for this one
    metric: an analysis computing several converts once (``graph.kernels``).
    """
    from graph import kernels  # graph.kernels uses pivots() and scales() from here

    compiled = kernels.compile_graph(simple, distance=weight)
    n = simple.number_of_nodes()
    chosen = pivots(simple, k, seed) if k is not None and k < n else None
    return kernels.betweenness(compiled, pivots=chosen, normalized=normalized)


def scales(n: int, k: int, *, sampled: bool, normalized: bool) -> tuple[float, float]:
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
    """Burt's effective size, as ``nx.effective_size(simple, weight=weight)`` defines it
    (``graph.kernels.effective_size`` on ``simple`` converted for this one metric)."""
    from graph import kernels

    return kernels.effective_size(kernels.compile_graph(simple, weight=weight))
