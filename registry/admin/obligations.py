"""Admin of the legal obligation rules: national data, edited by unlimited staff only."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.admin.base import TrackedModelAdmin
from registry.admin.scope import scope_of
from registry.models import LegalObligation


@admin.register(LegalObligation)
class LegalObligationAdmin(TrackedModelAdmin):
    list_display = (
        "code",
        "body_type",
        "level",
        "kind",
        "comparator",
        "mandatory_from",
        "optional_from",
        "population_measure",
        "legal_basis",
        "valid_from",
        "valid_until",
    )
    list_filter = ("body_type", "level", "population_measure", "condition")
    search_fields = ("code", "legal_basis", "note")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("code", "body_type", "legal_basis", "legal_url")}),
        (
            _("Territories"),
            {
                "fields": (
                    "level",
                    "kind",
                    "skip_municipal_arrondissements",
                    "overseas_collectivities",
                )
            },
        ),
        (
            _("Thresholds"),
            {
                "fields": (
                    "population_measure",
                    "comparator",
                    "mandatory_from",
                    "optional_from",
                    "condition",
                )
            },
        ),
        (_("Validity"), {"fields": ("valid_from", "valid_until")}),
        (_("More"), {"fields": ("note", "sources", "created_at", "updated_at")}),
    )

    # The rules apply to every territory: staff limited to one may read them, not change them.
    def has_add_permission(self, request):
        return scope_of(request) is None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return scope_of(request) is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return scope_of(request) is None and super().has_delete_permission(request, obj)
