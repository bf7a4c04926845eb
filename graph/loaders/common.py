"""What every loader shares: the consistent snapshot, the territory subtree, the
currency of dated rows and the reach annotation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from registry.models import (
    Body,
    ChangeRecord,
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
