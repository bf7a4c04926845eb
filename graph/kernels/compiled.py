"""The collapsed graph converted once for the compiled kernels (igraph)."""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field

import igraph as ig
import networkx as nx
import numpy as np

from graph import collector
from graph.kernels import worker
from graph.model import node_order


@dataclass(frozen=True, eq=False)
class Compiled:
    """A weighted simple ``nx.Graph`` as igraph sees it: vertex ``i`` is ``nodes[i]``.

    ``graph`` holds the loop-free edges with ``weight`` and ``distance``;
    ``loops`` the self-loops (node index -> weight), which igraph counts
    differently from NetworkX and which each kernel handles as NetworkX does.
    ``edges`` and ``distances`` are the same edges as arrays, what the
    betweenness workers rebuild the graph from; ``token`` names this conversion
    for their cache.
    """

    nodes: tuple[Hashable, ...]
    index: dict[Hashable, int]
    graph: ig.Graph
    edges: np.ndarray  # int64, m x 2, loop-free
    weights: np.ndarray  # float64, m
    distances: np.ndarray  # float64, m
    loops: dict[int, float]
    #: The NetworkX graph converted (for what igraph defines otherwise, e.g. loops);
    #: None when converted from the registry graph directly (``compile_collapsed``).
    simple: nx.Graph | None = field(repr=False)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def m(self) -> int:
        return len(self.weights)


@collector.pausing
def compile_graph(
    simple: nx.Graph, *, weight: str = "weight", distance: str = "distance"
) -> Compiled:
    """Convert ``simple`` once (node order kept); a missing attribute counts 1 (distance 1/weight)."""
    nodes = tuple(simple.nodes)
    index = {u: i for i, u in enumerate(nodes)}
    pairs: list[tuple[int, int]] = []
    weights: list[float] = []
    distances: list[float] = []
    loops: dict[int, float] = {}
    for u, v, data in simple.edges(data=True):
        w = float(data.get(weight, 1))
        if u == v:
            loops[index[u]] = w
            continue
        pairs.append((index[u], index[v]))
        weights.append(w)
        distances.append(float(data[distance]) if distance in data else 1.0 / w)
    edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    weight_array = np.array(weights, dtype=np.float64)
    distance_array = np.array(distances, dtype=np.float64)
    graph = worker.build(len(nodes), edges, distance_array)
    graph.es["weight"] = weights
    return Compiled(
        nodes=nodes,
        index=index,
        graph=graph,
        edges=edges,
        weights=weight_array,
        distances=distance_array,
        loops=loops,
        simple=simple,
    )


def compile_collapsed(graph: nx.MultiGraph) -> Compiled:
    """``compile_graph(collapse(graph))`` without building the collapsed graph.

    For what needs the kernels only (``graph.positions``: PageRank, communities, core
    numbers) and not the collapsed ``nx.Graph`` itself: the facts' weights are summed
    per pair of nodes with NumPy (the default ``collapse``: every fact of weight 1 or
    more), and the pairs come in the collapsed graph's order (node order, then the
    other end's), so the result is the same arrays, the same igraph graph and the same
    metrics. A fifth of the time at a region's scale (518,000 facts).
    """
    with collector.paused():
        nodes = tuple(sorted(graph.nodes, key=node_order))
        index = {u: i for i, u in enumerate(nodes)}
        ends, weights = [], []
        for u, v, w in graph.edges(data="weight", default=1):
            if w >= 1:  # collapse()'s default min_weight
                ends.append((index[u], index[v]))
                weights.append(w)
        n = len(nodes)
        pairs = np.array(ends, dtype=np.int64).reshape(-1, 2)
        low, high = pairs.min(axis=1), pairs.max(axis=1)
        unique, inverse = np.unique(low * max(n, 1) + high, return_inverse=True)
        sums = np.bincount(inverse, weights=np.array(weights, dtype=np.float64))
        low, high = unique // max(n, 1), unique % max(n, 1)
        loop = low == high
        loops = {int(i): float(w) for i, w in zip(low[loop], sums[loop], strict=True)}
        edges = np.stack([low[~loop], high[~loop]], axis=1).astype(np.int64)
        weight_array = sums[~loop]
        distance_array = 1.0 / weight_array
        compiled = worker.build(n, edges, distance_array)
        compiled.es["weight"] = weight_array.tolist()
        return Compiled(
            nodes=nodes,
            index=index,
            graph=compiled,
            edges=edges,
            weights=weight_array,
            distances=distance_array,
            loops=loops,
            simple=None,
        )


def as_networkx(c: Compiled) -> nx.Graph:
    """The weighted simple graph ``c`` holds (``weight`` on every edge, loops included)."""
    if c.simple is not None:
        return c.simple
    simple = nx.Graph()
    simple.add_nodes_from(c.nodes)
    simple.add_weighted_edges_from(
        (c.nodes[i], c.nodes[j], w)
        for (i, j), w in zip(c.edges.tolist(), c.weights.tolist(), strict=True)
    )
    simple.add_weighted_edges_from((c.nodes[i], c.nodes[i], w) for i, w in c.loops.items())
    return simple
