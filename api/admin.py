"""API keys in the admin: created there with the key shown once, revoked there."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
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
