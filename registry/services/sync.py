"""Membership sync: make a body's current members exactly the list a collectivity sends.

The list is the body's complete current membership. The service works in two
phases: a *plan*, computed without writing (and all that a dry run returns),
then its *application* in one transaction. Every entry is checked first; one
bad entry means nothing is written, and the error names each bad entry by its
index (``members.3.actor``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import (
    Actor,
    ActorIdentifier,
    ActorKind,
    Body,
    College,
    EndReason,
    Membership,
    ParityRule,
    PersonalData,
    Role,
    SelectionMode,
)
from registry.services._common import domain_errors

#: Fields of a membership that a sync entry may set (besides actor and body).
SYNC_FIELDS = (
    "college_id",
    "role",
    "selection_mode",
    "on_behalf_of_id",
    "start_date",
    "external_id",
)
_ROLES = {r.value for r in Role}
_MODES = {m.value for m in SelectionMode} | {""}
_END_REASONS = {r.value for r in EndReason}
_CHUNK = 2000


def _id_batches(ids: list[int]):
    """Ids for ``__in`` lookups: on PostgreSQL one array parameter for them all.

    Django expands ``__in`` into one placeholder per value, which costs more than
    the query itself for the 10,000 ids of a large body; an array parameter is
    one value.
    """
    if not ids:
        return
    if connection.vendor == "postgresql":
        yield RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
        return
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


@dataclass
class _Entry:
    index: int
    actor_id: int | None = None
    new_actor: dict | None = None
    college_id: int | None = None
    role: str = Role.MEMBER
    selection_mode: str = ""
    on_behalf_of_id: int | None = None
    start_date: dt.date | None = None
    external_id: str = ""


@dataclass
class SyncResult:
    """The difference between what was stored and what was sent."""

    effective_date: dt.date
    dry_run: bool
    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    ended: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.updated or self.ended)


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = defaultdict(list)

    def add(self, index: int, name: str, message: str) -> None:
        self.by_field[f"members.{index}.{name}"].append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise InvalidInput(
                f"{len({k.split('.')[1] for k in self.by_field})} member entries are not valid; "
                "nothing was written.",
                errors=self.by_field,
            )


def _parse_date(value, index: int, name: str, errors: _Errors) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(index, name, "Give a date as YYYY-MM-DD.")
        return None


def _nul_paths(value, path: str = "") -> list[str]:
    """Dotted paths of the strings (keys too) holding a NUL character, which no column stores."""
    if isinstance(value, str):
        return [path or "non_field_errors"] if "\x00" in value else []
    if isinstance(value, Mapping):
        found = []
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                found.append(path or "non_field_errors")
            found.extend(_nul_paths(item, name))
        return found
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}.{i}")]
    return []


def _parse_entries(members: Sequence[Mapping], errors: _Errors) -> list[_Entry]:
    entries = []
    for index, raw in enumerate(members):
        if not isinstance(raw, Mapping):
            errors.add(index, "non_field_errors", "Each member is an object.")
            continue
        nul = _nul_paths(raw)
        if nul:
            # PostgreSQL refuses NUL in text (even in a WHERE clause): a 500 before this.
            for name in dict.fromkeys(nul):
                errors.add(index, name, "Text cannot contain NUL characters.")
            continue
        entry = _Entry(index=index)
        given = [k for k in ("actor", "identifier", "new_actor") if raw.get(k) not in (None, "")]
        if len(given) != 1:
            errors.add(
                index,
                "actor",
                "Identify the member by exactly one of: actor (id), identifier "
                "({scheme, value}), new_actor (an actor to create).",
            )
        entry.role = raw.get("role") or Role.MEMBER
        if entry.role not in _ROLES:
            errors.add(index, "role", f"Unknown role {entry.role!r}.")
        entry.selection_mode = raw.get("selection_mode") or ""
        if entry.selection_mode not in _MODES:
            errors.add(index, "selection_mode", f"Unknown selection mode {entry.selection_mode!r}.")
        entry.start_date = _parse_date(raw.get("start_date"), index, "start_date", errors)
        entry.external_id = str(raw.get("external_id") or "")[:100]
        entries.append((entry, raw))
    return entries


def _resolve_actors(
    entries: list[tuple[_Entry, Mapping]], errors: _Errors, allowed_actors: Q | None
) -> None:
    """Turn actor ids, identifiers and on-behalf-of references into actor ids, in bulk."""
    actor_qs = Actor.objects.all()
    if allowed_actors is not None:
        actor_qs = actor_qs.filter(allowed_actors)
    wanted_ids = set()
    wanted_idents = set()
    for _entry, raw in entries:
        for name in ("actor", "on_behalf_of"):
            ref = raw.get(name)
            if isinstance(ref, int) and not isinstance(ref, bool):
                wanted_ids.add(ref)
            elif isinstance(ref, str) and ref.isdigit():
                wanted_ids.add(int(ref))
        ident = raw.get("identifier")
        if isinstance(ident, Mapping) and ident.get("scheme") and ident.get("value"):
            wanted_idents.add((ident["scheme"], ident.get("issuer", "") or "", str(ident["value"])))
    known = {}  # id -> kind
    for chunk in _id_batches(sorted(wanted_ids)):
        known.update(actor_qs.filter(pk__in=chunk).values_list("pk", "kind"))
    by_ident: dict[tuple[str, str, str], int] = {}
    idents = sorted(wanted_idents)
    for start in range(0, len(idents), _CHUNK):
        chunk = idents[start : start + _CHUNK]
        query = reduce(or_, (Q(scheme=s, issuer=i, value=v) for s, i, v in chunk))
        rows = ActorIdentifier.objects.filter(query)
        if allowed_actors is not None:
            rows = rows.filter(actor__in=actor_qs)
        for s, i, v, actor_id in rows.values_list("scheme", "issuer", "value", "actor_id"):
            by_ident[(s, i, v)] = actor_id

    for entry, raw in entries:
        ref = raw.get("actor")
        if ref not in (None, ""):
            pk = int(ref) if isinstance(ref, int | str) and str(ref).isdigit() else None
            if pk is None or pk not in known:
                errors.add(entry.index, "actor", f"No actor with id {ref!r}.")
            entry.actor_id = pk
        ident = raw.get("identifier")
        if ident not in (None, ""):
            if not isinstance(ident, Mapping) or not ident.get("scheme") or not ident.get("value"):
                errors.add(entry.index, "identifier", "Give {scheme, value[, issuer]}.")
            else:
                key = (ident["scheme"], ident.get("issuer", "") or "", str(ident["value"]))
                entry.actor_id = by_ident.get(key)
                if entry.actor_id is None:
                    errors.add(
                        entry.index, "identifier", f"No actor with identifier {key[0]}:{key[2]}."
                    )
        new_actor = raw.get("new_actor")
        if new_actor not in (None, ""):
            if not isinstance(new_actor, Mapping):
                errors.add(entry.index, "new_actor", "Give the actor to create as an object.")
            else:
                entry.new_actor = dict(new_actor)
        behalf = raw.get("on_behalf_of")
        if behalf not in (None, ""):
            pk = int(behalf) if str(behalf).isdigit() else None
            if pk is None or pk not in known:
                errors.add(entry.index, "on_behalf_of", f"No actor with id {behalf!r}.")
            elif known[pk] != ActorKind.ORGANIZATION:
                errors.add(entry.index, "on_behalf_of", "Must be an organization.")
            else:
                entry.on_behalf_of_id = pk


def _resolve_colleges(body: Body, entries, errors: _Errors) -> dict[int, College]:
    colleges = {c.pk: c for c in College.objects.filter(body=body)}
    by_name = {c.name.casefold(): c for c in colleges.values()}
    for entry, raw in entries:
        ref = raw.get("college")
        if ref in (None, ""):
            continue
        college = colleges.get(int(ref)) if str(ref).isdigit() else by_name.get(str(ref).casefold())
        if college is None:
            errors.add(entry.index, "college", f"This body has no college {ref!r}.")
            continue
        entry.college_id = college.pk
        if not entry.selection_mode:
            entry.selection_mode = college.selection_mode
    return colleges


def _validate_new_actors(entries, errors: _Errors) -> None:
    for entry, _raw in entries:
        if entry.new_actor is None:
            continue
        data = {k: v for k, v in entry.new_actor.items() if k in ("kind", "category", "name")}
        candidate = Actor(**data)
        try:
            candidate.full_clean(
                exclude=["territory"], validate_unique=False, validate_constraints=False
            )
        except Exception as exc:  # noqa: BLE001 - reported per field below
            for name, messages in getattr(
                exc, "message_dict", {"non_field_errors": [str(exc)]}
            ).items():
                for message in messages:
                    errors.add(entry.index, f"new_actor.{name}", message)


class _Seat(NamedTuple):
    """A stored current membership, as plain values (a sync of 10,000 members reads them all)."""

    pk: int
    actor_id: int
    role: str
    college_id: int | None
    selection_mode: str
    on_behalf_of_id: int | None
    external_id: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass
class _Plan:
    creates: list[_Entry]
    updates: list[tuple[_Seat, dict[str, Any], _Entry]]
    ends: list[_Seat]
    unchanged: list[_Seat]


def _plan(body: Body, entries: list[_Entry], effective_date: dt.date, errors: _Errors) -> _Plan:
    current = [
        _Seat(*row)
        for row in Membership.objects.filter(body=body)
        .current_on(effective_date)
        .order_by("start_date", "id")
        .values_list(*_Seat._fields)
    ]
    by_external = {m.external_id: m for m in current if m.external_id}
    by_seat: dict[tuple[int, str], list[_Seat]] = defaultdict(list)
    for m in current:
        by_seat[(m.actor_id, m.role)].append(m)

    seen_seats: dict[tuple[Any, str], int] = {}
    seen_external: dict[str, int] = {}
    consumed: set[int] = set()
    plan = _Plan([], [], [], [])
    for entry in entries:
        seat = (entry.actor_id if entry.actor_id is not None else f"new-{entry.index}", entry.role)
        if seat in seen_seats:
            errors.add(entry.index, "actor", f"Same actor and role as entry {seen_seats[seat]}.")
            continue
        seen_seats[seat] = entry.index
        if entry.external_id:
            if entry.external_id in seen_external:
                errors.add(
                    entry.index,
                    "external_id",
                    f"Same external id as entry {seen_external[entry.external_id]}.",
                )
                continue
            seen_external[entry.external_id] = entry.index
        match = by_external.get(entry.external_id) if entry.external_id else None
        if match is not None and match.actor_id != entry.actor_id:
            errors.add(
                entry.index,
                "external_id",
                f"External id {entry.external_id!r} is the seat of another actor ({match.actor_id}).",
            )
            continue
        if match is None and entry.actor_id is not None:
            match = next((m for m in by_seat.get(seat, []) if m.pk not in consumed), None)
        if match is None:
            plan.creates.append(entry)
            continue
        consumed.add(match.pk)
        changes = {}
        for name in ("college_id", "role", "selection_mode", "on_behalf_of_id", "external_id"):
            value = getattr(entry, name)
            if name == "selection_mode" and not value:
                continue
            if name == "external_id" and not value:
                continue
            if getattr(match, name) != value:
                changes[name] = value
        if entry.start_date is not None and entry.start_date != match.start_date:
            changes["start_date"] = entry.start_date
        if changes:
            plan.updates.append((match, changes, entry))
        else:
            plan.unchanged.append(match)
    plan.ends = [m for m in current if m.pk not in consumed]
    _check_external_ids_free(body, plan, errors)
    _check_overlaps(body, plan, effective_date, errors)
    return plan


def _check_external_ids_free(body: Body, plan: _Plan, errors: _Errors) -> None:
    """A new seat cannot take the external id of a membership that is not current."""
    wanted = [e.external_id for e in plan.creates if e.external_id]
    taken: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        taken.update(
            Membership.objects.filter(
                body=body, external_id__in=wanted[start : start + _CHUNK]
            ).values_list("external_id", "pk")
        )
    for entry in plan.creates:
        holder = taken.get(entry.external_id) if entry.external_id else None
        if holder is not None:
            errors.add(
                entry.index,
                "external_id",
                f"External id {entry.external_id!r} belongs to ended membership {holder}.",
            )


def _check_overlaps(body: Body, plan: _Plan, effective_date: dt.date, errors: _Errors) -> None:
    """New seats must not overlap another (past or future) membership of the same actor and role."""
    actor_ids = {e.actor_id for e in plan.creates if e.actor_id is not None}
    if not actor_ids:
        return
    others = defaultdict(list)
    ending = {m.pk for m in plan.ends}
    for m in Membership.objects.filter(body=body, actor_id__in=actor_ids):
        end = effective_date if m.pk in ending else m.end_date
        others[(m.actor_id, m.role)].append((m, end))
    for entry in plan.creates:
        start = entry.start_date or effective_date
        for m, end in others.get((entry.actor_id, entry.role), []):
            if (end is None or end > start) and m.end_date != m.start_date:
                until = end.isoformat() if end else "no end date"
                errors.add(
                    entry.index,
                    "start_date",
                    f"Overlaps membership {m.pk} ({m.start_date.isoformat()} to {until}).",
                )
                break


def _warnings(
    body: Body, seats_after: list[tuple[int, int | None]], colleges: dict[int, College]
) -> list[dict]:
    """Rules the new list breaks: reported, never refused (reality may break them)."""
    warnings = []
    if body.seats is not None and len(seats_after) > body.seats:
        warnings.append(
            {
                "code": "seats-exceeded",
                "detail": f"{len(seats_after)} current members for {body.seats} seats.",
            }
        )
    per_college = Counter(college_id for _actor, college_id in seats_after if college_id)
    for college_id, count in sorted(per_college.items()):
        college = colleges[college_id]
        if college.seats is not None and count > college.seats:
            warnings.append(
                {
                    "code": "college-seats-exceeded",
                    "college": college_id,
                    "detail": f"{count} members in college {college.name!r} for {college.seats} seats.",
                }
            )
    if body.parity_rule == ParityRule.MAX_GAP_ONE:
        actor_ids = [actor for actor, _c in seats_after]
        genders = Counter()
        for start in range(0, len(actor_ids), _CHUNK):
            genders.update(
                PersonalData.objects.filter(
                    actor_id__in=actor_ids[start : start + _CHUNK]
                ).values_list("gender", flat=True)
            )
        gap = abs(genders.get("female", 0) - genders.get("male", 0))
        if gap > 1:
            warnings.append(
                {
                    "code": "parity-breach",
                    "detail": f"{genders.get('female', 0)} women and {genders.get('male', 0)} men: "
                    f"the parity rule allows a gap of one at most.",
                }
            )
    return warnings


def _membership_summary(m: Membership, changes: dict | None = None) -> dict[str, Any]:
    out = {"id": m.pk, "actor": m.actor_id, "role": m.role}
    if changes is not None:
        out["changes"] = {k.removesuffix("_id"): tracking._jsonable(v) for k, v in changes.items()}
    return out


def membership_sync(
    *,
    body: Body,
    members: Sequence[Mapping],
    effective_date: dt.date,
    end_reason: str = EndReason.TERM_ENDED,
    dry_run: bool = False,
    allowed_actors: Q | None = None,
) -> SyncResult:
    """Make ``body``'s current members exactly ``members`` as of ``effective_date``.

    Each entry names its actor by ``actor`` (id), ``identifier`` ({scheme, value,
    issuer}) or ``new_actor`` (created inline), and may give ``college`` (id or
    name), ``role``, ``selection_mode``, ``on_behalf_of`` (id), ``start_date``
    and ``external_id``. Entries match stored current memberships by external id,
    else by actor and role. Unmatched stored memberships end on
    ``effective_date`` with ``end_reason``; unchanged ones are not touched.
    ``allowed_actors`` limits which actors entries may name (a territory scope).
    """
    if end_reason not in _END_REASONS:
        raise InvalidInput("Unknown end reason.", errors={"end_reason": [f"{end_reason!r}"]})
    errors = _Errors()
    with transaction.atomic(), domain_errors():
        body = Body.objects.select_for_update().get(pk=body.pk)
        parsed = _parse_entries(members, errors)
        _resolve_actors(parsed, errors, allowed_actors)
        colleges = _resolve_colleges(body, parsed, errors)
        _validate_new_actors(parsed, errors)
        entries = [entry for entry, _raw in parsed]
        errors.raise_if_any()
        plan = _plan(body, entries, effective_date, errors)
        errors.raise_if_any()

        result = SyncResult(effective_date=effective_date, dry_run=dry_run)
        result.unchanged = [m.pk for m in plan.unchanged]
        seats_after = [(m.actor_id, m.college_id) for m in plan.unchanged]
        seats_after += [
            (m.actor_id, ch.get("college_id", m.college_id)) for m, ch, _e in plan.updates
        ]
        seats_after += [(e.actor_id or -e.index - 1, e.college_id) for e in plan.creates]
        result.warnings = _warnings(body, seats_after, colleges)

        if dry_run:
            result.created = [
                {"id": None, "actor": e.actor_id, "role": e.role, "index": e.index}
                for e in plan.creates
            ]
            result.updated = [_membership_summary(m, ch) for m, ch, _e in plan.updates]
            result.ended = [_membership_summary(m) for m in plan.ends]
            return result

        _apply(body, plan, effective_date, end_reason, result)
    return result


def _load(body: Body, pks: list[int]) -> dict[int, Membership]:
    """The memberships a sync changes, as model instances (their body already attached)."""
    out: dict[int, Membership] = {}
    for chunk in _id_batches(pks):
        for m in Membership.objects.filter(pk__in=chunk):
            m.body = body  # the ledger files each change under the body's territory
            out[m.pk] = m
    return out


def _apply(
    body: Body, plan: _Plan, effective_date: dt.date, end_reason: str, result: SyncResult
) -> None:
    new_actors = [e for e in plan.creates if e.new_actor is not None]
    if new_actors:
        from registry.services.actors import actor_create

        for e in new_actors:
            data = dict(e.new_actor)
            data.setdefault("territory", body.territory)
            e.actor_id = actor_create(**data).pk
    instances = _load(body, [m.pk for m in plan.ends] + [m.pk for m, _ch, _e in plan.updates])
    ends = [
        (
            instances[m.pk],
            {"end_date": max(effective_date, m.start_date), "end_reason": end_reason},
        )
        for m in plan.ends
    ]
    tracking.bulk_update(ends, validate=False)
    result.ended = [_membership_summary(m) for m, _c in ends]
    updated = tracking.bulk_update(
        [(instances[m.pk], ch) for m, ch, _e in plan.updates], validate=False
    )
    changes_by_pk = {m.pk: ch for m, ch, _e in plan.updates}
    result.updated = [_membership_summary(m, changes_by_pk[m.pk]) for m in updated]
    created = [
        Membership(
            actor_id=e.actor_id,
            body=body,
            college_id=e.college_id,
            role=e.role,
            selection_mode=e.selection_mode,
            on_behalf_of_id=e.on_behalf_of_id,
            start_date=e.start_date or effective_date,
            external_id=e.external_id,
        )
        for e in plan.creates
    ]
    tracking.bulk_create(created, validate=False)
    result.created = [
        {**_membership_summary(m), "index": e.index}
        for m, e in zip(created, plan.creates, strict=True)
    ]
