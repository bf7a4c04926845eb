"""List filters shared by the registry admins.

With some 40,000 territories a plain "by territory" filter would list them all;
instead the admins filter by région or département (a short list), and match
everything inside it at any depth through the closure table (one indexed join).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.admin.scope import scope_of
from registry.models import Territory, TerritoryClosure, TerritoryLevel
from registry.scope import within_ids


class WithinTerritoryFilter(admin.SimpleListFilter):
    """Records whose territory lies within the chosen région or département."""

    #: The level offered (région or département).
    level: str = TerritoryLevel.DEPARTEMENT
    #: Path from the listed model to its territory ("" for territories themselves).
    path: str = "territory"

    def lookups(self, request, model_admin):
        territories = Territory.objects.filter(level=self.level)
        scope = scope_of(request)
        if scope is not None:
            # Staff limited to a territory: the ones around it and inside it, not the country.
            territories = territories.filter(
                Q(pk__in=within_ids(scope))
                | Q(
                    pk__in=TerritoryClosure.objects.filter(descendant_id=scope).values(
                        "ancestor_id"
                    )
                )
            )
        rows = territories.order_by("code").values_list("code", "name")
        return [(code, f"{code} – {name}") for code, name in rows]

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        prefix = f"{self.path}__" if self.path else ""
        return queryset.filter(
            **{
                f"{prefix}ancestor_links__ancestor__level": self.level,
                f"{prefix}ancestor_links__ancestor__code": code,
            }
        )


def within(path: str) -> list[type[admin.SimpleListFilter]]:
    """The région and département filters for records reached through ``path``."""
    region = type(
        "WithinRegionFilter",
        (WithinTerritoryFilter,),
        {
            "title": _("region"),
            "parameter_name": "region",
            "level": TerritoryLevel.REGION,
            "path": path,
        },
    )
    departement = type(
        "WithinDepartementFilter",
        (WithinTerritoryFilter,),
        {
            "title": _("department"),
            "parameter_name": "departement",
            "level": TerritoryLevel.DEPARTEMENT,
            "path": path,
        },
    )
    return [region, departement]


class CurrentFilter(admin.SimpleListFilter):
    """Current (today), past or future, for records with a half-open [start, end) period."""

    title = _("period")
    parameter_name = "period"
    start = "start_date"
    end = "end_date"

    def lookups(self, request, model_admin):
        return [
            ("current", _("Current")),
            ("past", _("Ended")),
            ("future", _("Not started yet")),
        ]

    def queryset(self, request, queryset):
        today = dt.date.today()
        start, end = self.start, self.end
        if self.value() == "current":
            return queryset.filter(
                Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": today}),
                Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": today}),
            )
        if self.value() == "past":
            return queryset.filter(**{f"{end}__lte": today})
        if self.value() == "future":
            return queryset.filter(**{f"{start}__gt": today})
        return queryset


class TerritoryValidityFilter(CurrentFilter):
    title = _("validity")
    parameter_name = "validity"
    start = "valid_from"
    end = "valid_until"
