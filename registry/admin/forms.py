"""Admin forms that write through the registry and show its refusals as form errors.

A write the registry refuses raises ``AdminWriteRejected``; the admin then
renders the same submission again, and these forms put the refusal on the
field, the form or the inline row at fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from registry.admin.scope import ScopedFormMixin
from registry.admin.writers import Writer
from registry.exceptions import Conflict, MembershipOverlap, RegistryError
from registry.services._common import domain_errors
from registry.tracking import diff, snapshot_fields


class AdminWriteRejected(Exception):
    """The registry refused a write made through the admin.

    ``prefix`` and ``index`` say which inline row was at fault (``prefix`` is
    None for the main form).
    """

    def __init__(
        self, error: RegistryError, *, prefix: str | None = None, index: int | None = None
    ):
        self.error = error
        self.prefix = prefix
        self.index = index
        super().__init__(str(error))

    @property
    def message(self) -> str:
        if isinstance(self.error, MembershipOverlap):
            return _(
                "This actor already holds this role in this body for part of that period: "
                "end the other membership first, or change the dates."
            )
        return _("The registry refused the change: %(detail)s") % {"detail": self.error.detail}

    def field_errors(self) -> dict[str | None, list[str]]:
        """Messages by form field (None for the whole form)."""
        out: dict[str | None, list[str]] = {None: [self.message]}
        for field, msgs in self.error.errors.items():
            key = None if field in ("non_field_errors", NON_FIELD_ERRORS) else field
            out.setdefault(key, []).extend(msgs)
        return out


@contextmanager
def rejected_as(prefix: str | None = None, index: int | None = None) -> Iterator[None]:
    """Turn a refused write into ``AdminWriteRejected`` aimed at the form (or inline row).

    Services raise domain errors; the few raw failures that could still escape
    (a validation or database error, a protected delete) are translated the
    same way here.
    """
    try:
        with domain_errors():
            yield
    except (ProtectedError, RestrictedError) as exc:
        kinds = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
        error = Conflict(
            _("Other records still refer to it: %(kinds)s.") % {"kinds": ", ".join(kinds)}
        )
        raise AdminWriteRejected(error, prefix=prefix, index=index) from exc
    except RegistryError as exc:
        raise AdminWriteRejected(exc, prefix=prefix, index=index) from exc


def _add_errors(form: forms.BaseForm, errors: dict[str | None, list[str]]) -> None:
    for field, msgs in errors.items():
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if visible else None, msgs)


class TrackedModelForm(ScopedFormMixin, forms.ModelForm):
    """An admin form that can show the errors of a write the registry refused.

    It also refuses to file its record outside the territory the user is limited to.
    """

    #: Set on a per-request subclass when the previous attempt was refused.
    rejection: AdminWriteRejected | None = None

    def full_clean(self):
        super().full_clean()
        if self.rejection is not None and self.is_bound:
            _add_errors(self, self.rejection.field_errors())


class KnownLabelAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that shows its current value without a query when it can.

    An inline renders one widget per row, and each would look its selected
    object up: a query per row. A row whose instance already holds the related
    object (``select_related``) hands its label over in ``known``.
    """

    known: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        empty = self.choices.field.empty_values
        selected = {str(v) for v in value if str(v) not in empty}
        if not self.known or not selected or not selected <= self.known.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for v in sorted(selected):
            options.append(self.create_option(name, v, self.known[v], True, len(options)))
        return [(None, options, 0)]


def _cached_related(instance: models.Model, name: str) -> models.Model | None:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not (field.is_relation and field.many_to_one):
        return None
    return field.get_cached_value(instance, default=None)


class TrackedInlineFormSet(forms.BaseInlineFormSet):
    """An inline formset that can show on the right row the errors of a refused write.

    It also renders its rows without a query each: select boxes share one list
    of choices, autocompletes take their label from the row's related object.
    """

    rejection: AdminWriteRejected | None = None
    writer: Writer = Writer()

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if form.instance.pk is not None:
            # The row's parent is the formset's instance: no query to show the row.
            setattr(form.instance, self.fk.name, self.instance)
        shared = self.__dict__.setdefault("_shared_choices", {})
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, KnownLabelAutocompleteSelect):
                related = _cached_related(form.instance, name)
                if related is not None:
                    widget.known = {str(related.pk): field.label_from_instance(related)}
            elif isinstance(field, forms.ModelChoiceField) and isinstance(widget, forms.Select):
                if name not in shared:
                    shared[name] = list(field.choices)
                field.choices = shared[name]

    def full_clean(self):
        super().full_clean()
        rejection = self.rejection
        if rejection is None or not self.is_bound or rejection.prefix != self.prefix:
            return
        if rejection.index is not None and 0 <= rejection.index < len(self.forms):
            _add_errors(self.forms[rejection.index], rejection.field_errors())
        else:
            self._non_form_errors.append(rejection.message)


def form_values(obj: models.Model, form: forms.BaseForm) -> dict[str, Any]:
    """The instance's values for the model fields the form edits, by field name."""
    return {
        f.name: getattr(obj, f.name)
        for f in snapshot_fields(type(obj))
        if f.name in form.fields and f.editable
    }


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's instance the saved one (the services return their own instance)."""
    if saved is obj:
        return
    for f in type(obj)._meta.concrete_fields:
        setattr(obj, f.attname, getattr(saved, f.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def write(writer: Writer, obj: models.Model, form: forms.BaseForm, *, change: bool) -> models.Model:
    """Create or update ``obj`` from the form through the writer; returns ``obj``, saved."""
    model = type(obj)
    values = form_values(obj, form)
    if not change:
        _adopt(obj, writer.create(model, values))
        return obj
    stored = model._default_manager.get(pk=obj.pk)
    changed = {model._meta.get_field(attname).name for attname in diff(stored, values)}
    if changed:
        writer.update(stored, {name: values[name] for name in changed})
        _adopt(obj, stored)
    return obj
