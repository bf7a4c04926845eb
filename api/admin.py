"""API keys in the admin: created there with the key shown once, revoked there.

One admin for keys. djangorestframework-api-key registers its own admin for its
concrete ``APIKey`` model; keys made there land in that model's table, which the
API never reads (``api.auth`` looks keys up in ``api.ApiKey``), so they were refused
with 401. That admin is unregistered here; this one makes ``api.ApiKey`` keys.

Scopes are checkboxes over the declared scopes (``api.models.Scope``); the territory
is chosen as everywhere in the admin (autocomplete). Staff limited to a territory
(``registry.admin.scope``) see and make only keys limited to their territory or
below, and grant only the scopes they hold themselves (personal data needs the
personal data permission).
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from api.models import ApiKey, Scope
from registry.admin.base import PERSONAL_DATA_PERMISSION
from registry.admin.scope import ScopedAdminMixin, ScopedFormMixin

if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


class ApiKeyForm(ScopedFormMixin, forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the key may do: read, write, personal_data, analysis."),
    )

    #: The scopes the user may grant; set per request by ``ApiKeyAdmin.get_form``.
    grantable: frozenset[str] = frozenset(Scope.values)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "territory", "contact", "expiry_date", "revoked"]
        labels = {"name": _("Name"), "revoked": _("Revoked"), "expiry_date": _("Expires")}

    def clean_scopes(self) -> list[str]:
        scopes = self.cleaned_data["scopes"]
        refused = sorted(set(scopes) - self.grantable)
        if refused:
            raise forms.ValidationError(
                gettext("You may not grant these scopes: %(scopes)s.")
                % {"scopes": ", ".join(refused)}
            )
        # In the declared order, whatever the order sent.
        return [s for s in Scope.values if s in scopes]


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdminMixin, APIKeyModelAdmin):
    form = ApiKeyForm
    territory_path = "territory_id"
    list_display = [*APIKeyModelAdmin.list_display, "scopes", "territory", "last_used"]
    list_filter = ["created", "revoked"]
    search_fields = ["name", "prefix", "contact"]
    autocomplete_fields = ["territory"]
    readonly_fields = ["prefix", "last_used"]

    def get_readonly_fields(self, request, obj=None):
        # The library's get_readonly_fields ignores ``readonly_fields``: without this,
        # ``last_used`` (an audit trail) would be editable in the form.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, *(f for f in self.readonly_fields if f not in fields))

    def get_form(self, request, obj=None, *args, **kwargs):
        form = super().get_form(request, obj, *args, **kwargs)
        grantable = set(Scope.values)
        if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            grantable.discard(Scope.PERSONAL_DATA)
        return type(form.__name__, (form,), {"grantable": frozenset(grantable)})

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        key = ApiKey.objects.assign_key(obj)
        obj.save()
        message = gettext(
            "The API key for %(name)s is: %(key)s. Store it somewhere safe: "
            "it will not be shown again."
        ) % {"name": obj.name, "key": key}
        messages.add_message(request, messages.WARNING, message)
