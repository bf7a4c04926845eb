"""The OpenAPI description of what a renewal assessment says about its rules: the charter
that applied, and every charter rule with its value and source (``graph.renewal.RULES``)."""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import Vocabulary
from graph.renewal import RULES

SOURCE_KINDS = ("charter", "settings", "default", "body")


def source_kind_field(**kwargs) -> Vocabulary:
    return Vocabulary(
        "RenewalSourceKind",
        SOURCE_KINDS,
        about="Where a renewal value came from: a participation charter, the installation "
        "settings, the defaults, or the body's own record (mandate length, parity and age "
        "rules of the body win over a charter).",
        **kwargs,
    )


class RenewalSourceSerializer(serializers.Serializer):
    """A source of renewal values: a participation charter (or the settings, the defaults)."""

    kind = source_kind_field(help_text="What kind of source.")
    id = serializers.IntegerField(allow_null=True, help_text="The charter (null otherwise).")
    name = serializers.CharField(help_text="Its name.")
    territory_id = serializers.IntegerField(
        allow_null=True, required=False, help_text="The territory the charter belongs to."
    )
    body_type = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="The body type the charter is for (null: every type).",
    )
    adopted_by = serializers.CharField(
        allow_blank=True, required=False, help_text="The deliberation that adopted it."
    )
    url = serializers.CharField(allow_blank=True, required=False, help_text="Where to read it.")


class RuleUseSerializer(serializers.Serializer):
    """A charter rule as applied to the body."""

    key = Vocabulary(
        "RenewalRule",
        list(RULES),
        about="A rule of a participation charter that changes what a renewal indicator "
        "counts (README, Consultant, Renewal indicators).",
        help_text="Which rule.",
    )
    value = serializers.JSONField(
        allow_null=True, help_text="Its value (integer, or a code for `parity_rule`); null: unset."
    )
    source_kind = source_kind_field(help_text="Where the value came from.")
    charter_id = serializers.IntegerField(
        allow_null=True, help_text="The charter that set it (null when not a charter)."
    )


def charter_field() -> RenewalSourceSerializer:
    return RenewalSourceSerializer(
        allow_null=True,
        help_text="The charter that governs the body: the nearest applicable one up the "
        "territory DAG (body type first). Values it leaves unset come from the next charter, "
        "the installation settings or the defaults, as `rules` and each indicator's "
        "thresholds say; null when no charter applies.",
    )


def rules_field() -> RuleUseSerializer:
    return RuleUseSerializer(many=True, help_text="Every charter rule, its value and source.")


class NetworkTerritorySerializer(serializers.Serializer):
    """The territory whose graph gave a body's network indicators (``Assessment``'s id,
    rendered with its level, code and name by ``api.analysis.kinds``)."""

    id = serializers.IntegerField(help_text="The territory.")
    level = serializers.CharField(help_text="Its level (commune, epci, quartier...).")
    code = serializers.CharField(help_text="Its official or own code.")
    name = serializers.CharField(help_text="Its name.")


def network_territory_field() -> NetworkTerritorySerializer:
    return NetworkTerritorySerializer(
        allow_null=True,
        help_text=(
            "The territory whose graph gave the network indicators: the territory the "
            "body's host authority governs when the body's territory lies within it, else "
            "the body's own (for a territory-scoped key, its territory when that one lies "
            "beyond it). The same in the single-body answer and in every ranking; null when "
            "the body is in no graph."
        ),
    )
