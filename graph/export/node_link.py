"""The influence map as a JSON node-link document (the shape of ``nx.node_link_data``)."""

from __future__ import annotations

from typing import Any

from graph.export.common import edges_of, metadata, node_record
from graph.export.style import Picture, picture_of
from graph.influence import InfluenceMap


def to_node_link(im: InfluenceMap, picture: Picture | None = None) -> dict[str, Any]:
    """A JSON-ready node-link document.

    Nodes carry their registry attributes, all metrics and how they are drawn
    (``x``, ``y``, ``size``, ``color``, ``shape``: ``graph.export.style``); links carry the
    tie strength split by sign and the registry records (``facts``) behind it,
    so a client can go from a line on the picture back to the records.
    """
    picture = picture or picture_of(im)
    return {
        "directed": False,
        "multigraph": False,
        "graph": metadata(im, picture),
        "nodes": [node_record(im, m, picture) for m in im.nodes],
        "links": [
            {
                "source": u,
                "target": v,
                "weight": data["weight"],
                "positive": data["positive"],
                "negative": data["negative"],
                "facts": list(data["facts"]),
            }
            for u, v, data in edges_of(im)
        ],
    }
