"""Admin of territories, their links, the (read-only) closure table and COG vintage."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin.base import ReadOnlyAdminMixin, TrackedInline, TrackedModelAdmin
from registry.admin.filters import TerritoryValidityFilter, within
from registry.admin.labels import related_column
from registry.admin.scope import scope_of
from registry.models import CogVintage, Territory, TerritoryClosure, TerritoryRelation


class ParentRelationInline(TrackedInline):
    """The territories this one lies within (département, EPCI...)."""

    model = TerritoryRelation
    fk_name = "child"
    fields = ("parent", "kind")
    autocomplete_fields = ("parent",)
    verbose_name = _("lies within")
    verbose_name_plural = _("lies within")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


class ChildRelationInline(TrackedInline):
    """The territories directly inside this one: a list; links are edited on the child's page.

    An EPCI holds up to a few hundred communes: an editable widget per row would
    cost a query each.
    """

    model = TerritoryRelation
    fk_name = "parent"
    fields = ("child", "kind")
    readonly_fields = ("child", "kind")
    verbose_name = _("contains")
    verbose_name_plural = _("contains")
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("child").order_by("child__name")


@admin.register(Territory)
class TerritoryAdmin(TrackedModelAdmin):
    list_display = ("name", "level", "kind", "code", "population", "valid_from", "valid_until")
    list_filter = ("level", "kind", TerritoryValidityFilter, *within(""))
    search_fields = ("name", "^code", "=siren")
    autocomplete_fields = ("successor",)
    inlines = (ParentRelationInline, ChildRelationInline)
    fieldsets = (
        (None, {"fields": ("level", "kind", "code", "name", "siren")}),
        (_("Population"), {"fields": ("population", "population_total", "population_year")}),
        (_("Validity"), {"fields": ("valid_from", "valid_until", "successor")}),
        (_("More"), {"fields": ("extra", "sources", "created_at", "updated_at")}),
    )
    show_full_result_count = False

    def has_add_permission(self, request):
        # A new territory lies nowhere until it is linked: staff limited to a territory
        # change theirs, and a superuser adds territories (or the COG import does).
        return scope_of(request) is None and super().has_add_permission(request)


@admin.register(TerritoryRelation)
class TerritoryRelationAdmin(TrackedModelAdmin):
    list_display = (
        related_column("child", ordering="child__name"),
        "kind",
        related_column("parent", ordering="parent__name"),
    )
    list_filter = ("kind", "parent__level", "child__level")
    list_select_related = ("parent", "child")
    search_fields = ("child__name", "^child__code", "parent__name", "^parent__code")
    autocomplete_fields = ("parent", "child")
    fields = ("parent", "child", "kind", "sources", "created_at", "updated_at")
    show_full_result_count = False


@admin.register(TerritoryClosure)
class TerritoryClosureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived from the relations by ``registry.services.territories``: shown, never edited."""

    territory_path = "descendant_id"

    list_display = (
        related_column("descendant", ordering="descendant__name"),
        related_column("ancestor", ordering="ancestor__name"),
        "path_length",
    )
    list_filter = ("depth", "ancestor__level")
    list_select_related = ("ancestor", "descendant")
    search_fields = ("=ancestor__code", "=descendant__code")
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("depth"), ordering="depth")
    def path_length(self, row):
        return row.depth


@admin.register(CogVintage)
class CogVintageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The COG vintage last imported: written by ``import_territories``, never by hand."""

    list_display = ("vintage", "population_year", "epci_population_year", "imported_on")
    fields = (
        "vintage",
        "population_year",
        "epci_population_year",
        "imported_on",
        "source",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
