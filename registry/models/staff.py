"""Staff limited to a territory: what a member of a collectivity's staff may reach in the admin.

Why a model and the closure table, not django-guardian: the limit is one rule over
whole territories ("this territory and below", in both hierarchies), the same rule as
the API keys' territory scope (``registry.scope``). Object permissions would need a
row per object and per user, kept in step with every move of a body or an actor;
here one row per user and the closure table answer every question in one indexed
subquery, exactly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffTerritory(models.Model):
    """The territory a staff account is limited to in the admin (none: not limited).

    Edited by superusers only (access control, recorded in the admin's own log, not in
    the change ledger, like API keys). Superusers are never limited.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        # The limit means nothing without its account.
        on_delete=models.CASCADE,
        related_name="staff_territory",
        verbose_name=_("user"),
        help_text=_("The staff account that is limited."),
    )
    territory = models.ForeignKey(
        "registry.Territory",
        # A limit on a vanished territory must not silently become national.
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("territory"),
        help_text=_("The account lists, sees and changes only this territory and below."),
    )

    class Meta:
        verbose_name = _("staff territory")
        verbose_name_plural = _("staff territories")

    def __str__(self) -> str:
        return f"{self.user} → {self.territory}"


def staff_territory_id(user) -> int | None:
    """The territory ``user`` is limited to, None when not limited (superusers never are)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    if getattr(user, "pk", None) is None:
        return None
    row = StaffTerritory.objects.filter(user_id=user.pk).values_list("territory_id", flat=True)
    return next(iter(row), None)
