"""Participation charters: the thresholds, weights and rules a territory sets for its bodies."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers

from api.auth import access_of
from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import (
    MultipleIdFilter,
    RegistryFilterSet,
    TerritoryRefFilter,
    WithinTerritoryFilter,
    choice_filter,
    today,
)
from api.inputs import StrictCharField
from graph.renewal.indicators import WEIGHT_RANGE
from registry.models import BodyType, Charter, ParityRule, TerritoryClosure
from registry.models.charter import CHARTER_RULES
from registry.services import charters as services


class CharterFilterSet(RegistryFilterSet):
    territory = WithinTerritoryFilter(
        field_name="territory_id",
        help_text="Charters of this territory or below (id or level:code), both hierarchies.",
    )
    territory_id = MultipleIdFilter(
        field_name="territory_id", help_text="Charters of exactly these territories."
    )
    applies_to = TerritoryRefFilter(
        method="filter_applies_to",
        help_text="Charters that govern the bodies of this territory: its own and those of "
        "every territory it lies in (id or level:code).",
    )
    body_type = choice_filter(BodyType.choices, "body_type", "Charters for this body type")
    all_types = filters.BooleanFilter(
        method="filter_all_types",
        help_text="true: only the charters for every body type; false: only those for one.",
    )
    parity_rule = choice_filter(ParityRule.choices, "parity_rule", "Parity rule set")
    as_of = filters.DateFilter(method="filter_as_of", help_text="Charters in force on this date.")
    current = filters.BooleanFilter(method="filter_current", help_text="Charters in force today.")
    valid_from = filters.DateFromToRangeFilter(help_text="Validity start range (_after, _before).")
    valid_until = filters.DateFromToRangeFilter(help_text="Validity end range (_after, _before).")
    mandate_years = filters.NumberFilter(help_text="Mandate length set, in years.")
    min_meetings_per_year = filters.NumberFilter(help_text="Minimum meetings a year set.")
    answer_delay_days = filters.NumberFilter(help_text="Answer delay set, in days.")
    max_consecutive_terms = filters.NumberFilter(help_text="Maximum consecutive terms set.")
    min_age = filters.NumberFilter(help_text="Age rule: youngest age set.")
    max_age = filters.NumberFilter(help_text="Age rule: oldest age set.")

    search_fields = ("name", "adopted_by")

    class Meta:
        model = Charter
        fields = ["id", "body_type", "parity_rule"]

    def filter_applies_to(self, qs, name, value):
        if value is None:
            return qs
        ancestors = TerritoryClosure.objects.filter(descendant_id=value).values("ancestor_id")
        return qs.filter(territory_id__in=ancestors)

    def filter_all_types(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(body_type="") if value else qs.exclude(body_type="")

    def filter_as_of(self, qs, name, value):
        return qs.valid_on(value)

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        valid = qs.valid_on(today())
        return valid if value else qs.exclude(pk__in=valid.values("pk"))


THRESHOLDS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "watch": {"type": "number", "description": "Value from which the body is watched."},
            "alert": {
                "type": "number",
                "description": "Value from which the status is alert: renewal is advised.",
            },
        },
        "additionalProperties": False,
    },
    "description": 'Indicator code -> {"watch": x, "alert": y} (either may be left out).',
    "example": {"meetings_per_year": {"watch": 3, "alert": 2}},
}
WEIGHTS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "type": "number",
        "minimum": WEIGHT_RANGE[0],
        "maximum": WEIGHT_RANGE[1],
    },
    "description": "Indicator code -> weight in the composite score.",
    "example": {"opinions_answered": 2},
}


@extend_schema_field(THRESHOLDS_SCHEMA)
class ThresholdsField(serializers.JSONField):
    """Thresholds by indicator; judged by the renewal engine in the service."""


@extend_schema_field(WEIGHTS_SCHEMA)
class WeightsField(serializers.JSONField):
    """Weights by indicator; judged by the renewal engine in the service."""


@extend_schema_field({"type": "string", "maxLength": 500})
class AddressOrBlankField(StrictCharField):
    """An http(s) address or "" (the model's URL rule decides, in the service).

    Not a URL field: drf-spectacular's oneOf [uri, empty] for a blank URL matches ""
    twice, which a strict validator of the answers refuses.
    """


class CharterSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="charter-detail", help_text="API URL.")
    source_url = AddressOrBlankField(
        max_length=500,
        allow_blank=True,
        required=False,
        help_text="Where the text of the charter is published (an http(s) address), or empty.",
    )
    thresholds = ThresholdsField(
        required=False,
        help_text='Indicator thresholds: code -> {"watch": x, "alert": y}. Errors name the '
        "JSON path at fault (thresholds.parity.watch).",
    )
    weights = WeightsField(required=False, help_text="Indicator weights: code -> weight (>= 0).")

    expandable = {"territory": "api.resources.territories.TerritorySerializer"}
    scoped_relations = {"territory": "id"}

    class Meta:
        model = Charter
        fields = [
            "id",
            "url",
            "display",
            "territory",
            "body_type",
            "name",
            "adopted_by",
            "source_url",
            "valid_from",
            "valid_until",
            "thresholds",
            "weights",
            *(rule.name for rule in CHARTER_RULES),
            "parity_rule",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "name", "territory", "body_type")


@document("charter", "charters")
class CharterViewSet(RegistryViewSet):
    """Participation charters: a territory's rules for its bodies, used by the renewal analysis."""

    queryset = Charter.objects.select_related("territory").order_by("id")
    serializer_class = CharterSerializer
    filterset_class = CharterFilterSet
    ordering_fields = ["id", "name", "body_type", "valid_from", "created_at", "updated_at"]
    service_create = staticmethod(services.charter_create)
    service_update = staticmethod(services.charter_update)
    service_delete = staticmethod(services.charter_delete)
    entity = "charter"

    def get_queryset(self):
        """A territory-limited key reads the charters of its territory and below, and
        also those of the territories above it: they judge its bodies, and its renewal
        answers name them. It writes only the former."""
        territory_id = access_of(self.request).territory_id
        within = super().get_queryset()
        if territory_id is None or self.request.method not in permissions.SAFE_METHODS:
            return within
        return self._readable(territory_id)

    def _readable(self, territory_id: int):
        above = TerritoryClosure.objects.filter(descendant_id=territory_id).values("ancestor_id")
        return self.queryset.filter(
            Q(pk__in=super().get_queryset().values("pk")) | Q(territory_id__in=above)
        )

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            # A charter above the key's territory: readable, so its write is refused as
            # such (403), not answered as missing.
            territory_id = access_of(self.request).territory_id
            if territory_id is not None and self.request.method not in permissions.SAFE_METHODS:
                pk = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
                if self._readable(territory_id).filter(pk=pk).exists():
                    raise exceptions.PermissionDenied(
                        gettext(
                            "This charter belongs to a territory above the one your API key is "
                            "limited to: it can be read, not changed."
                        )
                    ) from None
            raise
