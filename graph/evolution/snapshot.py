"""One date of an evolution: the network's shape and every body's score on that date.

What is kept is what the comparison needs and a consultant reads, compactly:

- the network's size (nodes, ties of the collapsed graph);
- its Leiden communities (seeded, numbered biggest first: ``graph.positions``), each
  with its size and its members;
- its **main core**: the actors whose core number is the graph's highest (``k``), the
  densest circle of the network (core numbers of the collapsed graph, ``graph.positions``);
- its **top-PageRank set**: the ``TOP_PAGERANK`` actors of highest PageRank (ties by
  node order);
- per body: its renewal score, status counts and each indicator's value and status (from
  the assessment), and its interlocks: bodies sharing members, highest Jaccard
  (``graph.interlocks``).

Bodies sit in the graph and in the communities; the core and the top-PageRank set list
actors, as "who holds the network" means people and organisations. Nodes in ``hidden``
(actors out of the reader's reach) are counted in the sizes but never named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import networkx as nx

from graph.interlocks import interlocks
from graph.model import collapse, node_order
from graph.positions import Positions, network_positions

#: Size of the top-PageRank set compared between dates.
TOP_PAGERANK = 10
#: A community is matched across dates (merge, split) only with at least this many members
#: present at both dates: a lone node moving is not a merge.
MIN_MATCHED = 2
#: Decimals kept on PageRank and Jaccard (as ``graph.influence.PRECISION``).
PRECISION = 6


@dataclass(frozen=True)
class IndicatorState:
    """An indicator of a body on a date: its value and status (the sentence is left out)."""

    code: str
    value: float | None
    status: str


@dataclass(frozen=True)
class BodyScore:
    """A body's renewal assessment on a date, compact: score, counts, indicator statuses."""

    body: str  # node id
    label: str
    score: float | None
    counts: tuple[tuple[str, int], ...]  # (status, count)
    indicators: tuple[IndicatorState, ...]


@dataclass(frozen=True)
class BodyState:
    """A body on a date: its assessment and its interlocks."""

    body: str
    label: str
    score: float | None
    counts: tuple[tuple[str, int], ...]
    indicators: tuple[IndicatorState, ...]
    #: Other bodies sharing at least one member.
    linked_bodies: int
    #: Highest Jaccard index with another body (0.0: shares nobody).
    max_jaccard: float


@dataclass(frozen=True)
class Community:
    id: int
    size: int  # every node, named or not
    members: tuple[str, ...]  # named nodes, node order


@dataclass(frozen=True)
class Snapshot:
    as_of: dt.date
    nodes: int
    ties: int
    communities: tuple[Community, ...]
    core_k: int  # highest core number (0: no tie)
    core: tuple[str, ...]  # actors of the main core, node order
    top_pagerank: tuple[tuple[str, float], ...]  # (actor, PageRank), highest first
    bodies: tuple[BodyState, ...]  # node order
    labels: tuple[tuple[str, str], ...]  # (node, label) of every node named above


def _is_actor(graph: nx.Graph, node: str) -> bool:
    kind = graph.nodes[node].get("kind")
    return kind == "actor" if kind else node.startswith("a")


def take_snapshot(
    graph: nx.MultiGraph,
    *,
    as_of: dt.date,
    seed: int,
    scores: Sequence[BodyScore],
    hidden: Collection[str] = frozenset(),
    positions: Positions | None = None,
) -> Snapshot:
    """The snapshot of ``graph`` (the territory's registry graph on ``as_of``).
    ``positions``: ``network_positions(graph, seed=seed)`` when the caller already has it."""
    simple = collapse(graph)
    if positions is None:
        positions = network_positions(graph, seed=seed)
    named = [n for n in simple if n not in hidden]
    groups: dict[int, list[str]] = {}
    sizes: dict[int, int] = {}
    for node, cid in positions.communities.items():
        sizes[cid] = sizes.get(cid, 0) + 1
        if node not in hidden:
            groups.setdefault(cid, []).append(node)
    communities = tuple(
        Community(cid, sizes[cid], tuple(sorted(groups.get(cid, ()), key=node_order)))
        for cid in sorted(sizes)
    )
    core_of = positions.core
    actors = [n for n in named if _is_actor(simple, n)]
    core_k = max((core_of[a] for a in actors), default=0)
    core = tuple(sorted((a for a in actors if core_k and core_of[a] == core_k), key=node_order))
    ranked = sorted(
        ((a, round(positions.pagerank[a], PRECISION)) for a in actors),
        key=lambda item: (-item[1], node_order(item[0])),
    )
    links = {b.body: b for b in interlocks(graph, as_of=as_of).bodies}
    bodies = tuple(
        BodyState(
            body=s.body,
            label=s.label,
            score=s.score,
            counts=s.counts,
            indicators=s.indicators,
            linked_bodies=links[s.body].linked_bodies if s.body in links else 0,
            max_jaccard=round(links[s.body].max_jaccard, PRECISION) if s.body in links else 0.0,
        )
        for s in sorted(scores, key=lambda s: node_order(s.body))
    )
    labels = {n: str(simple.nodes[n].get("label", n)) for n in named}
    labels.update({b.body: b.label for b in bodies})
    return Snapshot(
        as_of=as_of,
        nodes=simple.number_of_nodes(),
        ties=simple.number_of_edges(),
        communities=communities,
        core_k=int(core_k),
        core=core,
        top_pagerank=tuple(ranked[:TOP_PAGERANK]),
        bodies=bodies,
        labels=tuple(sorted(labels.items(), key=lambda item: node_order(item[0]))),
    )


def snapshot_from_plain(data: dict, *, as_of: dt.date) -> Snapshot:
    """A snapshot back from its JSON form (``api.analysis.kinds.plain`` of one), taken on
    ``as_of`` (the caller's date: a date is parsed at the edge, not here)."""
    return Snapshot(
        as_of=as_of,
        nodes=data["nodes"],
        ties=data["ties"],
        communities=tuple(
            Community(c["id"], c["size"], tuple(c["members"])) for c in data["communities"]
        ),
        core_k=data["core_k"],
        core=tuple(data["core"]),
        top_pagerank=tuple((n, pr) for n, pr in data["top_pagerank"]),
        bodies=tuple(
            BodyState(
                body=b["body"],
                label=b["label"],
                score=b["score"],
                counts=tuple((s, c) for s, c in b["counts"]),
                indicators=tuple(
                    IndicatorState(i["code"], i["value"], i["status"]) for i in b["indicators"]
                ),
                linked_bodies=b["linked_bodies"],
                max_jaccard=b["max_jaccard"],
            )
            for b in data["bodies"]
        ),
        labels=tuple((n, label) for n, label in data["labels"]),
    )
