"""Exports of an influence map: JSON node-link, GEXF 1.3 (Gephi), GraphML and an SVG picture.

Every export is a pure function of the map: same map, same bytes. That is
what lets a stored export be compared with a fresh one, cached by content, or
diffed between two dates. In particular nothing here reads the clock: the GEXF
``lastmodifieddate`` is the map's ``as_of``.

All four draw the map the same way, from one ``style.Picture`` (the seeded
layout of ``graph.layout``, and each node's size, colour and shape): compute it
once with ``picture_of`` and pass it to each, or let each compute it.
"""

from graph.export.common import METRIC_FIELDS, STYLE_FIELDS, edge_label
from graph.export.gexf import to_gexf
from graph.export.graphml import to_graphml
from graph.export.node_link import to_node_link
from graph.export.style import (
    PALETTE,
    SHAPES,
    CommunityStyle,
    NodeStyle,
    Picture,
    community_colour,
    picture_of,
)
from graph.export.svg import shown_nodes, to_svg

__all__ = [
    "METRIC_FIELDS",
    "PALETTE",
    "SHAPES",
    "STYLE_FIELDS",
    "CommunityStyle",
    "NodeStyle",
    "Picture",
    "community_colour",
    "edge_label",
    "picture_of",
    "shown_nodes",
    "to_gexf",
    "to_graphml",
    "to_node_link",
    "to_svg",
]
