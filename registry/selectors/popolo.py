"""Reads behind the Popolo export: everything within a territory, in a fixed number of queries.

Pure reads returning plain rows (``values()``); the API renders them as Popolo
objects. What is read, for territory T (and an optional date):

- territories within T (both hierarchies, through the closure table), each with
  its direct parent links to territories of the export (T itself has none there);
- bodies whose territory lies within T, their colleges and their memberships;
- actors whose territory lies within T, plus the actors those memberships and
  bodies refer to (members, organizations represented, host authorities), so
  that every reference of the export resolves; their identifiers and other names;
- personal data of those persons only when asked (``personal_data=True``).

``reach_territory_id`` (a reader confined to a territory; the API's
``api.scoping.Reach`` decides it): every actor row says whether its home
territory lies within it (``inside``); identifiers, other names and personal
data are read only for the actors inside, and the API shows the others by id
and name only.

With ``as_of``, only what exists on that date: territories valid then, bodies
active then, memberships current then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, Value

from registry.models import (
    Actor,
    ActorIdentifier,
    ActorOtherName,
    Body,
    College,
    Membership,
    PersonalData,
    Territory,
    TerritoryClosure,
    TerritoryRelation,
)

TERRITORY_FIELDS = (
    "id",
    "level",
    "code",
    "name",
    "kind",
    "population",
    "valid_from",
    "valid_until",
    "sources",
)
BODY_FIELDS = (
    "id",
    "name",
    "body_type",
    "territory_id",
    "host_id",
    "description",
    "legal_basis",
    "status",
    "founding_date",
    "dissolution_date",
    "term_start",
    "term_end",
    "seats",
    "sources",
)
COLLEGE_FIELDS = ("id", "body_id", "name", "seats", "selection_mode", "sources")
MEMBERSHIP_FIELDS = (
    "id",
    "actor_id",
    "actor__kind",
    "body_id",
    "body__name",
    "body__territory_id",
    "college_id",
    "role",
    "selection_mode",
    "on_behalf_of_id",
    "start_date",
    "end_date",
    "end_reason",
    "sources",
)
ACTOR_FIELDS = (
    "id",
    "kind",
    "category",
    "name",
    "given_name",
    "family_name",
    "territory_id",
    "description",
    "founding_date",
    "dissolution_date",
    "links",
    "sources",
    "is_pseudonymised",
)
PERSONAL_FIELDS = ("actor_id", "email", "phone", "postal_address", "gender", "birth_year")

#: Which parent a territory shows when it has several: the administrative one first.
PARENT_PREFERENCE = {"administrative": 0, "municipal": 1, "intercommunal": 2}


@dataclass
class PopoloData:
    """Rows of one export; ``identifiers``, ``other_names``, ``personal`` keyed by actor id."""

    territories: list[dict]
    parents: dict[int, int]
    bodies: list[dict]
    colleges: list[dict]
    memberships: list[dict]
    actors: list[dict]
    identifiers: dict[int, list[dict]] = field(default_factory=dict)
    other_names: dict[int, list[dict]] = field(default_factory=dict)
    personal: dict[int, dict] | None = None


def territory_within(territory_id: int, ancestor_id: int) -> bool:
    """Whether ``territory_id`` is ``ancestor_id`` or lies below it (either hierarchy)."""
    return TerritoryClosure.objects.filter(
        ancestor_id=ancestor_id, descendant_id=territory_id
    ).exists()


def territory_exists(territory_id: int) -> bool:
    return Territory.objects.filter(pk=territory_id).exists()


def popolo_data(
    territory_id: int,
    *,
    as_of: dt.date | None = None,
    personal_data: bool = False,
    reach_territory_id: int | None = None,
) -> PopoloData:
    """Everything the Popolo export of ``territory_id`` shows (see the module docstring).

    ``reach_territory_id``: a reader confined to this territory sees the members from
    elsewhere by id and name only: their rows carry ``inside=False``, and their
    identifiers, other names and personal data are not read.
    """
    within = TerritoryClosure.objects.filter(ancestor_id=territory_id).values("descendant_id")

    territories = Territory.objects.filter(id__in=within)
    bodies = Body.objects.filter(territory_id__in=within)
    if as_of is not None:
        territories = territories.valid_on(as_of)
        bodies = bodies.active_on(as_of)
    memberships = Membership.objects.filter(body_id__in=bodies.values("id"))
    if as_of is not None:
        memberships = memberships.current_on(as_of)

    actors = Actor.objects.filter(
        Q(territory_id__in=within)
        | Q(id__in=memberships.values("actor_id"))
        | Q(id__in=memberships.filter(on_behalf_of_id__isnull=False).values("on_behalf_of_id"))
        | Q(id__in=bodies.filter(host_id__isnull=False).values("host_id"))
    )
    if reach_territory_id is None:
        actors = actors.annotate(inside=Value(True))
        actor_ids = actors.values("id")
    else:
        reach = TerritoryClosure.objects.filter(ancestor_id=reach_territory_id)
        actors = actors.annotate(
            inside=Exists(reach.filter(descendant_id=OuterRef("territory_id")))
        )
        actor_ids = actors.filter(territory_id__in=reach.values("descendant_id")).values("id")

    # Parents among the exported territories only: the export is self-contained (a
    # commune exported under its EPCI shows the EPCI, not its département, as parent).
    parents: dict[int, tuple[int, int]] = {}
    for child_id, parent_id, kind in TerritoryRelation.objects.filter(
        child_id__in=territories.values("id"), parent_id__in=territories.values("id")
    ).values_list("child_id", "parent_id", "kind"):
        rank = (PARENT_PREFERENCE.get(kind, 9), parent_id)
        if child_id not in parents or rank < parents[child_id]:
            parents[child_id] = rank

    identifiers: dict[int, list[dict]] = defaultdict(list)
    for row in (
        ActorIdentifier.objects.filter(actor_id__in=actor_ids)
        .order_by("actor_id", "scheme", "value")
        .values("actor_id", "scheme", "value", "issuer")
    ):
        identifiers[row["actor_id"]].append(row)

    other_names: dict[int, list[dict]] = defaultdict(list)
    for row in (
        ActorOtherName.objects.filter(actor_id__in=actor_ids)
        .order_by("actor_id", "name", "id")
        .values("actor_id", "name", "note", "start_date", "end_date")
    ):
        other_names[row["actor_id"]].append(row)

    personal = None
    if personal_data:
        rows = PersonalData.objects.filter(actor_id__in=actor_ids)
        personal = {row["actor_id"]: row for row in rows.values(*PERSONAL_FIELDS)}

    return PopoloData(
        territories=list(territories.order_by("id").values(*TERRITORY_FIELDS)),
        parents={child: rank[1] for child, rank in parents.items()},
        bodies=list(bodies.order_by("id").values(*BODY_FIELDS)),
        colleges=list(
            College.objects.filter(body_id__in=bodies.values("id"))
            .order_by("id")
            .values(*COLLEGE_FIELDS)
        ),
        memberships=list(memberships.order_by("id").values(*MEMBERSHIP_FIELDS)),
        actors=list(actors.order_by("id").values(*ACTOR_FIELDS, "inside")),
        identifiers=dict(identifiers),
        other_names=dict(other_names),
        personal=personal,
    )
