"""What every export shares: node records, edges in a stable order, XML-ready values.

Attribute values are normalised the same way for GEXF and GraphML, whose
writers accept only scalars: None and NaN are left out (absent, not "None"),
dates become ISO strings, sequences become space-separated strings, and a key
whose values mix ints and floats is written as float throughout (a single
declared type per key).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

import networkx as nx

from graph.export.style import Picture
from graph.influence import InfluenceMap, NodeMetrics
from graph.model import node_order

#: Metric fields copied onto every exported node (NodeMetrics minus the id).
METRIC_FIELDS: tuple[str, ...] = tuple(f for f in NodeMetrics.__dataclass_fields__ if f != "node")


def json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        return [json_value(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


#: The drawing attributes of every exported node (``style.NodeStyle``), after its metrics.
STYLE_FIELDS: tuple[str, ...] = ("x", "y", "size", "color", "shape")


def node_record(im: InfluenceMap, metrics: NodeMetrics, picture: Picture) -> dict[str, Any]:
    """The node's registry attributes, then its metrics (metrics win on a clash), then
    where and how it is drawn."""
    record: dict[str, Any] = {"id": metrics.node}
    for key, value in sorted(im.graph.nodes[metrics.node].items()):
        record[key] = json_value(value)
    for key in METRIC_FIELDS:
        record[key] = getattr(metrics, key)
    style = picture.nodes[metrics.node]
    for key in STYLE_FIELDS:
        record[key] = getattr(style, key)
    return record


def edge_label(data: Mapping[str, Any]) -> str:
    """A tie in words: its facts' interaction types and membership roles
    (``"member; interaction: funding"``), for the GEXF and GraphML edge labels."""
    words = []
    for relation, code in data.get("types", ()):
        text = code.replace("_", " ") or relation
        words.append(text if relation == "membership" else f"{relation}: {text}")
    return "; ".join(words)


def edges_of(im: InfluenceMap) -> list[tuple[str, str, Mapping[str, Any]]]:
    """The collapsed edges, each written lower node first, in node order."""
    edges = []
    for u, v, data in im.graph.edges(data=True):
        a, b = sorted((u, v), key=node_order)
        edges.append((a, b, data))
    edges.sort(key=lambda e: (node_order(e[0]), node_order(e[1])))
    return edges


def metadata(im: InfluenceMap, picture: Picture) -> dict[str, Any]:
    styles = {c.id: c for c in picture.communities}
    return {
        "as_of": im.as_of.isoformat(),
        "seed": im.seed,
        "betweenness_method": im.betweenness_method,
        "betweenness_samples": im.betweenness_samples,
        "layout_method": picture.method,
        "parameters": json_value(asdict(im.parameters)),
        "communities": [
            {
                "id": c.id,
                "size": c.size,
                "top_members": list(c.top_members),
                "name": styles[c.id].name,
                "named_after": styles[c.id].named_after,
                "color": styles[c.id].color,
            }
            for c in im.communities
        ],
        "brokers": list(im.brokers),
    }


def scalar(value: Any) -> Any:
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
        return " ".join(str(scalar(v)) for v in items)
    return str(value)


def unify_types(records: Iterable[dict[str, Any]]) -> None:
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
RESERVED = frozenset({"id", "pid", "start", "end", "viz", "spells", "slices", "parents"})


def export_graph(im: InfluenceMap, picture: Picture) -> nx.Graph:
    """A fresh simple graph of scalar attributes, in node order, for the XML writers.

    Edges carry ``label``, their facts in words (``edge_label``), beside the fact ids.
    """
    nodes = []
    for metrics in im.nodes:
        record = {}
        for key, value in node_record(im, metrics, picture).items():
            if key == "id":
                continue
            value = scalar(value)
            if value is not None:
                record[f"{key}_" if key in RESERVED else key] = value
        nodes.append((metrics.node, record))
    unify_types(record for _, record in nodes)
    edges = []
    for u, v, data in edges_of(im):
        edges.append(
            (
                u,
                v,
                {
                    "label": edge_label(data),
                    "weight": data["weight"],
                    "positive": data["positive"],
                    "negative": data["negative"],
                    "facts": scalar(data["facts"]),
                },
            )
        )
    unify_types(record for _, _, record in edges)
    out = nx.Graph()
    out.add_nodes_from(nodes)
    out.add_edges_from(edges)
    return out
