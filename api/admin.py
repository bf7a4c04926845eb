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
