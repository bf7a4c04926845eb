"""Admin of actors, their identifiers, other names and personal data."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.admin.base import (
    ReadOnlyAdminMixin,
    TrackedInline,
    TrackedModelAdmin,
    TrackedStackedInline,
    personal_data_visible,
)
from registry.admin.filters import within
from registry.admin.labels import related_column
from registry.admin.scope import scope_of
from registry.exceptions import RegistryError
from registry.models import Actor, ActorIdentifier, ActorKind, ActorOtherName, PersonalData
from registry.models.merge import ActorMerge
from registry.scope import restrict
from registry.services.merge import actor_merge


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


class MergeIntoForm(forms.Form):
    """The actor the selected ones are merged into (within the staff member's territory)."""

    into = forms.ModelChoiceField(
        queryset=Actor.objects.none(),
        widget=forms.NumberInput,
        label=_("Id of the actor to keep"),
        help_text=_("One of the selected actors, or any other actor of the same kind."),
        error_messages={"invalid_choice": _("No actor with this id within your reach.")},
    )

    def __init__(self, *args, territory: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = restrict(Actor.objects.all(), "territory_id", territory)


@admin.action(description=_("Merge into…"), permissions=["change", "delete"])
def merge_into(modeladmin, request, queryset):
    """Merge the selected actors into one actor (chosen on the next page), all or nothing.

    The selection is the admin's own queryset, so a staff member limited to a territory
    selects only within it, and the actor kept is looked up within it too.
    """
    scope = scope_of(request)
    selected = list(queryset.order_by("pk"))
    form = MergeIntoForm(
        request.POST if "apply" in request.POST else None,
        territory=scope,
        initial={"into": selected[0].pk if selected else None},
    )
    if form.is_bound and form.is_valid():
        into = form.cleaned_data["into"]
        merged = [a for a in selected if a.pk != into.pk]
        try:
            with transaction.atomic(), modeladmin.tracked(request):
                for actor in merged:
                    actor_merge(actor=actor.pk, into=into.pk, reach=scope)
        except RegistryError as error:
            problems = [m for messages_ in error.errors.values() for m in messages_]
            modeladmin.message_user(request, " ".join([error.detail, *problems]), messages.ERROR)
            return None
        modeladmin.message_user(
            request,
            gettext("%(count)d actor(s) merged into %(into)s.")
            % {"count": len(merged), "into": into},
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": gettext("Merge into…"),
        "actors": selected,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/registry/actor/merge_into.html", context)


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
    actions = (merge_into,)
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


@admin.register(ActorMerge)
class ActorMergeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Merged ids and the actor each now points to: made by "merge into…", never by hand."""

    list_display = ("merged_id", "merged_name", "into")
    list_select_related = ("into",)
    search_fields = ("=merged_id", "merged_name", "into__name")
    fields = ("merged_id", "merged_name", "into", "report", "created_at")
    readonly_fields = fields
