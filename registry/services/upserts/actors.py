"""Bulk upsert of actors, each found by id or identifier."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry import tracking
from registry.identifiers import IdentifierKey
from registry.models import Actor, ActorIdentifier, Territory
from registry.services import resolution
from registry.services.upserts.common import (
    _ACTOR_REQUIRED,
    ACTOR_UPSERT_FIELDS,
    UpsertResult,
    _actors_by_id,
    _actors_by_identifier,
    _change_summary,
    _changes,
    _check_items,
    _check_territory,
    _convert,
    _Errors,
    _existing_ids,
    _identifier_key,
    _is_int,
    _key_label,
    _no_actor,
    _run,
    _unknown,
    _validate,
    _write_updates,
)

logger = logging.getLogger("registry.services.upserts")


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
