"""Bulk upserts: make many actors (by identifier) or interactions (by external id) as sent.

Both services share one contract, the one of ``membership_sync``:

- at most ``MAX_ITEMS`` items per call;
- every item is checked before anything is written; one bad item means nothing
  is written, and the error names it by index and field (``items.3.category``);
- the result is the diff: items created, items updated (with the fields that
  changed, old and new), ids left unchanged;
- ``dry_run`` computes the same diff and writes nothing;
- an item identical to what is stored is not touched, so a second identical
  call returns an empty diff and adds no ledger row.

Writes go through ``registry.tracking.bulk_create`` / ``bulk_update`` (a few
statements per call, each row recorded in the change ledger).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import Actor, ActorIdentifier, Body, Interaction, Territory
from registry.services._common import domain_errors
from registry.services.actors import ACTOR_FIELDS
from registry.services.interactions import INTERACTION_FIELDS

#: Largest number of items one call may send.
MAX_ITEMS = 5000
_CHUNK = 500
#: Rows per UPDATE ... CASE statement: short CASEs are much faster than long ones.
_UPDATE_BATCH = 100

#: Actor fields an upsert item may set (besides ``identifier``): those of actor_create.
ACTOR_UPSERT_FIELDS = tuple(sorted(ACTOR_FIELDS))
#: Interaction fields an upsert item may set (besides ``external_id``, its key).
INTERACTION_UPSERT_FIELDS = tuple(sorted(INTERACTION_FIELDS - {"external_id"}))
_ACTOR_REQUIRED = ("kind", "category", "name")
_INTERACTION_REQUIRED = ("source", "interaction_type")


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
                f"{count} {label if count == 1 else label + 's'} {'is' if count == 1 else 'are'} "
                "not valid; nothing was written.",
                errors=self.by_field,
            )


def _check_items(items: Sequence[Any], errors: _Errors) -> list[Mapping]:
    items = list(items)
    if len(items) > MAX_ITEMS:
        raise InvalidInput(
            f"Send at most {MAX_ITEMS} items per call.",
            errors={"items": [f"{len(items)} items were sent."]},
        )
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            errors.add(index, "non_field_errors", "Each item is an object.")
    return items


def _identifier_key(raw: Any) -> tuple[str, str, str] | None:
    if not isinstance(raw, Mapping) or not raw.get("scheme") or raw.get("value") in (None, ""):
        return None
    return (str(raw["scheme"]), str(raw.get("issuer") or ""), str(raw["value"]).strip())


def _actors_by_identifier(keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """Actor ids by (scheme, issuer, value), a query per scheme and issuer per chunk of values.

    Filtering on ``scheme = ? AND issuer = ? AND value IN (...)`` uses the natural-key
    index; an OR of triples would not.
    """
    by_prefix: dict[tuple[str, str], list[str]] = defaultdict(list)
    for scheme, issuer, value in keys:
        by_prefix[(scheme, issuer)].append(value)
    found: dict[tuple[str, str, str], int] = {}
    for (scheme, issuer), values in sorted(by_prefix.items()):
        values.sort()
        for start in range(0, len(values), _CHUNK):
            rows = ActorIdentifier.objects.filter(
                scheme=scheme, issuer=issuer, value__in=values[start : start + _CHUNK]
            ).values_list("value", "actor_id")
            for value, actor_id in rows:
                found[(scheme, issuer, value)] = actor_id
    return found


def _existing_ids(model: type[models.Model], ids: set[int]) -> set[int]:
    out: set[int] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        out.update(
            model._default_manager.filter(pk__in=ordered[start : start + _CHUNK]).values_list(
                "pk", flat=True
            )
        )
    return out


def _as_pk(value: Any) -> int | None:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _convert(
    model: type[models.Model], raw: Mapping, names: Sequence[str], index: int, errors: _Errors
) -> dict[str, Any]:
    """The item's given fields as Python values keyed by attname (``territory_id``)."""
    values: dict[str, Any] = {}
    for name in names:
        if name not in raw:
            continue
        f = model._meta.get_field(name)
        value = raw[name]
        if f.is_relation:
            if value in (None, ""):
                values[f.attname] = None
                continue
            pk = _as_pk(value)
            if pk is None:
                errors.add(index, name, f"Give an id, not {value!r}.")
            values[f.attname] = pk
            continue
        if value is None and not f.null:
            value = f.get_default()
        if value == "" and f.null and not isinstance(f, models.CharField | models.TextField):
            value = None
        try:
            values[f.attname] = f.to_python(value) if value is not None else None
        except ValidationError as exc:
            for message in exc.messages:
                errors.add(index, name, message)
    return values


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


# --- actors -----------------------------------------------------------------------------


def actor_upsert_many(*, items: Sequence[Mapping], dry_run: bool = False) -> UpsertResult:
    """Create or update actors, each found by ``identifier`` ({scheme, value[, issuer]}).

    An item gives ``identifier`` and any of ``ACTOR_UPSERT_FIELDS`` (``territory``
    as an id); a new actor needs ``kind``, ``category`` and ``name`` and gets the
    identifier; a known actor changes only the fields the item gives.
    """
    errors = _Errors()
    items = _check_items(items, errors)
    keys: list[tuple[str, str, str] | None] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, raw in enumerate(items):
        key = _identifier_key(raw.get("identifier")) if isinstance(raw, Mapping) else None
        keys.append(key)
        if not isinstance(raw, Mapping):
            continue
        if key is None:
            errors.add(index, "identifier", "Give the identifier as {scheme, value[, issuer]}.")
            continue
        if key in seen:
            errors.add(index, "identifier", f"Same identifier as item {seen[key]}.")
            continue
        seen[key] = index
        unknown = sorted(set(raw) - set(ACTOR_UPSERT_FIELDS) - {"identifier"})
        for name in unknown:
            errors.add(index, name, "Unknown or read-only field.")

    with transaction.atomic(), domain_errors():
        known = _actors_by_identifier({k for k in keys if k is not None})
        actors: dict[int, Actor] = {}
        ids = sorted(set(known.values()))
        for start in range(0, len(ids), _CHUNK):
            actors.update(Actor.objects.in_bulk(ids[start : start + _CHUNK]))
        territory_ids = {
            _as_pk(raw.get("territory"))
            for raw in items
            if isinstance(raw, Mapping) and raw.get("territory") not in (None, "")
        } - {None}
        territories = _existing_ids(Territory, territory_ids)

        creates: list[tuple[int, Actor, tuple[str, str, str]]] = []
        updates: list[tuple[int, Actor, dict[str, Any], dict[str, Any]]] = []
        unchanged: list[int] = []
        for index, raw in enumerate(items):
            key = keys[index]
            if key is None or not isinstance(raw, Mapping) or seen.get(key) != index:
                continue
            values = _convert(Actor, raw, ACTOR_UPSERT_FIELDS, index, errors)
            territory_id = values.get("territory_id")
            if territory_id is not None and territory_id not in territories:
                errors.add(index, "territory", f"No territory with id {territory_id}.")
            identifier = ActorIdentifier(scheme=key[0], issuer=key[1], value=key[2])
            try:
                identifier.clean_fields(exclude=["actor"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        errors.add(index, f"identifier.{name}", message)
            actor_id = known.get(key)
            if actor_id is None:
                missing = [n for n in _ACTOR_REQUIRED if raw.get(n) in (None, "")]
                for name in missing:
                    errors.add(index, name, "Required to create an actor.")
                actor = Actor(**values)
                _validate(actor, index, errors, exclude=["territory", *missing])
                creates.append((index, actor, key))
                continue
            actor = actors[actor_id]
            changes = _changes(actor, values)
            if not changes:
                unchanged.append(actor_id)
                continue
            before = {a: getattr(actor, a) for a in changes}
            for a, v in changes.items():
                setattr(actor, a, v)
            _validate(actor, index, errors, exclude=["territory"])
            updates.append((index, actor, changes, before))
        errors.raise_if_any("item")

        result = UpsertResult(dry_run=dry_run, unchanged=sorted(unchanged))
        result.updated = [
            {
                "index": i,
                "id": a.pk,
                "key": _key_label(keys[i]),
                "changes": _change_summary(ch, b),
            }
            for i, a, ch, b in updates
        ]
        if dry_run:
            for _i, a, _ch, b in updates:  # leave no half-changed instance behind
                for attname, old in b.items():
                    setattr(a, attname, old)
            result.created = [
                {"index": i, "id": None, "key": _key_label(k)} for i, _a, k in creates
            ]
            return result

        # Instances are already changed and validated: write the changes as given.
        tracking.bulk_update(
            [(a, dict(ch)) for _i, a, ch, _b in _restored(updates)],
            validate=False,
            batch_size=_UPDATE_BATCH,
        )
        created = tracking.bulk_create([a for _i, a, _k in creates], validate=False)
        tracking.bulk_create(
            [
                ActorIdentifier(actor=a, scheme=k[0], issuer=k[1], value=k[2])
                for (_i, _a, k), a in zip(creates, created, strict=True)
            ],
            validate=False,
        )
        result.created = [
            {"index": i, "id": a.pk, "key": _key_label(k)}
            for (i, _a, k), a in zip(creates, created, strict=True)
        ]
    return result


def _restored(updates):
    """Put the stored values back on each instance so ``tracking.bulk_update`` sees the diff."""
    for i, a, ch, b in updates:
        for attname, old in b.items():
            setattr(a, attname, old)
        yield i, a, ch, b


def _key_label(key: tuple[str, str, str]) -> str:
    scheme, issuer, value = key
    return f"{scheme}:{issuer + ':' if issuer else ''}{value}"


# --- interactions -----------------------------------------------------------------------


def interaction_upsert_many(*, items: Sequence[Mapping], dry_run: bool = False) -> UpsertResult:
    """Create or update interactions, each found by its ``external_id``.

    ``source`` and ``target_actor`` are actor ids or identifiers ({scheme, value[,
    issuer]}); ``target_body`` a body id. A new interaction needs ``source``,
    ``interaction_type`` and one target; a known one changes only the fields given.
    """
    errors = _Errors()
    items = _check_items(items, errors)
    seen: dict[str, int] = {}
    ident_keys: set[tuple[str, str, str]] = set()
    actor_ids: set[int] = set()
    body_ids: set[int] = set()
    territory_ids: set[int] = set()
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            continue
        external_id = str(raw.get("external_id") or "").strip()
        if not external_id:
            errors.add(index, "external_id", "Required: the upsert finds interactions by it.")
        elif external_id in seen:
            errors.add(index, "external_id", f"Same external id as item {seen[external_id]}.")
        else:
            seen[external_id] = index
        for name in sorted(set(raw) - set(INTERACTION_UPSERT_FIELDS) - {"external_id"}):
            errors.add(index, name, "Unknown or read-only field.")
        for name in ("source", "target_actor"):
            ref = raw.get(name)
            if isinstance(ref, Mapping):
                key = _identifier_key(ref)
                if key is None:
                    errors.add(index, name, "Give an actor id or {scheme, value[, issuer]}.")
                else:
                    ident_keys.add(key)
            elif ref not in (None, ""):
                pk = _as_pk(ref)
                if pk is None:
                    errors.add(index, name, "Give an actor id or {scheme, value[, issuer]}.")
                else:
                    actor_ids.add(pk)
        if (pk := _as_pk(raw.get("target_body"))) is not None:
            body_ids.add(pk)
        if (pk := _as_pk(raw.get("territory"))) is not None:
            territory_ids.add(pk)

    with transaction.atomic(), domain_errors():
        by_ident = _actors_by_identifier(ident_keys)
        known_actors = _existing_ids(Actor, actor_ids)
        known_bodies = _existing_ids(Body, body_ids)
        known_territories = _existing_ids(Territory, territory_ids)
        stored: dict[str, Interaction] = {}
        ordered = sorted(seen)
        for start in range(0, len(ordered), _CHUNK):
            for i in Interaction.objects.filter(external_id__in=ordered[start : start + _CHUNK]):
                stored[i.external_id] = i

        creates: list[tuple[int, Interaction]] = []
        updates: list[tuple[int, Interaction, dict[str, Any], dict[str, Any]]] = []
        unchanged: list[int] = []
        for index, raw in enumerate(items):
            if not isinstance(raw, Mapping):
                continue
            external_id = str(raw.get("external_id") or "").strip()
            if not external_id or seen.get(external_id) != index:
                continue
            plain = {k: v for k, v in raw.items() if k not in ("source", "target_actor")}
            values = _convert(Interaction, plain, INTERACTION_UPSERT_FIELDS, index, errors)
            for name in ("source", "target_actor"):
                if name not in raw:
                    continue
                ref = raw[name]
                if ref in (None, ""):
                    values[f"{name}_id"] = None
                    continue
                if isinstance(ref, Mapping):
                    key = _identifier_key(ref)
                    pk = by_ident.get(key) if key else None
                    if key and pk is None:
                        errors.add(index, name, f"No actor with identifier {_key_label(key)}.")
                else:
                    pk = _as_pk(ref)
                    if pk is not None and pk not in known_actors:
                        errors.add(index, name, f"No actor with id {pk}.")
                values[f"{name}_id"] = pk
            if (pk := values.get("target_body_id")) is not None and pk not in known_bodies:
                errors.add(index, "target_body", f"No body with id {pk}.")
            if (pk := values.get("territory_id")) is not None and pk not in known_territories:
                errors.add(index, "territory", f"No territory with id {pk}.")
            # One target replaces the other: naming a target actor clears the body and back.
            if values.get("target_actor_id") is not None and "target_body" not in raw:
                values["target_body_id"] = None
            if values.get("target_body_id") is not None and "target_actor" not in raw:
                values["target_actor_id"] = None
            current = stored.get(external_id)
            if current is None:
                missing = [n for n in _INTERACTION_REQUIRED if raw.get(n) in (None, "")]
                for name in missing:
                    errors.add(index, name, "Required to create an interaction.")
                interaction = Interaction(external_id=external_id, **values)
                _validate(interaction, index, errors, exclude=[*_FK_NAMES, *missing])
                creates.append((index, interaction))
                continue
            changes = _changes(current, values)
            if not changes:
                unchanged.append(current.pk)
                continue
            before = {a: getattr(current, a) for a in changes}
            for a, v in changes.items():
                setattr(current, a, v)
            _validate(current, index, errors, exclude=_FK_NAMES)
            updates.append((index, current, changes, before))
        errors.raise_if_any("item")

        result = UpsertResult(dry_run=dry_run, unchanged=sorted(unchanged))
        result.updated = [
            {"index": i, "id": x.pk, "key": x.external_id, "changes": _change_summary(ch, b)}
            for i, x, ch, b in updates
        ]
        if dry_run:
            for _i, x, _ch, b in updates:
                for attname, old in b.items():
                    setattr(x, attname, old)
            result.created = [{"index": i, "id": None, "key": x.external_id} for i, x in creates]
            return result
        tracking.bulk_update(
            [(x, dict(ch)) for _i, x, ch, _b in _restored(updates)],
            validate=False,
            batch_size=_UPDATE_BATCH,
        )
        created = tracking.bulk_create([x for _i, x in creates], validate=False)
        result.created = [
            {"index": i, "id": x.pk, "key": x.external_id}
            for (i, _x), x in zip(creates, created, strict=True)
        ]
    return result


#: Foreign keys are checked in bulk above; full_clean would query each one.
_FK_NAMES = ("source", "target_actor", "target_body", "territory")
