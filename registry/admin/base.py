"""What every registry admin shares.

- Every save and delete (forms, inlines, bulk delete) goes through a writer
  (``registry.admin.writers``: the services, else ``registry.tracking``) inside
  ``change_context(user=..., via="admin")``, so it lands in the change ledger.
- A write the registry refuses (``InvalidInput``, a database rule, a protected
  delete) rolls back and comes back as errors on the form, never as a 500.
- The "History" page shows the object's entries in the change ledger.
- Staff limited to a territory reach only what lies within it
  (``registry.admin.scope``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from registry.admin.forms import (
    AdminWriteRejected,
    KnownLabelAutocompleteSelect,
    TrackedInlineFormSet,
    TrackedModelForm,
    rejected_as,
    write,
)
from registry.admin.history import DIFF_COLOURS, change_rows, records_for, related_names
from registry.admin.labels import related_column, relation_label
from registry.admin.scope import ScopedAdminMixin
from registry.admin.writers import Writer, writer_for
from registry.tracking import change_context

#: The permission that shows personal data (contact details, gender, birth year).
PERSONAL_DATA_PERMISSION = "registry.view_personaldata"


class TrackedWritesMixin(ScopedAdminMixin):
    """Shared by model admins and inlines: which writer, the change context, the territory limit."""

    #: Overrides the model's writer (``registry.admin.writers.WRITERS``).
    writer: Writer | None = None

    def get_writer(self) -> Writer:
        return self.writer or writer_for(self.model)

    @contextmanager
    def tracked(self, request) -> Iterator[None]:
        with change_context(user=request.user, request=request, via="admin"):
            yield

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Relations declared without a verbose name get a translated label here.
        label = relation_label(db_field)
        if field is not None and label is not None:
            field.label = capfirst(label)
        return field


class TrackedInline(TrackedWritesMixin, admin.TabularInline):
    """Base of every registry inline: tracked writes, refused writes shown on the row."""

    form = TrackedModelForm
    formset = TrackedInlineFormSet
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownLabelAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        attrs = {"writer": self.get_writer()}
        rejection = getattr(request, "_registry_rejection", None)
        if rejection is not None and rejection.prefix is not None:
            attrs["rejection"] = rejection
        return type(formset.__name__, (formset,), attrs)


class TrackedStackedInline(TrackedInline):
    template = admin.StackedInline.template


class TrackedModelAdmin(TrackedWritesMixin, admin.ModelAdmin):
    """Base of every registry model admin."""

    form = TrackedModelForm
    history_template = "admin/registry/change_history.html"
    list_per_page = 50
    readonly_fields = ("created_at", "updated_at")
    #: Relations chosen on creation and shown read-only afterwards (the services
    #: do not move a college, meeting or opinion to another body).
    fixed_on_change: tuple[str, ...] = ()

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self._fixed_columns = {name: related_column(name) for name in self.fixed_on_change}

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + tuple(self._fixed_columns.values()) if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self._fixed_columns:
            return fieldsets
        return [
            (title, {**options, "fields": _swap(options["fields"], self._fixed_columns)})
            for title, options in fieldsets
        ]

    # --- views: the change context around each, and refused writes handled ---

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with self.tracked(request):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except AdminWriteRejected as rejection:
                # The transaction of the first attempt is rolled back; render the
                # same submission again, with the refusal as form errors.
                self.message_user(request, rejection.message, messages.ERROR)
                request._registry_rejection = rejection
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except AdminWriteRejected:
                # The errors could not be placed on the form: go back to a safe page.
                if object_id:
                    return HttpResponseRedirect(request.path)
                return HttpResponseRedirect(self._changelist_url())

    def delete_view(self, request, object_id, extra_context=None):
        with self.tracked(request):
            try:
                return super().delete_view(request, object_id, extra_context)
            except AdminWriteRejected as rejection:
                self.message_user(request, rejection.message, messages.ERROR)
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[object_id],
                        current_app=self.admin_site.name,
                    )
                )

    def changelist_view(self, request, extra_context=None):
        with self.tracked(request):
            try:
                return super().changelist_view(request, extra_context)
            except AdminWriteRejected as rejection:
                self.message_user(request, rejection.message, messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())

    def _changelist_url(self) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
            current_app=self.admin_site.name,
        )

    # --- the writes ---

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        rejection = getattr(request, "_registry_rejection", None)
        if rejection is not None and rejection.prefix is None:
            form = type(form.__name__, (form,), {"rejection": rejection})
        return form

    def save_model(self, request, obj, form, change):
        with self.tracked(request), rejected_as():
            write(self.get_writer(), obj, form, change=change)

    def save_formset(self, request, form, formset, change):
        writer = getattr(formset, "writer", None) or writer_for(formset.model)
        formset.save(commit=False)  # fills new_objects, changed_objects, deleted_objects
        row = {id(f.instance): i for i, f in enumerate(formset.forms)}
        with self.tracked(request):
            # Deletions first, so a row may replace one removed in the same submission.
            for obj in formset.deleted_objects:
                with rejected_as(formset.prefix, row.get(id(obj))):
                    writer.delete(obj)
            for obj, _changed in formset.changed_objects:
                i = row[id(obj)]
                with rejected_as(formset.prefix, i):
                    write(writer, obj, formset.forms[i], change=True)
            for obj in formset.new_objects:
                i = row[id(obj)]
                with rejected_as(formset.prefix, i):
                    write(writer, obj, formset.forms[i], change=False)

    def delete_model(self, request, obj):
        with self.tracked(request), rejected_as():
            self.get_writer().delete(obj)

    def delete_queryset(self, request, queryset):
        with self.tracked(request), rejected_as():
            self.get_writer().delete_many(list(queryset))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_guarded_delete_selected, name, description)
        return actions

    # --- history from the change ledger ---

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        records = records_for(self.model, obj.pk)
        paginator = self.get_paginator(request, records, 50)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        show_personal = request.user.has_perm(PERSONAL_DATA_PERMISSION)
        names = related_names(page)
        entries = [
            (record, change_rows(record, show_personal=show_personal, names=names))
            for record in page
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "entries": entries,
            "diff_colours": DIFF_COLOURS,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "ledger_url": (
                _ledger_url(self.model, obj.pk)
                if request.user.has_perm("registry.view_changerecord")
                else None
            ),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.history_template, context)


def _swap(fields, replacements: dict):
    """``fields`` (possibly nested tuples) with some names replaced."""
    return tuple(
        _swap(f, replacements) if isinstance(f, list | tuple) else replacements.get(f, f)
        for f in fields
    )


def _ledger_url(model: type[models.Model], pk: Any) -> str:
    url = reverse("admin:registry_changerecord_changelist")
    return f"{url}?model={model._meta.label_lower}&q={pk}"


@functools.wraps(delete_selected)
def _guarded_delete_selected(modeladmin, request, queryset):
    """Django's bulk delete, all or nothing, a refusal shown as a message."""
    try:
        with transaction.atomic(using=router.db_for_write(modeladmin.model)):
            return delete_selected(modeladmin, request, queryset)
    except AdminWriteRejected as rejection:
        modeladmin.message_user(request, rejection.message, messages.ERROR)
        return None


class ReadOnlyAdminMixin(ScopedAdminMixin):
    """For derived or append-only data: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def personal_data_visible(request) -> bool:
    return request.user.has_perm(PERSONAL_DATA_PERMISSION)


__all__ = [
    "PERSONAL_DATA_PERMISSION",
    "AdminWriteRejected",
    "ReadOnlyAdminMixin",
    "TrackedInline",
    "TrackedModelAdmin",
    "TrackedModelForm",
    "TrackedStackedInline",
    "personal_data_visible",
]
