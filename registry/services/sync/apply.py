"""The sync's writes: new actors, ends, updates and new seats, in bulk, each in the ledger."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import Body, College, Membership
from registry.services import resolution
from registry.services.sync.entries import Entry, SyncResult
from registry.services.sync.plan import Plan, new_seat_values

logger = logging.getLogger("registry.services.sync")


def _load(body: Body, pks: list[int]) -> dict[int, Membership]:
    """The memberships a sync changes, as model instances (their body already attached)."""
    out: dict[int, Membership] = {}
    for batch in resolution.id_batches(pks):
        for m in Membership.objects.filter(pk__in=batch):
            m.body = body  # the ledger files each change under the body's territory
            out[m.pk] = m
    return out


def _create_naming_entries(rows: list[tuple[int, Any]], name: str) -> None:
    """``tracking.bulk_create`` of ``rows`` ((entry index, instance)); a database refusal
    names the entry.

    Everything was checked before, so only a race (another writer between the checks and
    the insert) gets a refusal here; the rows are then inserted one by one, each in a
    savepoint, to find the entry the database refuses (the whole sync rolls back).
    """
    if not rows:
        return
    instances = [obj for _i, obj in rows]
    try:
        with transaction.atomic():
            tracking.bulk_create(instances, validate=False)
        return
    except (IntegrityError, DataError):
        pass
    for index, obj in rows:
        obj.pk = None
        obj._state.adding = True
        try:
            with transaction.atomic():
                tracking.bulk_create([obj], validate=False)
        except (IntegrityError, DataError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else "database error"
            raise InvalidInput(
                _(
                    "The database refused an entry (it changed since it was checked); nothing "
                    "was written."
                ),
                errors={f"members.{index}.{name}": [message]},
            ) from exc


def _summary(m: Membership, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": m.pk, "actor": m.actor_id, "name": name, "role": m.role, **extra}


#: Attnames named as the entry names them (``external_id`` stays itself).
_ENTRY_NAMES = {"college_id": "college", "on_behalf_of_id": "on_behalf_of"}


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {_ENTRY_NAMES.get(k, k): tracking._jsonable(v) for k, v in changes.items()}


def _create_actors(plan: Plan, entries: list[Entry]) -> None:
    new = [e for e in plan.creates if e.new_actor is not None]
    _create_naming_entries([(e.index, e.new_actor) for e in new], "new_actor")
    for e in new:
        e.actor_id = e.new_actor.pk
        for identifier in e.new_identifiers:
            identifier.actor = e.new_actor
        if e.new_personal_data is not None:
            e.new_personal_data.actor = e.new_actor
    _create_naming_entries(
        [(e.index, i) for e in new for i in e.new_identifiers], "new_actor.identifiers"
    )
    for e in new:
        for key, holder in e.hidden_identifiers:
            logger.warning(
                "Membership sync: identifier %s is held by actor %s, out of the writer's "
                "reach; actor %s created without it (merge them).",
                resolution.key_label(key),
                holder,
                e.new_actor.pk,
            )
    _create_naming_entries(
        [(e.index, e.new_personal_data) for e in new if e.new_personal_data is not None],
        "new_actor.personal_data",
    )
    by_index = {e.index: e for e in entries}
    for e in plan.creates:
        if e.shares is not None:
            e.actor_id = by_index[e.shares].actor_id


def apply_plan(
    body: Body,
    plan: Plan,
    entries: list[Entry],
    colleges: dict[int, College],
    effective_date: dt.date,
    end_reason: str,
    result: SyncResult,
    names: dict[int, str],
) -> None:
    """Write the plan; ``names`` (actor id -> name) gains the new actors'."""
    _create_actors(plan, entries)
    for e in plan.creates:
        if e.new_actor is not None:
            names[e.actor_id] = e.new_actor.name
    instances = _load(body, [m.pk for m in plan.ends] + [m.pk for m, _ch, _e in plan.updates])
    ends = [
        (
            instances[m.pk],
            {"end_date": max(effective_date, m.start_date), "end_reason": end_reason},
        )
        for m in plan.ends
    ]
    tracking.bulk_update(ends, validate=False)
    result.ended = [
        _summary(m, names.get(m.actor_id, ""), end_date=ch["end_date"], end_reason=end_reason)
        for m, ch in ends
    ]
    updated = tracking.bulk_update(
        [(instances[m.pk], ch) for m, ch, _e in plan.updates], validate=False
    )
    by_pk = {m.pk: (m, ch, e) for m, ch, e in plan.updates}
    result.updated = []
    for m in updated:
        seat, changes, entry = by_pk[m.pk]
        result.updated.append(
            _summary(
                m,
                names.get(m.actor_id, ""),
                index=entry.index,
                changes=_jsonable(changes),
                previous=_jsonable({k: getattr(seat, k) for k in changes}),
            )
        )
    created = [
        Membership(actor_id=e.actor_id, body=body, **new_seat_values(e, colleges, effective_date))
        for e in plan.creates
    ]
    _create_naming_entries(
        [(e.index, m) for e, m in zip(plan.creates, created, strict=True)], "non_field_errors"
    )
    result.created = [
        _summary(m, names.get(m.actor_id, ""), index=e.index)
        for m, e in zip(created, plan.creates, strict=True)
    ]
