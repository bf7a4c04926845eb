"""The territory graph, the network territories of bodies, and what decides whether and
when an analysis is recomputed (data version, size)."""

from __future__ import annotations

import datetime as dt

import networkx as nx
from django.db.models import Exists, OuterRef, Q

from graph.loaders.common import (
    _current,
    _inside,
    _territory_label,
    _within,
    bodies_of,
)
from graph.model import (
    MEMBERSHIP_WEIGHTS,
    actor_node,
    body_node,
)
from registry.models import (
    Actor,
    Body,
    Interaction,
    Membership,
    Territory,
    TerritoryClosure,
)
from registry.selectors import versions


def registry_graph(
    *, territory_id: int, as_of: dt.date, reach_territory_id: int | None = None
) -> nx.MultiGraph:
    """The registry graph of a territory as of a date (conventions in ``graph.model``),
    as a reader confined to ``reach_territory_id`` may see it (module docstring)."""
    bodies = bodies_of(territory_id, as_of)
    body_rows = list(
        bodies.values("id", "name", "body_type", "status", "territory__level", "territory__code")
    )
    memberships = list(
        Membership.objects.current_on(as_of)
        .filter(body__in=bodies)
        .values_list("id", "actor_id", "body_id", "role", "start_date", "end_date")
    )
    member_ids = {m[1] for m in memberships}
    actors = Actor.objects.filter(
        Q(founding_date__isnull=True) | Q(founding_date__lte=as_of),
        Q(dissolution_date__isnull=True) | Q(dissolution_date__gt=as_of),
        territory_id__in=_within(territory_id),
    )
    actor_fields = (
        "id",
        "name",
        "kind",
        "category",
        "territory__level",
        "territory__code",
        "power",
        "interest",
        "legitimacy",
        "urgency",
    )
    inside = _inside(reach_territory_id)
    actor_rows = {
        row["id"]: row for row in actors.annotate(inside=inside).values(*actor_fields, "inside")
    }
    outside = member_ids - actor_rows.keys()
    if outside:
        actor_rows.update(
            (row["id"], row)
            for row in Actor.objects.filter(id__in=outside)
            .annotate(inside=inside)
            .values(*actor_fields, "inside")
        )
    restricted = frozenset(pk for pk, row in actor_rows.items() if not row["inside"])

    graph = nx.MultiGraph(
        as_of=as_of.isoformat(),
        territory_id=territory_id,
        # Members from elsewhere: a change to them must also refresh cached results.
        outside_actor_ids=frozenset(outside),
        # Actors out of the reader's reach: id and name only (api.scoping.Reach).
        restricted_actor_ids=restricted,
    )
    for pk in sorted(actor_rows):
        row = actor_rows[pk]
        if pk in restricted:
            graph.add_node(actor_node(pk), kind="actor", label=row["name"])
            continue
        graph.add_node(
            actor_node(pk),
            kind="actor",
            label=row["name"],
            actor_kind=row["kind"],
            category=row["category"],
            territory=_territory_label(row["territory__level"], row["territory__code"]),
            power=row["power"],
            interest=row["interest"],
            legitimacy=row["legitimacy"],
            urgency=row["urgency"],
        )
    for row in sorted(body_rows, key=lambda r: r["id"]):
        graph.add_node(
            body_node(row["id"]),
            kind="body",
            label=row["name"],
            category=row["body_type"],
            status=row["status"],
            territory=_territory_label(row["territory__level"], row["territory__code"]),
        )
    for pk, actor_id, body_id, role, start, end in sorted(memberships):
        graph.add_edge(
            actor_node(actor_id),
            body_node(body_id),
            key=f"m{pk}",
            relation="membership",
            type=role,
            weight=MEMBERSHIP_WEIGHTS.get(role, 3),
            sign=1,
            start=start,
            end=end,
        )
    _add_interactions(graph, territory_id, as_of, member_ids, reach_territory_id)
    return graph


def _add_interactions(
    graph: nx.MultiGraph,
    territory_id: int,
    as_of: dt.date,
    member_ids: set[int],
    reach_territory_id: int | None,
) -> None:
    # Every interaction from an actor of the graph; the other end is checked here
    # rather than in SQL, where it would need the node set as a second subquery.
    sources = Q(source__territory_id__in=_within(territory_id))
    if member_ids:
        sources |= Q(source_id__in=sorted(member_ids))
    interactions = Interaction.objects.filter(sources)
    if reach_territory_id is not None:
        # The interactions list's rule (api.scoping.INTERACTION_PATH): filed within reach.
        interactions = interactions.filter(territory_id__in=_within(reach_territory_id))
    rows = _current(interactions, as_of).values_list(
        "id",
        "source_id",
        "target_actor_id",
        "target_body_id",
        "interaction_type",
        "direction",
        "weight",
        "sign",
        "start_date",
        "end_date",
    )
    for pk, source, target_actor, target_body, itype, direction, weight, sign, start, end in sorted(
        rows
    ):
        u = actor_node(source)
        v = actor_node(target_actor) if target_actor is not None else body_node(target_body)
        if u not in graph or v not in graph:
            continue
        graph.add_edge(
            u,
            v,
            key=f"i{pk}",
            relation="interaction",
            type=itype,
            weight=weight,
            sign=sign,
            directed=direction == "directed",
            source=u,
            start=start,
            end=end,
        )


# --- network territory (renewal) --------------------------------------------------------


def network_territories(
    *, body_ids: list[int], reach_territory_id: int | None = None
) -> dict[int, int]:
    """For each body, the territory whose graph gives its network indicators.

    The territory its host authority governs (the host actor's ``territory``) when
    the body's own territory lies within it, as a conseil de quartier of the Ville
    de Paris lies within Paris: a body's members, their other seats and the
    decision-makers they reach are those of the authority that runs it. Otherwise
    (no host territory, or one that does not contain the body's) the body's own
    territory. A reader confined to ``reach_territory_id`` sees no graph beyond its
    reach: a network territory outside it is replaced by the reach itself, which
    holds the body (a body out of reach is never asked for). Two queries.
    """
    if not body_ids:
        return {}
    governs = Exists(
        TerritoryClosure.objects.filter(
            ancestor_id=OuterRef("host__territory_id"), descendant_id=OuterRef("territory_id")
        )
    )
    chosen = {
        pk: host if host is not None and inside else own
        for pk, own, host, inside in Body.objects.filter(id__in=body_ids)
        .annotate(governs=governs)
        .values_list("id", "territory_id", "host__territory_id", "governs")
    }
    if reach_territory_id is not None:
        seen = set(
            TerritoryClosure.objects.filter(
                ancestor_id=reach_territory_id, descendant_id__in=set(chosen.values())
            ).values_list("descendant_id", flat=True)
        )
        chosen = {pk: t if t in seen else reach_territory_id for pk, t in chosen.items()}
    return chosen


# --- body facts (renewal) --------------------------------------------------------------


def data_version(
    *,
    territory_id: int,
    outside_actor_ids: frozenset[int] = frozenset(),
    also_territory_ids: frozenset[int] = frozenset(),
) -> str:
    """The last committed change that a territory's analysis depends on (an opaque string).

    The one data-version rule, in commit order, shared with the list counts:
    ``registry.selectors.versions.territory_version``, plus the changes of the
    charters filed above the territory (``charters_above_version``), which judge
    its bodies too.
    """
    version = versions.territory_version(
        territory_id=territory_id,
        outside_actor_ids=outside_actor_ids,
        also_territory_ids=also_territory_ids,
    )
    # The charters of the territories above also judge the territory's bodies.
    charters = versions.charters_above_version(territory_id=territory_id)
    return f"{version};charters:{charters}" if charters else version


def territory_places(territory_ids: set[int]) -> dict[int, dict[str, object]]:
    """Id, level, code and name of these territories (one query)."""
    return {
        row["id"]: row
        for row in Territory.objects.filter(id__in=territory_ids).values(
            "id", "level", "code", "name"
        )
    }


def size_estimate(
    *, territory_id: int, as_of: dt.date, also_territory_ids: frozenset[int] = frozenset()
) -> int:
    """About how many nodes the territory's graph has (its actors and bodies), in two counts;
    with ``also_territory_ids`` (network territories beyond it), the graphs of them all.

    Members from elsewhere are not counted: this decides, before loading
    anything, whether an analysis fits in a request or goes to a worker.
    """
    if not also_territory_ids:
        actors = Actor.objects.filter(territory_id__in=_within(territory_id)).count()
        return actors + bodies_of(territory_id, as_of).count()
    ids = sorted({territory_id, *also_territory_ids})
    within = TerritoryClosure.objects.filter(ancestor_id__in=ids).values("descendant_id")
    actors = Actor.objects.filter(territory_id__in=within).count()
    return actors + Body.objects.active_on(as_of).filter(territory_id__in=within).count()
