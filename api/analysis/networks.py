"""The network territories of a renewal: each one's graph and what its bodies share.

``networks_of`` builds them for a ranking, outermost first, cutting each territory
inside one already built from that one's graph (``loaders.registry_subgraph``) and
reading the profiles and seat holders of all of them together.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from api.analysis.runner import Request
from graph import loaders
from graph.model import PeerMember, TerritoryProfile, body_node
from graph.positions import network_positions
from graph.renewal import BodyNetwork, body_network, decision_distances, membership_index
from graph.renewal.strengths import Peers, communities_by_body


def _seed(request: Request) -> int:
    return dict(request.params).get("seed", 0)


@dataclass(frozen=True)
class Network:
    """The graph of one network territory and what every body assessed in it shares."""

    territory_id: int
    graph: nx.MultiGraph
    profile: TerritoryProfile
    communities: dict[str, int]
    pagerank: dict[str, float]
    core: dict[str, int]
    deciders: dict
    memberships: dict[str, set[str]]
    #: The territory's bodies as the strengths compare a body with them.
    peers: Peers

    @classmethod
    def of(
        cls,
        request: Request,
        territory_id: int,
        within: nx.MultiGraph | None = None,
        profile: TerritoryProfile | None = None,
        peer_members: tuple[PeerMember, ...] | None = None,
    ) -> Network:
        """``within``: the graph of a territory containing this one, to cut its graph from
        (``loaders.registry_subgraph``) rather than load it; ``profile``: the territory's
        profile and ``peer_members`` its bodies' seat holders, when the caller read them
        already (``loaders.territory_profiles``, ``loaders.peer_members_of``)."""
        graph = None
        if within is not None:
            graph = loaders.registry_subgraph(
                within,
                territory_id=territory_id,
                as_of=request.as_of,
                reach_territory_id=request.reach,
            )
        if graph is None:
            graph = loaders.registry_graph(
                territory_id=territory_id, as_of=request.as_of, reach_territory_id=request.reach
            )
        positions = network_positions(graph, seed=_seed(request))
        memberships = membership_index(graph)
        if peer_members is None:
            peer_members = loaders.peer_members(
                territory_id=territory_id, as_of=request.as_of, reach_territory_id=request.reach
            )
        peers = Peers(
            members=peer_members,
            communities=communities_by_body(graph, positions.communities, memberships),
        )
        return cls(
            territory_id=territory_id,
            graph=graph,
            profile=profile
            if profile is not None
            else loaders.territory_profile(territory_id=territory_id, as_of=request.as_of),
            communities=positions.communities,
            pagerank=positions.pagerank,
            core=positions.core,
            # One search for the distance to decision-makers, shared by every body.
            deciders=decision_distances(graph),
            memberships=memberships,
            peers=peers,
        )

    def of_body(self, body_id: int) -> BodyNetwork | None:
        if body_node(body_id) not in self.graph:
            return None
        return body_network(
            self.graph,
            body_id,
            communities=self.communities,
            pagerank=self.pagerank,
            decider_distance=self.deciders,
            communities_total=len(set(self.communities.values())),
            memberships=self.memberships,
        )


def networks_of(request: Request, homes: set[int]) -> dict[int, Network]:
    """The Network of each network territory, outermost first: one inside another already
    built is cut from its graph (the innermost such), not loaded again. A region's
    ranking then loads the region's graph once, not once more per commune inside it."""
    containing = loaders.containers(homes)
    profiles = loaders.territory_profiles(territory_ids=homes, as_of=request.as_of)
    seat_holders = loaders.peer_members_of(
        territory_ids=homes, as_of=request.as_of, reach_territory_id=request.reach
    )
    networks: dict[int, Network] = {}
    for home in sorted(homes, key=lambda pk: (len(containing[pk]), pk)):
        built = [pk for pk in containing[home] if pk in networks]
        within = max(built, key=lambda pk: (len(containing[pk]), pk)) if built else None
        networks[home] = Network.of(
            request,
            home,
            within=networks[within].graph if within is not None else None,
            profile=profiles[home],
            peer_members=seat_holders[home],
        )
    return networks
