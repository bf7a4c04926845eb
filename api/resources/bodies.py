"""Participation bodies with their colleges, and colleges on their own."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Prefetch
from django.utils.translation import gettext
from rest_framework import serializers

from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import (
    MultipleIdFilter,
    RegistryFilterSet,
    WithinTerritoryFilter,
    choice_filter,
    today,
)
from registry.models import Body, BodyStatus, BodyType, College, ParityRule, SelectionMode
from registry.services import bodies as services


class BodyFilterSet(RegistryFilterSet):
    body_type = choice_filter(BodyType.choices, "body_type", "Type of body")
    status = choice_filter(BodyStatus.choices, "status", "Status")
    parity_rule = choice_filter(ParityRule.choices, "parity_rule", "Parity rule")
    territory = WithinTerritoryFilter(
        field_name="territory_id",
        help_text="Bodies of this territory or below (id or level:code), both hierarchies.",
    )
    territory_id = MultipleIdFilter(
        field_name="territory_id", help_text="Exactly these territories."
    )
    host = MultipleIdFilter(field_name="host_id", help_text="Bodies run by these host actors.")
    as_of = filters.DateFilter(method="filter_as_of", help_text="Bodies that exist on this date.")
    current = filters.BooleanFilter(method="filter_current", help_text="Bodies that exist today.")
    term_end_before = filters.DateFilter(
        field_name="term_end", lookup_expr="lt", help_text="Current term ends before this date."
    )
    term_end_after = filters.DateFilter(
        field_name="term_end",
        lookup_expr="gte",
        help_text="Current term ends on or after this date.",
    )
    founding_date = filters.DateFromToRangeFilter(
        help_text="Founding date range (_after, _before)."
    )
    dissolution_date = filters.DateFromToRangeFilter(
        help_text="Dissolution date range (_after, _before)."
    )
    seats_min = filters.NumberFilter(
        field_name="seats", lookup_expr="gte", help_text="At least this many seats."
    )
    mandate_years = filters.NumberFilter(help_text="Mandate length in years.")
    term_start = filters.DateFromToRangeFilter(
        help_text="Current term start range (_after, _before)."
    )
    min_age = filters.NumberFilter(help_text="Age rule: youngest age allowed to sit.")
    max_age = filters.NumberFilter(help_text="Age rule: oldest age allowed to sit.")
    member = MultipleIdFilter(
        field_name="memberships__actor_id", help_text="Bodies these actors sat in."
    )

    search_fields = ("name", "description")

    class Meta:
        model = Body
        fields = ["id", "body_type", "status", "parity_rule", "mandate_years"]

    def filter_as_of(self, qs, name, value):
        return qs.active_on(value)

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        active = qs.active_on(today())
        return active if value else qs.exclude(pk__in=active.values("pk"))

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        return qs.distinct() if self.form.cleaned_data.get("member") else qs


class CollegeNestedSerializer(serializers.ModelSerializer):
    class Meta:
        model = College
        fields = ["id", "name", "seats", "selection_mode"]
        read_only_fields = ["id"]
        extra_kwargs = {"id": {"help_text": "Id of the college (/api/colleges/)."}}


class BodySerializer(RegistrySerializer):
    url = ApiUrlField(view_name="body-detail", help_text="API URL.")
    colleges = CollegeNestedSerializer(
        many=True,
        required=False,
        help_text="Colleges of the body. Given on creation; change them later through "
        "/api/colleges/.",
    )
    classification = serializers.SerializerMethodField(help_text="Popolo classification.")

    expandable = {
        "territory": "api.resources.territories.TerritorySerializer",
        "host": "api.resources.actors.ActorSerializer",
    }
    scoped_relations = {"territory": "id", "host": "territory_id"}

    class Meta:
        model = Body
        fields = [
            "id",
            "url",
            "display",
            "name",
            "body_type",
            "classification",
            "territory",
            "host",
            "description",
            "legal_basis",
            "status",
            "founding_date",
            "dissolution_date",
            "mandate_years",
            "term_start",
            "term_end",
            "seats",
            "parity_rule",
            "min_age",
            "max_age",
            "colleges",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "name", "body_type", "status")

    def get_classification(self, obj) -> str:
        return "participation-body"

    def validate(self, attrs):
        if self.instance is not None and "colleges" in attrs:
            raise serializers.ValidationError(
                {"colleges": [gettext("Change colleges through /api/colleges/.")]}
            )
        return attrs


@document("body", "bodies")
class BodyViewSet(RegistryViewSet):
    """Participation bodies (conseils de quartier, CESER, conseils citoyens...)."""

    queryset = Body.objects.select_related("territory", "host").prefetch_related(
        Prefetch("colleges", queryset=College.objects.order_by("name"))
    )
    serializer_class = BodySerializer
    filterset_class = BodyFilterSet
    ordering_fields = ["id", "name", "body_type", "status", "term_end", "created_at", "updated_at"]
    service_create = staticmethod(services.body_create)
    service_update = staticmethod(services.body_update)
    service_delete = staticmethod(services.body_delete)
    entity = "body"

    def get_queryset(self):
        return super().get_queryset().order_by("id")


class CollegeFilterSet(RegistryFilterSet):
    body = MultipleIdFilter(field_name="body_id", help_text="Colleges of these bodies.")
    selection_mode = choice_filter(SelectionMode.choices, "selection_mode", "Selection mode")
    territory = WithinTerritoryFilter(
        field_name="body__territory_id", help_text="Colleges of bodies in this territory or below."
    )
    seats_min = filters.NumberFilter(
        field_name="seats", lookup_expr="gte", help_text="At least this many seats."
    )

    class Meta:
        model = College
        fields = ["id", "selection_mode"]


class CollegeSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="college-detail", help_text="API URL.")
    expandable = {"body": "api.resources.bodies.BodySerializer"}
    scoped_relations = {"body": "territory_id"}

    class Meta:
        model = College
        fields = [
            "id",
            "url",
            "display",
            "body",
            "name",
            "seats",
            "selection_mode",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "name", "seats")

    def validate(self, attrs):
        if (
            self.instance is not None
            and "body" in attrs
            and attrs["body"].pk != self.instance.body_id
        ):
            raise serializers.ValidationError(
                {"body": [gettext("A college cannot move to another body.")]}
            )
        return attrs


@document("college", "colleges")
class CollegeViewSet(RegistryViewSet):
    """Colleges of bodies: groups of seats filled the same way."""

    queryset = College.objects.select_related("body").order_by("id")
    serializer_class = CollegeSerializer
    filterset_class = CollegeFilterSet
    territory_path = "body__territory_id"
    ordering_fields = ["id", "name", "seats"]
    service_create = staticmethod(services.college_create)
    service_update = staticmethod(services.college_update)
    service_delete = staticmethod(services.college_delete)
    entity = "college"
    fixed_on_update = ("body",)
