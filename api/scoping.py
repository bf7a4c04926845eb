"""Territory scope: what a key confined to a territory may see and touch."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

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


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id that a territory-scoped key may only point within its territory.

    For nested serializers, which ``RegistrySerializer.scoped_relations`` does not reach:
    an id out of reach is refused exactly as an id that does not exist.
    """

    def __init__(self, *, territory_path: str, **kwargs):
        self.territory_path = territory_path
        super().__init__(**kwargs)

    def get_queryset(self):
        from api.auth import access_of

        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset
        return restrict(queryset, self.territory_path, access_of(request).territory_id)
