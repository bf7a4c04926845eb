"""Writes to territories, their links, and the derived closure table."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.utils.translation import gettext

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import Territory, TerritoryClosure, TerritoryRelation
from registry.services._common import domain_errors, protected_delete


@dataclass
class ClosureStats:
    """What a closure rebuild changed."""

    inserted: int = 0
    deleted: int = 0
    updated: int = 0


def territory_create(
    *, level: str, code: str, name: str, parents: Iterable[tuple[Territory, str]] = (), **fields
) -> Territory:
    """Create a territory and link it under ``parents`` ((parent, relation kind) pairs)."""
    with transaction.atomic(), domain_errors():
        territory = Territory(level=level, code=code, name=name, **fields)
        tracking.create(territory)
        links = [TerritoryRelation(parent=p, child=territory, kind=k) for p, k in parents]
        tracking.bulk_create(links)
        closure_rebuild(territory_ids={territory.pk})
    return territory


def territory_update(*, territory: Territory, **changes) -> bool:
    """Change fields of a territory; returns whether anything changed."""
    with transaction.atomic(), domain_errors():
        return tracking.update(territory, changes)


def territory_link(*, parent: Territory, child: Territory, kind: str) -> TerritoryRelation:
    """Place ``child`` within ``parent``; refuses a link that would make a cycle."""
    with transaction.atomic(), domain_errors():
        if Territory.objects.within(child).filter(pk=parent.pk).exists():
            raise InvalidInput(
                gettext("A territory cannot be placed within one of its own descendants."),
                errors={
                    "parent": [
                        gettext("%(parent)s lies within %(child)s.")
                        % {"parent": parent, "child": child}
                    ]
                },
            )
        relation = tracking.create(TerritoryRelation(parent=parent, child=child, kind=kind))
        closure_rebuild(territory_ids={child.pk})
    return relation


def territory_unlink(*, parent: Territory, child: Territory) -> bool:
    """Remove the direct link between ``parent`` and ``child``; returns whether one existed."""
    with transaction.atomic():
        relation = TerritoryRelation.objects.filter(parent=parent, child=child).first()
        if relation is None:
            return False
        tracking.delete(relation)
        closure_rebuild(territory_ids={child.pk})
    return True


def _ancestor_depths(
    node: int, parents_of: dict[int, list[int]], memo: dict[int, dict[int, int]]
) -> dict[int, int]:
    """Every ancestor of ``node`` with its shortest distance, itself at 0 (iterative, memoised)."""
    if node in memo:
        return memo[node]
    stack = [node]
    while stack:
        current = stack[-1]
        pending = [p for p in parents_of.get(current, ()) if p not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if current in memo:
            continue
        depths = {current: 0}
        for p in parents_of.get(current, ()):
            for anc, d in memo[p].items():
                if anc not in depths or d + 1 < depths[anc]:
                    depths[anc] = d + 1
        memo[current] = depths
    return memo[node]


def _descendants(roots: Iterable[int], children_of: dict[int, list[int]]) -> set[int]:
    seen = set(roots)
    queue = deque(seen)
    while queue:
        for child in children_of.get(queue.popleft(), ()):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return seen


#: Above this many territories, a targeted rebuild reads the whole closure table
#: instead of filtering on an IN list (SQLite allows 32,766 parameters at most).
_MAX_IN_LIST = 20000


def _insert_closure_rows(rows: list[tuple[int, int, int]]) -> None:
    """Insert (ancestor_id, descendant_id, depth) rows in bulk.

    The closure is derived data (not in the ledger), so it skips the ORM's
    per-object cost: COPY on PostgreSQL, ``executemany`` elsewhere.
    """
    if not rows:
        return
    using = router.db_for_write(TerritoryClosure)
    connection = connections[using]
    qn = connection.ops.quote_name
    opts = TerritoryClosure._meta
    table = qn(opts.db_table)
    columns = ", ".join(
        qn(opts.get_field(name).column) for name in ("ancestor", "descendant", "depth")
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)"
            for start in range(0, len(rows), 50000):
                cursor.executemany(sql, rows[start : start + 50000])


def closure_rebuild(*, territory_ids: set[int] | None = None) -> ClosureStats:
    """Bring the closure table in line with the relations.

    With ``territory_ids``, only those territories and their descendants are
    recomputed (what a new or removed link can change); without, all of them.
    Only the differences are written, so a rebuild of unchanged data writes
    nothing.
    """
    parents_of: dict[int, list[int]] = defaultdict(list)
    children_of: dict[int, list[int]] = defaultdict(list)
    for parent_id, child_id in TerritoryRelation.objects.values_list("parent_id", "child_id"):
        parents_of[child_id].append(parent_id)
        children_of[parent_id].append(child_id)

    if territory_ids is None:
        affected = set(Territory.objects.values_list("pk", flat=True))
        existing_qs = TerritoryClosure.objects.all()
    else:
        affected = _descendants(territory_ids, children_of)
        existing_qs = TerritoryClosure.objects.filter(descendant_id__in=affected)

    memo: dict[int, dict[int, int]] = {}
    wanted: dict[tuple[int, int], int] = {}
    for node in affected:
        for anc, depth in _ancestor_depths(node, parents_of, memo).items():
            wanted[(anc, node)] = depth

    existing: dict[tuple[int, int], tuple[int, int]] = {}
    if territory_ids is not None and len(affected) > _MAX_IN_LIST:
        # Too many ids for one IN list (SQLite caps the parameters): read all, keep ours.
        existing_qs = TerritoryClosure.objects.all()
    if territory_ids is None or len(affected) > 500:
        rows = existing_qs.values_list("pk", "ancestor_id", "descendant_id", "depth").iterator(
            chunk_size=20000
        )
    else:
        rows = existing_qs.values_list("pk", "ancestor_id", "descendant_id", "depth")
    for pk, anc, desc, depth in rows:
        if desc in affected:
            existing[(anc, desc)] = (pk, depth)

    stats = ClosureStats()
    to_delete = [pk for key, (pk, _d) in existing.items() if key not in wanted]
    to_insert = [(a, d, depth) for (a, d), depth in wanted.items() if (a, d) not in existing]
    to_update = []
    for key, depth in wanted.items():
        if key in existing and existing[key][1] != depth:
            to_update.append(TerritoryClosure(pk=existing[key][0], depth=depth))
    with transaction.atomic():
        for start in range(0, len(to_delete), 5000):
            TerritoryClosure.objects.filter(pk__in=to_delete[start : start + 5000]).delete()
        _insert_closure_rows(to_insert)
        TerritoryClosure.objects.bulk_update(to_update, ["depth"], batch_size=5000)
    stats.deleted, stats.inserted, stats.updated = len(to_delete), len(to_insert), len(to_update)
    return stats


def territory_delete(*, territory: Territory) -> None:
    """Delete a territory entered by mistake (end its validity when it really disappears)."""
    with transaction.atomic(), protected_delete("territory"):
        tracking.delete(territory)
        # The closure rows went with it (cascade); nothing below it can remain linked
        # because relations to children protect the parent.
