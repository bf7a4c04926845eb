"""The loader's bulk edge write (graph.loaders.building.add_edges) against NetworkX's own."""

import networkx as nx

from graph.loaders.building import add_edges

EDGES = [
    ("a1", "b1", "m1", {"relation": "membership", "weight": 3}),
    ("a2", "a1", "i1", {"relation": "interaction", "weight": 2}),
    ("a1", "a2", "i2", {"relation": "interaction", "weight": 5}),
    ("a3", "b1", "i3", {"relation": "interaction", "weight": 1}),
    ("a2", "b1", "m2", {"relation": "membership", "weight": 5}),
]


class _Subclass(nx.MultiGraph):
    """Any other graph class takes the public path."""


def _canon(graph):
    return [
        (u, [(v, list(keys.items())) for v, keys in nbrs.items()]) for u, nbrs in graph.adj.items()
    ]


def test_bulk_write_is_add_edges_from_in_content_and_order():
    nodes = ["a1", "a2", "a3", "b1"]
    expected = nx.MultiGraph()
    expected.add_nodes_from(nodes)
    expected.add_edges_from((u, v, k, dict(d)) for u, v, k, d in EDGES)
    for cls in (nx.MultiGraph, _Subclass):
        graph = cls()
        graph.add_nodes_from(nodes)
        add_edges(graph, ((u, v, k, dict(d)) for u, v, k, d in EDGES))
        assert _canon(graph) == _canon(expected), f"{cls.__name__}: adjacency differs"
        assert list(graph.edges(keys=True, data=True)) == list(expected.edges(keys=True, data=True))
        # Both directions share one key dict, as MultiGraph.add_edge makes them.
        assert graph._adj["a1"]["a2"] is graph._adj["a2"]["a1"]
