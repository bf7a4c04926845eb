"""The ``detail`` of each renewal indicator, one serializer per code (``DETAILS``).

Every count that a rule leaves out of an indicator is declared here with the
rule (``excluded_*`` members), as ``graph.renewal`` reports it.
"""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import NodeId, Vocabulary
from graph.renewal import AGE_BANDS, INDICATOR_CODES, PARITY_THRESHOLD_ON, STATUSES
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
    beyond = _count("Of them, in the body for more than `max_consecutive_terms` mandates.")
    mandate_years = _count("Mandate length used (years): the body's, else the charter's.")
    mandate_assumed = serializers.BooleanField(
        required=False,
        help_text="True when neither the body nor a charter sets the mandate length "
        "(3 years assumed).",
    )
    max_consecutive_terms = _count("Term limit used (rule `max_consecutive_terms`, default 2).")


class TurnoverDetailSerializer(serializers.Serializer):
    departures = _count("Members who left before the end of their term, in 12 months.")
    left_by_reason = DeparturesByReasonSerializer(
        required=False, help_text="Everyone who left in 12 months, by reason."
    )
    excluded_end_of_term = _count(
        "Departures at the end of a term (`term_ended`), left out: the renewal itself."
    )
    headcount_start = _count("Members 12 months ago.")
    headcount_end = _count("Members on the date.")
    average_headcount = serializers.FloatField(required=False, help_text="Mean of the two.")


class AttendanceDetailSerializer(serializers.Serializer):
    meetings = _count("Meetings with attendance in 12 months.")
    present = _count("Attendances: present.")
    convened = _count("Attendances recorded (present, excused or absent).")
    excluded_without_attendance = _count("Meetings without recorded attendance, left out.")


class AttendanceTrendDetailSerializer(serializers.Serializer):
    meetings = _count("Meetings with attendance in 3 years (3 needed).", required=True)
    excluded_without_attendance = _count("Meetings without recorded attendance, left out.")


class MeetingsDetailSerializer(serializers.Serializer):
    meetings = _count("Meetings in the last 12 months.")
    min_meetings_per_year = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="The charter's minimum (rule `min_meetings_per_year`): fewer is an alert; "
        "null: the indicator's thresholds apply.",
    )


class DormancyDetailSerializer(serializers.Serializer):
    last_meeting = serializers.DateField(required=False, help_text="Date of the last meeting.")


class OpinionsIssuedDetailSerializer(serializers.Serializer):
    opinions = _count("Opinions issued in 24 months.")


class OpinionsAnsweredDetailSerializer(serializers.Serializer):
    opinions = _count("Opinions counted (24 months: answered, or older than the answer delay).")
    issued = _count("Opinions issued in 24 months.")
    answered = _count("Of the opinions counted, answered.")
    excluded_recent_unanswered = _count(
        "Unanswered opinions younger than the answer delay, left out (not late yet)."
    )
    answer_delay_days = _count("The answer delay (rule `answer_delay_days`, default 90).")


class OpinionsAdoptedDetailSerializer(serializers.Serializer):
    answered = _count("Opinions answered in 24 months.")
    adopted = _count("Of them, adopted or partly adopted.")


class ResponseDelayDetailSerializer(serializers.Serializer):
    answers = _count("Dated answers the median is taken over.")
    excluded_undated_answers = _count("Answers without a date, left out.")


class ParityDetailSerializer(serializers.Serializer):
    known = _count("Current members whose gender is known.", required=True)
    members = _count("Current members holding a seat.", required=True)
    women = _count("Women among them.")
    men = _count("Men among them.")
    gap = _count("Seats of difference between women and men.")
    minority_share = serializers.FloatField(
        required=False, help_text="Share of the less represented of women and men (the value)."
    )
    rule = Vocabulary(
        "ParityRuleEnum",
        ParityRule,
        required=False,
        help_text="The parity rule applied: the body's own, else its charter's.",
    )
    threshold_on = Vocabulary(
        "ParityThresholdOn",
        PARITY_THRESHOLD_ON,
        about="What the parity thresholds apply to: the minority share, whatever the rule.",
        required=False,
        help_text="What `threshold` applies to.",
    )
    legal_threshold = serializers.FloatField(
        required=False,
        help_text="Rule `max_gap_1`: the minority share a gap of 2 seats gives, (n - 2) / 2n; "
        "at or under it the legal rule is breached.",
    )


class AgeRuleDetailSerializer(serializers.Serializer):
    min_age = serializers.IntegerField(
        allow_null=True, help_text="Minimum age admitted: the body's, else its charter's."
    )
    max_age = serializers.IntegerField(
        allow_null=True, help_text="Maximum age admitted: the body's, else its charter's."
    )
    members = _count("Current members holding a seat.", required=True)
    unknown_birth_year = _count("Of them, with no birth year: left out.")
    outside = _count("Members outside the ages admitted (age = year difference).")


class AgeGapDetailSerializer(serializers.Serializer):
    members = AgeBandCountsSerializer(required=False, help_text="Current members per age band.")
    territory = AgeBandCountsSerializer(
        required=False, help_text="The territory's persons per band the body may admit."
    )
    known = _count("Current members whose birth year is known.")
    unknown_birth_year = _count("Current members with no birth year, left out.")


class CategoryGapDetailSerializer(serializers.Serializer):
    members = CategoryCountsSerializer(required=False, help_text="Current members per category.")
    territory = CategoryCountsSerializer(
        required=False, help_text="The territory's persons per category."
    )
    known = _count("Current members whose category is known.")
    unknown_category = _count("Current members with no category, left out.")


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
    unreachable = _count("Of them, with no path to a decision-maker (counted, not ignored).")
    unreachable_share = serializers.FloatField(required=False, help_text="`unreachable / members`.")
    unreachable_watch = serializers.FloatField(
        required=False, help_text="Share of unreachable members from which the status is watch."
    )
    unreachable_alert = serializers.FloatField(
        required=False, help_text="Share of unreachable members from which the status is alert."
    )
    decision_makers = _count("Decision-makers in the graph.")
    mean_distance = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text="Mean hops of the reachable members (the value); null when none is.",
    )


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
    "age_rule": AgeRuleDetailSerializer,
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
