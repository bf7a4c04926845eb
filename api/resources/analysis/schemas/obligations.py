"""The shape of an obligations check (rendered by ``api.analysis.obligations``)."""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import Vocabulary
from api.resources.analysis.schemas.network import AnalysisPlaceSerializer
from registry.models import (
    BodyType,
    Comparator,
    ObligationCondition,
    PopulationMeasure,
    TerritoryLevel,
)
from registry.obligations.evaluate import STATUSES

REQUIREMENTS = ("mandatory", "optional", "unknown")


def status_field(**kwargs) -> Vocabulary:
    return Vocabulary(
        "ObligationStatus",
        STATUSES,
        about="`met` (an active body of the type serves the territory), `missing` (mandatory "
        "and none), `optional` (the law allows it, none exists), `unknown` (the population or "
        "the condition is not in the data, and no body exists).",
        **kwargs,
    )


def measure_field(**kwargs) -> Vocabulary:
    return Vocabulary("PopulationMeasureEnum", PopulationMeasure, **kwargs)


class ObligationCountsSerializer(serializers.Serializer):
    met = serializers.IntegerField(help_text="Obligations met.")
    missing = serializers.IntegerField(help_text="Mandatory obligations no body meets.")
    optional = serializers.IntegerField(help_text="Optional bodies not created.")
    unknown = serializers.IntegerField(help_text="Obligations the data cannot decide.")


class ObligationRuleCountsSerializer(ObligationCountsSerializer):
    rule = serializers.IntegerField(help_text="Id of the rule (see `rules`).")
    code = serializers.CharField(help_text="Code of the rule.")


class ObligationSummarySerializer(ObligationCountsSerializer):
    """Counts over every applicable obligation of the territory and below (before the
    `status`, `body_type`, `limit` and `offset` parameters)."""

    total = serializers.IntegerField(help_text="Applicable obligations.")
    by_rule = ObligationRuleCountsSerializer(many=True, help_text="The same counts per rule.")


class ObligationRuleSerializer(serializers.Serializer):
    """A rule in force on the date (``registry.models.LegalObligation``)."""

    id = serializers.IntegerField(help_text="Id of the rule.")
    code = serializers.CharField(help_text="Stable code of the rule across its versions.")
    body_type = Vocabulary("BodyTypeEnum", BodyType, help_text="Body the rule requires.")
    body_type_label = serializers.CharField(help_text="Its label, in the answer's language.")
    legal_basis = serializers.CharField(help_text="The article, e.g. `CGCT art. L2143-1`.")
    legal_url = serializers.URLField(help_text="The text on Légifrance.")
    level = Vocabulary("LevelEnum", TerritoryLevel, help_text="Territories it applies to.")
    kind = serializers.CharField(help_text="Only territories of this kind (empty: any).")
    skip_municipal_arrondissements = serializers.BooleanField(
        help_text="Not for communes with arrondissements municipaux (another rule applies to "
        "each arrondissement)."
    )
    overseas_collectivities = serializers.BooleanField(
        help_text="Also in the overseas collectivities (zone `com` of the COG), which their own "
        "statutes govern."
    )
    population_measure = measure_field(help_text="The population the law counts.")
    comparator = Vocabulary(
        "ObligationComparator", Comparator, help_text="How the population meets the threshold."
    )
    mandatory_from = serializers.IntegerField(
        allow_null=True, help_text="Mandatory threshold; null: every such territory."
    )
    optional_from = serializers.IntegerField(
        allow_null=True, help_text="Optional from this population (inclusive); null: no band."
    )
    condition = Vocabulary(
        "ObligationConditionCode",
        ObligationCondition.values,
        about="`or_has_qpv`: mandatory also with a QPV; `transport_or_planning`: only for an "
        "EPCI holding that competence; empty: none.",
        help_text="Extra condition of the text.",
    )
    note = serializers.CharField(help_text="What the rule says beyond the data.")
    valid_from = serializers.DateField(allow_null=True, help_text="In force from.")
    valid_until = serializers.DateField(allow_null=True, help_text="In force until (excluded).")


class ObligationTerritorySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the territory.")
    level = Vocabulary("LevelEnum", TerritoryLevel, help_text="Its level.")
    kind = serializers.CharField(help_text="Kind within the level (empty: none).")
    code = serializers.CharField(help_text="Its official code within the level.")
    name = serializers.CharField(help_text="Its name.")


class ObligationPopulationSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text="The population figure used.")
    measure = measure_field(help_text="Its measure.")
    year = serializers.IntegerField(
        allow_null=True, help_text="Its reference year (census millésime), where recorded."
    )


class ObligationBodySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the body.")
    name = serializers.CharField(help_text="Its name.")


class ObligationEntrySerializer(serializers.Serializer):
    """One obligation of one territory."""

    territory = ObligationTerritorySerializer(help_text="The territory the obligation is of.")
    rule = serializers.IntegerField(help_text="Id of the rule applied (see `rules`).")
    code = serializers.CharField(help_text="Its code.")
    body_type = Vocabulary("BodyTypeEnum", BodyType, help_text="Body the rule requires.")
    legal_basis = serializers.CharField(help_text="The article of the rule.")
    requirement = Vocabulary(
        "ObligationRequirement",
        REQUIREMENTS,
        about="What the law asks of this territory: `mandatory`, `optional`, or `unknown`.",
        help_text="What the law asks of this territory.",
    )
    status = status_field(help_text="Whether a body meets it.")
    threshold = serializers.IntegerField(
        allow_null=True,
        help_text="The threshold that decided (mandatory, or optional in the band); null: none.",
    )
    comparator = Vocabulary(
        "ObligationComparator", Comparator, help_text="How the population meets the threshold."
    )
    measure_asked = measure_field(help_text="The measure the rule counts.")
    measure_used = measure_field(
        allow_null=True,
        help_text="The measure used: the one asked when recorded, else the other (see `note`).",
    )
    population = ObligationPopulationSerializer(
        allow_null=True, help_text="The figure used; null when none is recorded."
    )
    bodies = ObligationBodySerializer(many=True, help_text="The active bodies that meet it.")
    note = serializers.CharField(help_text="Explanations, in the answer's language.")


class ObligationsSerializer(AnalysisPlaceSerializer):
    language = Vocabulary(
        "AnswerLanguage",
        ["en", "fr"],
        about="`en` or `fr`.",
        help_text="Language of the labels and notes (after Accept-Language).",
    )
    summary = ObligationSummarySerializer(help_text="Counts by status, overall and per rule.")
    rules = ObligationRuleSerializer(many=True, help_text="The rules in force on `as_of`.")
    count = serializers.IntegerField(help_text="Obligations kept by `status` and `body_type`.")
    offset = serializers.IntegerField(help_text="Obligations skipped (the `offset` parameter).")
    limit = serializers.IntegerField(help_text="Most obligations listed (the `limit` parameter).")
    obligations = ObligationEntrySerializer(
        many=True, help_text="The page: territories from the top level down, then by code."
    )
