"""Admin of participation bodies, their colleges and memberships."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.admin.base import TrackedInline, TrackedModelAdmin
from registry.admin.filters import CurrentFilter, within
from registry.admin.labels import related_column
from registry.models import Body, College, Membership


def _object_id(request) -> str | None:
    """The id of the object on the change page being served, if any."""
    match = getattr(request, "resolver_match", None)
    return match.kwargs.get("object_id") if match else None


class CollegeInline(TrackedInline):
    model = College
    fields = ("name", "seats", "selection_mode")


class MembershipInline(TrackedInline):
    """Current and future members; past memberships are on the memberships list."""

    model = Membership
    fields = (
        "actor",
        "college",
        "role",
        "selection_mode",
        "on_behalf_of",
        "start_date",
        "end_date",
        "end_reason",
    )
    autocomplete_fields = ("actor", "on_behalf_of")
    verbose_name = _("current or future membership")
    verbose_name_plural = _("current and future memberships")

    def get_queryset(self, request):
        today = dt.date.today()
        return (
            super()
            .get_queryset(request)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
            .select_related("actor", "college", "on_behalf_of")
            .order_by("role", "start_date", "id")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "college":
            # Only the colleges of this body (none yet while the body is being added).
            kwargs["queryset"] = College.objects.filter(body_id=_object_id(request) or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RenewalFilter(admin.SimpleListFilter):
    """Bodies by when their current term ends: the renewal work list."""

    title = _("renewal")
    parameter_name = "renewal"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Term ended (overdue)")),
            ("soon", _("Term ends within a year")),
            ("unknown", _("No term end recorded")),
        ]

    def queryset(self, request, queryset):
        today = dt.date.today()
        if self.value() == "overdue":
            return queryset.filter(term_end__lt=today)
        if self.value() == "soon":
            return queryset.filter(
                term_end__gte=today, term_end__lte=today + dt.timedelta(days=365)
            )
        if self.value() == "unknown":
            return queryset.filter(term_end__isnull=True)
        return queryset


@admin.register(Body)
class BodyAdmin(TrackedModelAdmin):
    list_display = (
        "name",
        "body_type",
        related_column("territory", ordering="territory__name"),
        related_column("host", ordering="host__name"),
        "status",
        "seats",
        "term_end",
    )
    list_filter = (
        "body_type",
        "status",
        RenewalFilter,
        "parity_rule",
        *within("territory"),
        "term_end",
    )
    list_select_related = ("territory", "host")
    search_fields = ("name", "territory__name", "^territory__code", "host__name")
    autocomplete_fields = ("territory", "host")
    inlines = (CollegeInline, MembershipInline)
    fieldsets = (
        (None, {"fields": ("name", "body_type", "territory", "host", "status")}),
        (
            _("Foundation and term"),
            {
                "fields": (
                    "legal_basis",
                    ("founding_date", "dissolution_date"),
                    "mandate_years",
                    ("term_start", "term_end"),
                )
            },
        ),
        (_("Composition rules"), {"fields": ("seats", "parity_rule", ("min_age", "max_age"))}),
        (_("More"), {"fields": ("description", "sources", "created_at", "updated_at")}),
    )


@admin.register(College)
class CollegeAdmin(TrackedModelAdmin):
    list_display = (
        "name",
        related_column("body", ordering="body__name"),
        "selection_mode",
        "seats",
    )
    list_filter = ("selection_mode", "body__body_type", *within("body__territory"))
    list_select_related = ("body",)
    search_fields = ("name", "body__name")
    autocomplete_fields = ("body",)
    fields = ("body", "name", "seats", "selection_mode", "sources", "created_at", "updated_at")
    fixed_on_change = ("body",)


class MembershipPeriodFilter(CurrentFilter):
    title = _("membership period")


@admin.register(Membership)
class MembershipAdmin(TrackedModelAdmin):
    list_display = (
        related_column("actor", ordering="actor__name"),
        related_column("body", ordering="body__name"),
        related_column("college", ordering="college__name"),
        "role",
        "start_date",
        "end_date",
        "end_reason",
    )
    list_filter = (
        MembershipPeriodFilter,
        "role",
        "selection_mode",
        "end_reason",
        "body__body_type",
        *within("body__territory"),
        "start_date",
    )
    list_select_related = ("actor", "body", "college")
    search_fields = ("actor__name", "body__name", "=external_id")
    autocomplete_fields = ("actor", "body", "college", "on_behalf_of")
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("actor", "body", "college", "role", "selection_mode", "on_behalf_of")}),
        (_("Period"), {"fields": ("start_date", "end_date", "end_reason")}),
        (_("More"), {"fields": ("external_id", "sources", "created_at", "updated_at")}),
    )
