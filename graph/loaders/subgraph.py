"""A territory's registry graph cut from the graph of a territory that contains it.

A ranking of a region's bodies needs the graph of every body's network territory:
the region's, and those of hundreds of communes inside it. Each commune's graph is
part of the region's (the same date, the same reader): its bodies, the actors of the
commune, the members of its bodies, and every fact between them, all already in the
region's graph. ``registry_subgraph`` cuts it out with three small queries (that it is
inside, the commune's bodies, the territories inside it) where ``registry_graph`` runs five and
builds everything again: the same graph, node and edge order included.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

import networkx as nx

from graph import collector
from graph.loaders import building
from graph.loaders.common import _territory_label, _within, bodies_of
from graph.model import body_node, node_pk
from registry.models import Territory, TerritoryClosure


@dataclass(frozen=True)
class _Index:
    """What every cut from one containing graph reads: its own actors by territory label
    (not its members from elsewhere, who may be actors that no longer exist), and each
    node's position in it."""

    residents: dict[str, list[str]]
    position: dict[str, int]


#: One index per containing graph, for as long as the graph lives.
_INDEXES: weakref.WeakKeyDictionary[nx.MultiGraph, _Index] = weakref.WeakKeyDictionary()


def _index_of(within: nx.MultiGraph) -> _Index:
    index = _INDEXES.get(within)
    if index is None:
        elsewhere = within.graph["outside_actor_ids"]
        residents: dict[str, list[str]] = {}
        for node, data in within.nodes(data=True):
            if data["kind"] == "actor" and node_pk(node) not in elsewhere:
                residents.setdefault(data.get("territory", ""), []).append(node)
        position = {node: i for i, node in enumerate(within)}
        index = _INDEXES[within] = _Index(residents=residents, position=position)
    return index


def _fact_order(key: str) -> tuple[int, int]:
    """The order ``registry_graph`` adds facts in: memberships by id, then interactions."""
    return (0 if key[0] == "m" else 1, int(key[1:]))


def registry_subgraph(
    within: nx.MultiGraph,
    *,
    territory_id: int,
    as_of: dt.date,
    reach_territory_id: int | None = None,
) -> nx.MultiGraph | None:
    """``registry_graph(territory_id=..., as_of=..., reach_territory_id=...)`` cut from
    ``within``, the registry graph of a territory containing it on the same date for the
    same reader; None when it cannot be (load it then): another date or reader, a
    territory not inside, or a reader whose reach does not hold the territory (the
    actors out of reach carry no territory, so who lives inside is not known)."""
    meta = within.graph
    if meta.get("as_of") != as_of.isoformat() or "reach_territory_id" not in meta:
        return None
    if meta["reach_territory_id"] != reach_territory_id:
        return None
    holders = {meta["territory_id"]} | ({reach_territory_id} if reach_territory_id else set())
    inside = TerritoryClosure.objects.filter(
        ancestor_id__in=holders, descendant_id=territory_id
    ).count()
    if inside != len(holders):
        return None
    with collector.paused():
        return _cut(within, territory_id=territory_id, as_of=as_of)


def _cut(within: nx.MultiGraph, *, territory_id: int, as_of: dt.date) -> nx.MultiGraph:
    meta = within.graph
    labels = {
        _territory_label(level, code)
        for level, code in Territory.objects.filter(pk__in=_within(territory_id)).values_list(
            "level", "code"
        )
    }
    bodies = {body_node(pk) for pk in bodies_of(territory_id, as_of).values_list("id", flat=True)}
    adjacency = within._adj  # the plain dicts behind within.adj
    members: set[str] = set()
    for body in bodies:
        for other, facts in adjacency[body].items():
            if any(fact["relation"] == "membership" for fact in facts.values()):
                members.add(other)
    index = _index_of(within)
    residents = {node for label in labels for node in index.residents.get(label, ())}
    kept = residents | members | bodies
    graph = nx.MultiGraph(
        as_of=meta["as_of"],
        territory_id=territory_id,
        outside_actor_ids=frozenset(node_pk(node) for node in members - residents),
        restricted_actor_ids=frozenset(
            pk for pk in meta["restricted_actor_ids"] if f"a{pk}" in kept
        ),
        reach_territory_id=meta["reach_territory_id"],
    )
    order = sorted(kept, key=index.position.__getitem__)  # actors by id, then bodies by id
    graph.add_nodes_from((node, dict(within.nodes[node])) for node in order)
    rank = {node: i for i, node in enumerate(order)}
    facts = [
        (u, v, key, dict(data))
        for u in order
        for v, keyed in adjacency[u].items()
        if rank.get(v, -1) >= rank[u]
        for key, data in keyed.items()
    ]
    facts.sort(key=lambda fact: _fact_order(fact[2]))
    building.add_edges(graph, facts)
    return graph


def containers(territory_ids: set[int]) -> dict[int, set[int]]:
    """Territory -> the others of ``territory_ids`` that contain it (one query)."""
    found: dict[int, set[int]] = {pk: set() for pk in territory_ids}
    rows = TerritoryClosure.objects.filter(
        ancestor_id__in=territory_ids, descendant_id__in=territory_ids
    ).values_list("ancestor_id", "descendant_id")
    for ancestor, descendant in rows:
        if ancestor != descendant:
            found[descendant].add(ancestor)
    return found
