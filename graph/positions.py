"""Network position of every node, without the costly metrics: PageRank and community.

The renewal assessment needs where each member sits in the territory's graph
(its PageRank, its community) but not betweenness or constraint; this gives
the same PageRank and the same seeded Louvain communities as
``graph.influence.influence_map`` at a fraction of its cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from graph.influence import _numbered_communities, weighted_pagerank
from graph.model import collapse


@dataclass(frozen=True)
class Positions:
    pagerank: dict[str, float]
    communities: dict[str, int]


def network_positions(graph: nx.MultiGraph, *, seed: int) -> Positions:
    """PageRank (tie strength) and Louvain community (seeded) of every node."""
    simple = collapse(graph)
    pagerank = weighted_pagerank(simple)
    parts = nx.community.louvain_communities(simple, weight="weight", seed=seed)
    communities = {
        node: cid for cid, group in enumerate(_numbered_communities(parts)) for node in group
    }
    return Positions(pagerank=pagerank, communities=communities)
