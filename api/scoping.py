"""Territory scope: what a key confined to a territory may see and touch."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.models import TerritoryClosure


def within_ids(territory_id: int) -> QuerySet:
    """Ids of the territory and everything below it, as a subquery (one indexed lookup)."""
    return TerritoryClosure.objects.filter(ancestor_id=territory_id).values("descendant_id")


def restrict(queryset: QuerySet, path: str | None, territory_id: int | None) -> QuerySet:
    """Keep the rows whose territory (reached through ``path``) lies within ``territory_id``.

    ``path`` names the territory id from the model, e.g. ``"territory_id"`` or
    ``"body__territory_id"``; ``None`` means the resource is national data
    (territories themselves are restricted by their own id).
    """
    if territory_id is None or path is None:
        return queryset
    return queryset.filter(**{f"{path}__in": within_ids(territory_id)})
