"""Admin of actors, their identifiers, other names and personal data."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin.base import (
    TrackedInline,
    TrackedModelAdmin,
    TrackedStackedInline,
    personal_data_visible,
)
from registry.admin.filters import within
from registry.admin.labels import related_column
from registry.models import Actor, ActorIdentifier, ActorKind, ActorOtherName, PersonalData


class PersonalDataPermissionMixin:
    """Personal data: only for users with ``registry.view_personaldata``.

    Django lets the change permission imply viewing; here nothing about
    personal data shows without the view permission itself.
    """

    def has_module_permission(self, request):
        return personal_data_visible(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return personal_data_visible(request)

    def has_add_permission(self, request, *args):
        return personal_data_visible(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return personal_data_visible(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return personal_data_visible(request) and super().has_delete_permission(request, obj)


class IdentifierInline(TrackedInline):
    model = ActorIdentifier
    fields = ("scheme", "value", "issuer")


class OtherNameInline(TrackedInline):
    model = ActorOtherName
    fields = ("name", "note", "start_date", "end_date")


class PersonalDataInline(PersonalDataPermissionMixin, TrackedStackedInline):
    model = PersonalData
    fields = (
        ("email", "phone"),
        "postal_address",
        ("gender", "birth_year"),
        ("lawful_basis", "retention_until"),
    )
    max_num = 1
    show_change_link = False


@admin.register(Actor)
class ActorAdmin(TrackedModelAdmin):
    list_display = (
        "name",
        "kind",
        "category",
        related_column("territory", ordering="territory__name"),
        "is_pseudonymised",
        "updated_at",
    )
    list_filter = ("kind", "category", "is_pseudonymised", *within("territory"))
    list_select_related = ("territory",)
    search_fields = ("name", "given_name", "family_name", "=identifiers__value")
    autocomplete_fields = ("territory",)
    inlines = (IdentifierInline, OtherNameInline, PersonalDataInline)
    readonly_fields = ("is_pseudonymised", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {"fields": ("kind", "category", "name", ("given_name", "family_name"), "territory")},
        ),
        (
            _("Organization"),
            {"fields": ("founding_date", "dissolution_date"), "classes": ("collapse",)},
        ),
        (
            _("Declared stakeholder attributes (0 to 5)"),
            {"fields": (("power", "interest"), ("legitimacy", "urgency"))},
        ),
        (
            _("More"),
            {
                "fields": (
                    "description",
                    "links",
                    "sources",
                    "is_pseudonymised",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        hide_personal = not personal_data_visible(request) or (
            obj is not None and obj.kind != ActorKind.PERSON
        )
        if hide_personal:
            inlines.remove(PersonalDataInline)
        return inlines


@admin.register(ActorIdentifier)
class ActorIdentifierAdmin(TrackedModelAdmin):
    list_display = ("value", "scheme", "issuer", related_column("actor", ordering="actor__name"))
    list_filter = ("scheme",)
    list_select_related = ("actor",)
    search_fields = ("=value", "actor__name")
    autocomplete_fields = ("actor",)
    fields = ("actor", "scheme", "value", "issuer", "sources", "created_at", "updated_at")


@admin.register(ActorOtherName)
class ActorOtherNameAdmin(TrackedModelAdmin):
    list_display = (
        "name",
        "note",
        related_column("actor", ordering="actor__name"),
        "start_date",
        "end_date",
    )
    list_select_related = ("actor",)
    search_fields = ("name", "actor__name")
    autocomplete_fields = ("actor",)
    fields = (
        "actor",
        "name",
        "note",
        "start_date",
        "end_date",
        "sources",
        "created_at",
        "updated_at",
    )


class RetentionFilter(admin.SimpleListFilter):
    title = _("retention")
    parameter_name = "retention"

    def lookups(self, request, model_admin):
        return [("expired", _("Past its retention date")), ("kept", _("Within retention"))]

    def queryset(self, request, queryset):
        today = dt.date.today()
        if self.value() == "expired":
            return queryset.filter(retention_until__lt=today)
        if self.value() == "kept":
            return queryset.filter(retention_until__gte=today)
        return queryset


@admin.register(PersonalData)
class PersonalDataAdmin(PersonalDataPermissionMixin, TrackedModelAdmin):
    list_display = (
        related_column("actor", ordering="actor__name"),
        "gender",
        "birth_year",
        "lawful_basis",
        "retention_until",
    )
    list_filter = ("lawful_basis", RetentionFilter, "gender")
    list_select_related = ("actor",)
    search_fields = ("actor__name",)
    autocomplete_fields = ("actor",)
    fields = (
        "actor",
        ("email", "phone"),
        "postal_address",
        ("gender", "birth_year"),
        ("lawful_basis", "retention_until"),
        "created_at",
        "updated_at",
    )
    fixed_on_change = ("actor",)
