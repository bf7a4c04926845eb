"""Where a body's current members stand in the registry graph (``BodyNetwork``).

The memberships, interlocks, community reach, concentration and distances to
decision-makers that the network indicators grade, measured on a NetworkX graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from graph.model import DECISION_MAKER_CATEGORIES, body_node, node_order
from graph.renewal.base import DECISION_MAKER_MIN_POWER, BodyNetwork
from graph.renewal.maths import gini


def members_of(graph: nx.MultiGraph, node: str) -> set[str]:
    """The nodes ``node`` shares a membership fact with (a body's members, an actor's
    bodies); none for a node not in the graph."""
    if node not in graph:
        return set()
    return {
        other
        for other, facts in graph.adj[node].items()
        if any(data.get("relation") == "membership" for data in facts.values())
    }


class _LazyMemberships(dict):
    """Node -> the nodes it shares a membership with, read from the graph when asked."""

    def __init__(self, graph: nx.MultiGraph):
        super().__init__()
        self.graph = graph

    def __missing__(self, node: str) -> set[str]:
        value = self[node] = members_of(self.graph, node)
        return value

    def get(self, node, default=None):
        return self[node]


def membership_index(graph: nx.MultiGraph) -> dict[str, set[str]]:
    """Every node -> the nodes it shares a membership with (a body's members, an actor's
    bodies), read once for all the bodies of a graph."""
    index: dict[str, set[str]] = {n: set() for n in graph.nodes}
    kinds = dict(graph.nodes(data="kind"))
    if None in kinds.values():  # a graph built without the conventions: read every fact
        for u, v, data in graph.edges(data=True):
            if data.get("relation") == "membership":
                index[u].add(v)
                index[v].add(u)
        return index
    # A membership joins an actor to a body (graph.model): the bodies' ties are all
    # there is to read, not every interaction between actors.
    adjacency = graph._adj  # the plain dicts behind graph.adj
    for body in (n for n, kind in kinds.items() if kind == "body"):
        for other, facts in adjacency[body].items():
            if any(fact.get("relation") == "membership" for fact in facts.values()):
                index[body].add(other)
                index[other].add(body)
    return index


def _is_decision_maker(data: Mapping[str, Any]) -> bool:
    if data.get("kind") != "actor":
        return False
    power = data.get("power")
    return data.get("category") in DECISION_MAKER_CATEGORIES or (
        power is not None and power >= DECISION_MAKER_MIN_POWER
    )


#: Key under which ``decision_distances`` records how many decision-makers it found.
DECIDERS_KEY = "__deciders__"


def _bfs(graph: nx.MultiGraph, sources: Iterable[str], *, skip: str | None = None) -> dict:
    """Hops from the nearest of ``sources`` to every node reached (``skip`` left out)."""
    distance = {s: 0 for s in sources if s != skip}
    frontier = list(distance)
    adjacency = graph.adj
    while frontier:
        following = []
        for u in frontier:
            hops = distance[u] + 1
            for v in adjacency[u]:
                if v != skip and v not in distance:
                    distance[v] = hops
                    following.append(v)
        frontier = following
    return distance


def decision_distances(graph: nx.MultiGraph) -> dict:
    """Hops from every node to the nearest decision-maker, in one search for all bodies.

    ``body_network`` corrects it per body where a path ran through the body itself.
    """
    deciders = [n for n, data in graph.nodes(data=True) if _is_decision_maker(data)]
    distance = _bfs(graph, sorted(deciders, key=node_order))
    distance[DECIDERS_KEY] = len(deciders)
    return distance


def _distances_without(
    graph: nx.MultiGraph, body: str, members: list[str], distance: Mapping[str, int]
) -> Mapping[str, int]:
    """The members' hops to a decision-maker in the graph without ``body``.

    The distance in the whole graph holds for a member whose shortest path avoids
    the body: when it is no longer than the body's own distance (a path through the
    body is longer), or when another neighbour is one hop closer (that neighbour's
    own path cannot run through the body, or the member would be two hops further
    than the body it touches). Only otherwise is the body searched again without it.
    """
    through = distance.get(body)
    kept: dict[str, int] = {}
    for m in members:
        d = distance.get(m)
        if d is None:
            continue  # no path at all, with or without the body
        if (
            through is None
            or d <= through
            or any(n != body and distance.get(n) == d - 1 for n in graph.adj[m])
        ):
            kept[m] = d
        else:
            deciders = [n for n, data in graph.nodes(data=True) if _is_decision_maker(data)]
            return _bfs(graph, sorted(deciders, key=node_order), skip=body)
    return kept


def body_network(
    graph: nx.MultiGraph,
    body_id: int,
    *,
    communities: Mapping[str, int],
    pagerank: Mapping[str, float],
    decider_distance: Mapping[str, int] | None = None,
    communities_total: int | None = None,
    memberships: Mapping[str, set[str]] | None = None,
) -> BodyNetwork:
    """Where the body's current members stand in the registry graph.

    ``communities`` (node -> community) and ``pagerank`` (node -> score) are
    computed once for the whole graph by the caller, so that every body is
    measured against the same partition and the same ranking.

    The distance to decision-makers is measured in hops on the graph WITHOUT
    this body's node: through the body, every member would be two hops from its
    elected referent, which says nothing about the members' own access to
    decision-makers. A member who is a decision-maker is at distance 0;
    members who reach none are left out of the mean and kept in ``distances`` with
    ``None``: the indicator counts them (``unreachable_share``).
    The reach counts the communities of the members and of all their
    neighbours (actors and bodies); a member missing from ``pagerank`` counts 0.
    """
    node = body_node(body_id)
    # ``memberships`` (``membership_index``) spares a scan of the edges per body when
    # many bodies of one graph are measured.
    if memberships is None:
        memberships = _LazyMemberships(graph)
    members = sorted(memberships.get(node, ()), key=node_order)
    member_set = set(members)

    other_bodies: list[tuple[str, int]] = []
    touched_bodies: set[str] = set()
    for m in members:
        bodies = {b for b in memberships[m] if b != node and graph.nodes[b].get("kind") == "body"}
        other_bodies.append((m, len(bodies)))
        touched_bodies |= bodies
    best, best_body = 0.0, None
    for b in sorted(touched_bodies, key=node_order):
        theirs = memberships[b]
        jaccard = len(member_set & theirs) / len(member_set | theirs)
        if jaccard > best:
            best, best_body = jaccard, b

    total = communities_total if communities_total is not None else len(set(communities.values()))
    around = set(member_set)
    for m in members:
        around.update(graph.neighbors(m))
    touched = {communities[n] for n in around if n in communities}
    reach = len(touched) / total if total else None

    concentration = gini(pagerank.get(m, 0.0) for m in members) if members else None

    if decider_distance is None:
        decider_distance = decision_distances(graph)
    deciders = decider_distance.get(DECIDERS_KEY, 0)
    lengths: Mapping[str, int] = {}
    if deciders and members:
        lengths = _distances_without(graph, node, members, decider_distance)
    distances = tuple((m, int(lengths[m]) if m in lengths else None) for m in members)
    reached = [d for _, d in distances if d is not None]
    mean = sum(reached) / len(reached) if reached else None

    return BodyNetwork(
        body_id=body_id,
        members=tuple(members),
        other_bodies=tuple(other_bodies),
        max_jaccard=best,
        most_interlocked=best_body,
        most_interlocked_label=graph.nodes[best_body].get("label", "") if best_body else "",
        bodies_sharing=len(touched_bodies),
        communities_touched=len(touched),
        communities_total=total,
        reach=reach,
        concentration=concentration,
        decision_makers=deciders,
        distances=distances,
        decision_distance=mean,
    )
