"""Network position of every node, without the costly metrics: PageRank and community.

The renewal assessment needs where each member sits in the territory's graph
(its PageRank, its community) but not betweenness or constraint; this gives
the same PageRank and the same seeded Leiden communities as
``graph.influence.influence_map`` at a fraction of its cost (igraph, on the
collapsed graph converted once, without building it: ``graph.kernels``).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from graph import collector, kernels
from graph.influence import _numbered_communities, weighted_pagerank


@dataclass(frozen=True)
class Positions:
    pagerank: dict[str, float]
    communities: dict[str, int]
    #: Core number of every node (``nx.core_number`` without self-loops).
    core: dict[str, int]


def network_positions(graph: nx.MultiGraph, *, seed: int) -> Positions:
    """PageRank (tie strength), Leiden community (seeded) and core number of every node."""
    with collector.paused():  # large graphs of objects that are none of them garbage
        compiled = kernels.compile_collapsed(graph)  # = compile_graph(collapse(graph))
        parts = kernels.communities(compiled, seed=seed)
        communities = {
            node: cid for cid, group in enumerate(_numbered_communities(parts)) for node in group
        }
        return Positions(
            pagerank=weighted_pagerank(compiled),
            communities=communities,
            core=kernels.core_number(compiled),
        )
