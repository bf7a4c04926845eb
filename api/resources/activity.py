"""What bodies do: meetings (with attendance) and opinions (with the authority's response)."""

from __future__ import annotations

import django_filters as filters
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext
from rest_framework import serializers

from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import MultipleIdFilter, RegistryFilterSet, WithinTerritoryFilter, choice_filter
from api.inputs.references import ActorReferenceField, RefListSerializer
from registry.models import (
    Attendance,
    Meeting,
    MeetingKind,
    Opinion,
    Referral,
    ResponseOutcome,
)
from registry.services import activity as services


class MeetingFilterSet(RegistryFilterSet):
    body = MultipleIdFilter(field_name="body_id", help_text="Meetings of these bodies.")
    kind = choice_filter(MeetingKind.choices, "kind", "Kind of meeting")
    territory = WithinTerritoryFilter(
        field_name="body__territory_id", help_text="Meetings of bodies in this territory or below."
    )
    date = filters.DateFromToRangeFilter(help_text="Date range (date_after, date_before).")
    attendee = MultipleIdFilter(
        field_name="attendances__actor_id", help_text="Meetings these actors were listed at."
    )

    search_fields = ("title", "notes")

    class Meta:
        model = Meeting
        fields = ["id", "kind"]

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        return qs.distinct() if self.form.cleaned_data.get("attendee") else qs


class AttendanceSerializer(serializers.ModelSerializer):
    actor = ActorReferenceField(help_text="The actor.")

    class Meta:
        model = Attendance
        fields = ["actor", "status"]
        validators = []
        list_serializer_class = RefListSerializer


class MeetingSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="meeting-detail", help_text="API URL.")
    attendance = AttendanceSerializer(
        many=True,
        required=False,
        source="attendances",
        help_text="Who was present, excused or absent; a list given on write replaces it.",
    )

    expandable = {"body": "api.resources.bodies.BodySerializer"}
    scoped_relations = {"body": "territory_id"}

    class Meta:
        model = Meeting
        fields = [
            "id",
            "url",
            "display",
            "body",
            "date",
            "kind",
            "title",
            "notes",
            "attendance",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "body", "date", "kind")

    def validate_attendance(self, value):
        actors = [row["actor"].pk for row in value]
        if len(actors) != len(set(actors)):
            raise serializers.ValidationError(gettext("An actor is listed twice."))
        return value


def _attendance_map(rows) -> dict:
    return {row["actor"]: row["status"] for row in rows}


def _meeting_create(*, body, date, attendances=None, **data):
    return services.meeting_create(
        body=body, date=date, attendance=_attendance_map(attendances or []), **data
    )


def _meeting_update(*, meeting, attendances=None, **data):
    with transaction.atomic():
        changed = services.meeting_update(meeting=meeting, **data)
        if attendances is not None:
            services.attendance_set(meeting=meeting, attendance=_attendance_map(attendances))
        return changed


@document("meeting", "meetings")
class MeetingViewSet(RegistryViewSet):
    """Meetings of bodies, with attendance."""

    queryset = (
        Meeting.objects.select_related("body")
        .prefetch_related(Prefetch("attendances", queryset=Attendance.objects.order_by("actor_id")))
        .order_by("id")
    )
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    territory_path = "body__territory_id"
    ordering_fields = ["id", "date", "created_at", "updated_at"]
    service_create = staticmethod(_meeting_create)
    service_update = staticmethod(_meeting_update)
    service_delete = staticmethod(services.meeting_delete)
    entity = "meeting"
    fixed_on_update = ("body",)


class OpinionFilterSet(RegistryFilterSet):
    body = MultipleIdFilter(field_name="body_id", help_text="Opinions of these bodies.")
    referral = choice_filter(Referral.choices, "referral", "Referral")
    response_outcome = choice_filter(ResponseOutcome.choices, "response_outcome", "Outcome")
    territory = WithinTerritoryFilter(
        field_name="body__territory_id", help_text="Opinions of bodies in this territory or below."
    )
    date = filters.DateFromToRangeFilter(help_text="Issue date range (date_after, date_before).")
    response_date = filters.DateFromToRangeFilter(help_text="Response date range.")
    answered = filters.BooleanFilter(
        field_name="response_date",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: opinions the authority responded to; false: unanswered ones.",
    )

    search_fields = ("title", "summary")

    class Meta:
        model = Opinion
        fields = ["id", "referral", "response_outcome"]


class OpinionSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="opinion-detail", help_text="API URL.")
    expandable = {"body": "api.resources.bodies.BodySerializer"}
    scoped_relations = {"body": "territory_id"}

    class Meta:
        model = Opinion
        fields = [
            "id",
            "url",
            "display",
            "body",
            "date",
            "title",
            "summary",
            "referral",
            "response_date",
            "response_outcome",
            "response_note",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "body", "date", "title")


@document("opinion", "opinions")
class OpinionViewSet(RegistryViewSet):
    """Opinions (avis) of bodies and the authority's responses."""

    queryset = Opinion.objects.select_related("body").order_by("id")
    serializer_class = OpinionSerializer
    filterset_class = OpinionFilterSet
    territory_path = "body__territory_id"
    ordering_fields = ["id", "date", "response_date", "created_at", "updated_at"]
    service_create = staticmethod(services.opinion_create)
    service_update = staticmethod(services.opinion_update)
    service_delete = staticmethod(services.opinion_delete)
    entity = "opinion"
    fixed_on_update = ("body",)
