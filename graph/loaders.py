"""From the registry to the analysis inputs: the only module of ``graph`` that touches Django.

Everything here reads (never writes) a fixed number of queries whatever the
territory's size, and hands plain NetworkX graphs and ``graph.model``
dataclasses to the pure modules.

What a territory's graph holds, as of a date:

- its bodies (territory within it, at any depth, through both hierarchies)
  that exist on that date;
- the actors of the territory (and below) that exist on that date, and every
  member of those bodies wherever they live;
- the memberships current on that date in those bodies;
- the interactions current on that date whose two ends are both in the graph.

Scope, as plain data (decided by ``api.scoping.Reach``, applied here): with
``reach_territory_id`` (a key confined to a territory), only the interactions
*filed* under that territory (or below) are kept, the interactions list's own
rule; and an actor whose home territory lies outside it (a member from
elsewhere of a body inside) keeps its id and name only: its node holds
``kind`` and ``label``, nothing declared (category, territory, power, interest,
legitimacy, urgency), and its id is listed in the graph attribute
``restricted_actor_ids``. ``None`` (the default) reads everything.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import networkx as nx
from django.db import connections, router, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from graph.model import (
    MEMBERSHIP_WEIGHTS,
    BodyFacts,
    CollegeFacts,
    MeetingFacts,
    MemberFacts,
    OpinionFacts,
    TerritoryProfile,
    actor_node,
    body_node,
)
from graph.renewal import Layer, age_band
from registry.models import (
    Actor,
    Attendance,
    Body,
    ChangeRecord,
    Charter,
    College,
    Interaction,
    Meeting,
    Membership,
    Opinion,
    PersonalData,
    Territory,
    TerritoryClosure,
    TerritoryLevel,
)
from registry.scope import within_ids
from registry.selectors import versions


@contextmanager
def snapshot() -> Iterator[None]:
    """Read the data version and the data it versions from one consistent snapshot.

    On PostgreSQL a read-only REPEATABLE READ transaction: a write that commits
    while the analysis loads is either wholly seen (and counted in the version)
    or wholly unseen (and the version stays older, so the next request
    recomputes). SQLite's single writer gives the same from a plain
    transaction. Inside an enclosing transaction (tests) it reads through it.
    """
    alias = router.db_for_read(ChangeRecord)
    connection = connections[alias]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _within(territory_id: int) -> QuerySet:
    return within_ids(territory_id)


def _territory_label(level: str | None, code: str | None) -> str:
    return f"{level}:{code}" if level else ""


def bodies_of(territory_id: int, as_of: dt.date) -> QuerySet:
    """The bodies of the territory and below that exist on ``as_of``."""
    return Body.objects.active_on(as_of).filter(territory_id__in=_within(territory_id))


def _current(qs: QuerySet, as_of: dt.date) -> QuerySet:
    return qs.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=as_of),
        Q(end_date__isnull=True) | Q(end_date__gt=as_of),
    )


def _inside(reach_territory_id: int | None, path: str = "territory_id"):
    """An annotation: whether the row's territory (through ``path``) lies within reach."""
    if reach_territory_id is None:
        return Value(True)
    return Exists(
        TerritoryClosure.objects.filter(
            ancestor_id=reach_territory_id, descendant_id=OuterRef(path)
        )
    )


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


def body_facts(
    *, body_ids: list[int], as_of: dt.date, reach_territory_id: int | None = None
) -> list[BodyFacts]:
    """Everything the renewal assessment reads about these bodies, up to ``as_of``.

    Memberships started by ``as_of`` (current and past), meetings and opinions
    dated up to ``as_of``, attendance counted per meeting in SQL. Gender and
    birth year are read for the aggregates only (parity, age gap) and never
    leave the assessment. Members out of ``reach_territory_id`` (see
    ``registry_graph``) count as members whose category, gender and birth year
    are unknown: nothing of theirs but their seat feeds the answer.
    """
    if not body_ids:
        return []
    bodies = Body.objects.filter(id__in=body_ids).values(
        "id",
        "name",
        "body_type",
        "status",
        "territory__level",
        "territory__code",
        "founding_date",
        "dissolution_date",
        "mandate_years",
        "term_start",
        "term_end",
        "seats",
        "parity_rule",
        "min_age",
        "max_age",
    )
    colleges: dict[int, list[CollegeFacts]] = defaultdict(list)
    for pk, body_id, name, seats in (
        College.objects.filter(body_id__in=body_ids)
        .order_by("body_id", "id")
        .values_list("id", "body_id", "name", "seats")
    ):
        colleges[body_id].append(CollegeFacts(id=pk, name=name, seats=seats))

    members: dict[int, list[MemberFacts]] = defaultdict(list)
    rows = (
        Membership.objects.filter(body_id__in=body_ids, start_date__lte=as_of)
        .annotate(inside=_inside(reach_territory_id, "actor__territory_id"))
        .order_by("body_id", "start_date", "id")
        .values_list(
            "body_id",
            "actor_id",
            "college_id",
            "role",
            "start_date",
            "end_date",
            "end_reason",
            "actor__category",
            "actor__personal_data__gender",
            "actor__personal_data__birth_year",
            "inside",
        )
    )
    for row in rows:
        body_id, actor_id, college_id, role, start, end, reason, category, gender, year, seen = row
        if not seen:
            category, gender, year = "", None, None
        members[body_id].append(
            MemberFacts(
                actor_id=actor_id,
                college_id=college_id,
                role=role,
                # A membership that ends after as_of is, on as_of, still running.
                start=start,
                end=end if end is not None and end <= as_of else None,
                end_reason=reason if end is not None and end <= as_of else "",
                category=category,
                gender=gender if gender in ("female", "male", "other") else None,
                birth_year=year,
            )
        )

    meetings: dict[int, list[MeetingFacts]] = defaultdict(list)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for meeting_id, status, n in _attendance_counts(body_ids, as_of):
        counts[meeting_id][status] = n
    for pk, body_id, date, kind in (
        Meeting.objects.filter(body_id__in=body_ids, date__lte=as_of)
        .order_by("body_id", "date", "id")
        .values_list("id", "body_id", "date", "kind")
    ):
        c = counts.get(pk, {})
        meetings[body_id].append(
            MeetingFacts(
                date=date,
                kind=kind,
                present=c.get("present", 0),
                excused=c.get("excused", 0),
                absent=c.get("absent", 0),
            )
        )

    opinions: dict[int, list[OpinionFacts]] = defaultdict(list)
    for body_id, date, referral, response_date, outcome in (
        Opinion.objects.filter(body_id__in=body_ids, date__lte=as_of)
        .order_by("body_id", "date", "id")
        .values_list("body_id", "date", "referral", "response_date", "response_outcome")
    ):
        answered_by_then = response_date is not None and response_date <= as_of
        opinions[body_id].append(
            OpinionFacts(
                date=date,
                referral=referral,
                response_date=response_date if answered_by_then else None,
                response_outcome=outcome if answered_by_then else "",
            )
        )

    return [
        BodyFacts(
            id=row["id"],
            name=row["name"],
            body_type=row["body_type"],
            status=row["status"],
            territory=_territory_label(row["territory__level"], row["territory__code"]),
            founding_date=row["founding_date"],
            dissolution_date=row["dissolution_date"],
            mandate_years=row["mandate_years"],
            term_start=row["term_start"],
            term_end=row["term_end"],
            seats=row["seats"],
            parity_rule=row["parity_rule"],
            min_age=row["min_age"],
            max_age=row["max_age"],
            colleges=tuple(colleges[row["id"]]),
            members=tuple(members[row["id"]]),
            meetings=tuple(meetings[row["id"]]),
            opinions=tuple(opinions[row["id"]]),
        )
        for row in sorted(bodies, key=lambda r: r["id"])
    ]


def _attendance_counts(body_ids: list[int], as_of: dt.date):
    return (
        Attendance.objects.filter(meeting__body_id__in=body_ids, meeting__date__lte=as_of)
        .values_list("meeting_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )


def territory_profile(*, territory_id: int, as_of: dt.date) -> TerritoryProfile:
    """Reference distributions of the territory's persons (category, age band), where known."""
    persons = Actor.objects.filter(kind="person", territory_id__in=_within(territory_id))
    categories = dict(
        persons.values_list("category")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("category", "n")
    )
    bands: dict[str, int] = defaultdict(int)
    for year, n in (
        PersonalData.objects.filter(actor__in=persons, birth_year__isnull=False)
        .values_list("birth_year")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("birth_year", "n")
    ):
        bands[age_band(year, as_of)] += n
    return TerritoryProfile(categories=categories, age_bands=dict(bands))


# --- what a cached result was computed from ---------------------------------------------


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


#: Territory level -> its rank, to order charters of territories equally near a body.
_LEVEL_ORDER = {level: rank for rank, level in enumerate(TerritoryLevel.values)}


def _charter_layer(charter: Charter) -> Layer:
    return Layer(
        source={
            "kind": "charter",
            "id": charter.pk,
            "name": charter.name,
            "territory_id": charter.territory_id,
            "body_type": charter.body_type or None,
            "adopted_by": charter.adopted_by,
            "url": charter.source_url,
        },
        thresholds=charter.thresholds,
        weights=charter.weights,
        rules=charter.rules(),
    )


def charter_layers(body_ids, as_of: dt.date) -> dict[int, list[Layer]]:
    """The charters that govern each body on ``as_of``, the one that wins first.

    A charter governs a body when it is in force on ``as_of`` and its territory is
    the body's or one the body's territory lies in (the closure, both hierarchies),
    and it is for the body's type or for every type. Order: charters for the body's
    type before those for every type; within each, the nearest territory first
    (closure depth), then the level order (``TerritoryLevel``), then the charter id.
    Three queries whatever the number of bodies; every body id given is a key.
    """
    bodies = list(
        Body.objects.filter(id__in=list(body_ids)).values_list("id", "territory_id", "body_type")
    )
    depths: dict[int, dict[int, int]] = defaultdict(dict)
    for descendant, ancestor, depth in TerritoryClosure.objects.filter(
        descendant_id__in={t for _b, t, _k in bodies}
    ).values_list("descendant_id", "ancestor_id", "depth"):
        depths[descendant][ancestor] = depth
    ancestors = {a for found in depths.values() for a in found}
    charters = list(
        Charter.objects.valid_on(as_of)
        .filter(territory_id__in=ancestors)
        .select_related("territory")
        .order_by("id")
    )
    layers: dict[int, list[Layer]] = {int(pk): [] for pk in body_ids}
    for body_id, territory_id, body_type in bodies:
        near = depths[territory_id]
        applicable = [
            c for c in charters if c.territory_id in near and c.body_type in ("", body_type)
        ]
        applicable.sort(
            key=lambda c: (
                c.body_type != body_type,
                near[c.territory_id],
                _LEVEL_ORDER.get(c.territory.level, len(_LEVEL_ORDER)),
                c.pk,
            )
        )
        layers[body_id] = [_charter_layer(c) for c in applicable]
    return layers


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
