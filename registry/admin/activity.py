"""Admin of what bodies do: meetings with their attendance, and opinions (avis)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from registry.admin.base import TrackedInline, TrackedModelAdmin
from registry.admin.filters import within
from registry.admin.labels import related_column
from registry.models import Attendance, Meeting, Opinion


class AttendanceInline(TrackedInline):
    model = Attendance
    fields = ("actor", "status")
    autocomplete_fields = ("actor",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Meeting)
class MeetingAdmin(TrackedModelAdmin):
    list_display = (
        "date",
        related_column("body", ordering="body__name"),
        "kind",
        "title",
        "attendance_count",
    )
    list_filter = ("kind", "body__body_type", *within("body__territory"), "date")
    list_select_related = ("body",)
    search_fields = ("title", "body__name")
    autocomplete_fields = ("body",)
    date_hierarchy = "date"
    inlines = (AttendanceInline,)
    fields = ("body", "date", "kind", "title", "notes", "sources", "created_at", "updated_at")
    fixed_on_change = ("body",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_attendance=Count("attendances"))

    @admin.display(description=_("attendance records"), ordering="_attendance")
    def attendance_count(self, obj):
        return obj._attendance


@admin.register(Attendance)
class AttendanceAdmin(TrackedModelAdmin):
    list_display = (
        related_column("meeting", ordering="meeting__date"),
        related_column("actor", ordering="actor__name"),
        "status",
    )
    list_filter = ("status", "meeting__kind", *within("meeting__body__territory"))
    list_select_related = ("meeting__body", "actor")
    search_fields = ("actor__name", "meeting__body__name", "meeting__title")
    autocomplete_fields = ("meeting", "actor")
    fields = ("meeting", "actor", "status", "sources", "created_at", "updated_at")


class AnsweredFilter(admin.SimpleListFilter):
    title = _("response")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("yes", _("Answered")), ("no", _("Awaiting a response"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(response_date__isnull=False)
        if self.value() == "no":
            return queryset.filter(response_date__isnull=True)
        return queryset


@admin.register(Opinion)
class OpinionAdmin(TrackedModelAdmin):
    list_display = (
        "title",
        related_column("body", ordering="body__name"),
        "date",
        "referral",
        "response_date",
        "response_outcome",
    )
    list_filter = (
        "referral",
        AnsweredFilter,
        "response_outcome",
        "body__body_type",
        *within("body__territory"),
        "date",
    )
    list_select_related = ("body",)
    search_fields = ("title", "summary", "body__name")
    autocomplete_fields = ("body",)
    date_hierarchy = "date"
    fieldsets = (
        (None, {"fields": ("body", "date", "title", "summary", "referral")}),
        (
            _("Response of the authority"),
            {"fields": ("response_date", "response_outcome", "response_note")},
        ),
        (_("More"), {"fields": ("sources", "created_at", "updated_at")}),
    )
    fixed_on_change = ("body",)
