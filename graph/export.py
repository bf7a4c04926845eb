"""Exports of an influence map: JSON node-link, GEXF (Gephi), GraphML and an SVG picture.

Every export is a pure function of the map (and, for the picture, a layout
seed): same map, same bytes. That is what lets a stored export be compared
with a fresh one, cached by content, or diffed between two dates. In
particular nothing here reads the clock: the GEXF ``lastmodifieddate`` that
networkx stamps with today's date is replaced by the map's ``as_of``.

Attribute values are normalised the same way for GEXF and GraphML, whose
writers accept only scalars: None and NaN are left out (absent, not "None"),
dates become ISO strings, sequences become space-separated strings, and a key
whose values mix ints and floats is written as float throughout (a single
declared type per key).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any
from xml.etree.ElementTree import SubElement
from xml.sax.saxutils import escape

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from graph.influence import InfluenceMap, NodeMetrics
from graph.model import node_order

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

#: Metric fields copied onto every exported node (NodeMetrics minus the id).
METRIC_FIELDS: tuple[str, ...] = tuple(f for f in NodeMetrics.__dataclass_fields__ if f != "node")


def community_colour(community: int) -> str:
    """The colour of a community in every picture (GEXF viz and SVG alike)."""
    return PALETTE[community] if 0 <= community < len(PALETTE) else OTHER_COLOUR


# --- shared helpers ---------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        return [_json_value(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _node_record(im: InfluenceMap, metrics: NodeMetrics) -> dict[str, Any]:
    """The node's registry attributes, then its metrics (metrics win on a clash)."""
    record: dict[str, Any] = {"id": metrics.node}
    for key, value in sorted(im.graph.nodes[metrics.node].items()):
        record[key] = _json_value(value)
    for key in METRIC_FIELDS:
        record[key] = getattr(metrics, key)
    return record


def _edges(im: InfluenceMap) -> list[tuple[str, str, Mapping[str, Any]]]:
    """The collapsed edges, each written lower node first, in node order."""
    edges = []
    for u, v, data in im.graph.edges(data=True):
        a, b = sorted((u, v), key=node_order)
        edges.append((a, b, data))
    edges.sort(key=lambda e: (node_order(e[0]), node_order(e[1])))
    return edges


def _metadata(im: InfluenceMap) -> dict[str, Any]:
    return {
        "as_of": im.as_of.isoformat(),
        "seed": im.seed,
        "betweenness_method": im.betweenness_method,
        "betweenness_samples": im.betweenness_samples,
        "parameters": _json_value(asdict(im.parameters)),
        "communities": [
            {"id": c.id, "size": c.size, "top_members": list(c.top_members)} for c in im.communities
        ],
        "brokers": list(im.brokers),
    }


# --- JSON -------------------------------------------------------------------------------


def to_node_link(im: InfluenceMap) -> dict[str, Any]:
    """A JSON-ready node-link document (the shape of ``nx.node_link_data``).

    Nodes carry their registry attributes and all metrics; links carry the
    tie strength split by sign and the registry records (``facts``) behind it,
    so a client can go from a line on the picture back to the records.
    """
    return {
        "directed": False,
        "multigraph": False,
        "graph": _metadata(im),
        "nodes": [_node_record(im, m) for m in im.nodes],
        "links": [
            {
                "source": u,
                "target": v,
                "weight": data["weight"],
                "positive": data["positive"],
                "negative": data["negative"],
                "facts": list(data["facts"]),
            }
            for u, v, data in _edges(im)
        ],
    }


# --- GEXF and GraphML -------------------------------------------------------------------


def _scalar(value: Any) -> Any:
    """A value the XML writers accept, or None to leave the attribute out."""
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return " ".join(str(_scalar(v)) for v in items)
    return str(value)


def _unify_types(records: Iterable[dict[str, Any]]) -> None:
    """One type per key, in place: int+float -> float, any other mix -> str."""
    records = list(records)
    types: dict[str, set[type]] = {}
    for record in records:
        for key, value in record.items():
            types.setdefault(key, set()).add(type(value))
    for key, found in types.items():
        if len(found) <= 1:
            continue
        cast: type = float if found <= {int, float} else str
        for record in records:
            if key in record:
                value = record[key]
                record[key] = (
                    str(value).lower() if cast is str and isinstance(value, bool) else cast(value)
                )


#: Node keys the GEXF writer reads as structure (node id, dynamic spells, drawing): a
#: registry attribute of that name is written with a trailing underscore instead.
_RESERVED = frozenset({"id", "pid", "start", "end", "viz", "spells", "slices", "parents"})


def _export_graph(im: InfluenceMap) -> nx.Graph:
    """A fresh simple graph of scalar attributes, in node order, for the XML writers."""
    nodes = []
    for metrics in im.nodes:
        record = {}
        for key, value in _node_record(im, metrics).items():
            if key == "id":
                continue
            scalar = _scalar(value)
            if scalar is not None:
                record[f"{key}_" if key in _RESERVED else key] = scalar
        nodes.append((metrics.node, record))
    _unify_types(record for _, record in nodes)
    edges = []
    for u, v, data in _edges(im):
        edges.append(
            (
                u,
                v,
                {
                    "weight": data["weight"],
                    "positive": data["positive"],
                    "negative": data["negative"],
                    "facts": _scalar(data["facts"]),
                },
            )
        )
    _unify_types(record for _, _, record in edges)
    out = nx.Graph()
    out.add_nodes_from(nodes)
    out.add_edges_from(edges)
    return out


def to_gexf(im: InfluenceMap) -> bytes:
    """GEXF 1.2 for Gephi: attributes and metrics as node attributes, community
    colour and PageRank size in ``viz`` so the file opens already readable.

    Deterministic to the byte: ``lastmodifieddate`` is ``im.as_of`` (the date
    the map describes), not the day the file was written.
    """
    export = _export_graph(im)
    top = max((m.pagerank for m in im.nodes), default=0.0)
    for metrics in im.nodes:
        colour = community_colour(metrics.community)
        export.nodes[metrics.node]["viz"] = {
            "color": {
                "r": int(colour[1:3], 16),
                "g": int(colour[3:5], 16),
                "b": int(colour[5:7], 16),
                "a": 1.0,
            },
            "size": _radius(metrics.pagerank, top),
        }
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    meta.set("lastmodifieddate", im.as_of.isoformat())
    SubElement(meta, "description").text = (
        f"Influence map as of {im.as_of.isoformat()} (seed {im.seed}, "
        f"betweenness {im.betweenness_method}, {len(im.communities)} communities)"
    )
    writer.add_graph(export)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def to_graphml(im: InfluenceMap) -> bytes:
    """GraphML (yEd, Cytoscape, igraph) with the same attributes as the GEXF,
    and the map's metadata (as_of, seed, betweenness method) as graph data."""
    export = _export_graph(im)
    for key, value in _metadata(im).items():
        if key in ("communities", "parameters"):
            continue
        scalar = _scalar(value)
        if scalar is not None:
            export.graph[key] = scalar
    export.graph["community_count"] = len(im.communities)
    buffer = io.BytesIO()
    nx.write_graphml_xml(export, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


# --- SVG --------------------------------------------------------------------------------


def _radius(pagerank: float, top: float) -> float:
    """Circle radius: area grows with PageRank, from 3 to 18 pixels."""
    if top <= 0:
        return 3.0
    return round(3.0 + 15.0 * math.sqrt(pagerank / top), 2)


def spring_positions(
    simple: nx.Graph, *, seed: int, weight: str = "weight", iterations: int = 50
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold force layout (``nx.spring_layout``, seeded) in the unit square.

    Nodes go in ``node_order`` and coordinates are rounded, so one seed always
    draws the same picture.
    """
    nodes = sorted(simple.nodes, key=node_order)
    if not nodes:
        return {}
    if len(nodes) == 1:
        return {nodes[0]: (0.5, 0.5)}
    ordered = nx.Graph()
    ordered.add_nodes_from(nodes)
    ordered.add_edges_from(
        sorted(
            ((u, v, {"weight": float(d.get(weight, 1))}) for u, v, d in simple.edges(data=True)),
            key=lambda e: (node_order(e[0]), node_order(e[1])),
        )
    )
    raw = nx.spring_layout(ordered, seed=seed, weight="weight", iterations=iterations)
    xs = [float(raw[u][0]) for u in nodes]
    ys = [float(raw[u][1]) for u in nodes]
    x0, y0 = min(xs), min(ys)
    sx, sy = max(max(xs) - x0, 1e-9), max(max(ys) - y0, 1e-9)
    # Stretch each axis to the unit interval: the picture uses all its space.
    return {
        u: (round((x - x0) / sx, 6), round((y - y0) / sy, 6))
        for u, x, y in zip(nodes, xs, ys, strict=True)
    }


def shown_nodes(im: InfluenceMap, max_nodes: int) -> set[str]:
    """The nodes a picture shows: the ``max_nodes`` highest PageRank (a picture of
    thousands of nodes is unreadable, and its layout is quadratic)."""
    ranked = sorted(im.nodes, key=lambda m: (-m.pagerank, node_order(m.node)))
    return {m.node for m in ranked[:max_nodes]}


def _shown_label(shown: int, total: int) -> str:
    if shown == total:
        return f"{total} nodes"
    return f"the {shown} most central of {total} nodes"


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def to_svg(
    im: InfluenceMap,
    *,
    seed: int,
    width: int = 1200,
    height: int = 900,
    labels: int = 15,
    max_nodes: int = 300,
) -> str:
    """A self-contained SVG picture of the map, for reports and the web page.

    Force layout (seeded), one circle per node coloured by community and sized
    by PageRank, ties as lines (mostly-negative ties dashed red), names on the
    ``labels`` highest-PageRank nodes, a legend with ``as_of`` and the
    communities. Coordinates have two decimals so the text is stable.
    """
    margin = 60.0
    legend_height = 24.0 * (1 + min(len(im.communities), len(PALETTE) + 1)) + 16.0
    plot_w = max(width - 2 * margin, 1.0)
    plot_h = max(height - 2 * margin - legend_height, 1.0)
    shown = shown_nodes(im, max_nodes)
    positions = spring_positions(im.graph.subgraph(shown), seed=seed)
    xy = {
        u: (margin + x * plot_w, margin + legend_height + y * plot_h)
        for u, (x, y) in positions.items()
    }
    top = max((m.pagerank for m in im.nodes), default=0.0)
    labelled = {
        m.node
        for m in sorted(im.nodes, key=lambda m: (-m.pagerank, node_order(m.node)))[: max(labels, 0)]
    }

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f"<title>{escape(f'Influence map as of {im.as_of.isoformat()}')}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        '<g class="legend" font-size="14" fill="#222222">',
        f'<text x="{margin:.2f}" y="{margin:.2f}">'
        f"{escape(f'As of {im.as_of.isoformat()}: {_shown_label(len(xy), len(im.nodes))}, {len(im.communities)} communities')}"
        "</text>",
    ]
    for i, community in enumerate(im.communities[: len(PALETTE)]):
        y = margin + 24.0 * (i + 1)
        out.append(
            f'<rect x="{margin:.2f}" y="{y - 11:.2f}" width="12" height="12" '
            f'fill="{community_colour(community.id)}"/>'
        )
        out.append(
            f'<text x="{margin + 18:.2f}" y="{y:.2f}">'
            f"{escape(f'Community {community.id} ({community.size})')}</text>"
        )
    if len(im.communities) > len(PALETTE):
        y = margin + 24.0 * (len(PALETTE) + 1)
        rest = len(im.communities) - len(PALETTE)
        out.append(
            f'<rect x="{margin:.2f}" y="{y - 11:.2f}" width="12" height="12" '
            f'fill="{OTHER_COLOUR}"/>'
        )
        out.append(
            f'<text x="{margin + 18:.2f}" y="{y:.2f}">'
            f"{escape(f'{rest} smaller communities')}</text>"
        )
    out.append("</g>")

    out.append('<g class="ties" stroke-linecap="round">')
    for u, v, data in _edges(im):
        if u == v or u not in xy or v not in xy:
            continue
        (x1, y1), (x2, y2) = xy[u], xy[v]
        negative = data["negative"] > data["positive"]
        stroke = NEGATIVE_COLOUR if negative else POSITIVE_COLOUR
        dash = ' stroke-dasharray="6 4"' if negative else ""
        stroke_width = 0.5 + 0.5 * min(data["weight"], 10)
        out.append(
            f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" '
            f'stroke="{stroke}" stroke-width="{stroke_width:.2f}" stroke-opacity="0.7"{dash}/>'
        )
    out.append("</g>")

    out.append('<g class="nodes" stroke="#ffffff" stroke-width="1">')
    for m in im.nodes:
        if m.node not in xy:
            continue
        x, y = xy[m.node]
        out.append(
            f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{_radius(m.pagerank, top):.2f}" '
            f'fill="{community_colour(m.community)}" data-node="{_attr(m.node)}">'
            f"<title>{escape(m.label or m.node)}</title></circle>"
        )
    out.append("</g>")

    out.append('<g class="labels" font-size="12" fill="#111111">')
    for m in im.nodes:
        if m.node not in labelled or m.node not in xy:
            continue
        x, y = xy[m.node]
        offset = _radius(m.pagerank, top) + 3
        out.append(f'<text x="{x + offset:.2f}" y="{y + 4:.2f}">{escape(m.label or m.node)}</text>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
