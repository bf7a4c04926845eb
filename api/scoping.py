"""Territory scope: what a key confined to a territory may see and touch."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Value

from registry.models import TerritoryClosure

# The territory rule itself is the registry's (the admin's staff limit uses the same).
from registry.scope import restrict, within_ids  # noqa: F401 - re-exported to the resources

# --- the one scope rule for reads: which objects, which ties, which fields -----------------

#: The path the interactions list restricts on (``InteractionViewSet.territory_path``): an
#: interaction is readable by a territory-scoped key when it is *filed* under the key's
#: territory (or below), whatever its two ends. Analyses keep exactly those ties.
INTERACTION_PATH = "territory_id"
#: The path the actors list restricts on (``ActorViewSet.territory_path``).
ACTOR_PATH = "territory_id"
#: What an actor outside the key's territory shows where it is reachable at all (as a
#: member, host or represented organization of a body inside): its id and its name, as the
#: README promises ("by name only"). No kind, category, territory, declared power, interest,
#: legitimacy or urgency, identifiers, other names, links, sources, personal data.
OUTSIDE_ACTOR_FIELDS: tuple[str, ...] = ("id", "name")


@dataclass(frozen=True)
class Reach:
    """What a key may read: ``territory_id`` None means everything (an unscoped key).

    The single place that decides, for reads, which objects (``objects``), which ties
    (``interactions``) and which fields of an actor (``actor_fields``) a key may see;
    every read path (CRUD through ``RegistryViewSet.get_queryset``, analyses, exports,
    nested actors) asks it. The graph loaders receive it as plain data
    (``graph_scope``) so that the pure graph code stays free of Django.

    An actor outside the territory that a body inside names (member, host, represented
    organization) is visible by id and name only, and is *not reachable* by id: reading
    it, or analysing its ego network or paths, answers the 404 of a missing id.
    """

    territory_id: int | None = None

    @classmethod
    def of(cls, request) -> Reach:
        from api.auth import access_of

        return cls(access_of(request).territory_id)

    @property
    def scoped(self) -> bool:
        return self.territory_id is not None

    def objects(self, queryset: QuerySet, path: str | None) -> QuerySet:
        """The rows of ``queryset`` whose territory (through ``path``) the key may read."""
        return restrict(queryset, path, self.territory_id)

    def interactions(self, queryset: QuerySet) -> QuerySet:
        """The interactions the key may read: the interactions list's own rule."""
        return self.objects(queryset, INTERACTION_PATH)

    def contains(self, territory_id: int | None) -> bool:
        """Whether an object filed under ``territory_id`` is within reach (None: unfiled)."""
        if self.territory_id is None:
            return True
        if territory_id is None:
            return False
        return TerritoryClosure.objects.filter(
            ancestor_id=self.territory_id, descendant_id=territory_id
        ).exists()

    def knows(self, territory_id: int) -> bool:
        """Whether a parameter may name this territory: one within reach, or one the key's
        territory lies in (its ancestors: filtering by them keeps the key's own rows)."""
        if self.contains(territory_id):
            return True
        return TerritoryClosure.objects.filter(
            ancestor_id=territory_id, descendant_id=self.territory_id
        ).exists()

    def inside(self, path: str):
        """An expression for a queryset: whether the row's territory (through ``path``,
        e.g. ``"actor__territory_id"``) lies within reach; one subquery, no row-by-row."""
        if self.territory_id is None:
            return Value(True)
        return Exists(
            TerritoryClosure.objects.filter(
                ancestor_id=self.territory_id, descendant_id=OuterRef(path)
            )
        )

    def actor_visible(self, actor_territory_id: int | None) -> bool:
        """Whether an actor of this home territory is reachable by id (actors list rule)."""
        return self.contains(actor_territory_id)

    def actor_fields(self, actor_territory_id: int | None) -> tuple[str, ...] | None:
        """The fields of an actor the key may see: None for all, else ``OUTSIDE_ACTOR_FIELDS``."""
        return None if self.actor_visible(actor_territory_id) else OUTSIDE_ACTOR_FIELDS

    def graph_scope(self) -> dict:
        """The scope as the graph loaders take it (plain data, see ``graph.loaders``):
        ties readable and actors shown whole are those filed within ``reach_territory_id``
        (None: all); any other actor of the graph keeps its id and name only."""
        return {"reach_territory_id": self.territory_id}


def outside_actor(row: dict) -> dict:
    """An outside actor's representation: ``OUTSIDE_ACTOR_FIELDS`` of ``row``, nothing else."""
    return {name: row.get(name) for name in OUTSIDE_ACTOR_FIELDS}
