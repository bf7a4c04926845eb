"""The territory graph, the network territories of bodies, and what decides whether and
when an analysis is recomputed (data version, size)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import networkx as nx
from django.db.models import Exists, OuterRef, Q, QuerySet

from graph import collector
from graph.loaders import building
from graph.loaders.building import BY_ID
from graph.loaders.common import (
    _current,
    _inside,
    _within,
    bodies_of,
)
from graph.model import body_node
from registry.models import (
    Actor,
    Body,
    Interaction,
    Membership,
    Territory,
    TerritoryClosure,
)
from registry.selectors import versions

logger = logging.getLogger(__name__)

#: The columns read per actor, in the order ``building.add_nodes`` unpacks them.
ACTOR_COLUMNS = (
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


def registry_graph(
    *, territory_id: int, as_of: dt.date, reach_territory_id: int | None = None
) -> nx.MultiGraph:
    """The registry graph of a territory as of a date (conventions in ``graph.model``),
    as a reader confined to ``reach_territory_id`` may see it (module docstring).

    Five queries at most (bodies, memberships, actors, members from elsewhere,
    interactions), each read as plain tuples, then the graph built in bulk with the
    garbage collector paused. On the largest demo territory (65,800 nodes, 518,000
    edges) the whole costs about 2.9x the reading of the rows alone, the build
    being mostly the 518,000 edge and key dicts (``tests/bench/bench_graph_load.py``).
    """
    with collector.paused():
        bodies = bodies_of(territory_id, as_of)
        body_rows = list(body_query(bodies))
        memberships = list(membership_query(bodies, as_of))
        member_ids = {m[1] for m in memberships}
        actor_rows = list(actor_query(territory_id, as_of, reach_territory_id))
        outside = member_ids.difference(row[0] for row in actor_rows)
        if outside:
            actor_rows += outside_actor_query(outside, reach_territory_id)
        actor_rows.sort(key=BY_ID)
        restricted = frozenset(
            row[0] for row in actor_rows if reach_territory_id is not None and not row[-1]
        )
        interactions = list(
            interaction_query(territory_id, as_of, bodies, reach_territory_id, bool(member_ids))
        )
        graph = nx.MultiGraph(
            as_of=as_of.isoformat(),
            territory_id=territory_id,
            # Members from elsewhere: a change to them must also refresh cached results.
            outside_actor_ids=frozenset(outside),
            # Actors out of the reader's reach: id and name only (api.scoping.Reach).
            restricted_actor_ids=restricted,
            reach_territory_id=reach_territory_id,
        )
        actor_ids = building.add_nodes(graph, actor_rows, body_rows, restricted)
        body_ids = {row[0]: body_node(row[0]) for row in body_rows}
        building.add_edges(graph, building.membership_edges(memberships, actor_ids, body_ids))
        building.add_edges(graph, building.interaction_edges(interactions, actor_ids, body_ids))
        return graph


# --- the queries ----------------------------------------------------------------------------
#
# No ORDER BY: the models' default orderings (by name, or by id) cost PostgreSQL a sort
# on disk for the largest territories; the rows are sorted by id here instead, by
# their first column alone (``building.BY_ID``: integers compared as such, a third of
# the time of comparing whole tuples when a parallel scan returns them out of order).


def body_query(bodies: QuerySet) -> QuerySet:
    """Id, name, type, status, territory level and code of the graph's bodies."""
    return bodies.order_by().values_list(
        "id", "name", "body_type", "status", "territory__level", "territory__code"
    )


def membership_query(bodies: QuerySet, as_of: dt.date) -> QuerySet:
    """The memberships current on ``as_of`` in the graph's bodies."""
    return (
        Membership.objects.current_on(as_of)
        .filter(body__in=bodies)
        .order_by()
        .values_list("id", "actor_id", "body_id", "role", "start_date", "end_date")
    )


def actor_query(territory_id: int, as_of: dt.date, reach_territory_id: int | None) -> QuerySet:
    """The actors of the territory and below that exist on ``as_of`` (``ACTOR_COLUMNS``,
    then, for a reader confined to a territory, whether the actor lies within reach)."""
    actors = Actor.objects.filter(
        Q(founding_date__isnull=True) | Q(founding_date__lte=as_of),
        Q(dissolution_date__isnull=True) | Q(dissolution_date__gt=as_of),
        territory_id__in=_within(territory_id),
    )
    return _actor_columns(actors, reach_territory_id)


def outside_actor_query(actor_ids: Iterable[int], reach_territory_id: int | None) -> QuerySet:
    """The members from elsewhere (``actor_query``'s columns)."""
    return _actor_columns(Actor.objects.filter(id__in=sorted(actor_ids)), reach_territory_id)


def _actor_columns(actors: QuerySet, reach_territory_id: int | None) -> QuerySet:
    actors = actors.order_by()
    if reach_territory_id is None:
        return actors.values_list(*ACTOR_COLUMNS)
    return actors.annotate(inside=_inside(reach_territory_id)).values_list(*ACTOR_COLUMNS, "inside")


def interaction_query(
    territory_id: int,
    as_of: dt.date,
    bodies: QuerySet,
    reach_territory_id: int | None,
    with_members: bool = True,
) -> QuerySet:
    """Every interaction current on ``as_of`` from an actor of the territory or a member
    of its bodies; the other end is checked in Python (``building.interaction_edges``)
    rather than in SQL, where it would need the node set as a second subquery."""
    interactions = _current(Interaction.objects.all(), as_of)
    if reach_territory_id is not None:
        # The interactions list's rule (api.scoping.INTERACTION_PATH): filed within reach.
        interactions = interactions.filter(territory_id__in=_within(reach_territory_id))
    inside = Q(source__territory_id__in=_within(territory_id))
    rows = _interaction_columns(interactions.filter(inside))
    if not with_members:
        return rows
    # The members of the bodies who live elsewhere, as a second query of a UNION ALL
    # rather than an OR: with an OR of two subqueries PostgreSQL reads every current
    # interaction of the database (0.45 s for a commune of 100 nodes at scale 100);
    # each half alone takes its index. A subquery rather than the members' ids:
    # thousands of them in the largest territories, a long statement to send and plan.
    members = Membership.objects.current_on(as_of).filter(body__in=bodies)
    elsewhere = interactions.filter(source_id__in=members.order_by().values("actor_id")).exclude(
        inside
    )
    return rows.union(_interaction_columns(elsewhere), all=True)


def _interaction_columns(interactions: QuerySet) -> QuerySet:
    return interactions.order_by().values_list(
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
