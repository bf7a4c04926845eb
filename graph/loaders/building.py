"""The registry graph's nodes and edges, from the rows ``graph.loaders.network`` reads."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from operator import itemgetter

import networkx as nx

from graph.loaders.common import _territory_label
from graph.model import MEMBERSHIP_WEIGHTS, actor_node, body_node

logger = logging.getLogger(__name__)

#: Rows sorted by their first column, the id (graph.loaders.network: no ORDER BY).
BY_ID = itemgetter(0)


def add_nodes(
    graph: nx.MultiGraph, actor_rows: list[tuple], body_rows: list[tuple], restricted: frozenset
) -> dict[int, str]:
    """Actors (sorted by id), then bodies (sorted by id); returns actor id -> node id.

    The node ids are built once and reused as edge ends: one string per node, its
    hash computed once."""
    actor_ids: dict[int, str] = {}
    nodes = []
    for (
        pk,
        name,
        kind,
        category,
        level,
        code,
        power,
        interest,
        legitimacy,
        urgency,
        *_,
    ) in actor_rows:
        node = actor_ids[pk] = actor_node(pk)
        if pk in restricted:
            nodes.append((node, {"kind": "actor", "label": name}))
            continue
        nodes.append(
            (
                node,
                {
                    "kind": "actor",
                    "label": name,
                    "actor_kind": kind,
                    "category": category,
                    "territory": _territory_label(level, code),
                    "power": power,
                    "interest": interest,
                    "legitimacy": legitimacy,
                    "urgency": urgency,
                },
            )
        )
    for pk, name, body_type, status, level, code in sorted(body_rows, key=BY_ID):
        nodes.append(
            (
                body_node(pk),
                {
                    "kind": "body",
                    "label": name,
                    "category": body_type,
                    "status": status,
                    "territory": _territory_label(level, code),
                },
            )
        )
    graph.add_nodes_from(nodes)
    return actor_ids


def membership_edges(
    rows: list[tuple], actor_ids: dict[int, str], body_ids: dict[int, str]
) -> Iterator[tuple[str, str, str, dict]]:
    weights = MEMBERSHIP_WEIGHTS
    for pk, actor_id, body_id, role, start, end in sorted(rows, key=BY_ID):
        yield (
            actor_ids[actor_id],
            body_ids[body_id],
            f"m{pk}",
            {
                "relation": "membership",
                "type": role,
                "weight": weights.get(role, 3),
                "sign": 1,
                "start": start,
                "end": end,
            },
        )


def interaction_edges(
    rows: list[tuple], actor_ids: dict[int, str], body_ids: dict[int, str]
) -> Iterator[tuple[str, str, str, dict]]:
    """The interactions whose two ends are nodes of the graph, in id order."""
    actor = actor_ids.get
    body = body_ids.get
    rows.sort(key=BY_ID)
    for pk, source, target_actor, target_body, itype, direction, weight, sign, start, end in rows:
        u = actor(source)
        v = actor(target_actor) if target_actor is not None else body(target_body)
        if u is None or v is None:
            continue
        yield (
            u,
            v,
            f"i{pk}",
            {
                "relation": "interaction",
                "type": itype,
                "weight": weight,
                "sign": sign,
                "directed": direction == "directed",
                "source": u,
                "start": start,
                "end": end,
            },
        )


def add_edges(graph: nx.MultiGraph, edges: Iterable[tuple[str, str, str, dict]]) -> None:
    """``graph.add_edges_from(edges)`` for (u, v, key, data) edges between existing nodes
    with new keys, written straight into the adjacency.

    ``add_edges_from`` checks and copies each edge (new node? key given? data to
    merge?) and costs three times the reading of the rows at 500,000 edges. The
    write below is what ``MultiGraph.add_edge`` does for that case: one key dict
    per pair of nodes, shared by both directions, holding each edge's data dict by
    key. Any other graph class (or an adjacency not of plain dicts) takes the
    public path, said so in the log.
    """
    adjacency = getattr(graph, "_adj", None)
    if type(graph) is not nx.MultiGraph or type(adjacency) is not dict:
        logger.warning("graph loader: %s takes add_edges_from", type(graph).__name__)
        graph.add_edges_from(edges)
        return
    for u, v, key, data in edges:
        around_u = adjacency[u]
        keys = around_u.get(v)
        if keys is None:
            keys = around_u[v] = {}
            adjacency[v][u] = keys
        keys[key] = data
    nx._clear_cache(graph)
