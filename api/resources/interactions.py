"""Interactions: the ties between actors, and between actors and bodies."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q

from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import MultipleIdFilter, RegistryFilterSet, WithinTerritoryFilter, choice_filter
from registry.models import Direction, Interaction, InteractionType, Sign
from registry.services import interactions as services


class InteractionFilterSet(RegistryFilterSet):
    source = MultipleIdFilter(field_name="source_id", help_text="Ties from these actors.")
    target_actor = MultipleIdFilter(field_name="target_actor_id", help_text="Ties to these actors.")
    target_body = MultipleIdFilter(field_name="target_body_id", help_text="Ties to these bodies.")
    actor = MultipleIdFilter(method="filter_actor", help_text="Ties from or to these actors.")
    interaction_type = choice_filter(InteractionType.choices, "interaction_type", "Type")
    direction = choice_filter(Direction.choices, "direction", "Direction")
    sign = filters.TypedMultipleChoiceFilter(
        choices=Sign.choices, coerce=int, help_text="+1 or -1 (repeat for both)."
    )
    weight_min = filters.NumberFilter(
        field_name="weight", lookup_expr="gte", help_text="Weight at least."
    )
    confidence_min = filters.NumberFilter(
        field_name="confidence", lookup_expr="gte", help_text="Confidence at least (0-1)."
    )
    territory = WithinTerritoryFilter(
        field_name="territory_id", help_text="Ties in this territory or below (id or level:code)."
    )
    as_of = filters.DateFilter(method="filter_as_of", help_text="Ties that hold on this date.")
    start_date = filters.DateFromToRangeFilter(help_text="Start date range.")
    end_date = filters.DateFromToRangeFilter(help_text="End date range.")
    external_id = filters.CharFilter(help_text="Identifier in the client system.")

    search_fields = ("source__name", "target_actor__name", "target_body__name", "source_note")

    class Meta:
        model = Interaction
        fields = ["id", "interaction_type", "direction", "sign", "weight", "external_id"]

    def filter_actor(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(source_id__in=value) | Q(target_actor_id__in=value))

    def filter_as_of(self, qs, name, value):
        return qs.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=value),
            Q(end_date__isnull=True) | Q(end_date__gt=value),
        )


class InteractionSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="interaction-detail", help_text="API URL.")
    expandable = {
        "source": "api.resources.actors.ActorSerializer",
        "target_actor": "api.resources.actors.ActorSerializer",
        "target_body": "api.resources.bodies.BodySerializer",
        "territory": "api.resources.territories.TerritorySerializer",
    }
    scoped_relations = {
        "source": "territory_id",
        "target_actor": "territory_id",
        "target_body": "territory_id",
        "territory": "id",
    }

    class Meta:
        model = Interaction
        fields = [
            "id",
            "url",
            "display",
            "source",
            "target_actor",
            "target_body",
            "interaction_type",
            "direction",
            "weight",
            "sign",
            "start_date",
            "end_date",
            "territory",
            "source_note",
            "confidence",
            "external_id",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        brief_fields = (
            "id",
            "url",
            "display",
            "source",
            "target_actor",
            "target_body",
            "interaction_type",
        )
        validators = []


@document("interaction", "interactions")
class InteractionViewSet(RegistryViewSet):
    """Ties between actors, and from actors to bodies (the influence-map edges)."""

    queryset = Interaction.objects.select_related(
        "source", "target_actor", "target_body", "territory"
    ).order_by("id")
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilterSet
    ordering_fields = ["id", "weight", "start_date", "created_at", "updated_at"]
    service_create = staticmethod(services.interaction_create)
    service_update = staticmethod(services.interaction_update)
    service_delete = staticmethod(services.interaction_delete)
    entity = "interaction"
