"""Admin of interactions, the edges of the influence maps."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin.base import TrackedModelAdmin
from registry.admin.filters import CurrentFilter, within
from registry.admin.labels import related_column
from registry.models import Interaction


class InteractionPeriodFilter(CurrentFilter):
    title = _("interaction period")


class TargetKindFilter(admin.SimpleListFilter):
    title = _("target")
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return [("actor", _("An actor")), ("body", _("A body"))]

    def queryset(self, request, queryset):
        if self.value() == "actor":
            return queryset.filter(target_actor__isnull=False)
        if self.value() == "body":
            return queryset.filter(target_body__isnull=False)
        return queryset


@admin.register(Interaction)
class InteractionAdmin(TrackedModelAdmin):
    list_display = (
        "id",
        related_column("source", ordering="source__name"),
        "interaction_type",
        "target",
        "direction",
        "weight",
        "sign",
        "start_date",
        "end_date",
        related_column("territory", ordering="territory__name"),
    )
    list_display_links = ("id",)
    list_filter = (
        "interaction_type",
        TargetKindFilter,
        "direction",
        "sign",
        "weight",
        InteractionPeriodFilter,
        *within("territory"),
    )
    list_select_related = ("source", "target_actor", "target_body", "territory")
    search_fields = ("source__name", "target_actor__name", "target_body__name", "=external_id")
    autocomplete_fields = ("source", "target_actor", "target_body", "territory")
    fieldsets = (
        (None, {"fields": ("source", "interaction_type", ("target_actor", "target_body"))}),
        (
            _("Tie"),
            {"fields": ("direction", "weight", "sign", ("start_date", "end_date"), "territory")},
        ),
        (
            _("Evidence"),
            {
                "fields": (
                    "source_note",
                    "confidence",
                    "external_id",
                    "sources",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    @admin.display(description=_("target"))
    def target(self, obj):
        return obj.target_actor or obj.target_body
