"""Where each node of an influence map is drawn: communities as separate discs.

One layout serves every picture (the explorer, the SVG, GEXF and GraphML), so a
consultant finds a node at the same place in Gephi and on the web page. It is
computed in two steps, so that communities come out as separated groups however
tangled their ties are:

1. every community gets a disc whose area grows with its size; the discs are
   placed by a force layout of the *community graph* (two communities attract
   each other by the strength of the ties between them), then pushed apart
   until no two discs overlap;
2. inside its disc, each community is laid out on its own: a seeded
   Fruchterman-Reingold force layout (``nx.spring_layout``) up to
   ``FORCE_MAX_NODES`` nodes in the whole map and ``FORCE_MAX_WORK`` for the sum of
   the squared community sizes, else a phyllotaxis spiral (Vogel's sunflower) with
   the highest PageRank at the centre.

NetworkX's force layouts cost O(n²) in time and memory per iteration, which a
region of 65,000 nodes cannot afford; the spiral costs O(n log n) (the sort by
PageRank) and shows the same thing a consultant looks for first: who is
central in which circle. ``Layout.method`` says which was used.

Pure module: graph in, positions out. The seed drives every random choice and
coordinates are rounded, so the same graph and seed give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

from graph.model import node_order

#: Up to this many nodes in the map, communities are laid out by force; above, by spiral.
FORCE_MAX_NODES = 3000
#: ... and only while the sum of the squared community sizes stays below this: a force
#: layout costs O(n²) per community, and one community of 3,000 nodes took 18 s (one of
#: 600, 2 s). The demo's Paris (15 communities of at most 49) and région 24 (at most 231)
#: stay far below it.
FORCE_MAX_WORK = 600**2
#: Up to this many communities, discs are placed by force and pushed apart exactly;
#: above, they follow a spiral, biggest first (whose spacing keeps them apart).
COMMUNITY_FORCE_MAX = 400
#: How the nodes were placed within their community's disc.
LAYOUT_METHODS: tuple[str, ...] = ("force", "spiral")

#: Radius of a one-node disc, in layout units; a disc's area grows with its size.
UNIT = 10.0
#: Free space kept between two discs, as a share of the smaller radius (plus a unit).
GAP = 0.25
DECIMALS = 2
#: The pull of each community towards the biggest, as a share of the median tie between
#: two communities.
GRAVITY = 0.2
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


@dataclass(frozen=True)
class Disc:
    """The disc a community is drawn in (layout units)."""

    community: int
    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class Layout:
    method: str  # one of LAYOUT_METHODS
    #: Node -> (x, y) in layout units, y pointing up (the SVG flips it).
    positions: dict[str, tuple[float, float]]
    discs: tuple[Disc, ...]  # by community number


def _radius(size: int) -> float:
    return UNIT * math.sqrt(max(size, 1))


def _ordered_graph(graph: nx.Graph, nodes: list) -> nx.Graph:
    """The subgraph on ``nodes`` with nodes and edges inserted in a stable order."""
    keep = set(nodes)
    ordered = nx.Graph()
    ordered.add_nodes_from(nodes)
    ordered.add_edges_from(
        sorted(
            (
                (u, v, {"weight": float(d.get("weight", 1))})
                for u, v, d in graph.edges(nodes, data=True)
                if u in keep and v in keep and u != v
            ),
            key=lambda e: (node_order(e[0]), node_order(e[1])),
        )
    )
    return ordered


def _spiral(count: int, radius: float) -> np.ndarray:
    """``count`` points filling a disc evenly (Vogel 1979), the first at the centre."""
    k = np.arange(count, dtype=float)
    rho = radius * np.sqrt((k + 0.5) / max(count, 1))
    theta = k * GOLDEN_ANGLE
    return np.column_stack((rho * np.cos(theta), rho * np.sin(theta)))


def _needed(radii: np.ndarray) -> np.ndarray:
    """The least distance between the centres of every two discs (0 on the diagonal)."""
    need = radii[:, None] + radii[None, :] + GAP * np.minimum(radii[:, None], radii[None, :])
    need += UNIT
    np.fill_diagonal(need, 0.0)
    return need


def _separate(centres: np.ndarray, radii: np.ndarray, *, rounds: int = 300) -> np.ndarray:
    """Push overlapping discs apart (each pair by half its overlap) until none overlap."""
    centres = centres.copy()
    need = _needed(radii)
    for _ in range(rounds):
        delta = centres[:, None, :] - centres[None, :, :]
        dist = np.sqrt((delta**2).sum(axis=2))
        overlap = need - dist
        np.fill_diagonal(overlap, 0.0)
        if overlap.max(initial=0.0) <= 1e-6:
            break
        push = np.where(overlap > 0, overlap, 0.0) / 2.0
        # Coincident centres: move apart along a fixed direction (deterministic).
        safe = np.where(dist > 1e-9, dist, 1.0)
        unit = np.where(dist[..., None] > 1e-9, delta / safe[..., None], [1.0, 0.0])
        centres += (unit * push[..., None]).sum(axis=1)
    return centres


def _disc_centres(
    graph: nx.Graph, community_of: Mapping[str, int], radii: np.ndarray, seed: int
) -> np.ndarray:
    """The centre of every community's disc, community 0 (the biggest) near the middle."""
    count = len(radii)
    if count == 1:
        return np.zeros((1, 2))
    # Start from a spiral biggest-first: spaced by cumulative area, so discs rarely touch.
    area = np.cumsum((radii * (1 + GAP) + UNIT) ** 2)
    rho = 1.6 * np.sqrt(area) - 1.6 * math.sqrt(area[0])
    theta = np.arange(count) * GOLDEN_ANGLE
    start = np.column_stack((rho * np.cos(theta), rho * np.sin(theta)))
    if count > COMMUNITY_FORCE_MAX:
        return start
    between = nx.Graph()
    between.add_nodes_from(range(count))
    ties: dict[tuple[int, int], float] = {}
    for u, v, data in graph.edges(data=True):
        a, b = community_of[u], community_of[v]
        if a != b:
            key = (min(a, b), max(a, b))
            ties[key] = ties.get(key, 0.0) + float(data.get("weight", 1))
    # A weak pull of every community towards the biggest: the force layout throws
    # unconnected (or barely connected) communities far out, which would shrink the rest.
    pull = GRAVITY * (float(np.median(list(ties.values()))) if ties else 1.0)
    for c in range(1, count):
        ties[0, c] = ties.get((0, c), 0.0) + pull
    between.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(ties.items()))
    scale = float(np.abs(start).max()) or 1.0
    raw = nx.spring_layout(
        between,
        pos={c: tuple(start[c] / scale) for c in range(count)},
        seed=seed,
        weight="weight",
        iterations=100,
    )
    spread = np.array([raw[c] for c in range(count)], dtype=float)
    # Scale the force layout so that its tightest pair of discs just touches (a compact
    # picture, no empty ring around each disc), then push apart what still overlaps.
    delta = spread[:, None, :] - spread[None, :, :]
    dist = np.sqrt((delta**2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    spread *= float(np.max(_needed(radii) / np.maximum(dist, 1e-9)))
    # Bring in the outliers (a community with no tie to the others ends far out): no disc
    # further from the middle than 1.3 times the radius of a disc holding them all.
    spread -= spread[0]
    bound = 1.3 * float(np.sqrt(((radii * (1 + GAP) + UNIT) ** 2).sum()))
    norms = np.sqrt((spread**2).sum(axis=1))
    far = norms > bound
    spread[far] *= (bound / norms[far])[:, None]
    return _separate(spread, radii)


def _force_in_disc(graph: nx.Graph, members: list, radius: float, seed: int) -> np.ndarray:
    """A seeded force layout of one community, centred and squeezed into its disc."""
    if len(members) == 1:
        return np.zeros((1, 2))
    raw = nx.spring_layout(_ordered_graph(graph, members), seed=seed, weight="weight")
    points = np.array([raw[u] for u in members], dtype=float)
    points -= points.mean(axis=0)
    norms = np.sqrt((points**2).sum(axis=1))
    # Scale on the 90th percentile, then pull the few beyond back to the rim, so that
    # one loosely tied member does not shrink the rest of its circle to a dot.
    reach = float(np.quantile(norms, 0.9)) or float(norms.max()) or 1.0
    points *= 0.85 * radius / reach
    norms = np.sqrt((points**2).sum(axis=1))
    beyond = norms > radius
    points[beyond] *= (radius / norms[beyond])[:, None]
    return points


def community_layout(
    graph: nx.Graph,
    community_of: Mapping[str, int],
    pagerank: Mapping[str, float],
    *,
    seed: int,
    force_max_nodes: int = FORCE_MAX_NODES,
    force_max_work: int = FORCE_MAX_WORK,
) -> Layout:
    """Positions of every node of ``graph`` (see the module docstring).

    ``community_of`` numbers the communities 0..k-1; ``pagerank`` orders the
    nodes of a spiral (highest at the centre).
    """
    if graph.number_of_nodes() == 0:
        return Layout(method=LAYOUT_METHODS[0], positions={}, discs=())
    groups: dict[int, list] = {}
    for u in sorted(graph.nodes, key=node_order):
        groups.setdefault(community_of[u], []).append(u)
    work = sum(len(members) ** 2 for members in groups.values())
    by_force = graph.number_of_nodes() <= force_max_nodes and work <= force_max_work
    method = LAYOUT_METHODS[0] if by_force else LAYOUT_METHODS[1]
    ids = sorted(groups)
    index = {c: i for i, c in enumerate(ids)}
    radii = np.array([_radius(len(groups[c])) for c in ids], dtype=float)
    centres = _disc_centres(graph, {u: index[c] for u, c in community_of.items()}, radii, seed)

    positions: dict[str, tuple[float, float]] = {}
    for i, c in enumerate(ids):
        members = groups[c]
        if method == "force":
            points = _force_in_disc(graph, members, radii[i], seed)
        else:
            members = sorted(members, key=lambda u: (-pagerank.get(u, 0.0), node_order(u)))
            points = _spiral(len(members), radii[i])
        for u, (x, y) in zip(members, points + centres[i], strict=True):
            positions[u] = (round(float(x), DECIMALS) + 0.0, round(float(y), DECIMALS) + 0.0)
    discs = tuple(
        Disc(
            community=c,
            x=round(float(centres[i][0]), DECIMALS) + 0.0,
            y=round(float(centres[i][1]), DECIMALS) + 0.0,
            radius=round(float(radii[i]), DECIMALS),
        )
        for i, c in enumerate(ids)
    )
    ordered = {u: positions[u] for u in sorted(positions, key=node_order)}
    return Layout(method=method, positions=ordered, discs=discs)
