"""From the registry to the analysis inputs: the only module of ``graph`` that touches Django.

Everything here reads (never writes) a fixed number of queries whatever the
territory's size, and hands plain NetworkX graphs and ``graph.model``
dataclasses to the pure modules.

What a territory's graph holds, as of a date:

- its bodies (territory within it, at any depth, through both hierarchies)
  that exist on that date;
- the actors of the territory (and below) that exist on that date, and every
  member of those bodies wherever they live;
- the memberships current on that date in those bodies;
- the interactions current on that date whose two ends are both in the graph.

Scope, as plain data (decided by ``api.scoping.Reach``, applied here): with
``reach_territory_id`` (a key confined to a territory), only the interactions
*filed* under that territory (or below) are kept, the interactions list's own
rule; and an actor whose home territory lies outside it (a member from
elsewhere of a body inside) keeps its id and name only: its node holds
``kind`` and ``label``, nothing declared (category, territory, power, interest,
legitimacy, urgency), and its id is listed in the graph attribute
``restricted_actor_ids``. ``None`` (the default) reads everything.
"""

from graph.loaders.candidates import candidate_facts, college_categories, place_names
from graph.loaders.charters import charter_layers
from graph.loaders.common import bodies_of, snapshot, sub_territory_keys
from graph.loaders.facts import body_facts, territory_profile, territory_profiles
from graph.loaders.network import (
    data_version,
    network_territories,
    registry_graph,
    size_estimate,
    territory_places,
)
from graph.loaders.strengths import body_territories, peer_members, peer_members_of
from graph.loaders.subgraph import containers, registry_subgraph

__all__ = [
    "bodies_of",
    "body_territories",
    "candidate_facts",
    "body_facts",
    "charter_layers",
    "containers",
    "college_categories",
    "data_version",
    "network_territories",
    "peer_members",
    "peer_members_of",
    "place_names",
    "sub_territory_keys",
    "registry_graph",
    "registry_subgraph",
    "size_estimate",
    "snapshot",
    "territory_places",
    "territory_profile",
    "territory_profiles",
]
