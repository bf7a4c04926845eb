"""Data versions: the last committed change a cached result depends on, in commit order.

Caches (list counts, analysis results) are keyed by the data they were computed
from, and every write is recorded in the ledger (``registry.tracking``), so the
ledger's last change is that version. *Last* must mean last committed, not
highest id: on PostgreSQL a transaction takes its ids when it writes and may
commit after one that wrote later, so the highest id would already be visible
when the late transaction's rows appear, and a cache keyed by it would not
notice them. Like the change feed (``registry.selectors.changes``), the versions
below follow ``commit_seq`` there, stamped at commit (migration 0005). SQLite
runs one writer at a time, so its id order is its commit order.

Rows of a transaction not yet committed carry no ``commit_seq``; only that
transaction sees them (a test, a caller reading inside its own write), and their
ids make the version move there as well.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Expression, Max, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat

from registry.models import Actor, ChangeRecord, TerritoryClosure


def ordered_by_commit(using: str | None = None) -> bool:
    """Whether the ledger's commit order is ``commit_seq`` (PostgreSQL) rather than the id."""
    alias = using or router.db_for_read(ChangeRecord)
    return connections[alias].vendor == "postgresql"


def version_column(using: str | None = None) -> str:
    """The ledger column whose maximum is the last committed change."""
    return "commit_seq" if ordered_by_commit(using) else "id"


def _text(subquery) -> Expression:
    return Coalesce(Cast(Subquery(subquery), TextField()), Value(""), output_field=TextField())


def ledger_version_expression(using: str | None = None) -> Expression:
    """The whole ledger's version as an SQL expression, to read in the same statement as rows.

    A page of a list annotated with it carries the version of the very snapshot its
    rows come from. PostgreSQL: "<last commit_seq>+<last uncommitted id of this
    transaction>"; SQLite: "<last id> <its time>" (the time tells apart two changes
    that took the same id, one of them rolled back).
    """
    if ordered_by_commit(using):
        committed = (
            ChangeRecord.objects.filter(commit_seq__isnull=False)
            .order_by("-commit_seq")
            .values("commit_seq")[:1]
        )
        pending = (
            ChangeRecord.objects.filter(commit_seq__isnull=True).order_by("-id").values("id")[:1]
        )
        return Concat(_text(committed), Value("+"), _text(pending), output_field=TextField())
    last = ChangeRecord.objects.order_by("-id")
    return Concat(
        _text(last.values("id")[:1]),
        Value(" "),
        _text(last.values("at")[:1]),
        output_field=TextField(),
    )


def ledger_version(using: str | None = None) -> str:
    """The whole ledger's version: moves with every committed write ("" while it is empty)."""
    alias = using or router.db_for_read(ChangeRecord)
    found = list(
        ChangeRecord.objects.using(alias)
        .order_by("pk")
        .annotate(v=ledger_version_expression(alias))
        .values_list("v", flat=True)[:1]
    )
    return found[0] if found else ""


def _within(territory_id: int):
    return TerritoryClosure.objects.filter(ancestor_id=territory_id).values("descendant_id")


def _within_any(territory_ids: list[int]):
    return TerritoryClosure.objects.filter(ancestor_id__in=territory_ids).values("descendant_id")


def territory_version(
    *,
    territory_id: int,
    outside_actor_ids: frozenset[int] = frozenset(),
    also_territory_ids: frozenset[int] = frozenset(),
) -> str:
    """The last committed change that a territory's analysis depends on (an opaque string).

    Any write to a record filed under the territory (or below) moves it:
    bodies, colleges, memberships, meetings, opinions, actors, interactions and
    the territories themselves; so do writes to the actors listed in
    ``outside_actor_ids`` (members who live elsewhere). A write elsewhere leaves
    it where it was. ``also_territory_ids``: other territories the result read
    (a body's network territory above the one analysed), counted as the territory is.

    So does a record moving out of it (a body, an actor moved to another territory, a
    membership to another body, a territory link undone): its ledger row names the
    territory it left (``also_territory_id``).

    Two index probes per territory below (``change_territory_seq_idx`` and the partial
    ``change_also_territory_seq_idx``), not a scan of the territory's whole history.
    """
    column = version_column()

    def latest(field: str):
        return (
            ChangeRecord.objects.filter(**{field: OuterRef("descendant_id")})
            .order_by(f"-{column}")
            .values(column)[:1]
        )

    territory_ids = sorted({territory_id, *also_territory_ids})
    # Filed under a territory within, or leaving one (a record moved out, a link undone:
    # ``ChangeRecord.also_territory_id``, whose partial index holds only those rows).
    found = (
        TerritoryClosure.objects.filter(ancestor_id__in=territory_ids)
        .annotate(v=Subquery(latest("territory_id")), left=Subquery(latest("also_territory_id")))
        .aggregate(m=Max("v"), n=Max("left"))
    )
    version = max(found["m"] or 0, found["n"] or 0)
    within = _within_any(territory_ids)
    scope = Q(territory_id__in=within) | Q(also_territory_id__in=within)
    if outside_actor_ids:
        # Members who live elsewhere: their own changes (by id), and what is filed
        # under their territories (their personal data, identifiers, a new record
        # of theirs); territory-less persons' personal data is filed under none.
        actor_ids = sorted(outside_actor_ids)
        territories = (
            Actor.objects.filter(id__in=actor_ids, territory__isnull=False)
            .values_list("territory_id", flat=True)
            .distinct()
        )
        outside = (
            Q(model="registry.actor", object_id__in=actor_ids)
            | Q(territory_id__in=territories)
            | Q(territory_id__isnull=True, model="registry.personaldata")
        )
        scope |= outside
        latest_outside = ChangeRecord.objects.filter(outside).aggregate(m=Max(column))["m"]
        version = max(version, latest_outside or 0)
    if column == "commit_seq":
        pending = ChangeRecord.objects.filter(scope, commit_seq__isnull=True).aggregate(
            m=Max("id")
        )["m"]
        if pending:
            return f"{version}+{pending}"
    return str(version)


def charters_above_version(*, territory_id: int) -> str:
    """The last committed change of a charter that may judge the territory's bodies from above.

    A body is judged by the charters of the territories it lies in
    (``graph.loaders.charter_layers``). ``territory_version`` sees the changes filed
    under the territory and below; this one adds those of charters filed on a
    territory outside it that contains one of its territories: the ones above it,
    and in a DAG those above its members through the other hierarchy (the
    département of a commune of an EPCI). A charter written elsewhere leaves it
    unchanged. "" when no such charter was ever written.
    """
    column = version_column()
    inside = _within(territory_id)
    above = (
        TerritoryClosure.objects.filter(descendant_id__in=inside)
        .exclude(ancestor_id__in=inside)
        .values("ancestor_id")
    )
    above_ids = [row["ancestor_id"] for row in above]  # a handful: those above this one
    # A charter moved away from above is filed under its new territory; its row names
    # the one it left (``also_territory_id``, as for every record that moves).
    changes = ChangeRecord.objects.filter(model="registry.charter").filter(
        Q(territory_id__in=above_ids) | Q(also_territory_id__in=above_ids)
    )
    version = changes.aggregate(m=Max(column))["m"]
    if column == "commit_seq":
        pending = changes.filter(commit_seq__isnull=True).aggregate(m=Max("id"))["m"]
        if pending:
            return f"{version or 0}+{pending}"
    return "" if version is None else str(version)
