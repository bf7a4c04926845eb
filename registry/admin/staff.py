"""Which territory a staff account is limited to: edited by superusers only.

On the user's page (an inline) and as a list of its own (who is limited where).
Staff limited to a territory never manage accounts here: they could lift their own limit.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from registry.admin.labels import related_column
from registry.admin.scope import scope_of
from registry.models import StaffTerritory


class SuperuserOnlyMixin:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(StaffTerritory)
class StaffTerritoryAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("user", related_column("territory", ordering="territory__name"))
    list_select_related = ("user", "territory")
    search_fields = ("user__username", "territory__name", "^territory__code")
    autocomplete_fields = ("user", "territory")


class StaffTerritoryInline(SuperuserOnlyMixin, admin.StackedInline):
    model = StaffTerritory
    autocomplete_fields = ("territory",)
    can_delete = True
    max_num = 1
    extra = 0


User = get_user_model()
_BaseUserAdmin = type(admin.site._registry[User]) if admin.site.is_registered(User) else UserAdmin


class StaffUserAdmin(_BaseUserAdmin):
    """The accounts, with the territory each staff member is limited to."""

    inlines = (*_BaseUserAdmin.inlines, StaffTerritoryInline)

    def _limited(self, request) -> bool:
        return scope_of(request) is not None

    def has_module_permission(self, request):
        return not self._limited(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not self._limited(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return not self._limited(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return not self._limited(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._limited(request) and super().has_delete_permission(request, obj)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
