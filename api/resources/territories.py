"""Territories: régions to quartiers, by id or natural key (``level:code``)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Count, Max
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action

from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import (
    MultipleIdFilter,
    RegistryFilterSet,
    TerritoryRefFilter,
    choice_filter,
    within_ids,
)
from api.headers import CONDITIONAL_READ, behaves
from api.inputs.references import TerritoryReferenceField
from api.resources import exports
from api.scoping import ACTOR_PATH, Reach
from registry.importers.spreadsheet.columns import ACTOR_FIELDS
from registry.models import (
    Actor,
    ActorIdentifier,
    RelationKind,
    Territory,
    TerritoryKind,
    TerritoryLevel,
)
from registry.params import ParamError, parse_territory_ref
from registry.services import territories as services


class TerritoryFilterSet(RegistryFilterSet):
    level = choice_filter(TerritoryLevel.choices, "level", "Level")
    kind = choice_filter(TerritoryKind.choices, "kind", "Finer kind (EPCI form, qpv)")
    code = filters.BaseInFilter(field_name="code", help_text="Official codes (comma-separated).")
    siren = filters.CharFilter(field_name="siren", help_text="SIREN number.")
    within = TerritoryRefFilter(
        method="filter_within",
        help_text="Territories within this one (id or level:code), at any depth, both "
        "hierarchies; the territory itself included.",
    )
    contains = TerritoryRefFilter(
        method="filter_contains",
        help_text="Territories that contain this one (its ancestors), itself included.",
    )
    as_of = filters.DateFilter(method="filter_as_of", help_text="Territories valid on this date.")
    population_min = filters.NumberFilter(
        field_name="population", lookup_expr="gte", help_text="Population at least."
    )
    population_max = filters.NumberFilter(
        field_name="population", lookup_expr="lte", help_text="Population at most."
    )
    population_total_min = filters.NumberFilter(
        field_name="population_total",
        lookup_expr="gte",
        help_text="Population totale at least.",
    )
    population_total_max = filters.NumberFilter(
        field_name="population_total",
        lookup_expr="lte",
        help_text="Population totale at most.",
    )
    population_year = filters.NumberFilter(
        field_name="population_year", help_text="Year the population figures refer to."
    )
    valid_until_after = filters.DateFilter(
        field_name="valid_until", lookup_expr="gte", help_text="Validity ends on or after."
    )
    valid_from_before = filters.DateFilter(
        field_name="valid_from", lookup_expr="lte", help_text="Validity starts on or before."
    )

    successor = MultipleIdFilter(
        field_name="successor_id",
        help_text="Territories absorbed by these ones (e.g. the communes merged into a "
        "commune nouvelle).",
    )

    search_fields = ("name", "code")

    class Meta:
        model = Territory
        fields = ["id", "level", "kind", "code", "siren"]

    def filter_within(self, qs, name, value):
        return qs if value is None else qs.filter(id__in=within_ids(value))

    def filter_contains(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(descendant_links__descendant_id=value)

    def filter_as_of(self, qs, name, value):
        return qs.valid_on(value)


class ParentLinkSerializer(serializers.Serializer):
    # Scoped: a key limited to a territory attaches new territories under its own only (one
    # link to a parent out of reach would graft it into another tree), and a parent out of
    # reach is refused exactly as one that does not exist.
    territory = TerritoryReferenceField(help_text="The containing territory: id or level:code.")
    kind = serializers.ChoiceField(choices=RelationKind.choices, help_text="Which hierarchy.")


class TerritoryParentSerializer(serializers.Serializer):
    """A direct parent of a territory, in one hierarchy."""

    id = serializers.IntegerField(help_text="The parent's id.")
    level = serializers.ChoiceField(choices=TerritoryLevel.choices, help_text="The parent's level.")
    code = serializers.CharField(help_text="The parent's code at its level.")
    name = serializers.CharField(help_text="The parent's name.")
    kind = serializers.ChoiceField(
        choices=RelationKind.choices,
        help_text="The hierarchy: administrative, intercommunal or municipal.",
    )


class TerritorySerializer(RegistrySerializer):
    url = ApiUrlField(view_name="territory-detail", help_text="API URL.")
    key = serializers.SerializerMethodField(help_text="Natural key, level:code.")
    parents = serializers.SerializerMethodField(
        help_text="Direct parents: [{id, level, code, name, kind}] (administrative, "
        "intercommunal, municipal)."
    )
    parent_links = ParentLinkSerializer(
        many=True, write_only=True, required=False, help_text="On creation: where it lies."
    )

    class Meta:
        model = Territory
        fields = [
            "id",
            "url",
            "display",
            "key",
            "level",
            "code",
            "name",
            "kind",
            "population",
            "population_total",
            "population_year",
            "siren",
            "valid_from",
            "valid_until",
            "successor",
            "parents",
            "parent_links",
            "extra",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["successor", "created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "key", "level", "code", "name")

    scoped_relations = {}

    def get_key(self, obj) -> str:
        return f"{obj.level}:{obj.code}"

    @extend_schema_field(TerritoryParentSerializer(many=True))
    def get_parents(self, obj) -> list[dict]:
        return [
            {
                "id": rel.parent_id,
                "level": rel.parent.level,
                "code": rel.parent.code,
                "name": rel.parent.name,
                "kind": rel.kind,
            }
            for rel in obj.parent_relations.all()
        ]


def _create(*, parent_links=(), **data):
    return services.territory_create(
        parents=[(link["territory"], link["kind"]) for link in parent_links], **data
    )


@document("territory", "territories")
class TerritoryViewSet(RegistryViewSet):
    """Territories (Popolo areas): régions, départements, EPCIs, communes, quartiers..."""

    queryset = Territory.objects.prefetch_related("parent_relations__parent").order_by(
        "level", "code"
    )
    serializer_class = TerritorySerializer
    filterset_class = TerritoryFilterSet
    ordering_fields = ["id", "level", "code", "name", "population", "updated_at"]
    ordering = ("level", "code")
    territory_path = "id"
    lookup_value_regex = r"[0-9]+|[a-z_]+:[^/]+"
    service_create = staticmethod(_create)
    service_update = staticmethod(services.territory_update)
    service_delete = staticmethod(services.territory_delete)
    entity = "territory"
    fixed_on_update = ("parent_links",)

    @extend_schema(
        summary="Actors of a territory, as a spreadsheet",
        description=(
            "Every actor whose territory is this one or lies below it (both hierarchies), "
            "within the key's reach, as a CSV (`Accept: text/csv`, `?format=csv`, the "
            "default) or XLSX file (`Accept: " + exports.XLSX_MEDIA_TYPE + "`, "
            "`?format=xlsx`), in the columns of the actors import "
            "(`POST /api/actors/import/`), so that the file imports back unchanged. Headers, "
            "values and dates in the request's language (`Accept-Language: fr`: French "
            "headers and words, CSV with `;`, UTF-8 with BOM, dates dd/mm/yyyy). One row per "
            "actor: its id always, one identifier (its `external` one, else its first), the "
            "territory by id. No personal data. Files only: the same actors as JSON are "
            "`GET /api/actors/?territory={id}`."
        ),
        parameters=[exports.format_param("csv", "xlsx")],
        responses=exports.file_schema(description="The actors file (attachment)."),
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="actors",
        renderer_classes=list(exports.FILE_RENDERERS),
        filter_backends=[],
        pagination_class=None,
        ordering=None,
    )
    @behaves(CONDITIONAL_READ)
    def actors(self, request, *args, **kwargs):
        territory = self.get_object()
        actors = Reach.of(request).objects(
            Actor.objects.filter(territory_id__in=within_ids(territory.pk)), ACTOR_PATH
        )
        language = exports.language_of(request)
        word = "acteurs" if language == "fr" else "actors"
        sheet = exports.sheet(
            ACTOR_FIELDS,
            exports.actor_rows(actors),
            language=language,
            title=territory.name,
            filename=exports.file_name(territory.name, territory.code, word),
        )
        version = actors.aggregate(n=Count("id"), last=Max("id"), updated=Max("updated_at")) | {
            "identifiers": ActorIdentifier.objects.filter(actor__in=actors).aggregate(
                n=Count("id"), last=Max("id"), updated=Max("updated_at")
            ),
            "territory": territory.pk,
        }
        return exports.file_response(request, sheet, version=version)

    def get_object(self):
        """The territory of the path, an id or ``level:code`` (``registry.params``'s grammar).

        A reference that is not one (an unknown level, ``id:N``) names no territory: 404.
        """
        from django.http import Http404
        from django.shortcuts import get_object_or_404

        try:
            ref = parse_territory_ref(self.kwargs[self.lookup_field])
        except ParamError:
            raise Http404 from None
        if isinstance(ref, int):
            return super().get_object()
        # self.kwargs stays as routed: update() looks the object up twice (If-Match).
        level, code = ref
        obj = get_object_or_404(self.filter_queryset(self.get_queryset()), level=level, code=code)
        self.check_object_permissions(self.request, obj)
        return obj
