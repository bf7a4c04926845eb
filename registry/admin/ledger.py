"""The change ledger, read-only: who changed what, when, through which channel and request."""

from __future__ import annotations

from contextvars import ContextVar

from django.apps import apps
from django.contrib import admin
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registry.admin.base import ReadOnlyAdminMixin, personal_data_visible
from registry.admin.history import change_rows, related_names
from registry.admin.labels import related_column
from registry.models import ChangeRecord
from registry.params import ParamError, parse_id

#: The channels the registry writes through (``ChangeRecord.via``).
CHANNELS = [
    ("admin", _("Admin")),
    ("api", _("API")),
    ("import", _("Import")),
    ("command", _("Command")),
    ("sync", _("Sync")),
    ("demo", _("Demo data")),
]


class ModelFilter(admin.SimpleListFilter):
    title = _("kind of record")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        models = apps.get_app_config("registry").get_models()
        return sorted(
            (
                (m._meta.label_lower, capfirst(m._meta.verbose_name))
                for m in models
                if m is not ChangeRecord and hasattr(m, "tracking_territory_path")
            ),
            key=lambda pair: str(pair[1]),
        )

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


class ViaFilter(admin.SimpleListFilter):
    title = _("via")
    parameter_name = "via"

    def lookups(self, request, model_admin):
        return [*CHANNELS, ("-", _("Not said"))]

    def queryset(self, request, queryset):
        if self.value() == "-":
            return queryset.filter(via="")
        return queryset.filter(via=self.value()) if self.value() else queryset


def _admin_url(record: ChangeRecord, view: str) -> str | None:
    app_label, _sep, model_name = record.model.partition(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_{view}", args=[record.object_id])
    except NoReverseMatch:
        return None


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: written by ``registry.tracking`` alone, never added, changed or deleted.

    Staff limited to a territory read the entries filed under it (the change feed's rule).
    """

    territory_path = "territory_id"

    list_display = (
        "at",
        "action",
        "kind_of_record",
        "object_id",
        "object_link",
        related_column("user", ordering="user__username"),
        "via",
        "request_id",
    )
    list_filter = (ModelFilter, "action", ViaFilter, "at")
    list_select_related = ("user",)
    search_fields = ("=object_id", "=request_id")
    search_help_text = _("An object id, a request id, or part of an object's label.")
    # No date hierarchy: its year/month lookups scan the whole ledger; the date
    # filter ("at") asks indexed ranges instead.
    show_full_result_count = False
    ordering = ("-id",)
    fields = (
        "at",
        "action",
        "model",
        "object_id",
        "object_link",
        "territory_id",
        related_column("user"),
        "api_key",
        "request_id",
        "via",
        "reason",
        "changes",
    )
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        """Exact object id or request id (indexed), else a label match."""
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q(request_id=term)
        try:
            match |= Q(object_id=parse_id(term))  # not isdigit(): "²" passes it, int() fails
        except ParamError:
            match |= Q(object_repr__icontains=term)
        return queryset.filter(match), False

    @admin.display(description=_("kind of record"), ordering="model")
    def kind_of_record(self, record):
        try:
            return capfirst(apps.get_model(record.model)._meta.verbose_name)
        except (LookupError, ValueError):
            return record.model

    @admin.display(description=_("object"), ordering="object_repr")
    def object_link(self, record):
        url = _admin_url(record, "change")
        label = record.object_repr or f"#{record.object_id}"
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description=_("changes (before → after)"))
    def changes(self, record):
        rows = change_rows(
            record, show_personal=_show_personal.get(), names=related_names([record])
        )
        return render_to_string("admin/registry/change_rows.html", {"rows": rows})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # ``changes`` shows personal data only to those allowed: it needs the viewer,
        # and a model admin is shared between requests, hence a context variable.
        token = _show_personal.set(personal_data_visible(request))
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response
        finally:
            _show_personal.reset(token)


#: Whether the user being served may see personal data (for ``ChangeRecordAdmin.changes``).
_show_personal: ContextVar[bool] = ContextVar("registry_admin_show_personal", default=False)
