"""GraphML (yEd, Cytoscape, igraph) with the same attributes and positions as the GEXF."""

from __future__ import annotations

import io

import networkx as nx

from graph.export.common import export_graph, metadata, scalar
from graph.export.style import Picture, picture_of
from graph.influence import InfluenceMap


def to_graphml(im: InfluenceMap, picture: Picture | None = None) -> bytes:
    """GraphML: every node's attributes, metrics and drawing (``x``, ``y``, ``size``,
    ``color``, ``shape``, the same as the JSON's), edges with their ``label``, and the
    map's metadata (as_of, seed, betweenness and layout methods) as graph data."""
    picture = picture or picture_of(im)
    export = export_graph(im, picture)
    for key, value in metadata(im, picture).items():
        if key in ("communities", "parameters"):
            continue
        value = scalar(value)
        if value is not None:
            export.graph[key] = value
    export.graph["community_count"] = len(im.communities)
    buffer = io.BytesIO()
    nx.write_graphml_xml(export, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()
