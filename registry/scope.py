"""The territory scope rule: what lies within a territory, for every registry model.

One rule for everything confined to a territory, API keys (``api.scoping``) and
staff limited to a territory in the admin (``registry.admin.scope``): a record lies
within territory T when the territory it is filed under (the model's
``tracking_territory_path``, e.g. ``body__territory_id``, the same path that scopes
the change feed) is T or lies below T in the closure table, in either hierarchy.
A record filed under no territory lies within no territory. One indexed subquery,
whatever the depth.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import QuerySet

from registry.models.territory import TerritoryClosure


def within_ids(territory_id: int) -> QuerySet:
    """Ids of the territory and everything below it, as a subquery (one indexed lookup)."""
    return TerritoryClosure.objects.filter(ancestor_id=territory_id).values("descendant_id")


def territory_path(model: type[models.Model]) -> str | None:
    """The path from ``model`` to the id of its territory, None for models outside any scope."""
    return getattr(model, "tracking_territory_path", None)


def restrict(queryset: QuerySet, path: str | None, territory_id: int | None) -> QuerySet:
    """Keep the rows whose territory (reached through ``path``) lies within ``territory_id``.

    ``territory_id`` None means no limit; ``path`` None means national data, never limited.
    """
    if territory_id is None or path is None:
        return queryset
    return queryset.filter(**{f"{path}__in": within_ids(territory_id)})


def territory_of(instance: models.Model, path: str) -> Any:
    """The territory id ``instance`` would be filed under, following ``path`` in memory.

    Works on an unsaved instance (a form's), so a write can be checked before it runs.
    """
    *hops, last = path.split("__")
    obj: Any = instance
    for hop in hops:
        try:
            obj = getattr(obj, hop)
        except ObjectDoesNotExist:
            return None
        if obj is None:
            return None
    return getattr(obj, last, None)


def lies_within(territory_id: int | None, scope: int | None) -> bool:
    """Whether the territory ``territory_id`` lies within ``scope`` (None: no limit)."""
    if scope is None:
        return True
    if territory_id is None:
        return False
    return TerritoryClosure.objects.filter(ancestor_id=scope, descendant_id=territory_id).exists()
