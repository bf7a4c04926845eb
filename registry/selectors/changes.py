"""The change feed: every recorded change, in commit order, after a position.

PostgreSQL stamps each transaction's ledger rows with its place in commit order
(``commit_seq``, see migration 0005); SQLite runs one writer at a time, so the
ledger's id order is its commit order. Either way a reader that pages by
position never passes a change that commits later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Q, QuerySet

from registry.models import ChangeRecord, TerritoryClosure


@dataclass(frozen=True, order=True)
class FeedPosition:
    """Where a reader stands: after the change ``record_id`` of transaction ``seq``."""

    seq: int
    record_id: int


#: Before the first change.
START = FeedPosition(0, 0)


def _ordered_by_commit() -> bool:
    return connections[router.db_for_read(ChangeRecord)].vendor == "postgresql"


def position_of(record: ChangeRecord) -> FeedPosition:
    if _ordered_by_commit():
        return FeedPosition(record.commit_seq or 0, record.pk)
    return FeedPosition(record.pk, record.pk)


def changes_after(
    position: FeedPosition,
    *,
    limit: int,
    territory_id: int | None = None,
    exclude_models: tuple[str, ...] = (),
) -> list[ChangeRecord]:
    """Up to ``limit`` changes after ``position``, oldest commit first.

    ``territory_id`` keeps the changes filed under that territory or below;
    ``exclude_models`` leaves out kinds of record (e.g. personal data).
    """
    qs: QuerySet = ChangeRecord.objects.all()
    if _ordered_by_commit():
        qs = qs.filter(
            Q(commit_seq__gt=position.seq) | Q(commit_seq=position.seq, id__gt=position.record_id)
        ).order_by("commit_seq", "id")
    else:
        qs = qs.filter(id__gt=position.record_id).order_by("id")
    if territory_id is not None:
        qs = qs.filter(
            territory_id__in=TerritoryClosure.objects.filter(ancestor_id=territory_id).values(
                "descendant_id"
            )
        )
    if exclude_models:
        qs = qs.exclude(model__in=exclude_models)
    return list(qs[:limit])


def last_position() -> FeedPosition:
    """The position after the last committed change: where a reader of what comes next starts."""
    qs: QuerySet = ChangeRecord.objects.all()
    if _ordered_by_commit():
        record = qs.filter(commit_seq__isnull=False).order_by("-commit_seq", "-id").first()
    else:
        record = qs.order_by("-id").first()
    return START if record is None else position_of(record)
