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

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from api.resources.analysis.schemas.fields import NodeId, Pair, Vocabulary
from api.resources.analysis.schemas.network import AnalysisHeaderSerializer
from api.resources.analysis.schemas.renewal_rules import (
    charter_field,
    network_territory_field,
    rules_field,
)
from graph.renewal import (
    AGE_BANDS,
    INDICATOR_CODES,
    INDICATOR_UNITS,
    PARITY_THRESHOLD_ON,
    STATUSES,
)
from registry.models import ActorCategory, BodyStatus, EndReason, ParityRule


def status_field(**kwargs) -> Vocabulary:
    return Vocabulary(
        "RenewalStatus",
        STATUSES,
        about="`ok`, `watch`, `alert`, or `unknown` when the data it needs is missing.",
        **kwargs,
    )


def code_field(**kwargs) -> Vocabulary:
    return Vocabulary(
        "RenewalIndicatorCode",
        INDICATOR_CODES,
        about="A renewal indicator (README, Consultant: what each measures).",
        **kwargs,
    )


def _count(help_text: str, *, required: bool = False) -> serializers.IntegerField:
    return serializers.IntegerField(required=required, help_text=help_text)


def _counts_by(name: str, keys, about: str, what: str) -> type[serializers.Serializer]:
    """An object counting by a closed set of keys (only those counted are present)."""
    fields = {
        key: serializers.IntegerField(required=False, help_text=f"{what} `{key}`.") for key in keys
    }
    return type(f"{name}Serializer", (serializers.Serializer,), {"__doc__": about, **fields})


AgeBandCountsSerializer = _counts_by(
    "AgeBandCounts",
    [label for label, _low, _high in AGE_BANDS],
    "People per age band (from the birth year alone); bands without anyone are left out.",
    "Aged",
)
CategoryCountsSerializer = _counts_by(
    "CategoryCounts",
    ActorCategory.values,
    "Actors per category; categories without anyone are left out.",
    "Of category",
)
DeparturesByReasonSerializer = _counts_by(
    "DeparturesByReason",
    [*EndReason.values, "unknown"],
    "Members who left, per end reason (`unknown` when none was recorded).",
    "Left for the reason",
)


# --- the details of each indicator ----------------------------------------------------------


class MandateDetailSerializer(serializers.Serializer):
    """The body's status and the end of its current term."""

    body_status = Vocabulary("BodyStatusEnum", BodyStatus, help_text="Status of the body.")
    term_end = serializers.DateField(allow_null=True, help_text="End of the current term.")


class VacancyCollegeSerializer(serializers.Serializer):
    """The vacancies of one college."""

    id = serializers.IntegerField(help_text="College id.")
    name = serializers.CharField(help_text="College name.")
    seats = serializers.IntegerField(allow_null=True, help_text="Its seats, if recorded.")
    members = serializers.IntegerField(help_text="Its current members (seat holders).")
    vacancy = serializers.FloatField(allow_null=True, help_text="Share of its seats vacant.")
    status = status_field(help_text="Graded on the body's vacancy thresholds.")


class VacancyDetailSerializer(serializers.Serializer):
    """Seats and members, in total and per college."""

    seats = _count("Seats of the body (or the sum of its colleges').")
    members = _count("Current members holding a seat.")
    colleges = VacancyCollegeSerializer(many=True, required=False, help_text="Per college.")


class MembersDetailSerializer(serializers.Serializer):
    """How many current members the value is computed over."""

    members = _count("Current members holding a seat.")


class BeyondTwoTermsDetailSerializer(serializers.Serializer):
    members = _count("Current members holding a seat.")
    beyond = _count("Of them, in the body for more than two mandates.")
    mandate_years = _count("Mandate length used (years).")
    mandate_assumed = serializers.BooleanField(
        required=False, help_text="True when the body records no mandate length (3 assumed)."
    )


class TurnoverDetailSerializer(serializers.Serializer):
    departures = _count("Members who left before the end of their term, in 12 months.")
    left_by_reason = DeparturesByReasonSerializer(
        required=False, help_text="Everyone who left in 12 months, by reason."
    )
    headcount_start = _count("Members 12 months ago.")
    headcount_end = _count("Members on the date.")
    average_headcount = serializers.FloatField(required=False, help_text="Mean of the two.")


class AttendanceDetailSerializer(serializers.Serializer):
    meetings = _count("Meetings with attendance in 12 months.")
    present = _count("Attendances: present.")
    convened = _count("Attendances recorded (present, excused or absent).")


class AttendanceTrendDetailSerializer(serializers.Serializer):
    meetings = _count("Meetings with attendance in 3 years (3 needed).", required=True)


class MeetingsDetailSerializer(serializers.Serializer):
    meetings = _count("Meetings in the last 12 months.")


class DormancyDetailSerializer(serializers.Serializer):
    last_meeting = serializers.DateField(required=False, help_text="Date of the last meeting.")


class OpinionsIssuedDetailSerializer(serializers.Serializer):
    opinions = _count("Opinions issued in 24 months.")


class OpinionsAnsweredDetailSerializer(serializers.Serializer):
    opinions = _count("Opinions counted (24 months, answered or past the 90-day grace).")
    answered = _count("Of them, answered.")
    pending = _count("Opinions still within the 90-day grace, left out.")


class OpinionsAdoptedDetailSerializer(serializers.Serializer):
    answered = _count("Opinions answered in 24 months.")
    adopted = _count("Of them, adopted or partly adopted.")


class ResponseDelayDetailSerializer(serializers.Serializer):
    answers = _count("Dated answers the median is taken over.")


class ParityDetailSerializer(serializers.Serializer):
    known = _count("Current members whose gender is known.", required=True)
    members = _count("Current members holding a seat.", required=True)
    women = _count("Women among them.")
    men = _count("Men among them.")
    minority_share = serializers.FloatField(
        required=False, help_text="Share of the less represented of women and men."
    )
    rule = Vocabulary(
        "ParityRuleEnum", ParityRule, required=False, help_text="The body's parity rule."
    )
    threshold_on = Vocabulary(
        "ParityThresholdOn",
        PARITY_THRESHOLD_ON,
        about="What the parity thresholds apply to: the seat gap (rule `max_gap_1`, a legal "
        "breach above 1) or the minority share.",
        required=False,
        help_text="What `threshold` applies to.",
    )


class AgeGapDetailSerializer(serializers.Serializer):
    members = AgeBandCountsSerializer(required=False, help_text="Current members per age band.")
    territory = AgeBandCountsSerializer(
        required=False, help_text="The territory's persons per band the body may admit."
    )
    known = _count("Current members whose birth year is known.")


class CategoryGapDetailSerializer(serializers.Serializer):
    members = CategoryCountsSerializer(required=False, help_text="Current members per category.")
    territory = CategoryCountsSerializer(
        required=False, help_text="The territory's persons per category."
    )


class MultiMembershipDetailSerializer(serializers.Serializer):
    members = _count("Current members in the graph.")
    multi_members = _count("Of them, sitting in `min_other_bodies` other bodies or more.")
    min_other_bodies = _count("From how many other bodies a member counts.")


class InterlockDetailSerializer(serializers.Serializer):
    most_interlocked = NodeId(
        allow_null=True, required=False, help_text="The body sharing most (null: none)."
    )
    bodies_sharing = _count("Other bodies sharing at least one member.")


class ReachDetailSerializer(serializers.Serializer):
    touched = _count("Communities the members and their neighbours are in.")
    total = _count("Communities of the territory's graph.")


class DecisionDistanceDetailSerializer(serializers.Serializer):
    members = _count("Current members in the graph.")
    reachable = _count("Of them, connected to a decision-maker.")
    decision_makers = _count("Decision-makers in the graph.")


#: Indicator code -> the serializer of its ``detail``.
DETAILS: dict[str, type[serializers.Serializer]] = {
    "mandate": MandateDetailSerializer,
    "vacancy": VacancyDetailSerializer,
    "tenure_median": MembersDetailSerializer,
    "beyond_two_terms": BeyondTwoTermsDetailSerializer,
    "turnover": TurnoverDetailSerializer,
    "attendance": AttendanceDetailSerializer,
    "attendance_trend": AttendanceTrendDetailSerializer,
    "meetings_per_year": MeetingsDetailSerializer,
    "dormancy": DormancyDetailSerializer,
    "opinions_issued": OpinionsIssuedDetailSerializer,
    "opinions_answered": OpinionsAnsweredDetailSerializer,
    "opinions_adopted": OpinionsAdoptedDetailSerializer,
    "response_delay": ResponseDelayDetailSerializer,
    "parity": ParityDetailSerializer,
    "age_gap": AgeGapDetailSerializer,
    "category_gap": CategoryGapDetailSerializer,
    "multi_membership": MultiMembershipDetailSerializer,
    "interlock": InterlockDetailSerializer,
    "reach": ReachDetailSerializer,
    "concentration": MembersDetailSerializer,
    "decision_distance": DecisionDistanceDetailSerializer,
}
assert list(DETAILS) == list(INDICATOR_CODES), (
    "api.resources.analysis.schemas.renewal.DETAILS must declare the detail of every "
    "indicator of graph.renewal.INDICATOR_CODES, in that order"
)


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
        "(parity: depends on the body's rule).",
    )
    status = status_field(help_text="What the value says against the thresholds.")
    message_en = serializers.CharField(help_text="What the value means and what to do.")
    message_fr = serializers.CharField(help_text="The same, in French.")


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def _indicator(code: str) -> type[serializers.Serializer]:
    name = _camel(code)
    fields = {
        "code": Vocabulary(
            f"{name}IndicatorCode",
            [code],
            about=f"The indicator `{code}`.",
            help_text="Which indicator (the discriminator of `RenewalIndicator`).",
        ),
        "detail": DETAILS[code](help_text="What the value is computed from."),
    }
    doc = f"The renewal indicator `{code}` ({INDICATOR_UNITS[code]})."
    return type(f"{name}IndicatorSerializer", (IndicatorSerializer,), {"__doc__": doc, **fields})


INDICATORS: dict[str, type[serializers.Serializer]] = {
    code: _indicator(code) for code in INDICATOR_CODES
}


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="RenewalIndicator",
        serializers=INDICATORS,
        resource_type_field_name="code",
    )
)
class IndicatorField(serializers.JSONField):
    """One indicator, of the type its ``code`` names."""


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
    summary_en = serializers.CharField(help_text="The score and the alerts, in a sentence.")
    summary_fr = serializers.CharField(help_text="The same, in French.")
    charter = charter_field()
    rules = rules_field()
    network_territory = network_territory_field()


class BodyRenewalSerializer(AnalysisHeaderSerializer, RenewalAssessmentSerializer):
    """The renewal assessment of a body, in the graph of the territory analysed."""


class RenewalRankingSerializer(AnalysisHeaderSerializer):
    """The bodies of a territory ranked by need of renewal."""

    bodies = serializers.IntegerField(help_text="Bodies assessed.")
    ranking = RenewalAssessmentSerializer(
        many=True, help_text="Most urgent first: score (unknown last), alerts, then body id."
    )
