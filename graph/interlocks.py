"""Interlocking bodies: which participation bodies share members, and who sits everywhere.

The same few residents often hold seats in the conseil de quartier, the
conseil citoyen and the comité d'usagers. That concentration is what a
renewal should know about: bodies that share many members hear the same
voices, and the "usual suspects" are the people a call for candidates should
not rely on alone.

Pure module: only the membership facts of the registry graph count (the
bipartite actor-body graph); an actor holding two roles in the same body is
one member of it. Returns frozen dataclasses sorted deterministically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx

from graph.model import node_order

__all__ = [
    "ActorBodies",
    "BodyInterlock",
    "BodyPair",
    "Interlocks",
    "interlocks",
    "members_by_body",
]


@dataclass(frozen=True)
class BodyPair:
    """Two bodies (``body_a`` before ``body_b`` in ``node_order``) and their shared members."""

    body_a: str
    body_b: str
    shared: int
    #: shared / |members of a ∪ members of b|: 1.0 means the same people.
    jaccard: float
    #: The shared actors' node ids, in ``node_order``.
    actors: tuple[str, ...]


@dataclass(frozen=True)
class ActorBodies:
    """An actor and the bodies it sits in (each once, whatever its roles there)."""

    actor: str
    count: int
    bodies: tuple[str, ...]


@dataclass(frozen=True)
class BodyInterlock:
    """How entangled a body is with the others."""

    body: str
    members: int
    #: Other bodies sharing at least one member with this one (whatever ``min_shared``).
    linked_bodies: int
    #: Highest Jaccard with another body; 0.0 when it shares nobody.
    max_jaccard: float


@dataclass(frozen=True)
class Interlocks:
    as_of: dt.date
    min_shared: int
    #: Body pairs sharing at least ``min_shared`` members: most shared first,
    #: then highest Jaccard, then ``node_order`` of the pair.
    pairs: tuple[BodyPair, ...]
    #: Actors with at least one membership: most bodies first, then ``node_order``.
    usual_suspects: tuple[ActorBodies, ...]
    #: Every body of the graph, in ``node_order``.
    bodies: tuple[BodyInterlock, ...]
    #: The body projection (nodes: every body with its attributes; edges: the
    #: ``pairs``, ``weight`` = shared members, ``jaccard``, ``actors``), for
    #: drawing or further metrics. Not part of equality.
    projection: nx.Graph = field(compare=False, repr=False, hash=False)


def _is_body(graph: nx.MultiGraph, node: str) -> bool:
    kind = graph.nodes[node].get("kind")
    return kind == "body" if kind else node.startswith("b")


def members_by_body(graph: nx.MultiGraph) -> dict[str, frozenset[str]]:
    """Each body of the graph (in ``node_order``) -> its member actors, from membership facts.

    A set per body, so that two roles of one actor in a body count once.
    """
    members: dict[str, set[str]] = {
        n: set() for n in sorted(graph.nodes, key=node_order) if _is_body(graph, n)
    }
    for u, v, data in graph.edges(data=True):
        if data.get("relation") != "membership":
            continue
        if _is_body(graph, v) and not _is_body(graph, u):
            members[v].add(u)
        elif _is_body(graph, u) and not _is_body(graph, v):
            members[u].add(v)
    return {body: frozenset(actors) for body, actors in members.items()}


def interlocks(graph: nx.MultiGraph, *, as_of: dt.date, min_shared: int = 1) -> Interlocks:
    """Shared members between bodies, the body projection, and the usual suspects.

    ``min_shared`` filters the ranked pairs and the projection's edges (to
    hide the incidental single shared member of big bodies); the per-body
    summary always counts every link, so that no body looks isolated because
    of a display threshold.
    """
    if min_shared < 1:
        raise ValueError(f"min_shared must be >= 1, not {min_shared}")
    members = members_by_body(graph)
    bodies = list(members)  # already in node_order

    seats: dict[str, list[str]] = {}
    for body in bodies:
        for actor in members[body]:
            seats.setdefault(actor, []).append(body)

    # Pairs come from the actors' seats (sum of k² over actors) rather than
    # from every pair of bodies (B²): most bodies share nobody.
    shared_by_pair: dict[tuple[str, str], list[str]] = {}
    for actor, its_bodies in seats.items():
        for a, b in combinations(its_bodies, 2):  # its_bodies is in node_order
            shared_by_pair.setdefault((a, b), []).append(actor)
    all_pairs = [
        BodyPair(
            body_a=a,
            body_b=b,
            shared=len(shared),
            jaccard=len(shared) / len(members[a] | members[b]),
            actors=tuple(sorted(shared, key=node_order)),
        )
        for (a, b), shared in sorted(
            shared_by_pair.items(),
            key=lambda item: (node_order(item[0][0]), node_order(item[0][1])),
        )
    ]

    pairs = sorted(
        (p for p in all_pairs if p.shared >= min_shared),
        key=lambda p: (-p.shared, -p.jaccard, node_order(p.body_a), node_order(p.body_b)),
    )

    projection = nx.Graph()
    projection.add_nodes_from((b, graph.nodes[b]) for b in bodies)
    for p in sorted(pairs, key=lambda p: (node_order(p.body_a), node_order(p.body_b))):
        projection.add_edge(p.body_a, p.body_b, weight=p.shared, jaccard=p.jaccard, actors=p.actors)

    linked: dict[str, int] = dict.fromkeys(bodies, 0)
    max_jaccard: dict[str, float] = dict.fromkeys(bodies, 0.0)
    for p in all_pairs:
        for body in (p.body_a, p.body_b):
            linked[body] += 1
            max_jaccard[body] = max(max_jaccard[body], p.jaccard)

    usual_suspects = sorted(
        (
            ActorBodies(actor=a, count=len(bs), bodies=tuple(sorted(bs, key=node_order)))
            for a, bs in seats.items()
        ),
        key=lambda s: (-s.count, node_order(s.actor)),
    )

    return Interlocks(
        as_of=as_of,
        min_shared=min_shared,
        pairs=tuple(pairs),
        usual_suspects=tuple(usual_suspects),
        bodies=tuple(
            BodyInterlock(
                body=b,
                members=len(members[b]),
                linked_bodies=linked[b],
                max_jaccard=max_jaccard[b],
            )
            for b in bodies
        ),
        projection=projection,
    )
