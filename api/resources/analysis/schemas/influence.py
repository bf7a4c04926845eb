"""The shape of the influence map answer (node-link JSON), drawing attributes included.

Field for field what ``graph.export.to_node_link`` writes; the drawing fields
(``x``, ``y``, ``size``, ``color``, ``shape``, and each community's ``name``,
``named_after`` and ``color``) are the contract the explorer page reads.
"""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import NodeId, Vocabulary
from api.resources.analysis.schemas.network import node_ids, node_kind
from graph.export.style import SHAPES, SIZE_MAX, SIZE_MIN
from graph.influence import BETWEENNESS_METHODS, ROLES
from graph.layout import FORCE_MAX_NODES, FORCE_MAX_WORK, LAYOUT_METHODS
from registry.models import ActorKind, BodyStatus

COLOUR = r"^#[0-9a-f]{6}$"


# --- influence map (node-link JSON) --------------------------------------------------------


class InfluenceParametersSerializer(serializers.Serializer):
    """What the map was computed with, so that it can be reproduced."""

    categories = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Actor categories kept (sorted), or null for all.",
    )
    interaction_types = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Interaction types kept (sorted), or null for all.",
    )
    min_weight = serializers.IntegerField(help_text="Facts lighter than this were dropped.")
    include_memberships = serializers.BooleanField(help_text="Whether memberships are ties.")
    exact_betweenness_max_nodes = serializers.IntegerField(
        help_text="Up to this many nodes, betweenness is exact."
    )
    betweenness_samples = serializers.IntegerField(
        help_text="Pivots drawn for a sampled betweenness (at most)."
    )
    top_members = serializers.IntegerField(help_text="Top members listed per community.")


class CommunitySerializer(serializers.Serializer):
    """A Leiden community (seeded), numbered biggest first."""

    id = serializers.IntegerField(help_text="Community number (0 is the biggest).")
    size = serializers.IntegerField(help_text="Nodes in the community.")
    top_members = node_ids("Its highest-PageRank nodes, highest first.")
    name = serializers.CharField(
        allow_blank=True,
        help_text="The label of its most central (highest PageRank) member or body.",
    )
    named_after = NodeId(allow_null=True, help_text="The node it is named after.")
    color = serializers.RegexField(
        COLOUR, help_text="Its colour in every picture (`#rrggbb`; grey after the tenth)."
    )


class InfluenceMapGraphSerializer(serializers.Serializer):
    """The graph attributes of the node-link document: how the map was made, and its
    communities and brokers."""

    as_of = serializers.DateField(help_text="Date of the map.")
    seed = serializers.IntegerField(help_text="Seed of Leiden and of sampled betweenness.")
    betweenness_method = Vocabulary(
        "BetweennessMethod",
        BETWEENNESS_METHODS,
        about="`exact` (every node) or `sampled` (estimated from seeded pivots).",
        help_text="How betweenness was computed.",
    )
    betweenness_samples = serializers.IntegerField(
        allow_null=True, help_text="Pivots actually used; null when exact."
    )
    parameters = InfluenceParametersSerializer(help_text="The parameters of the computation.")
    layout_method = Vocabulary(
        "LayoutMethod",
        LAYOUT_METHODS,
        about="How the nodes were placed in their community's disc: `force` (seeded "
        f"force layout, up to {FORCE_MAX_NODES} nodes while the sum of the squared "
        f"community sizes is at most {FORCE_MAX_WORK}) or `spiral` (by PageRank, beyond).",
        help_text="How `x` and `y` were computed (graph.layout).",
    )
    communities = CommunitySerializer(many=True, help_text="Every community, biggest first.")
    brokers = node_ids(
        "Brokers, highest betweenness first: connector or kinless hubs (within-community "
        "degree z-score >= 2.5 and participation coefficient > 0.30, Guimerà & Amaral 2005) "
        "tied into two or more other communities."
    )
    territory_id = serializers.IntegerField(help_text="Territory analysed.")


DECLARED = "Declared 0-5 score of the actor, or null when not declared; absent for a body "
OUT_OF_REACH = "and for an actor out of the key's reach (id and name only)."


class InfluenceMapNodeSerializer(serializers.Serializer):
    """A node: its registry attributes, then its metrics.

    An actor out of the key's reach (a member from elsewhere) carries its id, kind,
    label and metrics only.
    """

    id = NodeId(help_text="Node id.")
    kind = node_kind(help_text="Actor or body.")
    label = serializers.CharField(help_text="Name of the actor or body.")
    category = serializers.CharField(
        allow_blank=True,
        help_text="Actor category or body type code; empty for an actor out of reach.",
    )
    actor_kind = Vocabulary(
        "ActorKindEnum",
        ActorKind,
        required=False,
        help_text="Person or organization; absent for a body " + OUT_OF_REACH,
    )
    territory = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Territory as `level:code` (empty when none); absent " + OUT_OF_REACH,
    )
    status = Vocabulary(
        "BodyStatusEnum",
        BodyStatus,
        required=False,
        help_text="Status of a body; absent for an actor.",
    )
    power = serializers.IntegerField(
        allow_null=True, required=False, help_text=DECLARED + OUT_OF_REACH
    )
    interest = serializers.IntegerField(
        allow_null=True, required=False, help_text=DECLARED + OUT_OF_REACH
    )
    legitimacy = serializers.IntegerField(
        allow_null=True, required=False, help_text=DECLARED + OUT_OF_REACH
    )
    urgency = serializers.IntegerField(
        allow_null=True, required=False, help_text=DECLARED + OUT_OF_REACH
    )
    degree = serializers.IntegerField(help_text="Ties (distinct neighbours).")
    weighted_degree = serializers.FloatField(help_text="Sum of the tie strengths.")
    pagerank = serializers.FloatField(help_text="PageRank on tie strength.")
    betweenness = serializers.FloatField(
        help_text="Normalised betweenness on distance 1/weight (exact or sampled)."
    )
    constraint = serializers.FloatField(
        allow_null=True, help_text="Burt's constraint; null for an isolated node."
    )
    effective_size = serializers.FloatField(
        allow_null=True, help_text="Burt's effective size; null for an isolated node."
    )
    core_number = serializers.IntegerField(help_text="k-core the node belongs to.")
    community = serializers.IntegerField(help_text="Its community's number.")
    participation = serializers.FloatField(
        help_text="Participation coefficient (Guimerà & Amaral): 1 - sum over communities of "
        "(neighbours in it / neighbours)^2; 0 when every tie stays at home or none exists."
    )
    community_degree_z = serializers.FloatField(
        help_text="Neighbours in its own community, in standard deviations from the "
        "community's mean (0 where all members are alike); a hub from 2.5."
    )
    role = Vocabulary(
        "NetworkRole",
        ROLES,
        about="Guimerà-Amaral role: non-hubs `ultra_peripheral` (participation <= 0.05), "
        "`peripheral` (<= 0.62), `connector` (<= 0.80), `kinless`; hubs `provincial_hub` "
        "(<= 0.30), `connector_hub` (<= 0.75), `kinless_hub`.",
        help_text="Its role between the communities.",
    )
    is_broker = serializers.BooleanField(
        help_text="A connector or kinless hub tied into two or more other communities."
    )
    bridged_communities = serializers.IntegerField(
        help_text="Communities it touches, its own included."
    )
    x = serializers.FloatField(
        help_text="Layout position (seeded, the same in the GEXF, GraphML and SVG): each "
        "community in its own disc; y points up."
    )
    y = serializers.FloatField(help_text="Layout position, y pointing up.")
    size = serializers.FloatField(
        help_text=f"Drawing radius from {SIZE_MIN:g} to {SIZE_MAX:g}: its area grows with PageRank."
    )
    color = serializers.RegexField(COLOUR, help_text="Its community's colour (`#rrggbb`).")
    shape = Vocabulary(
        "NodeShape",
        tuple(SHAPES.values()),
        about="`circle` for an actor (person or organisation), `square` for a body.",
        help_text="How it is drawn.",
    )


class InfluenceMapLinkSerializer(serializers.Serializer):
    """A tie: every fact between two nodes, collapsed."""

    source = NodeId(help_text="The lower node in node order (actors before bodies, by id).")
    target = NodeId(help_text="The other node.")
    weight = serializers.FloatField(help_text="Sum of the facts' weights (tie strength).")
    positive = serializers.FloatField(help_text="Part of the weight from positive facts.")
    negative = serializers.FloatField(help_text="Part of the weight from negative facts.")
    facts = serializers.ListField(
        child=serializers.CharField(),
        help_text="The records behind the tie: `m<id>` (membership), `i<id>` (interaction).",
    )


class InfluenceMapSerializer(serializers.Serializer):
    """The influence map as a node-link document (the shape of NetworkX's
    ``node_link_data``)."""

    directed = serializers.BooleanField(help_text="Always false: ties are undirected.")
    multigraph = serializers.BooleanField(help_text="Always false: parallel facts are collapsed.")
    graph = InfluenceMapGraphSerializer(help_text="How the map was made; its communities.")
    nodes = InfluenceMapNodeSerializer(many=True, help_text="Every node, in node order.")
    links = InfluenceMapLinkSerializer(many=True, help_text="Every tie, in node order.")
