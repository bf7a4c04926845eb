"""The shapes of the network answers: influence map, ego network, paths, interlocks, stakeholders.

Each serializer describes what ``api.analysis.kinds`` writes from a dataclass of
``graph`` (field for field, same names; ``tests/api/test_analysis_schema.py``
fails when they drift) and takes its closed vocabularies from where ``graph``
or ``registry`` declares them.
"""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import NodeId, Pair, Scalar, Vocabulary
from graph.model import NODE_KINDS, RELATIONS
from graph.stakeholders import ATTRIBUTES, POWER_SOURCES, QUADRANTS, SALIENCE_CLASSES
from registry.models import Sign


def node_kind(**kwargs) -> Vocabulary:
    return Vocabulary(
        "NodeKind", NODE_KINDS, about="What a node of the registry graph is.", **kwargs
    )


def node_ids(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=NodeId(), help_text=help_text)


class AnalysisPlaceSerializer(serializers.Serializer):
    """What every answer starts with: the territory and the date."""

    territory_id = serializers.IntegerField(help_text="Territory analysed (with all below it).")
    as_of = serializers.DateField(help_text="Date of the analysis.")


class AnalysisHeaderSerializer(AnalysisPlaceSerializer):
    """The territory, the date and the graph's size (an ego network lists its nodes and
    facts instead)."""

    nodes = serializers.IntegerField(help_text="Nodes (actors and bodies) in the graph.")
    facts = serializers.IntegerField(help_text="Memberships and interactions in the graph.")


# --- ego network and paths ---------------------------------------------------------------


class FactSerializer(serializers.Serializer):
    """One record of the registry graph (a membership or an interaction)."""

    u = NodeId(help_text="One end (the lower in node order: an actor before a body).")
    v = NodeId(help_text="The other end.")
    key = serializers.CharField(
        help_text="The record: `m<id>` (membership), `i<id>` (interaction)."
    )
    relation = Vocabulary(
        "FactRelation", RELATIONS, about="What kind of record a fact is.", help_text="Its kind."
    )
    type = serializers.CharField(help_text="Role code (membership) or interaction type code.")
    weight = serializers.FloatField(help_text="Strength: by role for a membership, 1-5 else.")
    sign = Vocabulary("SignEnum", Sign, help_text="-1 for an opposition or a conflict, else 1.")
    body = NodeId(allow_null=True, help_text="The body it goes through, if any.")


class EgoNodeSerializer(serializers.Serializer):
    """A node of an ego network with its distance from the centre."""

    node = NodeId(help_text="Node id.")
    distance = serializers.IntegerField(help_text="Ties away from the centre.")
    kind = node_kind(help_text="Actor or body.")
    label = serializers.CharField(help_text="Name of the actor or body.")
    attributes = serializers.ListField(
        child=Pair(serializers.CharField(), Scalar()),
        help_text="Its registry attributes as `[name, value]` pairs sorted by name (those "
        "of an influence-map node: kind, label, category, actor_kind, territory, status, "
        "power, interest, legitimacy, urgency), value a string, an integer or null.",
    )


class ActorNetworkSerializer(AnalysisPlaceSerializer):
    """The ego network of an actor."""

    center = NodeId(help_text="Node of the actor (`a<id>`).")
    radius = serializers.IntegerField(help_text="Ties away.")
    nodes = EgoNodeSerializer(
        many=True, help_text="The nodes within the radius: the actor first, then by distance."
    )
    facts = FactSerializer(many=True, help_text="Every record among them, by (u, v, key).")


class StepSerializer(serializers.Serializer):
    """A node on a path and the records of the hop that reached it."""

    node = NodeId(help_text="Node id.")
    kind = node_kind(help_text="Actor or body.")
    label = serializers.CharField(help_text="Name of the actor or body.")
    facts = FactSerializer(many=True, help_text="Records of the hop into it; none for the start.")


class PathSerializer(serializers.Serializer):
    """A path hop by hop; no steps when there is none."""

    steps = StepSerializer(many=True, help_text="From the source to the target.")
    hops = serializers.IntegerField(help_text="Ties crossed.")
    total_weight = serializers.FloatField(help_text="Sum of the hops' tie strengths.")
    weakest_link = serializers.FloatField(
        allow_null=True, help_text="Strength of the weakest hop; null without hops."
    )


class PathsSerializer(AnalysisHeaderSerializer):
    """How one actor can reach another."""

    source = NodeId(help_text="Node of the `from` actor.")
    target = NodeId(help_text="Node of the `to` actor.")
    found = serializers.BooleanField(help_text="False when they are not connected.")
    shortest = PathSerializer(help_text="Fewest hops (ties: strongest).")
    strongest = PathSerializer(help_text="Least total 1/weight (ties: fewest hops).")
    alternatives = PathSerializer(many=True, help_text="Up to 5 simple paths, strongest first.")


# --- interlocks --------------------------------------------------------------------------


class BodyPairSerializer(serializers.Serializer):
    """Two bodies and their shared members."""

    body_a = NodeId(help_text="The first body in node order.")
    body_b = NodeId(help_text="The other body.")
    shared = serializers.IntegerField(help_text="Members of both.")
    jaccard = serializers.FloatField(help_text="Shared / members of either (1.0: the same people).")
    actors = node_ids("The shared members, in node order.")


class ActorBodiesSerializer(serializers.Serializer):
    """An actor and the bodies it sits in."""

    actor = NodeId(help_text="The actor.")
    count = serializers.IntegerField(help_text="Bodies it sits in.")
    bodies = node_ids("Those bodies, in node order.")


class BodyInterlockSerializer(serializers.Serializer):
    """How entangled a body is with the others."""

    body = NodeId(help_text="The body.")
    members = serializers.IntegerField(help_text="Its current members.")
    linked_bodies = serializers.IntegerField(
        help_text="Other bodies sharing at least one member (whatever `min_shared`)."
    )
    max_jaccard = serializers.FloatField(help_text="Highest Jaccard with another body (0.0: none).")


class InterlocksSerializer(AnalysisHeaderSerializer):
    """Bodies sharing members, and the actors who sit in many bodies."""

    min_shared = serializers.IntegerField(help_text="Pairs listed share at least this many.")
    pairs = BodyPairSerializer(
        many=True, help_text="Most shared first, then highest Jaccard, then node order."
    )
    usual_suspects = ActorBodiesSerializer(
        many=True, help_text="Every member, most bodies first, then node order."
    )
    bodies = BodyInterlockSerializer(many=True, help_text="Every body, in node order.")


# --- stakeholders --------------------------------------------------------------------------


def quadrant_field(**kwargs) -> Vocabulary:
    return Vocabulary(
        "StakeholderQuadrant",
        QUADRANTS,
        about="Mendelow quadrant (power x interest); `unknown` when either is unknown.",
        **kwargs,
    )


def salience_field(**kwargs) -> Vocabulary:
    return Vocabulary(
        "SalienceClass",
        SALIENCE_CLASSES,
        about="Mitchell-Agle-Wood salience class, from the attributes present; `unknown` "
        "when power, legitimacy or urgency is unknown (`missing` says which).",
        **kwargs,
    )


def _score(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class StakeholderEntrySerializer(serializers.Serializer):
    """An actor on the two grids."""

    node = NodeId(help_text="The actor.")
    label = serializers.CharField(help_text="Its name.")
    category = serializers.CharField(allow_blank=True, help_text="Its category code.")
    power = _score("Declared power, else 5 x its PageRank percentile, else null.")
    power_source = Vocabulary(
        "PowerSource",
        POWER_SOURCES,
        about="Where a power score comes from: declared, inferred from the network, or none.",
        help_text="Where `power` comes from.",
    )
    interest = _score("Declared interest (0-5), or null.")
    legitimacy = _score("Declared legitimacy (0-5), or null.")
    urgency = _score("Declared urgency (0-5), or null.")
    quadrant = quadrant_field(help_text="Its Mendelow quadrant.")
    salience = salience_field(help_text="Its salience class.")
    missing = serializers.ListField(
        child=Vocabulary(
            "StakeholderAttribute",
            ATTRIBUTES,
            about="A declared 0-5 attribute of an actor.",
        ),
        help_text="Attributes neither declared nor inferred (counted as absent).",
    )


class StakeholdersSerializer(AnalysisHeaderSerializer):
    """Mendelow and Mitchell-Agle-Wood grids of the territory's actors."""

    threshold = serializers.FloatField(help_text="High / present from this score.")
    entries = StakeholderEntrySerializer(many=True, help_text="Every actor, in node order.")
    quadrant_counts = serializers.ListField(
        child=Pair(
            quadrant_field(),
            serializers.IntegerField(),
        ),
        help_text="`[quadrant, actors]` for every quadrant, in display order, zeros included.",
    )
    salience_counts = serializers.ListField(
        child=Pair(
            salience_field(),
            serializers.IntegerField(),
        ),
        help_text="`[class, actors]` for every class, most salient first, zeros included.",
    )
