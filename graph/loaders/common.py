"""What every loader shares: the consistent snapshot, the territory subtree, the
currency of dated rows and the reach annotation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from registry.models import (
    Body,
    ChangeRecord,
    Territory,
    TerritoryClosure,
)
from registry.scope import within_ids


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


def below(territory_ids: Iterable[int]) -> tuple[dict[int, set[int]], QuerySet]:
    """Each territory -> itself and every territory below it (one query), and the same
    for all of them as a subquery (``territory_id__in=``)."""
    found: dict[int, set[int]] = defaultdict(set)
    closure = TerritoryClosure.objects.filter(ancestor_id__in=territory_ids)
    for ancestor, descendant in closure.values_list("ancestor_id", "descendant_id"):
        found[ancestor].add(descendant)
    return found, closure.values("descendant_id")


def sub_territories(territory_id: int, territory_ids: Iterable[int] | QuerySet) -> dict[int, str]:
    """Territory id -> "level:code" of the territory just below ``territory_id`` (depth 1)
    that holds it; in the DAG one may lie in several (a commune in a département and in
    an EPCI): the first by level, then code. One query; ids not below it are left out."""
    children = TerritoryClosure.objects.filter(ancestor_id=territory_id, depth=1).values(
        "descendant_id"
    )
    rows = TerritoryClosure.objects.filter(
        descendant_id__in=territory_ids, ancestor_id__in=children
    ).values_list("descendant_id", "ancestor__level", "ancestor__code")
    return _first_holders(rows)


def _first_holders(rows: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    chosen: dict[int, tuple[str, str]] = {}
    for pk, level, code in rows:
        if pk not in chosen or (level, code) < chosen[pk]:
            chosen[pk] = (level, code)
    return {pk: f"{level}:{code}" for pk, (level, code) in chosen.items()}


def sub_territories_of(
    territory_ids: Iterable[int], ids: Iterable[int] | QuerySet
) -> dict[int, dict[int, str]]:
    """``sub_territories(t, ids)`` for each ``t`` of ``territory_ids``, in two queries."""
    parents: dict[int, set[int]] = defaultdict(set)  # child -> the territories it is just below
    for ancestor, child in TerritoryClosure.objects.filter(
        ancestor_id__in=territory_ids, depth=1
    ).values_list("ancestor_id", "descendant_id"):
        parents[child].add(ancestor)
    rows: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for pk, child, level, code in TerritoryClosure.objects.filter(
        descendant_id__in=ids, ancestor_id__in=list(parents)
    ).values_list("descendant_id", "ancestor_id", "ancestor__level", "ancestor__code"):
        for territory in parents[child]:
            rows[territory].append((pk, level, code))
    return {pk: _first_holders(rows.get(pk, ())) for pk in territory_ids}


def sub_territory_keys(territory_id: int) -> dict[str, str]:
    """ "level:code" of every territory below ``territory_id`` -> that of its sub-territory
    (``sub_territories``' one rule: the territory just below ``territory_id`` holding it).
    Two queries."""
    subs = sub_territories(territory_id, _within(territory_id))
    own = Territory.objects.filter(pk__in=list(subs)).values_list("pk", "level", "code")
    return {_territory_label(level, code): subs[pk] for pk, level, code in own}
