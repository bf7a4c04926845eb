"""Staff limited to a territory: every admin lists, shows and changes only what lies within it.

The rule is ``registry.scope`` (the API keys' rule): a record lies within the staff
member's territory when the territory it is filed under is that territory or below.
``ScopedAdminMixin`` applies it to every way the admin reaches a record:

- the changelist, the change, delete and history views (``get_queryset``): a
  record out of reach answers 404, exactly as a missing one (both are 404 here);
- the autocomplete and raw-id lookups, which ask the related model's admin;
- the choices of every relation in a form, so a write pointing outside is refused
  as an unknown choice; a value the record already holds stays accepted unchanged
  (a body's member from elsewhere may stay);
- the record itself (``ScopedFormMixin``): a create or change that would file it
  outside the territory (a body moved away, an actor with no territory) is a form error.

Superusers and staff without a ``StaffTerritory`` are not limited.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from registry.models.staff import staff_territory_id
from registry.scope import lies_within, restrict, territory_of, territory_path

_UNSET = object()


def scope_of(request) -> int | None:
    """The territory the request's user is limited to (None: not limited), once per request."""
    cached = getattr(request, "_registry_staff_scope", _UNSET)
    if cached is _UNSET:
        cached = staff_territory_id(getattr(request, "user", None))
        request._registry_staff_scope = cached
    return cached


class ScopedFormMixin:
    """A model form that refuses to file its record outside the territory it is limited to.

    ``territory_scope`` and ``territory_path`` are set on a per-request subclass by
    ``ScopedAdminMixin``.
    """

    territory_scope: int | None = None
    territory_path: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.territory_scope is None or self.instance.pk is None:
            return
        for name, field in self.fields.items():
            current = self.initial.get(name)
            if getattr(field, "territory_scoped", False) and current not in (None, ""):
                # What the record already points to stays a valid choice, unchanged.
                related = field.queryset.model._default_manager.filter(pk=current)
                field.queryset = field.queryset | related

    def _post_clean(self) -> None:
        super()._post_clean()
        scope, path = self.territory_scope, self.territory_path
        if scope is None or path is None:
            return
        if lies_within(territory_of(self.instance, path), scope):
            return
        message = _("Choose a territory within the one your account is limited to.")
        field = path.split("__")[0].removesuffix("_id")
        visible = field in self.fields and not self.fields[field].widget.is_hidden
        self.add_error(field if visible else None, message)


class ScopedAdminMixin:
    """For model admins and inlines: the staff member's territory limits every read and write.

    ``territory_path`` defaults to the model's ``tracking_territory_path``; a model
    without one (national data) is not limited.
    """

    territory_path: str | None | object = _UNSET

    def get_territory_path(self) -> str | None:
        if self.territory_path is _UNSET:
            return territory_path(self.model)
        return self.territory_path  # type: ignore[return-value]

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), self.get_territory_path(), scope_of(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist"; a 404 says the same for a
        # missing record and for one out of reach, and never sends the user elsewhere.
        raise Http404(_("No such record."))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        scope = scope_of(request)
        path = territory_path(db_field.related_model)
        if field is not None and scope is not None and path is not None:
            field.queryset = restrict(field.queryset, path, scope)
            field.territory_scoped = True
        return field

    def scoped_form(self, request, form):
        scope = scope_of(request)
        if scope is None:
            return form
        attrs = {"territory_scope": scope, "territory_path": self.get_territory_path()}
        bases = (form,) if issubclass(form, ScopedFormMixin) else (ScopedFormMixin, form)
        return type(form.__name__, bases, attrs)

    def get_form(self, request, obj=None, *args, **kwargs):
        return self.scoped_form(request, super().get_form(request, obj, *args, **kwargs))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if scope_of(request) is None:
            return formset
        form = self.scoped_form(request, formset.form)
        return type(formset.__name__, (formset,), {"form": form})
