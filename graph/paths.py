"""Who is near whom, and through what: ego networks and paths between two nodes.

A facilitator preparing a renewal asks "who surrounds this actor?" and "how
could this association reach the mayor?". Both answers must be explainable,
so every hop names the facts (memberships, interactions) it passes through,
not just a number.

Pure module: takes the registry graph (see ``graph.model``, already reduced to
the facts current on ``as_of``) and ``as_of`` explicitly, never touches Django
or the clock, and returns frozen dataclasses whose tuples are sorted
deterministically (``node_order``, then the fact's key).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice
from typing import Any

import networkx as nx

from graph.model import collapse, node_order

__all__ = [
    "EMPTY_PATH",
    "EgoNetwork",
    "EgoNode",
    "Fact",
    "Path",
    "Paths",
    "Step",
    "UnknownNode",
    "ego_network",
    "fact_order",
    "paths_between",
]


class UnknownNode(ValueError, nx.NodeNotFound):
    """A node asked for is not in the graph (absent, or not current on ``as_of``).

    A ``ValueError`` so that API layers map it to a client error, and a
    ``networkx.NodeNotFound`` so that code written against NetworkX still
    catches it.
    """

    def __init__(self, node: str) -> None:
        super().__init__(f"node {node!r} is not in the graph")
        self.node = node


@dataclass(frozen=True)
class Fact:
    """One edge of the registry graph, as shown to a reader.

    ``u``/``v`` are in ``node_order`` (an actor before a body). ``body`` is the
    body node the fact goes through (memberships, and interactions with a
    body), so that a path "a1 -> b3 -> a2" reads "both sit in b3".
    """

    u: str
    v: str
    key: str
    relation: str
    type: str
    weight: float
    sign: int
    body: str | None


@dataclass(frozen=True)
class EgoNode:
    """A node of an ego network, with its distance (in hops) from the centre."""

    node: str
    distance: int
    kind: str
    label: str
    #: All node attributes, as (name, value) pairs sorted by name.
    attributes: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class EgoNetwork:
    center: str
    radius: int
    as_of: dt.date
    #: Sorted by distance, then ``node_order``; the centre comes first.
    nodes: tuple[EgoNode, ...]
    #: Every fact between two nodes of the ego network, sorted by (u, v, key).
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Step:
    """A node on a path and the facts of the hop that reached it (none for the start)."""

    node: str
    kind: str
    label: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Path:
    """A path as steps; empty (no steps) when there is none.

    ``total_weight`` adds up the collapsed weights of its hops (parallel facts
    summed, as in ``graph.model.collapse``); ``weakest_link`` is the lightest
    hop, the place where the chain is most likely to break (None without hops).
    """

    steps: tuple[Step, ...]
    hops: int
    total_weight: float
    weakest_link: float | None

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(step.node for step in self.steps)


EMPTY_PATH = Path(steps=(), hops=0, total_weight=0, weakest_link=None)


@dataclass(frozen=True)
class Paths:
    """How ``source`` can reach ``target``.

    ``shortest`` has the fewest hops (ties: the strongest of them, then the
    first in ``node_order``); ``strongest`` minimises the sum of
    ``1 / weight`` over its hops, i.e. prefers strong ties even when longer
    (ties: fewest hops, then ``node_order``). ``alternatives`` are up to
    ``max_paths`` simple paths, strongest first. All are empty when
    ``found`` is False.
    """

    source: str
    target: str
    as_of: dt.date
    found: bool
    shortest: Path
    strongest: Path
    alternatives: tuple[Path, ...]


def fact_order(key: Hashable) -> tuple[str, int, str]:
    """Sort key of edge keys: by kind letter, then by database id ("m9" before "m10")."""
    text = str(key)
    head, tail = text[:1], text[1:]
    return (head, int(tail), "") if tail.isdigit() else (head, -1, text)


def _fact(u: str, v: str, key: Hashable, data: dict[str, Any], graph: nx.MultiGraph) -> Fact:
    u, v = sorted((u, v), key=node_order)
    body = next((n for n in (u, v) if _kind(graph, n) == "body"), None)
    return Fact(
        u=u,
        v=v,
        key=str(key),
        relation=data.get("relation", ""),
        type=data.get("type", ""),
        weight=data.get("weight", 1),
        sign=data.get("sign", 1),
        body=body,
    )


def _kind(graph: nx.Graph, node: str) -> str:
    kind = graph.nodes[node].get("kind")
    if kind:
        return kind
    return "body" if node.startswith("b") else "actor"


def _require(graph: nx.Graph, *nodes: str) -> None:
    for node in nodes:
        if node not in graph:
            raise UnknownNode(node)


def ego_network(graph: nx.MultiGraph, center: str, *, radius: int, as_of: dt.date) -> EgoNetwork:
    """The neighbourhood of ``center`` up to ``radius`` hops, with the facts among it.

    A hop is any fact (membership or interaction), so an actor's co-members
    are at 2 hops (through the body). The facts are those of the induced
    subgraph: two neighbours at the rim that interact are shown interacting,
    because that is part of the centre's surroundings.
    """
    if radius < 0:
        raise ValueError(f"radius must be >= 0, not {radius}")
    _require(graph, center)
    distances = nx.single_source_shortest_path_length(graph, center, cutoff=radius)
    order = sorted(distances, key=lambda n: (distances[n], node_order(n)))
    nodes = tuple(
        EgoNode(
            node=n,
            distance=distances[n],
            kind=_kind(graph, n),
            label=graph.nodes[n].get("label", ""),
            attributes=tuple(sorted(graph.nodes[n].items())),
        )
        for n in order
    )
    inside = set(distances)
    facts = sorted(
        (
            _fact(u, v, key, data, graph)
            for u, v, key, data in graph.edges(keys=True, data=True)
            if u in inside and v in inside
        ),
        key=lambda f: (node_order(f.u), node_order(f.v), fact_order(f.key)),
    )
    return EgoNetwork(center=center, radius=radius, as_of=as_of, nodes=nodes, facts=tuple(facts))


# --- paths -------------------------------------------------------------------------------


def _strength_length(_u: str, _v: str, data: dict[str, Any]) -> Fraction:
    """``1 / weight`` as an exact fraction, so that equally strong paths really tie."""
    return 1 / Fraction(data["weight"])


def _hop_length(_u: str, _v: str, _data: dict[str, Any]) -> int:
    return 1


Length = Callable[[str, str, dict[str, Any]], Any]


def _best_path(
    simple: nx.Graph, source: str, target: str, length: Length, tie: Length
) -> list[str] | None:
    """The path minimising ``length``, ties broken by ``tie`` then by ``node_order``.

    Every optimal path lies on the "tight" edges (those with
    ``d(source, u) + length(u, v) + d(v, target) == d(source, target)``),
    which form a DAG since lengths are positive. A dynamic programme from the
    target back picks the best suffix for each node; because ``tie`` is
    additive and a lexicographic order compares common prefixes equal, the
    best suffixes make the best path. Lengths are exact (ints or fractions),
    so ties are real ties and the answer never depends on insertion order.
    """
    if source == target:
        return [source]
    from_source = nx.single_source_dijkstra_path_length(simple, source, weight=length)
    if target not in from_source:
        return None
    to_target = nx.single_source_dijkstra_path_length(simple, target, weight=length)
    total = from_source[target]
    on_path = [n for n in from_source if n in to_target and from_source[n] + to_target[n] == total]
    best: dict[str, tuple[Any, tuple[tuple[str, int], ...], list[str]]] = {
        target: (0, (node_order(target),), [target])
    }
    for node in sorted(on_path, key=lambda n: from_source[n], reverse=True):
        if node == target:
            continue
        candidates = []
        for nxt, data in simple[node].items():
            if nxt not in best or from_source[node] + length(node, nxt, data) != from_source[nxt]:
                continue
            tie_rest, order_rest, path_rest = best[nxt]
            candidates.append(
                (
                    tie(node, nxt, data) + tie_rest,
                    (node_order(node), *order_rest),
                    [node, *path_rest],
                )
            )
        if candidates:
            best[node] = min(candidates, key=lambda c: (c[0], c[1]))
    return best[source][2] if source in best else None


def _as_path(graph: nx.MultiGraph, simple: nx.Graph, nodes: Iterable[str]) -> Path:
    nodes = list(nodes)
    steps: list[Step] = []
    weights: list[float] = []
    previous: str | None = None
    for node in nodes:
        facts: tuple[Fact, ...] = ()
        if previous is not None:
            edge = simple.edges[previous, node]
            weights.append(edge["weight"])
            multi = graph.get_edge_data(previous, node)
            facts = tuple(
                sorted(
                    (_fact(previous, node, key, multi[key], graph) for key in edge["facts"]),
                    key=lambda f: fact_order(f.key),
                )
            )
        steps.append(
            Step(
                node=node,
                kind=_kind(graph, node),
                label=graph.nodes[node].get("label", ""),
                facts=facts,
            )
        )
        previous = node
    return Path(
        steps=tuple(steps),
        hops=len(weights),
        total_weight=sum(weights),
        weakest_link=min(weights) if weights else None,
    )


def paths_between(
    graph: nx.MultiGraph, source: str, target: str, *, as_of: dt.date, max_paths: int = 5
) -> Paths:
    """The shortest and the strongest ways from ``source`` to ``target``, hop by hop.

    Both run on ``collapse(graph)`` (parallel facts summed) and report, per
    hop, the facts they go through. The shortest path answers "how few
    introductions are needed"; the strongest ("sum of 1/weight", the usual
    tie-strength distance) answers "which chain of people who really work
    together leads there", which is often longer. ``max_paths`` bounds the
    ``alternatives`` (Yen's k strongest simple paths) that a reader may
    compare.
    """
    if max_paths < 0:
        raise ValueError(f"max_paths must be >= 0, not {max_paths}")
    _require(graph, source, target)
    simple = collapse(graph)
    shortest = _best_path(simple, source, target, _hop_length, _strength_length)
    if shortest is None:
        return Paths(
            source=source,
            target=target,
            as_of=as_of,
            found=False,
            shortest=EMPTY_PATH,
            strongest=EMPTY_PATH,
            alternatives=(),
        )
    strongest = _best_path(simple, source, target, _strength_length, _hop_length)
    assert strongest is not None  # same component as the shortest
    if source == target:
        candidates = [[source]] if max_paths else []
    else:
        candidates = list(
            islice(
                nx.shortest_simple_paths(simple, source, target, weight=_strength_length),
                max_paths,
            )
        )

    def strength(nodes: list[str]) -> tuple[Fraction, int, tuple[tuple[str, int], ...]]:
        hops = zip(nodes, nodes[1:], strict=False)
        distance = sum((_strength_length(u, v, simple.edges[u, v]) for u, v in hops), Fraction(0))
        return distance, len(nodes) - 1, tuple(node_order(n) for n in nodes)

    candidates.sort(key=strength)
    return Paths(
        source=source,
        target=target,
        as_of=as_of,
        found=True,
        shortest=_as_path(graph, simple, shortest),
        strongest=_as_path(graph, simple, strongest),
        alternatives=tuple(_as_path(graph, simple, nodes) for nodes in candidates),
    )
