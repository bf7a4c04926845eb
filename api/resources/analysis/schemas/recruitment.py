"""The shape of a body's recruitment pool (rendered by ``api.analysis.recruitment`` from
``graph.recruitment.Pool``). Codes come from ``graph.recruitment.rules``."""

from __future__ import annotations

from rest_framework import serializers

from api.resources.analysis.schemas.fields import Vocabulary
from api.resources.analysis.schemas.network import AnalysisHeaderSerializer
from api.resources.analysis.schemas.renewal_details import code_field, status_field
from api.resources.analysis.schemas.renewal_rules import network_territory_field
from graph.recruitment.rules import DIMENSIONS, EXCLUSIONS, REASONS
from graph.renewal import AGE_BANDS
from registry.models import ActorCategory, ActorKind

CONTACTS = ("allowed", "organization", "not_recorded")
PROFILE_SOURCES = ("members", "name", "open")
CHANNELS = ("email", "phone", "postal_address")


class RecruitmentGapSerializer(serializers.Serializer):
    dimension = Vocabulary(
        "RecruitmentDimension",
        [d for d, _p in DIMENSIONS],
        about="`community`, `category`, `sub_territory`; `age_band` and `gender` only with "
        "the `personal_data` scope.",
        help_text="What the gap is about.",
    )
    value = serializers.CharField(
        help_text="The value under-represented: a community number, a category code, a "
        "territory `level:code`, an age band, `female` or `male`."
    )
    label = serializers.CharField(
        help_text="Its name (a community: its most central actor of the territory)."
    )
    territory_share = serializers.FloatField(
        help_text="Its share in the reference (the territory; parity for gender), 0-1."
    )
    body_share = serializers.FloatField(help_text="Its share among the body's members, 0-1.")
    shortfall = serializers.FloatField(
        help_text="territory_share − body_share (a gap from 0.10, the gap rule)."
    )


class RecruitmentCollegeSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text="Id of the college; null: the body's own seats (no college)."
    )
    name = serializers.CharField(help_text="Its name.")
    seats = serializers.IntegerField(allow_null=True, help_text="Its seats; null: unknown.")
    members = serializers.IntegerField(help_text="Current seat-holders.")
    vacant = serializers.IntegerField(help_text="Vacant seats (0 when seats are unknown).")
    profile_source = Vocabulary(
        "RecruitmentProfileSource",
        PROFILE_SOURCES,
        about="`members`: its members, current and past; `name`: its name (no member ever "
        "recorded); `open`: nothing to go by, anyone fits.",
        help_text="Where `categories` comes from.",
    )
    categories = serializers.ListField(
        child=Vocabulary("CategoryEnum", ActorCategory),
        help_text="Categories that usually fill it, most frequent first.",
    )


class RecruitmentReasonSerializer(serializers.Serializer):
    code = Vocabulary(
        "RecruitmentReasonCode",
        [r.code for r in REASONS],
        about="Why a candidate is proposed (README, Consultant: the weights).",
        help_text="The reason.",
    )
    weight = serializers.FloatField(help_text="Its weight in the score.")
    message_en = serializers.CharField(help_text="The reason, in English.")
    message_fr = serializers.CharField(help_text="The same, in French.")


class RecruitmentChannelSerializer(serializers.Serializer):
    channel = Vocabulary(
        "ContactChannel", CHANNELS, about="A contact channel.", help_text="The channel."
    )
    value = serializers.CharField(help_text="The contact detail.")


class RecruitmentCandidateSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = approach first.")
    actor_id = serializers.IntegerField(help_text="Id of the actor.")
    name = serializers.CharField(help_text="Its name.")
    kind = Vocabulary("ActorKindEnum", ActorKind, help_text="Person or organization.")
    category = Vocabulary("CategoryEnum", ActorCategory, help_text="Its category.")
    territory = serializers.CharField(help_text="Its territory, `level:code`.")
    community = serializers.IntegerField(
        allow_null=True, help_text="Its community in the territory's graph."
    )
    seats = serializers.IntegerField(help_text="Other bodies of the territory it sits in now.")
    score = serializers.FloatField(help_text="Sum of its reasons' weights.")
    college_id = serializers.IntegerField(
        allow_null=True, help_text="The college it would fill; null: none, or no college."
    )
    contact = Vocabulary(
        "RecruitmentContact",
        CONTACTS,
        about="`allowed`: a person whose lawful basis allows a contact; `organization`: "
        "through its own channels; `not_recorded`: a person of whom no personal data is "
        "held (approach through an organization or a public call). Null for a person "
        "without the `personal_data` scope (whether personal data are held is one).",
        allow_null=True,
        help_text="How it may be approached; null for a person without the `personal_data` scope.",
    )
    reasons = RecruitmentReasonSerializer(many=True, help_text="Why it is proposed.")
    gender = serializers.CharField(
        allow_null=True, help_text="With the `personal_data` scope: its gender; else null."
    )
    age_band = Vocabulary(
        "RecruitmentAgeBand",
        [band for band, _lo, _hi in AGE_BANDS],
        about="An age band.",
        allow_null=True,
        help_text="With the `personal_data` scope: its age band; else null.",
    )
    channels = RecruitmentChannelSerializer(
        many=True,
        help_text="With the `personal_data` scope, for `contact` = `allowed`: its contact "
        "details; else empty.",
    )


class RecruitmentExcludedSerializer(serializers.Serializer):
    """Actors of the territory left out of the pool, by reason (each counted once)."""

    host_authority = serializers.IntegerField(
        help_text="The authority that runs the body (its host), when of the territory: 0 or 1."
    )
    already_member = serializers.IntegerField(help_text="Already members of the body.")
    multi_membership = serializers.IntegerField(help_text="Already in 3 or more other bodies.")
    lawful_basis = serializers.IntegerField(
        help_text="Persons whose lawful basis does not allow a contact (only `consent` and "
        "`public_task` do)."
    )
    retention_passed = serializers.IntegerField(
        help_text="Persons whose data's retention date is passed."
    )
    erased = serializers.IntegerField(help_text="Persons erased (pseudonymised).")


assert list(RecruitmentExcludedSerializer().fields) == list(EXCLUSIONS), "follow EXCLUSIONS"


class RecruitmentChangeSerializer(serializers.Serializer):
    code = code_field(help_text="The indicator.")
    value_before = serializers.FloatField(allow_null=True, help_text="Its value now.")
    status_before = status_field(help_text="Its status now.")
    value_after = serializers.FloatField(allow_null=True, help_text="With the seated candidates.")
    status_after = status_field(help_text="Its status with them.")


class RecruitmentSeatingSerializer(serializers.Serializer):
    actor_id = serializers.IntegerField(help_text="The candidate seated.")
    college_id = serializers.IntegerField(
        allow_null=True, help_text="The college; null: outside any."
    )


class RecruitmentSimulationSerializer(serializers.Serializer):
    top = serializers.IntegerField(help_text="Candidates seated.")
    seated = RecruitmentSeatingSerializer(many=True, help_text="Who takes which seat.")
    score_before = serializers.FloatField(allow_null=True, help_text="Renewal score now.")
    score_after = serializers.FloatField(allow_null=True, help_text="With them.")
    indicators = RecruitmentChangeSerializer(many=True, help_text="Every indicator, both ways.")


class BodyRecruitmentSerializer(AnalysisHeaderSerializer):
    network_territory = network_territory_field()
    body_id = serializers.IntegerField(help_text="Id of the body.")
    body_name = serializers.CharField(help_text="Its name.")
    personal_data = serializers.BooleanField(
        help_text="Whether gender and age were used (the `personal_data` scope)."
    )
    criteria_left_out = serializers.ListField(
        child=serializers.CharField(),
        help_text="Criteria not used for want of the `personal_data` scope.",
    )
    vacant_seats = serializers.IntegerField(
        allow_null=True, help_text="Vacant seats of the body; null: seats unknown."
    )
    gaps = RecruitmentGapSerializer(many=True, help_text="What the body under-represents.")
    colleges = RecruitmentCollegeSerializer(many=True, help_text="Per college, its vacancies.")
    candidates_total = serializers.IntegerField(help_text="Candidates ranked.")
    candidates = RecruitmentCandidateSerializer(many=True, help_text="The first `limit`.")
    excluded = RecruitmentExcludedSerializer(help_text="Left out, by reason.")
    unranked = serializers.IntegerField(help_text="Actors with no reason to be proposed.")
    simulation = RecruitmentSimulationSerializer(
        help_text="The body's indicators before and after the top `top` take the seats."
    )
