"""GEXF 1.3 for Gephi: the file opens laid out, coloured and sized.

NetworkX's ``GEXFWriter`` knows the 1.3 namespaces (``http://gexf.net/1.3`` and
``.../1.3/viz``) but declares the XML Schema instance namespace without its
``www``; the writer is used as is and that one attribute corrected, rather than
writing GEXF by hand.
"""

from __future__ import annotations

import io

from networkx.readwrite.gexf import GEXFWriter

from graph.export.common import edges_of, export_graph
from graph.export.style import NEGATIVE_COLOUR, POSITIVE_COLOUR, Picture, picture_of
from graph.influence import InfluenceMap

GEXF_VERSION = "1.3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Our shapes in GEXF's ``viz:shape`` vocabulary (disc, square, triangle, diamond, image).
GEXF_SHAPES = {"circle": "disc", "square": "square"}


def _rgb(colour: str) -> dict[str, int]:
    return {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16), "b": int(colour[5:7], 16)}


def to_gexf(im: InfluenceMap, picture: Picture | None = None) -> bytes:
    """GEXF 1.3: attributes and metrics as node attributes; the shared layout, the
    community colour, the PageRank size and the shape (disc for an actor, square for a
    body) in ``viz``; each edge labelled with its facts in words, mostly-negative ties
    red and dashed.

    Deterministic to the byte: ``lastmodifieddate`` is ``im.as_of`` (the date
    the map describes), not the day the file was written.
    """
    picture = picture or picture_of(im)
    export = export_graph(im, picture)
    for node, style in picture.nodes.items():
        export.nodes[node]["viz"] = {
            "color": {**_rgb(style.color), "a": 1.0},
            "size": style.size,
            "shape": GEXF_SHAPES[style.shape],
            "position": {"x": style.x, "y": style.y, "z": 0.0},
        }
    for u, v, data in edges_of(im):
        negative = data["negative"] > data["positive"]
        export.edges[u, v]["viz"] = {
            "color": {**_rgb(NEGATIVE_COLOUR if negative else POSITIVE_COLOUR), "a": 1.0},
            "shape": "dashed" if negative else "solid",
        }
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version=GEXF_VERSION)
    writer.xml.set("xmlns:xsi", XSI)
    meta = writer.xml.find("meta")
    meta.set("lastmodifieddate", im.as_of.isoformat())
    description = meta.makeelement("description", {})
    description.text = (
        f"Influence map as of {im.as_of.isoformat()} (seed {im.seed}, "
        f"betweenness {im.betweenness_method}, layout {picture.method}, "
        f"{len(im.communities)} communities)"
    )
    meta.append(description)
    writer.add_graph(export)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
