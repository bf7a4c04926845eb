"""Actors: persons and organizations, with identifiers, other names and personal data."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Prefetch
from rest_framework import serializers

from api.auth import access_of
from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import (
    MultipleIdFilter,
    RegistryFilterSet,
    WithinTerritoryFilter,
    choice_filter,
)
from api.personal_data_log import log_personal_data_reads
from registry.models import (
    Actor,
    ActorCategory,
    ActorIdentifier,
    ActorKind,
    ActorOtherName,
    IdentifierScheme,
    PersonalData,
)
from registry.services import actors as services


class ActorFilterSet(RegistryFilterSet):
    kind = choice_filter(ActorKind.choices, "kind", "Person or organization")
    category = choice_filter(ActorCategory.choices, "category", "Category")
    territory = WithinTerritoryFilter(
        field_name="territory_id",
        help_text="Actors of this territory or below (id or level:code), both hierarchies.",
    )
    territory_id = MultipleIdFilter(
        field_name="territory_id", help_text="Exactly these territories."
    )
    identifier_scheme = filters.MultipleChoiceFilter(
        field_name="identifiers__scheme",
        choices=IdentifierScheme.choices,
        distinct=True,
        help_text="Actors with an identifier in one of these schemes (repeat for several).",
    )
    identifier = filters.CharFilter(
        field_name="identifiers__value",
        distinct=True,
        help_text="Actors with this identifier value.",
    )
    body = MultipleIdFilter(
        field_name="memberships__body_id", help_text="Actors who sat (or sit) in these bodies."
    )
    power_min = filters.NumberFilter(
        field_name="power", lookup_expr="gte", help_text="Power at least."
    )
    interest_min = filters.NumberFilter(
        field_name="interest", lookup_expr="gte", help_text="Interest at least."
    )
    legitimacy_min = filters.NumberFilter(
        field_name="legitimacy", lookup_expr="gte", help_text="Legitimacy at least."
    )
    urgency_min = filters.NumberFilter(
        field_name="urgency", lookup_expr="gte", help_text="Urgency at least."
    )
    is_pseudonymised = filters.BooleanFilter(help_text="Erased persons.")
    founding_date = filters.DateFromToRangeFilter(
        help_text="Founding date range (_after, _before)."
    )
    dissolution_date = filters.DateFromToRangeFilter(
        help_text="Dissolution date range (_after, _before)."
    )

    search_fields = ("name", "other_names__name", "identifiers__value")

    class Meta:
        model = Actor
        fields = ["id", "kind", "category", "is_pseudonymised"]

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        if "body" in self.form.cleaned_data and self.form.cleaned_data["body"]:
            qs = qs.distinct()
        return qs


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorIdentifier
        fields = ["scheme", "value", "issuer"]
        extra_kwargs = {"issuer": {"required": False}}
        # Uniqueness is the service's to check (it knows whose identifier it is).
        validators = []


class OtherNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorOtherName
        fields = ["name", "note", "start_date", "end_date"]


class PersonalDataSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalData
        fields = [
            "email",
            "phone",
            "postal_address",
            "gender",
            "birth_year",
            "lawful_basis",
            "retention_until",
        ]


class ActorSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="actor-detail", help_text="API URL.")
    identifiers = IdentifierSerializer(
        many=True, required=False, help_text="Identifiers in schemes."
    )
    other_names = OtherNameSerializer(many=True, required=False, help_text="Other names.")
    personal_data = PersonalDataSerializer(
        required=False,
        allow_null=True,
        help_text="Personal data of a person: only with the personal_data scope.",
    )

    expandable = {"territory": "api.resources.territories.TerritorySerializer"}
    scoped_relations = {"territory": "id"}
    display_template = "{name}"  # Actor.__str__

    class Meta:
        model = Actor
        fields = [
            "id",
            "url",
            "display",
            "kind",
            "category",
            "name",
            "given_name",
            "family_name",
            "territory",
            "description",
            "founding_date",
            "dissolution_date",
            "identifiers",
            "other_names",
            "links",
            "sources",
            "power",
            "interest",
            "legitimacy",
            "urgency",
            "personal_data",
            "is_pseudonymised",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_pseudonymised", "created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "kind", "category", "name")

    def get_fields(self):
        # Dropped here, not after __init__, so that for a caller without the scope
        # ``?fields=personal_data`` is an unknown field (400), as for any other name.
        fields = super().get_fields()
        if getattr(self.context.get("view"), "swagger_fake_view", False):
            return fields  # the OpenAPI schema documents it, for keys that have the scope
        request = self.context.get("request")
        if request is None or not access_of(request).has("personal_data"):
            fields.pop("personal_data", None)
        return fields


@document("actor", "actors")
class ActorViewSet(RegistryViewSet):
    """Persons and organizations of the territories."""

    queryset = Actor.objects.select_related("territory").prefetch_related(
        Prefetch("identifiers", queryset=ActorIdentifier.objects.order_by("scheme", "value")),
        Prefetch("other_names", queryset=ActorOtherName.objects.order_by("name")),
    )
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    ordering_fields = ["id", "name", "kind", "category", "created_at", "updated_at"]
    ordering = ("id",)
    service_create = staticmethod(services.actor_create)
    service_update = staticmethod(services.actor_update)
    service_delete = staticmethod(services.actor_delete)
    entity = "actor"
    fast_list = True

    def get_queryset(self):
        qs = super().get_queryset()
        if access_of(self.request).has("personal_data"):
            qs = qs.select_related("personal_data")
        return qs.order_by("id")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method == "GET"
            and response.status_code == 200
            and access_of(request).has("personal_data")
        ):
            # GDPR access log: whose personal data this answer holds, never the data.
            log_personal_data_reads(request=request, actor_ids=_with_personal_data(response.data))
        return response


def _with_personal_data(data) -> list[int]:
    """Ids of the actors of a list page or an object whose personal data is shown."""
    if not isinstance(data, dict):
        return []
    items = data["results"] if isinstance(data.get("results"), list) else [data]
    return [
        item["id"]
        for item in items
        if isinstance(item, dict) and item.get("personal_data") and "id" in item
    ]
