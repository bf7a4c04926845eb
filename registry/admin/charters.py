"""Admin of participation charters: a territory's rules for its bodies, in French or English."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin.base import TrackedModelAdmin
from registry.admin.filters import TerritoryValidityFilter, within
from registry.admin.labels import related_column
from registry.models import Charter
from registry.models.charter import CHARTER_RULES


class CharterValidityFilter(TerritoryValidityFilter):
    """In force today, ended or to come (the same ``valid_from``/``valid_until`` columns)."""


@admin.register(Charter)
class CharterAdmin(TrackedModelAdmin):
    list_display = (
        "name",
        related_column("territory", ordering="territory__name"),
        "body_type",
        "adopted_by",
        "valid_from",
        "valid_until",
    )
    list_filter = ("body_type", CharterValidityFilter, "parity_rule", *within("territory"))
    list_select_related = ("territory",)
    search_fields = ("name", "adopted_by", "territory__name", "^territory__code")
    autocomplete_fields = ("territory",)
    fieldsets = (
        (None, {"fields": ("name", "territory", "body_type")}),
        (
            _("Adoption and validity"),
            {"fields": ("adopted_by", "source_url", ("valid_from", "valid_until"))},
        ),
        (
            _("Rules"),
            {"fields": (*(rule.name for rule in CHARTER_RULES), "parity_rule")},
        ),
        (_("Thresholds and weights"), {"fields": ("thresholds", "weights")}),
        (_("More"), {"fields": ("sources", "created_at", "updated_at")}),
    )
