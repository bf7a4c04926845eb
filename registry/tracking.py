"""The change ledger's write path: who may write, and how every write is recorded.

Why not a history library? django-simple-history records through model signals,
which ``bulk_create``/``bulk_update``/``QuerySet.update()`` never send, and keeps
one history table per model (no global commit order for a change feed);
django-pghistory records through PostgreSQL triggers, and SQLite is our
embedded default. So the registry keeps one append-only ledger
(``ChangeRecord``), written in the same transaction as the change by the few
functions below, and the tracked models refuse any write that does not come
through them: a bulk write cannot bypass the history.

Services (``registry.services``) are the only callers of these functions.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models, router, transaction
from django.db.models.deletion import Collector


class UntrackedWriteError(RuntimeError):
    """A tracked model was written outside ``registry.services``."""


_writing: ContextVar[bool] = ContextVar("registry_writing", default=False)


@dataclass(frozen=True)
class ChangeContext:
    """Who is writing and why; recorded on every ledger entry."""

    user: Any = None
    request: Any = None
    request_id: str = ""
    reason: str = ""
    via: str = ""

    def resolve_user_id(self) -> int | None:
        user = self.user
        if user is None and self.request is not None:
            # DRF copies the authenticated user back onto the HttpRequest, so a
            # user authenticated by an API key is seen here as well.
            user = getattr(self.request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user.pk

    def resolve_api_key(self) -> str:
        auth = getattr(self.request, "auth", None) if self.request is not None else None
        return str(getattr(auth, "prefix", "") or "")


_NO_CONTEXT = ChangeContext()
_context: ContextVar[ChangeContext] = ContextVar(
    "registry_change_context",
    default=_NO_CONTEXT,  # noqa: B039 (frozen, immutable)
)


@contextmanager
def change_context(
    *, user=None, request=None, request_id: str = "", reason: str = "", via: str = ""
) -> Iterator[ChangeContext]:
    """Attach who/why/which request to every change recorded inside the block.

    Nested blocks inherit what they do not set.
    """
    outer = _context.get()
    ctx = ChangeContext(
        user=user if user is not None else outer.user,
        request=request if request is not None else outer.request,
        request_id=request_id or outer.request_id,
        reason=reason or outer.reason,
        via=via or outer.via,
    )
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def current_context() -> ChangeContext:
    return _context.get()


@contextmanager
def _allow_writes() -> Iterator[None]:
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def guard(operation: str, model: type[models.Model]) -> None:
    """Refuse a write to a tracked model that does not come through the ledger."""
    if not _writing.get():
        raise UntrackedWriteError(
            f"{operation} on {model._meta.label} outside registry.services: every write to a "
            "registry model must go through a service so it is recorded in the change ledger. "
            "Call the matching function in registry.services (or registry.tracking for a new one)."
        )


class TrackedQuerySet(models.QuerySet):
    """A queryset whose bulk writes are refused unless the ledger records them."""

    def update(self, **kwargs):
        guard("QuerySet.update()", self.model)
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        guard("bulk_create()", self.model)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        guard("bulk_update()", self.model)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def delete(self):
        guard("QuerySet.delete()", self.model)
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


#: The manager of every tracked model, and its base manager too (``Meta.base_manager_name``
#: on ``registry.models.base.RegistryModel``): Django's default base manager is a plain
#: ``Manager``, through which ``Model._base_manager.filter(...).update()`` would skip the
#: guard. Custom querysets of tracked models derive from ``TrackedQuerySet``.
TrackedManager = models.Manager.from_queryset(TrackedQuerySet)


class TrackedModelMixin:
    """Refuses ``save()``/``delete()`` outside the ledger's write path."""

    def save(self, *args, **kwargs):
        guard("save()", type(self))
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        guard("delete()", type(self))
        return super().delete(*args, **kwargs)


# --- snapshots -------------------------------------------------------------------

#: Fields left out of snapshots: bookkeeping that changes on every write.
SNAPSHOT_EXCLUDE = frozenset({"created_at", "updated_at"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def snapshot_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in SNAPSHOT_EXCLUDE and not f.primary_key
    ]


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's stored values as JSON-ready data, foreign keys as ids (``<name>_id``)."""
    return {
        f.attname: _jsonable(getattr(instance, f.attname)) for f in snapshot_fields(type(instance))
    }


def _first_attname(model: type[models.Model], path: str) -> str:
    """The column of ``model`` a territory path starts from (``body__territory_id``: body_id)."""
    if "__" not in path:
        return path
    return model._meta.get_field(path.split("__")[0]).attname


def _follow(model: type[models.Model], path: str, keys: Sequence[Any]) -> list[int | None]:
    """The value of ``path`` for each value of its first column, one query per 5,000 keys."""
    hops = path.split("__")
    if len(hops) == 1:
        return list(keys)
    first = model._meta.get_field(hops[0])
    found: dict = {}
    rest = "__".join(hops[1:])
    ids = sorted({k for k in keys if k is not None})
    for start in range(0, len(ids), 5000):
        found.update(
            first.related_model._base_manager.filter(pk__in=ids[start : start + 5000]).values_list(
                "pk", rest
            )
        )
    return [found.get(k) for k in keys]


def _territory_ids(instances: Sequence[models.Model]) -> list[int | None]:
    """The territory each instance's change is filed under, with one query per batch at most.

    Follows the model's ``tracking_territory_path`` (e.g. ``body__territory_id``):
    through related objects already loaded when every instance has them, else
    by one query on the first related model.
    """
    if not instances:
        return []
    model = type(instances[0])
    path = getattr(model, "tracking_territory_path", None)
    if path is None:
        return [None] * len(instances)
    hops = path.split("__")
    if len(hops) == 1:
        return [getattr(o, path) for o in instances]

    def walk(obj):
        for hop in hops[:-1]:
            field = obj._meta.get_field(hop)
            if not field.is_cached(obj):
                raise LookupError
            obj = getattr(obj, hop)
            if obj is None:
                return None
        return getattr(obj, hops[-1])

    try:
        return [walk(o) for o in instances]
    except LookupError:
        pass
    attname = _first_attname(model, path)
    return _follow(model, path, [getattr(o, attname) for o in instances])


def _also_territory_ids(
    changes: Sequence[tuple[models.Model, dict[str, tuple[Any, Any]]]],
    filed: Sequence[int | None],
) -> list[int | None]:
    """For each change, the second territory it concerns, or None (``ChangeRecord.also_territory_id``).

    The territory the record was filed under *before* the change, where that differs
    from the one it is filed under now: a body, an actor or a membership moved to
    another territory (or body) leaves the first one, whose cached answers depend on it
    too. A model may name another path for it (``tracking_also_territory_path``): a
    hierarchy link (``TerritoryRelation``) names its parent, which loses the child's
    territories when the link goes. ``changes`` pairs each instance with its changed
    values ({attname: (old, new)}; {} for a deletion: the instance as it is).
    """
    if not changes:
        return []
    model = type(changes[0][0])
    path = getattr(model, "tracking_also_territory_path", None) or getattr(
        model, "tracking_territory_path", None
    )
    if path is None:
        return [None] * len(changes)
    attname = _first_attname(model, path)
    if path == getattr(model, "tracking_territory_path", None) and not any(
        attname in d for _i, d in changes
    ):
        return [None] * len(changes)  # nothing moved: the common case, no query
    keys = [d[attname][0] if attname in d else getattr(i, attname) for i, d in changes]
    before = _follow(model, path, keys)
    return [b if b != f else None for b, f in zip(before, filed, strict=True)]


#: Columns of the ledger, in the order ``_record`` fills them.
_LEDGER_COLUMNS = (
    "at",
    "action",
    "model",
    "object_id",
    "object_repr",
    "territory_id",
    "also_territory_id",
    "user_id",
    "api_key",
    "request_id",
    "via",
    "reason",
    "before",
    "after",
)
#: Ledger columns holding JSON.
_JSON_COLUMNS = frozenset({"before", "after"})
#: Ledger columns that most rows leave NULL.
_SPARSE_COLUMNS = frozenset({"also_territory_id"})


def _record(
    action: str,
    instance: models.Model,
    *,
    before: dict | None,
    after: dict | None,
    ctx: ChangeContext,
    user_id: int | None,
    now: dt.datetime,
    territory_id: int | None,
    also_territory_id: int | None = None,
) -> tuple:
    """One ledger row, as values in ``_LEDGER_COLUMNS`` order."""
    return (
        now,
        action,
        instance._meta.label_lower,
        instance.pk,
        (getattr(instance, "tracking_label", None) or instance.__str__)()[:200],
        territory_id,
        also_territory_id,
        user_id,
        ctx.resolve_api_key(),
        ctx.request_id,
        ctx.via,
        ctx.reason,
        before,
        after,
    )


def _write_records(rows: Sequence[tuple], batch_size: int = 500) -> None:
    """Insert ledger rows, many per statement.

    The ledger is append-only and its rows are plain values, so they skip the
    model layer and go in as multi-row ``INSERT ... VALUES`` statements: on a
    national import or a large sync that is several times faster than one
    model instance, or one round trip, per row.
    """
    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import connections

    from registry.models import ChangeRecord

    if not rows:
        return
    connection = connections[router.db_for_write(ChangeRecord)]
    ops = connection.ops
    table = ops.quote_name(ChangeRecord._meta.db_table)
    # A sparse column no row of the batch sets is left to its default (NULL): migration
    # 0014 writes ledger rows through this code before 0016 adds ``also_territory_id``.
    keep = [
        i
        for i, name in enumerate(_LEDGER_COLUMNS)
        if name not in _SPARSE_COLUMNS or any(row[i] is not None for row in rows)
    ]
    columns = ", ".join(ops.quote_name(_LEDGER_COLUMNS[i]) for i in keep)
    json_at = {i for i in keep if _LEDGER_COLUMNS[i] in _JSON_COLUMNS}

    if connection.vendor == "postgresql":
        import orjson

        def json_text(value):
            return None if value is None else orjson.dumps(value).decode()

        _copy_records(
            connection,
            table,
            columns,
            (tuple(json_text(row[i]) if i in json_at else row[i] for i in keep) for row in rows),
        )
        return

    def value(row, i):
        if i == 0:
            return ops.adapt_datetimefield_value(row[0])
        if i in json_at:
            return None if row[i] is None else ops.adapt_json_value(row[i], DjangoJSONEncoder)
        return row[i]

    one_row = "(" + ", ".join(["%s"] * len(keep)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            params = [value(row, i) for row in batch for i in keep]
            values = ", ".join([one_row] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)


def _copy_records(connection, table: str, columns: str, rows: Iterable[tuple]) -> None:
    """PostgreSQL: stream the ledger rows (JSON already as text) with COPY, the fastest way in."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the write path --------------------------------------------------------------


def create(instance: models.Model, *, validate: bool = True) -> models.Model:
    """Validate (fields, uniqueness, constraints) and insert one new instance, and record it."""
    if validate:
        instance.full_clean()
    return bulk_create([instance], validate=False)[0]


def bulk_create(
    instances: Sequence[models.Model], *, validate: bool = True, batch_size: int = 2000
) -> list[models.Model]:
    """Validate and insert many new instances of one model, recording each one.

    Validation runs before anything is written, so one bad instance means none
    is stored.
    """
    instances = list(instances)
    if not instances:
        return []
    model = type(instances[0])
    if validate:
        for obj in instances:
            obj.full_clean(validate_unique=False, validate_constraints=False)
    ctx = current_context()
    user_id = ctx.resolve_user_id()
    using = router.db_for_write(model)
    with transaction.atomic(using=using), _allow_writes():
        if len(instances) == 1:
            instances[0].save(force_insert=True, using=using)
        else:
            model._default_manager.using(using).bulk_create(instances, batch_size=batch_size)
        now = _now()
        _write_records(
            [
                _record(
                    "create",
                    o,
                    before=None,
                    after=snapshot(o),
                    ctx=ctx,
                    user_id=user_id,
                    now=now,
                    territory_id=territory_id,
                )
                for o, territory_id in zip(instances, _territory_ids(instances), strict=True)
            ]
        )
    return instances


def diff(instance: models.Model, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The subset of ``changes`` that differs from the instance, as {attname: (old, new)}."""
    out: dict[str, tuple[Any, Any]] = {}
    for name, new in changes.items():
        f = instance._meta.get_field(name)
        attname = f.attname
        if f.is_relation and isinstance(new, models.Model):
            new_value = new.pk
        else:
            new_value = f.to_python(new) if new is not None else None
        old = getattr(instance, attname)
        if old != new_value:
            out[attname] = (old, new_value)
    return out


def _assign(instance: models.Model, attname: str, value: Any, changes: dict[str, Any]) -> None:
    """Set a changed value, keeping a related object's cache right."""
    f = instance._meta.get_field(attname)
    given = changes.get(f.name)
    if f.is_relation and isinstance(given, models.Model):
        setattr(instance, f.name, given)
        return
    setattr(instance, attname, value)
    if f.is_relation and f.is_cached(instance):
        f.delete_cached_value(instance)


def update(instance: models.Model, changes: dict[str, Any], *, validate: bool = True) -> bool:
    """Apply ``changes`` to one instance; write and record only if something differs.

    Returns whether anything changed. An unchanged instance is not saved, so
    neither its ``updated_at`` nor the ledger moves.
    """
    return bool(bulk_update([(instance, changes)], validate=validate, full=True))


def bulk_update(
    pairs: Iterable[tuple[models.Model, dict[str, Any]]],
    *,
    validate: bool = True,
    full: bool = False,
    batch_size: int = 1000,
) -> list[models.Model]:
    """Apply per-instance changes to many instances of one model; returns those that changed.

    ``validate`` checks the fields of each changed instance; ``full`` also its
    uniqueness and constraints (a query or more per instance: for single writes).
    """
    changed: list[tuple[models.Model, dict[str, tuple[Any, Any]]]] = []
    for instance, changes in pairs:
        d = diff(instance, changes)
        if not d:
            continue
        for attname, (_old, new) in d.items():
            _assign(instance, attname, new, changes)
        if validate:
            instance.full_clean(validate_unique=full, validate_constraints=full)
        changed.append((instance, d))
    if not changed:
        return []
    model = type(changed[0][0])
    ctx = current_context()
    user_id = ctx.resolve_user_id()
    using = router.db_for_write(model)
    fields = sorted({a for _i, d in changed for a in d})
    now = _now()
    with transaction.atomic(using=using), _allow_writes():
        for instance, _d in changed:
            if hasattr(instance, "updated_at"):
                instance.updated_at = now
        write_fields = [model._meta.get_field(a).name for a in fields]
        if hasattr(model, "updated_at"):
            write_fields.append("updated_at")
        if len(changed) == 1:
            changed[0][0].save(update_fields=write_fields, using=using)
        else:
            _write_updates(model, using, changed, write_fields, now, batch_size)
        filed = _territory_ids([i for i, _d in changed])
        _write_records(
            [
                _record(
                    "update",
                    i,
                    before={a: _jsonable(old) for a, (old, _new) in d.items()},
                    after={a: _jsonable(new) for a, (_old, new) in d.items()},
                    ctx=ctx,
                    user_id=user_id,
                    now=now,
                    territory_id=territory_id,
                    also_territory_id=also,
                )
                for (i, d), territory_id, also in zip(
                    changed, filed, _also_territory_ids(changed, filed), strict=True
                )
            ]
        )
    return [i for i, _d in changed]


def _write_updates(model, using, changed, write_fields, now, batch_size) -> None:
    """Write many updates: one ``UPDATE ... WHERE pk IN`` per set of identical changes.

    Syncs change many rows the same way (end them on one date, move them to one
    college); Django's ``bulk_update`` would build a CASE per row and field. When
    the changes are mostly different, it is used after all.
    """
    groups: dict[tuple, list] = {}
    for instance, d in changed:
        try:
            key = tuple(sorted((a, new) for a, (_old, new) in d.items()))
            hash(key)
        except TypeError:  # unhashable values (JSON): no grouping for this one
            key = ("__single__", id(instance))
        groups.setdefault(key, []).append(instance)
    manager = model._default_manager.using(using)
    if len(groups) > max(10, len(changed) // 5):
        manager.bulk_update([i for i, _d in changed], write_fields, batch_size=batch_size)
        return
    for key, instances in groups.items():
        if key and key[0] == "__single__":
            manager.bulk_update(instances, write_fields, batch_size=batch_size)
            continue
        values = {model._meta.get_field(a).attname: new for a, new in key}
        if hasattr(model, "updated_at"):
            values["updated_at"] = now
        pks = [i.pk for i in instances]
        for start in range(0, len(pks), batch_size):
            manager.filter(pk__in=pks[start : start + batch_size]).update(**values)


def delete(instance: models.Model) -> int:
    """Delete an instance and whatever cascades from it, recording a tombstone for each."""
    return bulk_delete([instance])


def bulk_delete(instances: Sequence[models.Model]) -> int:
    """Delete instances (and their cascades), recording every deleted row.

    Django's collector is asked what a delete will remove, cascades included,
    so the ledger holds a tombstone for every row that disappears.
    """
    instances = list(instances)
    if not instances:
        return 0
    using = router.db_for_write(type(instances[0]))
    ctx = current_context()
    user_id = ctx.resolve_user_id()
    with transaction.atomic(using=using), _allow_writes():
        collector = Collector(using=using, origin=instances[0])
        collector.collect(instances)
        doomed: list[models.Model] = []
        for _model, objs in collector.data.items():
            doomed.extend(objs)
        for qs in collector.fast_deletes:
            doomed.extend(qs)
        now = _now()
        records = []
        by_model: dict[type, list[models.Model]] = {}
        for o in doomed:
            if isinstance(o, TrackedModelMixin):
                by_model.setdefault(type(o), []).append(o)
        for objs in by_model.values():
            filed = _territory_ids(objs)
            also = _also_territory_ids([(o, {}) for o in objs], filed)
            records.extend(
                _record(
                    "delete",
                    o,
                    before=snapshot(o),
                    after=None,
                    ctx=ctx,
                    user_id=user_id,
                    now=now,
                    territory_id=territory_id,
                    also_territory_id=also_id,
                )
                for o, territory_id, also_id in zip(objs, filed, also, strict=True)
            )
        count, _per_model = collector.delete()
        _write_records(records)
    return count


def record_event(
    action: str,
    model: type[models.Model],
    object_id: int,
    *,
    label: str,
    territory_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Record a ledger row that is no row change of its own (e.g. an actor's ``merge``).

    Written in the caller's transaction, with the current change context like every
    other row; the changes that carry the event out are recorded by the functions above.
    """
    ctx = current_context()

    class _Named:  # what ``_record`` reads of an instance
        _meta = model._meta
        pk = object_id

        def tracking_label(self) -> str:
            return label

    _write_records(
        [
            _record(
                action,
                _Named(),  # type: ignore[arg-type]
                before=before,
                after=after,
                ctx=ctx,
                user_id=ctx.resolve_user_id(),
                now=_now(),
                territory_id=territory_id,
            )
        ]
    )
