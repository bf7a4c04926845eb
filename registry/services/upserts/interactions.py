"""Bulk upsert of interactions, each found by its external id."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from registry import tracking
from registry.identifiers import IdentifierKey
from registry.models import Body, Interaction, Territory
from registry.services.upserts.common import (
    _CHUNK,
    _INTERACTION_REQUIRED,
    INTERACTION_UPSERT_FIELDS,
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
    _in_reach,
    _is_int,
    _key_label,
    _no_actor,
    _run,
    _text_problem,
    _unknown,
    _validate,
    _write_updates,
)

logger = logging.getLogger("registry.services.upserts")


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
            errors.add(index, "external_id", _("Required: the upsert finds interactions by it."))
            continue
        external_id = external_id.strip()
        if external_id in seen:
            errors.add(
                index,
                "external_id",
                _("Same external id as item %(index)s.") % {"index": seen[external_id]},
            )
            continue
        seen[external_id] = index
        external_ids[index] = external_id
        _unknown(raw, INTERACTION_UPSERT_FIELDS, "external_id", index, errors)
        for name in ("source", "target_actor"):
            if raw.get(name) is None:
                continue
            ref = _actor_ref(raw[name])
            if ref is None:
                errors.add(index, name, _("Give an actor id or {scheme, value[, issuer]}."))
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
                errors.add(index, "target_body", _("No body with id %(id)s.") % {"id": pk})
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
                    errors.add(index, name, _("Required to create an interaction."))
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
