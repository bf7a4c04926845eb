"""The shape of a body's strengths: one component per code, like the indicators.

``StrengthSerializer`` is what every strength has; each code has its own
``detail`` (``DETAILS``, checked against ``graph.renewal.strengths.STRENGTH_CODES``
on import) and ``RenewalStrength`` is their ``oneOf`` with ``code`` as
discriminator. Detail members are not required: a strength whose status is
``unknown`` gives only what it could count.
"""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import Vocabulary, by_code
from graph.renewal.strengths import STRENGTH_CODES, STRENGTH_STATUSES, STRENGTH_UNITS
from graph.renewal.strengths.opinions import REFERRALS


def _count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, help_text=help_text)


def _share(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(required=False, help_text=help_text)


class OpinionCountsSerializer(serializers.Serializer):
    """The opinions of one referral kind in the window."""

    issued = serializers.IntegerField(help_text="Opinions issued.")
    adopted = serializers.IntegerField(help_text="Of them, adopted.")
    partially_adopted = serializers.IntegerField(help_text="Of them, partly adopted.")


ReferralBreakdownSerializer = type(
    "ReferralBreakdownSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The opinions of the window by referral kind (every kind present).",
        **{kind: OpinionCountsSerializer(help_text=f"Referral `{kind}`.") for kind in REFERRALS},
    },
)


class OpinionsTakenUpDetailSerializer(serializers.Serializer):
    window_months = _count("The window (months back from the date).")
    issued = _count("Opinions issued in the window.")
    adopted = _count("Of them, adopted.")
    partially_adopted = _count("Of them, partly adopted.")
    by_referral = ReferralBreakdownSerializer(required=False, help_text="By referral kind.")


class InitiativeDetailSerializer(serializers.Serializer):
    window_months = _count("The window (months back from the date).")
    self_referrals = _count("Self-referral opinions issued in the window.")
    taken_up = _count("Of them, adopted or partly adopted.")


class ReferralShareDetailSerializer(serializers.Serializer):
    window_months = _count("The window (months back from the date).")
    host_referrals = _count("Opinions the host authority referred to all its bodies.")
    host_bodies = _count("Bodies the host runs on the date (the even share's divisor).")
    received = _count("Of the referrals, those to this body.")
    even_share = _share("1 / host_bodies: the threshold.")


class NewcomersDetailSerializer(serializers.Serializer):
    entry_years = _count("The window of the entrants (years back from the date).")
    entrants = _count("Actors whose first seat here started in the window.")
    newcomers = _count("Of them, with no earlier seat in any other body.")
    newcomers_seated = _count("Of the newcomers, still seated on the date.")
    later_sat_elsewhere = _count("Of the newcomers, who later took a seat in another body.")


class NewcomersOnwardDetailSerializer(serializers.Serializer):
    entry_years = _count("The window of the entrants (years back from the date).")
    newcomers = _count("Newcomers of the window.")
    later_sat_elsewhere = _count("Of them, who later took a seat in another body (the value).")


class UnderRepresentedGroupSerializer(serializers.Serializer):
    """A group under-represented in the territory's other bodies (aggregates only)."""

    group = serializers.CharField(
        help_text="The group: an actor category, an age band, `female`/`male`, or a "
        "sub-territory `level:code`."
    )
    members = serializers.IntegerField(help_text="The body's current members in it.")
    share_here = serializers.FloatField(help_text="Their share of the body's known members.")
    share_other_bodies = serializers.FloatField(
        help_text="The group's share among the other bodies' members (distinct persons)."
    )
    share_territory = serializers.FloatField(
        help_text="Its share in the territory's persons (parity for genders)."
    )


class DiversityDetailSerializer(serializers.Serializer):
    members = _count("Current members of the body.")
    known = _count("Of them, whose value is known.")
    other_bodies_members = _count("Distinct members of the other bodies with a known value.")
    under_represented = UnderRepresentedGroupSerializer(
        many=True, required=False, help_text="The groups under-represented in the other bodies."
    )


class CommunityReachDetailSerializer(serializers.Serializer):
    touched = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Communities touched."
    )
    only_this_body = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Of them, touched by no other body of the territory.",
    )
    total = _count("Communities of the territory's graph.")
    other_bodies = _count("Other bodies of the territory's graph.")


#: Strength code -> the serializer of its ``detail``.
DETAILS: dict[str, type[serializers.Serializer]] = {
    "opinions_taken_up": OpinionsTakenUpDetailSerializer,
    "initiative": InitiativeDetailSerializer,
    "referral_share": ReferralShareDetailSerializer,
    "newcomers": NewcomersDetailSerializer,
    "newcomers_onward": NewcomersOnwardDetailSerializer,
    "diversity_categories": DiversityDetailSerializer,
    "diversity_ages": DiversityDetailSerializer,
    "diversity_genders": DiversityDetailSerializer,
    "diversity_places": DiversityDetailSerializer,
    "community_reach": CommunityReachDetailSerializer,
}
assert list(DETAILS) == list(STRENGTH_CODES), (
    "api.resources.analysis.schemas.strengths.DETAILS must declare the detail of every "
    "strength of graph.renewal.strengths.STRENGTH_CODES, in that order"
)


class StrengthSerializer(serializers.Serializer):
    """What every strength has; ``code`` and ``detail`` are set per strength."""

    value = serializers.FloatField(
        allow_null=True, help_text="The figure, in `unit`; null when unknown."
    )
    unit = Vocabulary(
        "RenewalStrengthUnit",
        sorted(set(STRENGTH_UNITS.values())),
        about="Unit of a strength's value.",
        help_text="Unit of `value` (always the same for one strength).",
    )
    threshold = serializers.FloatField(
        allow_null=True,
        help_text="From this value (inclusive) the figure is a strength; `referral_share`: "
        "the even share of the host's bodies; null when it cannot be set.",
    )
    status = Vocabulary(
        "RenewalStrengthStatus",
        STRENGTH_STATUSES,
        about="`strength` (threshold reached), `none` (known, below it) or `unknown` (the "
        "data it needs is missing).",
        help_text="What the value says against the threshold.",
    )
    message_en = serializers.CharField(help_text="What the figure means and what to do.")
    message_fr = serializers.CharField(help_text="The same, in French.")


STRENGTHS, StrengthField = by_code(
    "Strength", STRENGTH_CODES, STRENGTH_UNITS, StrengthSerializer, DETAILS
)
