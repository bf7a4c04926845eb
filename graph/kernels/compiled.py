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
    #: The NetworkX graph converted (for what igraph defines otherwise, e.g. loops).
    simple: nx.Graph = field(repr=False)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def m(self) -> int:
        return len(self.weights)


def compile_graph(
    simple: nx.Graph, *, weight: str = "weight", distance: str = "distance"
) -> Compiled:
    """Convert ``simple`` once (node order kept); a missing attribute counts 1 (distance 1/weight)."""
    with collector.paused():
        return _compile(simple, weight=weight, distance=distance)


def _compile(simple: nx.Graph, *, weight: str, distance: str) -> Compiled:
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
