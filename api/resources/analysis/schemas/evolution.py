"""The shape of ``GET /api/analysis/evolution``: a snapshot per date and the changes."""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import NodeId, Pair, Vocabulary
from api.resources.analysis.schemas.renewal_details import code_field, status_field
from graph.evolution import STEPS


def step_field(**kwargs) -> Vocabulary:
    return Vocabulary(
        "EvolutionStep", list(STEPS), about="Step between two dates of an evolution.", **kwargs
    )


def _nodes(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=NodeId(), help_text=help_text)


class _Sentences(serializers.Serializer):
    message_en = serializers.CharField(help_text="What changed and what to do about it.")
    message_fr = serializers.CharField(help_text="The same, in French.")


class EvolutionCommunitySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Leiden community of that date (0: the biggest).")
    size = serializers.IntegerField(help_text="Nodes in it, named or not.")
    members = _nodes("Its nodes, actors then bodies by id (actors out of reach left out).")


class EvolutionIndicatorSerializer(serializers.Serializer):
    code = code_field(help_text="The indicator (README, Consultant).")
    value = serializers.FloatField(allow_null=True, help_text="The measure; null when unknown.")
    status = status_field(help_text="Its status on that date.")


class EvolutionBodySerializer(serializers.Serializer):
    body = NodeId()
    label = serializers.CharField(help_text="The body's name.")
    score = serializers.FloatField(
        allow_null=True, help_text="Renewal score 0-100 (100: most urgent); null when unknown."
    )
    counts = serializers.ListField(
        child=Pair(status_field(), serializers.IntegerField()),
        help_text="`[status, indicators]` for every status.",
    )
    indicators = EvolutionIndicatorSerializer(many=True, help_text="Every indicator's status.")
    linked_bodies = serializers.IntegerField(help_text="Other bodies sharing a member.")
    max_jaccard = serializers.FloatField(help_text="Highest Jaccard index with another body.")


class EvolutionSnapshotSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="Date of the snapshot.")
    nodes = serializers.IntegerField(help_text="Nodes of the collapsed graph.")
    ties = serializers.IntegerField(help_text="Ties of the collapsed graph.")
    communities = EvolutionCommunitySerializer(
        many=True, help_text="Leiden communities (seeded), biggest first."
    )
    core_k = serializers.IntegerField(help_text="Highest core number among actors (0: no tie).")
    core = _nodes("Actors of the main core (core number `core_k`), by id.")
    top_pagerank = serializers.ListField(
        child=Pair(NodeId(), serializers.FloatField()),
        help_text="`[actor, PageRank]` of the most central actors, highest first.",
    )
    bodies = EvolutionBodySerializer(many=True, help_text="Every body assessed on that date.")
    labels = serializers.ListField(
        child=Pair(NodeId(), serializers.CharField()),
        help_text="`[node, name]` of every node named in the snapshot.",
    )


class EvolutionMovesSerializer(_Sentences):
    entered = _nodes("Actors in the set at the last date, not at the first.")
    left = _nodes("Actors in the set at the first date, not at the last.")


class EvolutionMergeSerializer(_Sentences):
    into = serializers.IntegerField(help_text="Community of the last date.")
    sources = serializers.ListField(
        child=serializers.IntegerField(), help_text="Communities of the first date."
    )
    shared = serializers.IntegerField(help_text="Their members present at both dates, in `into`.")


class EvolutionSplitSerializer(_Sentences):
    source = serializers.IntegerField(help_text="Community of the first date.")
    parts = serializers.ListField(
        child=serializers.IntegerField(), help_text="Communities of the last date."
    )
    shared = serializers.IntegerField(help_text="Its members present at both dates, in `parts`.")


class EvolutionInterlockSerializer(_Sentences):
    body = NodeId()
    label = serializers.CharField(help_text="The body's name.")
    linked_first = serializers.IntegerField(help_text="Bodies sharing a member, first date.")
    linked_last = serializers.IntegerField(help_text="Bodies sharing a member, last date.")
    jaccard_first = serializers.FloatField(help_text="Highest Jaccard index, first date.")
    jaccard_last = serializers.FloatField(help_text="Highest Jaccard index, last date.")


class EvolutionStatusChangeSerializer(serializers.Serializer):
    code = code_field(help_text="The indicator.")
    first = status_field(help_text="Its status on the first date.")
    last = status_field(help_text="Its status on the last date.")


class EvolutionScoreMoveSerializer(_Sentences):
    body = NodeId()
    label = serializers.CharField(help_text="The body's name.")
    score_first = serializers.FloatField(
        allow_null=True, help_text="Renewal score on the first date; null when unknown."
    )
    score_last = serializers.FloatField(
        allow_null=True, help_text="Renewal score on the last date; null when unknown."
    )
    delta = serializers.FloatField(
        allow_null=True, help_text="`score_last - score_first`; null when either is unknown."
    )
    changed = EvolutionStatusChangeSerializer(
        many=True, help_text="Indicators whose status changed."
    )


class EvolutionChangesSerializer(serializers.Serializer):
    first = serializers.DateField(help_text="First date compared.")
    last = serializers.DateField(help_text="Last date compared.")
    core = EvolutionMovesSerializer(help_text="Actors who entered or left the main core.")
    top_pagerank = EvolutionMovesSerializer(help_text="Actors who entered or left the top set.")
    merges = EvolutionMergeSerializer(many=True, help_text="Communities that merged.")
    splits = EvolutionSplitSerializer(many=True, help_text="Communities that split.")
    interlocks_grew = EvolutionInterlockSerializer(many=True, help_text="Most new links first.")
    score_moves = EvolutionScoreMoveSerializer(many=True, help_text="Largest |delta| first.")


class EvolutionSerializer(serializers.Serializer):
    """The network and the renewal scores of a territory at each date, and what changed."""

    def get_fields(self):
        # "from" is a Python keyword, so it cannot be a class attribute.
        return {
            "territory_id": serializers.IntegerField(help_text="Territory analysed."),
            "from": serializers.DateField(help_text="First date."),
            "to": serializers.DateField(help_text="Last date."),
            "step": step_field(help_text="Time between two dates."),
            "seed": serializers.IntegerField(help_text="Seed of Leiden."),
            "dates": serializers.ListField(
                child=serializers.DateField(), help_text="Every date, `from` first, `to` last."
            ),
            "snapshots": EvolutionSnapshotSerializer(many=True, help_text="One per date."),
            "changes": EvolutionChangesSerializer(
                help_text="From the first date to the last (README, Consultant)."
            ),
        }
