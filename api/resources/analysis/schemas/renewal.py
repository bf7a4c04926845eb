"""The shape of a renewal assessment: every indicator with its own details.

An indicator is one component per code (``MandateIndicator``...), all of one
shape but for ``detail``, and ``RenewalIndicator`` is their ``oneOf`` with
``code`` as discriminator, so a generated client reads each indicator's details
as their own type. The codes, statuses, units and age bands come from
``graph.renewal``; ``DETAILS`` must name every code of ``INDICATOR_CODES``
(checked on import). A detail member marked not required is left out when the
indicator's status is ``unknown`` (the data it counts is missing).
"""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import Pair, Vocabulary, by_code
from api.resources.analysis.schemas.network import AnalysisHeaderSerializer
from api.resources.analysis.schemas.renewal_details import DETAILS, code_field, status_field
from api.resources.analysis.schemas.renewal_rules import (
    charter_field,
    network_territory_field,
    rules_field,
)
from api.resources.analysis.schemas.strengths import StrengthField
from graph.renewal import INDICATOR_CODES, INDICATOR_UNITS

# --- the indicators --------------------------------------------------------------------------


class IndicatorSerializer(serializers.Serializer):
    """What every indicator has; ``code`` and ``detail`` are set per indicator."""

    value = serializers.FloatField(
        allow_null=True, help_text="The measure, in `unit`; null when unknown."
    )
    unit = Vocabulary(
        "RenewalUnit",
        sorted(set(INDICATOR_UNITS.values())),
        about="Unit of an indicator's value.",
        help_text="Unit of `value` (always the same for one indicator).",
    )
    threshold = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        min_length=2,
        max_length=2,
        help_text="`[watch, alert]` (inclusive); null where the indicator has none "
        "(parity: depends on the rule applied; meetings_per_year: `[null, minimum - 1]` under "
        "a charter's minimum).",
    )
    status = status_field(help_text="What the value says against the thresholds.")
    message_en = serializers.CharField(help_text="What the value means and what to do.")
    message_fr = serializers.CharField(help_text="The same, in French.")


INDICATORS, IndicatorField = by_code(
    "Indicator", INDICATOR_CODES, INDICATOR_UNITS, IndicatorSerializer, DETAILS
)


class RenewalAssessmentSerializer(serializers.Serializer):
    """The renewal assessment of one body."""

    body_id = serializers.IntegerField(help_text="The body.")
    body_name = serializers.CharField(help_text="Its name.")
    as_of = serializers.DateField(help_text="Date of the assessment.")
    score = serializers.FloatField(
        allow_null=True,
        help_text="0-100, 100 the most urgent renewal; null when no indicator is known.",
    )
    indicators = serializers.ListField(
        child=IndicatorField(), help_text="Every indicator, in the order of the README's table."
    )
    weights = serializers.ListField(
        child=Pair(code_field(), serializers.FloatField()),
        help_text="`[code, weight]` used in the score: renormalised over the known indicators.",
    )
    counts = serializers.ListField(
        child=Pair(status_field(), serializers.IntegerField()),
        help_text="`[status, indicators]` for every status (ok, watch, alert, unknown).",
    )
    summary_en = serializers.CharField(
        help_text="The score and the alerts, in a sentence, then the strengths reached."
    )
    summary_fr = serializers.CharField(help_text="The same, in French.")
    charter = charter_field()
    rules = rules_field()
    network_territory = network_territory_field()
    strengths = serializers.ListField(
        child=StrengthField(),
        help_text="What the body achieved, beside the indicators: every strength, in the order "
        "of the README's table (Consultant, Strengths); not part of the score.",
    )


class BodyRenewalSerializer(AnalysisHeaderSerializer, RenewalAssessmentSerializer):
    """The renewal assessment of a body, in the graph of the territory analysed."""


class RenewalRankingSerializer(AnalysisHeaderSerializer):
    """The bodies of a territory ranked by need of renewal."""

    bodies = serializers.IntegerField(help_text="Bodies assessed.")
    ranking = RenewalAssessmentSerializer(
        many=True, help_text="Most urgent first: score (unknown last), alerts, then body id."
    )
