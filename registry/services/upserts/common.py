"""What both bulk upserts share: the result, the error list, typed values, reach, writes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry import tracking
from registry.exceptions import InvalidInput
from registry.identifiers import IdentifierKey, normalise
from registry.models import Actor
from registry.params import INT64_MAX, INT64_MIN
from registry.scope import within_ids
from registry.services import resolution
from registry.services._common import domain_errors
from registry.services.actors import ACTOR_FIELDS
from registry.services.interactions import INTERACTION_FIELDS

#: Largest number of items one call may send.
MAX_ITEMS = 5000
_CHUNK = 500
#: Rows per UPDATE ... CASE statement: short CASEs are much faster than long ones.
_UPDATE_BATCH = 100
#: Longest text of a field without its own bound (descriptions).
MAX_TEXT = 10_000

#: Actor fields an upsert item may set (besides ``identifier``): those of actor_create.
ACTOR_UPSERT_FIELDS = tuple(sorted(ACTOR_FIELDS))
#: Interaction fields an upsert item may set (besides ``external_id``, its key).
INTERACTION_UPSERT_FIELDS = tuple(sorted(INTERACTION_FIELDS - {"external_id"}))
_ACTOR_REQUIRED = ("kind", "category", "name")
_INTERACTION_REQUIRED = ("source", "interaction_type")
_OUT_OF_REACH_TERRITORY = gettext_lazy(
    "Required: your key writes records within its territory only."
)


@dataclass
class UpsertResult:
    """What an upsert changed (or, in a dry run, would change)."""

    dry_run: bool
    #: ``{"index", "id", "key"}`` per created record (``id`` is None in a dry run).
    created: list[dict[str, Any]] = field(default_factory=list)
    #: ``{"index", "id", "key", "changes": {field: [old, new]}}`` per updated record.
    updated: list[dict[str, Any]] = field(default_factory=list)
    #: Ids of the records already as sent.
    unchanged: list[int] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.updated)

    def summary(self) -> str:
        prefix = "Dry run: would have " if self.dry_run else ""
        verbs = ("create", "update") if self.dry_run else ("created", "updated")
        return (
            f"{prefix}{verbs[0]} {len(self.created)}, {verbs[1]} {len(self.updated)}, "
            f"{len(self.unchanged)} unchanged."
        )


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = defaultdict(list)

    def add(self, index: int, name: str, message: str) -> None:
        self.by_field[f"items.{index}.{name}"].append(str(message))

    def add_validation(self, index: int, exc: ValidationError) -> None:
        for name, messages in getattr(
            exc, "message_dict", {"non_field_errors": exc.messages}
        ).items():
            key = "non_field_errors" if name == "__all__" else name
            for message in messages:
                self.add(index, key, message)

    def raise_if_any(self, label: str) -> None:
        if self.by_field:
            count = len({k.split(".")[1] for k in self.by_field})
            raise InvalidInput(
                _invalid_count(label, count),
                errors=self.by_field,
            )


def _invalid_count(label: str, count: int) -> str:
    """How many items of a call are not valid (every bulk call names them ``item``)."""
    assert label == "item", "add the message of this label (ngettext) to _invalid_count"
    return ngettext(
        "%(count)d item is not valid; nothing was written.",
        "%(count)d items are not valid; nothing was written.",
        count,
    ) % {"count": count}


class _Rollback(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""

    def __init__(self, result: UpsertResult) -> None:
        self.result = result


def _run(apply, *, dry_run: bool) -> UpsertResult:
    """``apply()`` in a transaction, rolled back in a dry run (the real run, undone)."""
    try:
        with transaction.atomic(), domain_errors():
            result = apply()
            if dry_run:
                raise _Rollback(result)
    except _Rollback as rollback:
        result = rollback.result
        result.dry_run = True
        for entry in result.created:
            entry["id"] = None
    return result


def _check_items(items: Sequence[Any], errors: _Errors) -> list[Mapping]:
    items = list(items)
    if len(items) > MAX_ITEMS:
        raise InvalidInput(
            _("Send at most %(max)s items per call.") % {"max": MAX_ITEMS},
            errors={"items": [_("%(count)s items were sent.") % {"count": len(items)}]},
        )
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            errors.add(index, "non_field_errors", _("Each item is an object."))
    return items


# --- typed values -----------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX
    )


def _text_problem(value: Any, max_length: int | None) -> str | None:
    if not isinstance(value, str):
        return "Give a text."
    if "\x00" in value:
        return "Null characters are not allowed."
    if max_length is not None and len(value) > max_length:
        return f"At most {max_length} characters."
    return None


def _type_problem(f: models.Field, value: Any) -> str | None:
    """Why ``value`` is not of the Python type of model field ``f`` (None: it is)."""
    if value is None:
        return None if f.null else "This field cannot be null."
    if f.is_relation:
        return None if _is_int(value) else "Give an id (a whole number)."
    if isinstance(f, models.BooleanField):
        return None if isinstance(value, bool) else "Give true or false."
    if isinstance(f, models.IntegerField):
        return None if _is_int(value) else "Give a whole number."
    if isinstance(f, models.DecimalField):
        ok = isinstance(value, Decimal) and value.is_finite() or _is_int(value)
        return None if ok else "Give a number."
    if isinstance(f, models.DateTimeField):
        return "Read-only."
    if isinstance(f, models.DateField):
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return None if ok else "Give a date."
    if isinstance(f, models.CharField | models.TextField):
        return _text_problem(value, f.max_length or MAX_TEXT)
    return None  # JSON fields: their validators (links, sources) run in full_clean


def _identifier_key(raw: Any) -> IdentifierKey | None:
    """The normalised key of an identifier given as a key or a mapping of strings."""
    if isinstance(raw, tuple) and len(raw) == 3:
        scheme, issuer, value = raw
    elif isinstance(raw, Mapping) and set(raw) <= {"scheme", "value", "issuer"}:
        scheme, issuer, value = raw.get("scheme"), raw.get("issuer") or "", raw.get("value")
    else:
        return None
    parts = (scheme, issuer, value)
    if any(_text_problem(p, 100) for p in parts):
        return None
    key = normalise(scheme, value, issuer)
    return key if key.scheme and key.value else None


def _convert(
    model: type[models.Model], raw: Mapping, names: Sequence[str], index: int, errors: _Errors
) -> dict[str, Any]:
    """The item's given fields keyed by attname (``territory_id``), each of its field's type."""
    values: dict[str, Any] = {}
    for name in names:
        if name not in raw:
            continue
        f = model._meta.get_field(name)
        problem = _type_problem(f, raw[name])
        if problem:
            errors.add(index, name, problem)
        else:
            values[f.attname] = raw[name]
    return values


def _unknown(raw: Mapping, allowed: Sequence[str], key: str, index: int, errors: _Errors, also=()):
    for name in sorted(set(raw) - set(allowed) - {key, *also}, key=str):
        errors.add(index, str(name), _("Unknown or read-only field."))


# --- reach ------------------------------------------------------------------------------


def _within(reach: int):
    """Ids of the territory ``reach`` and everything below it (the registry's one rule)."""
    return within_ids(reach)


def _in_reach(queryset: models.QuerySet, path: str, reach: int | None) -> models.QuerySet:
    if reach is None:
        return queryset
    return queryset.filter(**{f"{path}__in": _within(reach)})


def _reach_actors(reach: int | None) -> models.QuerySet | None:
    return None if reach is None else Actor.objects.filter(territory_id__in=_within(reach))


def _actors_by_identifier(keys: set[IdentifierKey], reach: int | None) -> dict[IdentifierKey, int]:
    """Actor ids (within reach) by key (``registry.services.resolution``, batched)."""
    return resolution.actors_by_identifier(keys, _reach_actors(reach))


def _actors_by_id(ids: set[int], reach: int | None) -> dict[int, int]:
    """Each given id naming an actor within reach (a merged id: its survivor) -> its id now."""
    return {
        given: row.pk for given, row in resolution.actors_by_id(ids, _reach_actors(reach)).items()
    }


def _no_actor(pk: int) -> str:
    return _("No actor with id %(id)s.") % {"id": pk}


def _existing_ids(model: type[models.Model], ids: set[int], path: str, reach) -> set[int]:
    out: set[int] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        qs = model._default_manager.filter(pk__in=ordered[start : start + _CHUNK])
        out.update(_in_reach(qs, path, reach).values_list("pk", flat=True))
    return out


def _check_territory(values, index, errors, territories, reach, *, required: bool) -> None:
    territory_id = values.get("territory_id")
    if territory_id is not None and territory_id not in territories:
        errors.add(index, "territory", _("No territory with id %(id)s.") % {"id": territory_id})
    elif reach is not None and territory_id is None and required:
        errors.add(index, "territory", _OUT_OF_REACH_TERRITORY)


# --- shared steps -----------------------------------------------------------------------


def _changes(instance: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    return {a: v for a, v in values.items() if getattr(instance, a) != v}


def _validate(instance: models.Model, index: int, errors: _Errors, exclude=()) -> None:
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors.add_validation(index, exc)


def _change_summary(changes: Mapping[str, Any], before: Mapping[str, Any]) -> dict:
    return {
        a.removesuffix("_id"): [tracking._jsonable(before[a]), tracking._jsonable(v)]
        for a, v in changes.items()
    }


def _write_updates(updates) -> None:
    """Write changed, validated instances: stored values put back first so
    ``tracking.bulk_update`` sees (and records) the diff."""
    for _i, instance, _ch, before in updates:
        for attname, old in before.items():
            setattr(instance, attname, old)
    tracking.bulk_update(
        [(instance, dict(ch)) for _i, instance, ch, _b in updates],
        validate=False,
        batch_size=_UPDATE_BATCH,
    )


_key_label = resolution.key_label
