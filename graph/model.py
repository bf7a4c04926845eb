"""What the pure analysis modules receive: the graph conventions and the facts of a body.

``graph.loaders`` (the only module that touches Django) produces these; every
other module of ``graph`` consumes them and never reads the clock or the
database. Tests build them by hand.

The registry graph
------------------
One ``networkx.MultiGraph`` per (territory, as_of): every fact is an edge, so
nothing is lost before a metric decides how to weigh it.

Nodes (ids are strings so that GEXF, GraphML and JSON keep them as they are):

- ``"a<id>"``: an actor. Attributes: ``kind="actor"``, ``label`` (name),
  ``actor_kind`` ("person" / "organization"), ``category`` (ActorCategory
  code), ``territory`` ("level:code" or ""), ``power``, ``interest``,
  ``legitimacy``, ``urgency`` (declared 0-5, or ``None`` when not declared).
- ``"b<id>"``: a body. Attributes: ``kind="body"``, ``label``, ``category``
  (its BodyType code), ``status``, ``territory``.

No personal data (contact details, gender, birth year) is ever a node
attribute: the graph may be shown to any key holding the ``analysis`` scope.

Edges (``key`` is the record: ``"m<id>"`` or ``"i<id>"``):

- membership, actor -- body: ``relation="membership"``, ``type`` (the role
  code), ``weight`` (``MEMBERSHIP_WEIGHTS`` by role), ``sign=1``,
  ``start``/``end`` (dates or None).
- interaction, actor -- actor or actor -- body: ``relation="interaction"``,
  ``type`` (InteractionType code), ``weight`` (1-5), ``sign`` (+1/-1),
  ``directed`` (bool), ``source`` (node id of the source actor),
  ``start``/``end``.

Only the facts current on ``as_of`` are in the graph (start <= as_of and
(end is None or end > as_of), the registry's rule).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import networkx as nx

from graph import collector

#: The kinds of node (the ``kind`` attribute) and of edge (the ``relation`` attribute).
NODE_KINDS: tuple[str, ...] = ("actor", "body")
RELATIONS: tuple[str, ...] = ("membership", "interaction")

#: Weight of a membership edge by role: who chairs a body carries more of it.
MEMBERSHIP_WEIGHTS: dict[str, int] = {
    "president": 5,
    "vice_president": 4,
    "secretary": 4,
    "elected_referent": 4,
    "facilitator": 3,
    "technical_referent": 3,
    "member": 3,
}

#: Roles that hold a seat. Referents (an elected official or an agent following the
#: body for the authority) and facilitators take part without holding a seat: they
#: count in the graph, not in vacancies, parity, tenure or turnover.
SEAT_ROLES = frozenset({"president", "vice_president", "secretary", "member"})

#: Actor categories counted as decision-makers (renewal: distance to them).
DECISION_MAKER_CATEGORIES = frozenset({"elected_official", "collectivity"})


def actor_node(actor_id: int) -> str:
    return f"a{actor_id}"


def body_node(body_id: int) -> str:
    return f"b{body_id}"


def node_pk(node: str) -> int:
    """The database id inside a node id ("a12" -> 12)."""
    return int(node[1:])


# --- the facts of a body, for the renewal assessment ----------------------------------


@dataclass(frozen=True)
class CollegeFacts:
    id: int
    name: str
    seats: int | None


@dataclass(frozen=True)
class MemberFacts:
    """One membership (past or current up to ``as_of``) with what the indicators need.

    ``gender`` and ``birth_year`` come from personal data and are used only in
    aggregates (parity, age gap); they are None when unknown.
    """

    actor_id: int
    college_id: int | None
    role: str
    start: dt.date
    end: dt.date | None
    end_reason: str
    category: str
    gender: str | None = None  # "female" / "male" / "other" / None
    birth_year: int | None = None


@dataclass(frozen=True)
class MeetingFacts:
    date: dt.date
    kind: str
    present: int
    excused: int
    absent: int


@dataclass(frozen=True)
class OpinionFacts:
    date: dt.date
    referral: str
    response_date: dt.date | None
    response_outcome: str  # "" when no response recorded, else ResponseOutcome code


@dataclass(frozen=True)
class SeatFacts:
    """A seat (seat-holding role) of one of the body's members in ANOTHER body: what the
    strengths need to tell a newcomer (no earlier seat anywhere) and who went on elsewhere."""

    actor_id: int
    body_id: int
    start: dt.date


@dataclass(frozen=True)
class ReferralFacts:
    """An opinion the body's host authority referred (``referral="referred"``) to one of
    its bodies, this one included: the "share of the authority's referrals"."""

    body_id: int
    date: dt.date


@dataclass(frozen=True)
class BodyFacts:
    id: int
    name: str
    body_type: str
    status: str
    territory: str  # "level:code"
    founding_date: dt.date | None
    dissolution_date: dt.date | None
    mandate_years: int | None
    term_start: dt.date | None
    term_end: dt.date | None
    seats: int | None
    parity_rule: str  # "none" / "max_gap_1" / "balanced"
    min_age: int | None
    max_age: int | None
    colleges: tuple[CollegeFacts, ...] = ()
    members: tuple[MemberFacts, ...] = ()
    meetings: tuple[MeetingFacts, ...] = ()
    opinions: tuple[OpinionFacts, ...] = ()
    #: Seats of the members in other bodies, started by ``as_of`` (``SeatFacts``).
    seats_elsewhere: tuple[SeatFacts, ...] = ()
    #: Host authority's actor id (None: no host recorded).
    host_id: int | None = None
    #: Bodies the host runs on ``as_of`` (this one included; within the reader's reach).
    host_bodies: int = 0
    #: The host's referrals to all its bodies up to ``as_of`` (empty without a host).
    host_referrals: tuple[ReferralFacts, ...] = ()


@dataclass(frozen=True)
class TerritoryProfile:
    """Reference distributions of the territory, for the representativeness gaps.

    Built from the registry's own persons of the territory (where data exists):
    category -> count, age band -> count, and sub-territory ("level:code" of the
    territory just below, ``graph.loaders.common.sub_territories``) -> count. Empty
    when nothing is known.
    """

    categories: dict[str, int] = field(default_factory=dict)
    age_bands: dict[str, int] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PeerMember:
    """A current seat holder of a body of the network territory (strengths: diversity).

    ``gender`` and ``birth_year`` are for aggregates only, like ``MemberFacts``;
    ``place`` is the member's sub-territory ("level:code", "" when unknown or not
    below the network territory). A member out of the reader's reach has every
    attribute unknown (``kind`` ""). The diversity strengths compare persons with the
    territory's persons, so they leave out ``kind`` "organization".
    """

    body_id: int
    actor_id: int
    category: str
    gender: str | None
    birth_year: int | None
    place: str
    kind: str = "person"


# --- from facts to a weighted simple graph ---------------------------------------------


def node_order(node: str) -> tuple[str, int]:
    """Sort key of node ids: actors before bodies, then by database id (not as text)."""
    return (node[0], node_pk(node))


@collector.pausing  # hundreds of thousands of dicts and tuples, none of them garbage
def collapse(
    graph: nx.MultiGraph,
    *,
    categories: Collection[str] | None = None,
    interaction_types: Collection[str] | None = None,
    min_weight: int = 1,
    include_memberships: bool = True,
) -> nx.Graph:
    """The weighted simple graph that the metrics run on, built in a stable order.

    ``categories`` keeps only the actors of those categories (bodies always
    stay); ``interaction_types`` keeps only those interactions; facts lighter
    than ``min_weight`` are dropped. Parallel facts between two nodes add up:
    ``weight`` is their sum (negative ties count by their strength: an
    opposition is a tie that matters), ``positive`` and ``negative`` split it
    by sign, ``distance`` is ``1 / weight`` (for shortest-path metrics) and
    ``facts`` lists the edge keys, sorted, and ``types`` the distinct
    ``(relation, type)`` of those facts (``("membership", "president")``,
    ``("interaction", "funding")``), sorted, for the pictures' edge labels. Nodes are inserted in
    ``node_order`` so that every algorithm sees the same order on every run.
    """
    keep = sorted(
        (
            n
            for n, data in graph.nodes(data=True)
            if categories is None
            or data.get("kind") == "body"
            or data.get("category") in categories
        ),
        key=node_order,
    )
    rank = {n: i for i, n in enumerate(keep)}  # position in node_order
    simple = nx.Graph()
    simple.add_nodes_from((n, graph.nodes[n]) for n in keep)

    def kept(data: dict) -> bool:
        if data.get("weight", 1) < min_weight:
            return False
        if data["relation"] == "membership":
            return include_memberships
        if data["relation"] == "interaction" and interaction_types is not None:
            return data["type"] in interaction_types
        return True

    # Each pair once, from the node that comes first in node order (the pairs in node
    # order, so adjacency is in the same order on every run), its facts sorted by key.
    adjacency = graph._adj  # the plain dicts behind graph.adj: its views cost 3x here
    edges = []
    for i, u in enumerate(keep):
        near = adjacency[u]
        around = sorted([(j, v) for v in near if (j := rank.get(v, -1)) >= i])
        for _j, v in around:
            facts = [(key, data) for key, data in near[v].items() if kept(data)]
            if not facts:
                continue
            if len(facts) > 1:
                facts.sort(key=lambda fact: fact[0])
            weight = positive = negative = 0
            types = set()
            for _key, data in facts:
                w = data.get("weight", 1)
                weight += w
                if data.get("sign", 1) > 0:
                    positive += w
                else:
                    negative += w
                types.add((data["relation"], str(data.get("type", ""))))
            edges.append(
                (
                    u,
                    v,
                    {
                        "weight": weight,
                        "positive": positive,
                        "negative": negative,
                        "facts": tuple([key for key, _data in facts]),
                        "types": tuple(sorted(types)) if len(types) > 1 else tuple(types),
                        "distance": 1.0 / weight,
                    },
                )
            )
    simple.add_edges_from(edges)
    return simple
