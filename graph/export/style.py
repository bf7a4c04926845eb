"""How every picture of a map draws a node: position, size, colour and shape, declared once.

The explorer (from the node-link JSON), the SVG, the GEXF ``viz`` elements and
the GraphML attributes all read this one ``Picture``, so a node has the same
place, size and colour in Gephi, on the web page and in a report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from graph.influence import InfluenceMap
from graph.layout import Layout, community_layout

#: Community colours (colour-blind-friendly Tableau 10); later communities are grey.
PALETTE: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
OTHER_COLOUR = "#8c8c8c"
NEGATIVE_COLOUR = "#c0392b"
POSITIVE_COLOUR = "#9aa5b1"

#: The shape of each node kind: people and organisations are circles, bodies squares.
SHAPES: dict[str, str] = {"actor": "circle", "body": "square"}
#: Node size (a radius in pixels at scale 1): its area grows with PageRank.
SIZE_MIN = 3.0
SIZE_MAX = 18.0


def community_colour(community: int) -> str:
    """The colour of a community in every picture."""
    return PALETTE[community] if 0 <= community < len(PALETTE) else OTHER_COLOUR


def node_size(pagerank: float, top: float) -> float:
    """From ``SIZE_MIN`` to ``SIZE_MAX``: the area grows with PageRank."""
    if top <= 0:
        return SIZE_MIN
    return round(SIZE_MIN + (SIZE_MAX - SIZE_MIN) * math.sqrt(pagerank / top), 2)


@dataclass(frozen=True)
class NodeStyle:
    x: float
    y: float
    size: float
    color: str
    shape: str  # a value of SHAPES


@dataclass(frozen=True)
class CommunityStyle:
    id: int
    #: The label of its most central (highest PageRank) member or body, and its node id.
    name: str
    named_after: str | None
    color: str


@dataclass(frozen=True)
class Picture:
    layout: Layout
    nodes: dict[str, NodeStyle]
    communities: tuple[CommunityStyle, ...]

    @property
    def method(self) -> str:
        return self.layout.method


def picture_of(im: InfluenceMap) -> Picture:
    """The layout (seeded with the map's seed) and the look of every node and community."""
    community_of = {m.node: m.community for m in im.nodes}
    pagerank = {m.node: m.pagerank for m in im.nodes}
    layout = community_layout(im.graph, community_of, pagerank, seed=im.seed)
    top = max(pagerank.values(), default=0.0)
    nodes = {
        m.node: NodeStyle(
            x=layout.positions[m.node][0],
            y=layout.positions[m.node][1],
            size=node_size(m.pagerank, top),
            color=community_colour(m.community),
            shape=SHAPES.get(m.kind, SHAPES["actor"]),
        )
        for m in im.nodes
    }
    labels = {m.node: m.label or m.node for m in im.nodes}
    communities = tuple(
        CommunityStyle(
            id=c.id,
            name=labels[c.top_members[0]] if c.top_members else "",
            named_after=c.top_members[0] if c.top_members else None,
            color=community_colour(c.id),
        )
        for c in im.communities
    )
    return Picture(layout=layout, nodes=nodes, communities=communities)
