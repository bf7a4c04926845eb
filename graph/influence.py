"""Influence map: who holds a territory's participation network together, and how.

Each metric answers a different question about an actor or a body:

- ``degree`` / ``weighted_degree``: how many ties, and how strong (activity);
- ``pagerank``: being tied to the well-tied (prestige), on tie strength;
- ``betweenness``: sitting on the shortest paths between others (gatekeeping);
  paths run on ``distance = 1 / weight`` so a strong tie is a short one;
- Burt ``constraint`` / ``effective_size``: whether one's contacts already know
  each other (a closed circle) or not (structural holes to broker);
- ``core_number``: how deep in the dense core of the network one sits;
- ``community`` (Leiden, modularity), ``participation``, ``community_degree_z``, ``role``
  and ``is_broker``: which circle one belongs to, and whether one holds it
  together with others (below).

Brokers, after Guimerà and Amaral ("Functional cartography of complex metabolic
networks", Nature 433, 2005), on the communities and the distinct
neighbours of the collapsed graph:

- the *participation coefficient* ``P = 1 - sum_s (k_s / k)^2`` (``k_s`` of the
  node's ``k`` neighbours in community ``s``): 0 when every tie stays in its
  community, near 1 when ties spread evenly over many;
- the *within-community degree z-score*: the node's neighbours in its own
  community, in standard deviations from its community's mean (0 where all are
  alike); a *hub* has ``z >= 2.5``;
- the role: for a non-hub ``ultra_peripheral`` (P <= 0.05), ``peripheral``
  (<= 0.62), ``connector`` (<= 0.80), ``kinless``; for a hub ``provincial_hub``
  (P <= 0.30), ``connector_hub`` (<= 0.75), ``kinless_hub``.

A **broker** is a connector or kinless hub (``z >= 2.5`` and ``P > 0.30``) with
ties into at least two *other* communities: a central member of its circle whose
ties reach two more. One tie across (the old rule) made 408 of 412 Paris nodes
brokers, as the demo's interactions mix Paris's circles so much that most nodes
have a high ``P``; a hub's role singles out the few that hold several circles
together (about 3% of Paris's nodes). ``brokers`` lists them by betweenness.

Pure module: no Django, no clock. ``as_of`` is recorded in the result, not used
to filter (the loader already kept only the facts current on that date), and
``seed`` drives every random choice (Leiden, sampled betweenness), so the same
graph and seed always give the same, comparable map. The heavy metrics run on
igraph (``graph.kernels``: why, and how it keeps NetworkX's definitions).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import networkx as nx

from graph import centrality, collector, kernels
from graph.kernels import brandes
from graph.model import collapse, node_order

#: Decimals kept on every float of the result: enough for ranking, few enough that
#: floating-point noise between platforms or runs never shows in the output.
PRECISION = 6

#: PageRank damping factor (the usual 0.85); igraph solves it exactly (no tolerance).
PAGERANK_ALPHA = 0.85

#: How betweenness was computed: on every node, or estimated from seeded pivots.
BETWEENNESS_METHODS: tuple[str, ...] = ("exact", "sampled")

#: A hub: within-community degree at least this many standard deviations above its
#: community's mean (Guimerà & Amaral 2005).
HUB_Z = 2.5
#: The roles of Guimerà & Amaral (2005): (role, hub?, highest participation coefficient
#: of the role), in order; the last role of each kind has no upper bound.
ROLE_BOUNDS: tuple[tuple[str, bool, float], ...] = (
    ("ultra_peripheral", False, 0.05),
    ("peripheral", False, 0.62),
    ("connector", False, 0.80),
    ("kinless", False, 1.0),
    ("provincial_hub", True, 0.30),
    ("connector_hub", True, 0.75),
    ("kinless_hub", True, 1.0),
)
ROLES: tuple[str, ...] = tuple(role for role, _hub, _upper in ROLE_BOUNDS)
#: The roles a broker may hold, and the other communities its ties must reach.
BROKER_ROLES = frozenset({"connector_hub", "kinless_hub"})
BROKER_MIN_OTHER_COMMUNITIES = 2


@dataclass(frozen=True)
class InfluenceParameters:
    """What the map was computed with, so that a stored map can be reproduced."""

    categories: tuple[str, ...] | None
    interaction_types: tuple[str, ...] | None
    min_weight: int
    include_memberships: bool
    exact_betweenness_max_nodes: int
    betweenness_samples: int
    top_members: int


@dataclass(frozen=True)
class NodeMetrics:
    """The metrics of one node. ``constraint`` / ``effective_size`` are None when
    undefined (an isolated node has no contacts to be constrained by)."""

    node: str
    kind: str
    label: str
    category: str
    degree: int
    weighted_degree: float
    pagerank: float
    betweenness: float
    constraint: float | None
    effective_size: float | None
    core_number: int
    community: int
    #: Guimerà-Amaral participation coefficient (0 for an isolated node).
    participation: float
    #: Within-community degree z-score (0 where the community's members are alike).
    community_degree_z: float
    role: str  # one of ROLES
    is_broker: bool
    bridged_communities: int


@dataclass(frozen=True)
class Community:
    """A community (Leiden, seeded); ``top_members`` are its highest-PageRank nodes."""

    id: int
    size: int
    top_members: tuple[str, ...]


@dataclass(frozen=True)
class InfluenceMap:
    as_of: dt.date
    seed: int
    parameters: InfluenceParameters
    betweenness_method: str  # one of BETWEENNESS_METHODS
    betweenness_samples: int | None  # pivots actually used; None when exact
    nodes: tuple[NodeMetrics, ...]
    communities: tuple[Community, ...]
    brokers: tuple[str, ...]
    #: The collapsed simple graph the metrics ran on (frozen), for the exporters.
    graph: nx.Graph = field(compare=False, repr=False)

    def node(self, node_id: str) -> NodeMetrics:
        """The metrics of ``node_id`` (KeyError when it is not in the map)."""
        for metrics in self.nodes:
            if metrics.node == node_id:
                return metrics
        raise KeyError(node_id)


def _round(value: float) -> float:
    # ``+ 0.0`` turns a rounded -0.0 into 0.0, so equal maps also print the same.
    return round(float(value), PRECISION) + 0.0


def _optional(value: float | None) -> float | None:
    """networkx returns NaN where a metric is undefined; the map says None."""
    if value is None or math.isnan(value):
        return None
    return _round(value)


def weighted_pagerank(
    graph: nx.Graph | kernels.Compiled, *, alpha: float = PAGERANK_ALPHA
) -> dict[str, float]:
    """PageRank on tie strength (``nx.pagerank(weight="weight")``, solved by igraph).

    Uniform teleport; a node without ties hands its rank to everyone. Given the
    graph already converted (``kernels.compile_graph``), converts nothing.
    """
    if isinstance(graph, nx.Graph):
        graph = kernels.compile_graph(graph)
    return kernels.pagerank(graph, alpha=alpha)


def _numbered_communities(parts: list[set[str]]) -> list[list[str]]:
    """The communities as stable lists: biggest first, ties by smallest node."""
    ordered = [sorted(part, key=node_order) for part in parts if part]
    ordered.sort(key=lambda members: (-len(members), node_order(members[0])))
    return ordered


def role_of(z: float, participation: float) -> str:
    """The Guimerà-Amaral role of a node (``ROLE_BOUNDS``)."""
    hub = z >= HUB_Z
    for role, is_hub, upper in ROLE_BOUNDS:
        if is_hub == hub and participation <= upper:
            return role
    raise AssertionError("unreachable: the last bound of each kind is 1")


def _cartography(
    simple: nx.Graph, community_of: Mapping[str, int], members: list[list[str]]
) -> dict[str, tuple[float, float, str]]:
    """Node -> (participation coefficient, within-community degree z-score, role)."""
    own_degree: dict[str, int] = {}
    participation: dict[str, float] = {}
    for u in simple:
        counts: dict[int, int] = {}
        for v in simple.neighbors(u):
            if v != u:
                counts[community_of[v]] = counts.get(community_of[v], 0) + 1
        k = sum(counts.values())
        own_degree[u] = counts.get(community_of[u], 0)
        participation[u] = 1.0 - sum((n / k) ** 2 for n in counts.values()) if k else 0.0
    out: dict[str, tuple[float, float, str]] = {}
    for group in members:
        degrees = [own_degree[u] for u in group]
        mean = sum(degrees) / len(degrees)
        sd = math.sqrt(sum((d - mean) ** 2 for d in degrees) / len(degrees))
        for u in group:
            z = _round((own_degree[u] - mean) / sd) if sd else 0.0
            p = _round(participation[u])
            # The role from the rounded values, so it agrees with the figures shown.
            out[u] = (p, z, role_of(z, p))
    return out


@collector.pausing
def influence_map(
    graph: nx.MultiGraph,
    *,
    as_of: dt.date,
    seed: int,
    categories: Collection[str] | None = None,
    interaction_types: Collection[str] | None = None,
    min_weight: int = 1,
    include_memberships: bool = True,
    exact_betweenness_max_nodes: int = 2000,
    betweenness_samples: int = 256,
    top_members: int = 5,
) -> InfluenceMap:
    """Compute the influence map of a registry graph (see the module docstring).

    The garbage collector is paused while it runs (``graph.collector``): it builds
    hundreds of thousands of objects, none of them garbage.

    The filters are those of ``collapse()``. Betweenness is exact up to
    ``exact_betweenness_max_nodes`` nodes (it is cubic-ish in time), above that
    estimated from ``min(betweenness_samples, n)`` pivots drawn with ``seed``;
    the result says which, since sampled values are estimates.
    """
    parameters = InfluenceParameters(
        categories=None if categories is None else tuple(sorted(set(categories))),
        interaction_types=(
            None if interaction_types is None else tuple(sorted(set(interaction_types)))
        ),
        min_weight=min_weight,
        include_memberships=include_memberships,
        exact_betweenness_max_nodes=exact_betweenness_max_nodes,
        betweenness_samples=betweenness_samples,
        top_members=top_members,
    )
    # The betweenness workers start while the graph is collapsed (graph.kernels).
    n_facts = graph.number_of_nodes()
    sources = n_facts if n_facts <= exact_betweenness_max_nodes else betweenness_samples
    brandes.warm(min(sources, n_facts) * (n_facts + graph.number_of_edges()))
    simple = collapse(
        graph,
        categories=categories,
        interaction_types=interaction_types,
        min_weight=min_weight,
        include_memberships=include_memberships,
    )
    nodes = list(simple.nodes)  # collapse() inserted them in node_order
    n = len(nodes)

    compiled = kernels.compile_graph(simple)  # once, for every kernel below
    # Betweenness first: on the worker processes while this one computes the rest.
    if n <= exact_betweenness_max_nodes:
        method, samples = BETWEENNESS_METHODS[0], None
        pending = brandes.start(compiled)
    else:
        method, samples = BETWEENNESS_METHODS[1], min(betweenness_samples, n)
        pending = brandes.start(compiled, pivots=centrality.pivots(simple, samples, seed))
    pagerank = {u: _round(v) for u, v in weighted_pagerank(compiled).items()}

    constraint = kernels.constraint(compiled)
    effective_size = kernels.effective_size(compiled)
    core = kernels.core_number(compiled)
    degree = dict(simple.degree())
    strength = dict(simple.degree(weight="weight"))

    parts = kernels.communities(compiled, seed=seed)
    members = _numbered_communities(parts)
    community_of = {u: cid for cid, group in enumerate(members) for u in group}

    cartography = _cartography(simple, community_of, members)
    betweenness = pending.result()
    metrics: list[NodeMetrics] = []
    for u in nodes:
        data: Mapping = simple.nodes[u]
        around = {community_of[v] for v in simple.neighbors(u) if v != u}
        own = community_of[u]
        participation, z, role = cartography[u]
        metrics.append(
            NodeMetrics(
                node=u,
                kind=str(data.get("kind", "")),
                label=str(data.get("label", "")),
                category=str(data.get("category", "")),
                degree=int(degree[u]),
                weighted_degree=_round(strength[u]),
                pagerank=pagerank[u],
                betweenness=_round(betweenness[u]),
                constraint=_optional(constraint.get(u)),
                effective_size=_optional(effective_size.get(u)),
                core_number=int(core[u]),
                community=own,
                participation=participation,
                community_degree_z=z,
                role=role,
                is_broker=role in BROKER_ROLES
                and len(around - {own}) >= BROKER_MIN_OTHER_COMMUNITIES,
                bridged_communities=len(around | {own}),
            )
        )

    communities = tuple(
        Community(
            id=cid,
            size=len(group),
            top_members=tuple(
                sorted(group, key=lambda u: (-pagerank[u], node_order(u)))[:top_members]
            ),
        )
        for cid, group in enumerate(members)
    )
    brokers = tuple(
        m.node
        for m in sorted(
            (m for m in metrics if m.is_broker),
            key=lambda m: (-m.betweenness, node_order(m.node)),
        )
    )
    return InfluenceMap(
        as_of=as_of,
        seed=seed,
        parameters=parameters,
        betweenness_method=method,
        betweenness_samples=samples,
        nodes=tuple(metrics),
        communities=communities,
        brokers=brokers,
        graph=nx.freeze(simple),
    )
