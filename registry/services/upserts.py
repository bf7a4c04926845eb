"""Bulk upserts: make many actors (by id or identifier) or interactions (by external id) as sent.

Both services share one contract, the one of ``membership_sync``:

- at most ``MAX_ITEMS`` items per call;
- items hold *typed* values (the API's serializers and the spreadsheet reader
  parse what clients send; a value of the wrong Python type is refused here,
  never converted): ids and scores are ``int`` within 64 bits, texts ``str``
  without NUL, dates ``datetime.date``, identifiers ``IdentifierKey`` (or a
  ``{scheme, value[, issuer]}`` mapping of strings), normalised by
  ``registry.identifiers.normalise`` and nothing else;
- every item is checked before anything is written; one bad item means nothing
  is written, and the error names it by index and field (``items.3.category``);
- the result is the diff: items created, items updated (with the fields that
  changed, old and new), ids left unchanged;
- ``dry_run`` is the real run rolled back: the same code path writes, the same
  checks run (scope included), then the transaction is undone; the answer is the
  same but for the ids of created records, which are ``None``;
- an item identical to what is stored is not touched, so a second identical
  call returns an empty diff and adds no ledger row;
- actors are named as everywhere (``registry.services.resolution``): an id an
  ``ActorMerge`` records as merged names its survivor (within reach, else "no actor
  with id N", as a missing id), an identifier the actor holding it.

Scope (``reach``)
=================

``reach`` is the territory a writer is limited to (an API key's territory), or
``None``. With a reach, a record *out of reach is absent*, whatever the path:

- lookups (actors by identifier, interactions by external id, referenced actor,
  body and territory ids) see only records within the reach (an actor or an
  interaction within it is one whose territory lies within it; an actor without
  territory is out of reach); a referenced id out of reach gets the very message
  of an id that exists nowhere (``No actor with id 7.``);
- a record written (created or changed) must lie within the reach: its territory
  is required and must be reachable;
- a creation whose natural key (identifier, external id) is already held by a
  record out of reach is answered exactly as the creation of a new record (same
  status, same body but for the new id): the record is created within the reach
  with the values sent, *without* the colliding key (which belongs to a record
  the writer may not see), and the collision is logged (``logger.warning``, both
  ids) for the national administrators to merge. Refusing it, or matching the
  hidden record, would tell the writer that the key exists elsewhere: the
  existence oracle this rule closes. The price: such an item is not found again
  by its key, so each call creates another record until the two are merged.

Writes go through ``registry.tracking.bulk_create`` / ``bulk_update`` (a few
statements per call, each row recorded in the change ledger).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from registry import tracking
from registry.exceptions import InvalidInput
from registry.identifiers import IdentifierKey, normalise
from registry.models import Actor, ActorIdentifier, Body, Interaction, Territory
from registry.scope import within_ids
from registry.services import resolution
from registry.services._common import domain_errors
from registry.services.actors import ACTOR_FIELDS
from registry.services.interactions import INTERACTION_FIELDS

logger = logging.getLogger(__name__)

#: Largest number of items one call may send.
MAX_ITEMS = 5000
_CHUNK = 500
#: Rows per UPDATE ... CASE statement: short CASEs are much faster than long ones.
_UPDATE_BATCH = 100
#: Longest text of a field without its own bound (descriptions).
MAX_TEXT = 10_000
_INT64 = (-(2**63), 2**63 - 1)

#: Actor fields an upsert item may set (besides ``identifier``): those of actor_create.
ACTOR_UPSERT_FIELDS = tuple(sorted(ACTOR_FIELDS))
#: Interaction fields an upsert item may set (besides ``external_id``, its key).
INTERACTION_UPSERT_FIELDS = tuple(sorted(INTERACTION_FIELDS - {"external_id"}))
_ACTOR_REQUIRED = ("kind", "category", "name")
_INTERACTION_REQUIRED = ("source", "interaction_type")
_OUT_OF_REACH_TERRITORY = "Required: your key writes records within its territory only."


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
            f"Send at most {MAX_ITEMS} items per call.",
            errors={"items": [f"{len(items)} items were sent."]},
        )
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            errors.add(index, "non_field_errors", "Each item is an object.")
    return items


# --- typed values -----------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1]
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
        errors.add(index, str(name), "Unknown or read-only field.")


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
        errors.add(index, "territory", f"No territory with id {territory_id}.")
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


# --- actors -----------------------------------------------------------------------------


def actor_upsert_many(
    *, items: Sequence[Mapping], dry_run: bool = False, reach: int | None = None
) -> UpsertResult:
    """Create or update actors, each found by ``id`` or ``identifier`` ({scheme, value[, issuer]}).

    An item gives ``id`` (an existing actor: updated; a merged id names its survivor),
    ``identifier``, or both, and any of ``ACTOR_UPSERT_FIELDS`` (``territory`` as an
    id). By identifier alone, a new actor needs ``kind``, ``category`` and ``name`` and
    gets the identifier. With both, the identifier must be the actor's or nobody's (it
    is then added to the actor). A known actor changes only the fields the item gives.
    ``reach``: see the module docstring.
    """
    errors = _Errors()
    items = _check_items(items, errors)
    keys: list[IdentifierKey | None] = []
    ids: list[int | None] = []
    seen: dict[IdentifierKey, int] = {}
    for index, raw in enumerate(items):
        key = _identifier_key(raw.get("identifier")) if isinstance(raw, Mapping) else None
        pk = raw.get("id") if isinstance(raw, Mapping) else None
        keys.append(key)
        ids.append(pk if _is_int(pk) else None)
        if not isinstance(raw, Mapping):
            continue
        if pk is not None and not _is_int(pk):
            errors.add(index, "id", _("Give an id (a whole number)."))
            continue
        if raw.get("identifier") is not None and key is None:
            errors.add(index, "identifier", _("Give the identifier as {scheme, value[, issuer]}."))
            continue
        if key is None and pk is None:
            errors.add(
                index,
                "identifier",
                _("Give the actor's id, or its identifier as {scheme, value[, issuer]}."),
            )
            continue
        if key is not None:
            if key in seen:
                errors.add(
                    index,
                    "identifier",
                    _("Same identifier as item %(index)s.") % {"index": seen[key]},
                )
                continue
            seen[key] = index
        _unknown(raw, ACTOR_UPSERT_FIELDS, "identifier", index, errors, also=("id",))

    def apply() -> UpsertResult:
        known = _actors_by_identifier(set(seen), reach)
        by_id = _actors_by_id({pk for pk in ids if pk is not None}, reach)
        actors: dict[int, Actor] = {}
        for batch in resolution.id_batches(set(known.values()) | set(by_id.values())):
            actors.update({a.pk: a for a in Actor.objects.filter(pk__in=batch)})
        territory_ids = {
            raw["territory"]
            for raw in items
            if isinstance(raw, Mapping) and _is_int(raw.get("territory"))
        }
        territories = _existing_ids(Territory, territory_ids, "id", reach)

        creates: list[tuple[int, Actor, IdentifierKey]] = []
        updates: list[tuple[int, Actor, dict[str, Any], dict[str, Any]]] = []
        added: list[tuple[int, Actor, IdentifierKey]] = []
        unchanged: list[int] = []
        first_item: dict[int, int] = {}
        for index, raw in enumerate(items):
            key, pk = keys[index], ids[index]
            if not isinstance(raw, Mapping) or (key is None and pk is None):
                continue
            if key is not None and seen.get(key) != index:
                continue
            values = _convert(Actor, raw, ACTOR_UPSERT_FIELDS, index, errors)
            if key is not None:
                _check_identifier(key, index, errors)
            actor_id = _item_actor(index, key, pk, known, by_id, errors)
            if actor_id is False:
                continue
            if actor_id is None:
                _check_territory(values, index, errors, territories, reach, required=True)
                missing = [n for n in _ACTOR_REQUIRED if raw.get(n) in (None, "")]
                for name in missing:
                    errors.add(index, name, _("Required to create an actor."))
                actor = Actor(**values)
                _validate(actor, index, errors, exclude=["territory", *missing])
                creates.append((index, actor, key))
                continue
            if actor_id in first_item:
                errors.add(
                    index,
                    "id" if pk is not None else "identifier",
                    _("Same actor as item %(index)s.") % {"index": first_item[actor_id]},
                )
                continue
            first_item[actor_id] = index
            _check_territory(
                values, index, errors, territories, reach, required="territory_id" in values
            )
            actor = actors[actor_id]
            if key is not None and key not in known:
                added.append((index, actor, key))
            changes = _changes(actor, values)
            if not changes:
                if key is None or key in known:
                    unchanged.append(actor_id)
                continue
            before = {a: getattr(actor, a) for a in changes}
            for a, v in changes.items():
                setattr(actor, a, v)
            _validate(actor, index, errors, exclude=["territory"])
            updates.append((index, actor, changes, before))
        errors.raise_if_any("item")

        result = UpsertResult(dry_run=dry_run, unchanged=sorted(unchanged))
        label = {
            i: _key_label(keys[i]) if keys[i] is not None else f"id:{ids[i]}"
            for i in range(len(items))
        }
        summaries = {
            i: {"index": i, "id": a.pk, "key": label[i], "changes": _change_summary(ch, b)}
            for i, a, ch, b in updates
        }
        _write_updates(updates)
        _add_identifiers(added, reach, summaries, label)
        result.updated = [summaries[i] for i in sorted(summaries)]
        hidden = _held_out_of_reach({k for _i, _a, k in creates}, reach)
        created = tracking.bulk_create([a for _i, a, _k in creates], validate=False)
        tracking.bulk_create(
            [
                ActorIdentifier(actor=a, scheme=k.scheme, issuer=k.issuer, value=k.value)
                for (_i, _a, k), a in zip(creates, created, strict=True)
                if k not in hidden
            ],
            validate=False,
        )
        for (_i, _a, k), a in zip(creates, created, strict=True):
            if k in hidden:
                logger.warning(
                    "Bulk upsert: identifier %s is held by actor %s, out of the writer's "
                    "reach; actor %s created without it (merge them).",
                    _key_label(k),
                    hidden[k],
                    a.pk,
                )
        result.created = [
            {"index": i, "id": a.pk, "key": label[i]}
            for (i, _a, k), a in zip(creates, created, strict=True)
        ]
        return result

    return _run(apply, dry_run=dry_run)


def _check_identifier(key: IdentifierKey, index: int, errors: _Errors) -> None:
    identifier = ActorIdentifier(scheme=key.scheme, issuer=key.issuer, value=key.value)
    try:
        identifier.clean_fields(exclude=["actor"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                errors.add(index, f"identifier.{name}", message)


def _item_actor(index, key, pk, known, by_id, errors) -> int | None | bool:
    """The actor an item names (None: a new one; False: refused, the error added)."""
    if pk is None:
        return known.get(key)
    if pk not in by_id:
        errors.add(index, "id", _no_actor(pk))
        return False
    actor_id = by_id[pk]
    holder = known.get(key) if key is not None else None
    if holder is not None and holder != actor_id:
        errors.add(
            index,
            "identifier",
            _("This identifier belongs to actor %(holder)s, not to actor %(id)s.")
            % {"holder": holder, "id": actor_id},
        )
        return False
    return actor_id


def _add_identifiers(added, reach, summaries, label) -> None:
    """Identifiers given beside an id that nobody holds: added to the actor, in the diff.

    One held by an actor out of reach is not added (the writer may not see it): logged
    for the national administrators, as for a creation.
    """
    hidden = _held_out_of_reach({k for _i, _a, k in added}, reach)
    rows = []
    for index, actor, key in added:
        if key in hidden:
            logger.warning(
                "Bulk upsert: identifier %s is held by actor %s, out of the writer's reach; "
                "not added to actor %s (merge them).",
                _key_label(key),
                hidden[key],
                actor.pk,
            )
            continue
        rows.append(
            ActorIdentifier(actor=actor, scheme=key.scheme, issuer=key.issuer, value=key.value)
        )
        summary = summaries.setdefault(
            index, {"index": index, "id": actor.pk, "key": label[index], "changes": {}}
        )
        summary["changes"]["identifier"] = [None, _key_label(key)]
    tracking.bulk_create(rows, validate=False)


def _held_out_of_reach(keys: set[IdentifierKey], reach: int | None) -> dict[IdentifierKey, int]:
    """Keys of new actors already held by an actor the writer cannot see."""
    if reach is None or not keys:
        return {}
    return _actors_by_identifier(keys, None)


# --- interactions -----------------------------------------------------------------------


def _actor_ref(ref: Any) -> tuple[str, Any] | None:
    """``("id", pk)`` or ``("identifier", key)`` for an actor reference, None if malformed."""
    if _is_int(ref):
        return ("id", ref)
    key = _identifier_key(ref) if isinstance(ref, tuple | Mapping) else None
    return ("identifier", key) if key is not None else None


def interaction_upsert_many(
    *, items: Sequence[Mapping], dry_run: bool = False, reach: int | None = None
) -> UpsertResult:
    """Create or update interactions, each found by its ``external_id``.

    ``source`` and ``target_actor`` are actor ids or identifiers ({scheme, value[,
    issuer]}); ``target_body`` a body id. A new interaction needs ``source``,
    ``interaction_type`` and one target; a known one changes only the fields given.
    ``reach``: see the module docstring.
    """
    errors = _Errors()
    items = _check_items(items, errors)
    external_ids: list[str | None] = []
    seen: dict[str, int] = {}
    ident_keys: set[IdentifierKey] = set()
    actor_ids: set[int] = set()
    body_ids: set[int] = set()
    territory_ids: set[int] = set()
    for index, raw in enumerate(items):
        external_ids.append(None)
        if not isinstance(raw, Mapping):
            continue
        external_id = raw.get("external_id")
        if _text_problem(external_id, 100) or not external_id.strip():
            errors.add(index, "external_id", "Required: the upsert finds interactions by it.")
            continue
        external_id = external_id.strip()
        if external_id in seen:
            errors.add(index, "external_id", f"Same external id as item {seen[external_id]}.")
            continue
        seen[external_id] = index
        external_ids[index] = external_id
        _unknown(raw, INTERACTION_UPSERT_FIELDS, "external_id", index, errors)
        for name in ("source", "target_actor"):
            if raw.get(name) is None:
                continue
            ref = _actor_ref(raw[name])
            if ref is None:
                errors.add(index, name, "Give an actor id or {scheme, value[, issuer]}.")
            elif ref[0] == "id":
                actor_ids.add(ref[1])
            else:
                ident_keys.add(ref[1])
        if _is_int(raw.get("target_body")):
            body_ids.add(raw["target_body"])
        if _is_int(raw.get("territory")):
            territory_ids.add(raw["territory"])

    def apply() -> UpsertResult:
        by_ident = _actors_by_identifier(ident_keys, reach)
        known_actors = _actors_by_id(actor_ids, reach)
        known_bodies = _existing_ids(Body, body_ids, "territory_id", reach)
        known_territories = _existing_ids(Territory, territory_ids, "id", reach)
        stored: dict[str, Interaction] = {}
        ordered = sorted(seen)
        for start in range(0, len(ordered), _CHUNK):
            chunk = Interaction.objects.filter(external_id__in=ordered[start : start + _CHUNK])
            for i in _in_reach(chunk, "territory_id", reach):
                stored[i.external_id] = i

        creates: list[tuple[int, Interaction]] = []
        updates: list[tuple[int, Interaction, dict[str, Any], dict[str, Any]]] = []
        unchanged: list[int] = []
        for index, raw in enumerate(items):
            external_id = external_ids[index]
            if external_id is None:
                continue
            plain = {k: v for k, v in raw.items() if k not in ("source", "target_actor")}
            values = _convert(Interaction, plain, INTERACTION_UPSERT_FIELDS, index, errors)
            for name in ("source", "target_actor"):
                if name in raw:
                    values[f"{name}_id"] = _resolve_actor(
                        raw[name], name, index, errors, by_ident, known_actors
                    )
            if (pk := values.get("target_body_id")) is not None and pk not in known_bodies:
                errors.add(index, "target_body", f"No body with id {pk}.")
            # One target replaces the other: naming a target actor clears the body and back.
            if values.get("target_actor_id") is not None and "target_body" not in raw:
                values["target_body_id"] = None
            if values.get("target_body_id") is not None and "target_actor" not in raw:
                values["target_actor_id"] = None
            current = stored.get(external_id)
            _check_territory(
                values,
                index,
                errors,
                known_territories,
                reach,
                required=current is None or "territory_id" in values,
            )
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
        _write_updates(updates)
        hidden = _external_ids_out_of_reach({x.external_id for _i, x in creates}, reach)
        for _i, x in creates:
            if x.external_id in hidden:
                x.external_id = ""  # held by an interaction the writer cannot see
        created = tracking.bulk_create([x for _i, x in creates], validate=False)
        result.created = [
            {"index": i, "id": x.pk, "key": external_ids[i]}
            for (i, _x), x in zip(creates, created, strict=True)
        ]
        for entry in result.created:
            if entry["key"] in hidden:
                logger.warning(
                    "Bulk upsert: external id %r is held by interaction %s, out of the "
                    "writer's reach; interaction %s created without it (merge them).",
                    entry["key"],
                    hidden[entry["key"]],
                    entry["id"],
                )
        return result

    return _run(apply, dry_run=dry_run)


def _resolve_actor(ref, name, index, errors, by_ident, known_actors) -> int | None:
    if ref is None:
        return None
    parsed = _actor_ref(ref)
    if parsed is None:
        return None  # already named in the first pass
    how, value = parsed
    if how == "identifier":
        pk = by_ident.get(value)
        if pk is None:
            errors.add(
                index, name, _("No actor with identifier %(key)s.") % {"key": _key_label(value)}
            )
        return pk
    if value not in known_actors:
        errors.add(index, name, _no_actor(value))
        return value
    return known_actors[value]  # a merged id: its survivor


def _external_ids_out_of_reach(external_ids: set[str], reach: int | None) -> dict[str, int]:
    if reach is None or not external_ids:
        return {}
    out: dict[str, int] = {}
    ordered = sorted(external_ids)
    for start in range(0, len(ordered), _CHUNK):
        out.update(
            Interaction.objects.filter(external_id__in=ordered[start : start + _CHUNK]).values_list(
                "external_id", "pk"
            )
        )
    return out


#: Foreign keys are checked in bulk above; full_clean would query each one.
_FK_NAMES = ("source", "target_actor", "target_body", "territory")
