"""Membership sync: make a body's current members exactly the list a collectivity sends.

The list is the body's complete current membership, given as typed entries
(``MemberEntry``): the API parses and validates what a client sends
(``api.resources.members``) before this service runs, so here every value
already has its type (ints, dates, codes, normalised identifier keys).

The service checks every entry against the database first (actors,
identifiers, colleges, seats, overlaps; one bad entry means nothing is
written and the error names each bad entry by its index, ``members.3.actor``),
then applies the plan: inline new actors, their identifiers and personal data,
ends, updates and new seats, in bulk. A dry run is that same run, rolled back:
same checks, same answer, nothing committed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from registry import tracking
from registry.exceptions import InvalidInput
from registry.identifiers import IdentifierKey, normalise
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
    Territory,
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


# --- typed input --------------------------------------------------------------------


@dataclass(frozen=True)
class NewPersonalData:
    """Personal data of a person created inline (None: the model's default)."""

    lawful_basis: str
    retention_until: dt.date
    email: str | None = None
    phone: str | None = None
    postal_address: str | None = None
    gender: str | None = None
    birth_year: int | None = None

    def values(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class NewActor:
    """An actor to create inline; its territory defaults to the body's."""

    kind: str
    category: str
    name: str
    given_name: str = ""
    family_name: str = ""
    description: str = ""
    territory_id: int | None = None
    identifiers: tuple[IdentifierKey, ...] = ()
    personal_data: NewPersonalData | None = None


@dataclass(frozen=True)
class MemberEntry:
    """One member of the list: exactly one of ``actor`` (id), ``identifier``, ``new_actor``.

    ``college`` is a college id (int) or name (str, case-insensitive).
    """

    actor: int | None = None
    identifier: IdentifierKey | None = None
    new_actor: NewActor | None = None
    college: int | str | None = None
    role: str = Role.MEMBER
    selection_mode: str = ""
    on_behalf_of: int | None = None
    start_date: dt.date | None = None
    external_id: str = ""

    @classmethod
    def from_python(cls, values: Mapping[str, Any]) -> MemberEntry:
        """An entry from Python values already typed (tests, scripts); never client input.

        Nested ``identifier`` ({scheme, value[, issuer]}) and ``new_actor`` mappings are
        built too; a value of the wrong type is a programming error (TypeError), not a
        client's: client input goes through ``api.resources.members``.
        """
        data = dict(values)
        ident = data.get("identifier")
        if isinstance(ident, Mapping):
            data["identifier"] = normalise(ident["scheme"], ident["value"], ident.get("issuer", ""))
        new = data.get("new_actor")
        if isinstance(new, Mapping):
            new = dict(new)
            new["identifiers"] = tuple(
                normalise(i["scheme"], i["value"], i.get("issuer", ""))
                for i in new.get("identifiers", ())
            )
            if isinstance(new.get("personal_data"), Mapping):
                new["personal_data"] = NewPersonalData(**new["personal_data"])
            if "territory" in new:
                new["territory_id"] = getattr(new.pop("territory"), "pk", None) or new.get(
                    "territory_id"
                )
            data["new_actor"] = NewActor(**new)
        entry = cls(**data)
        for name, kinds in _PYTHON_TYPES.items():
            value = getattr(entry, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
                raise TypeError(f"MemberEntry.{name} must be {kinds}, not {value!r}")
        return entry


_PYTHON_TYPES: dict[str, Any] = {
    "actor": int,
    "identifier": IdentifierKey,
    "new_actor": NewActor,
    "college": (int, str),
    "role": str,
    "selection_mode": str,
    "on_behalf_of": int,
    "start_date": dt.date,
    "external_id": str,
}


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
    """An entry being resolved: the typed input and the ids it comes to name."""

    index: int
    given: MemberEntry
    actor_id: int | None = None
    college_id: int | None = None
    role: str = Role.MEMBER
    selection_mode: str = ""
    on_behalf_of_id: int | None = None
    start_date: dt.date | None = None
    external_id: str = ""
    new_actor: Actor | None = None
    new_identifiers: list[ActorIdentifier] = field(default_factory=list)
    new_personal_data: PersonalData | None = None


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

    def add_django(self, index: int, prefix: str, exc: ValidationError) -> None:
        for name, messages in getattr(
            exc, "message_dict", {"non_field_errors": exc.messages}
        ).items():
            name = "non_field_errors" if name == "__all__" else name
            for message in messages:
                self.add(
                    index,
                    f"{prefix}{name}" if name != "non_field_errors" else prefix.rstrip(".") or name,
                    message,
                )

    def raise_if_any(self) -> None:
        if self.by_field:
            raise InvalidInput(
                f"{len({k.split('.')[1] for k in self.by_field})} member entries are not valid; "
                "nothing was written.",
                errors=self.by_field,
            )


def _parse_entries(members: Sequence[MemberEntry | Mapping], errors: _Errors) -> list[_Entry]:
    entries = []
    for index, given in enumerate(members):
        if not isinstance(given, MemberEntry):
            given = MemberEntry.from_python(given)
        entry = _Entry(
            index=index,
            given=given,
            role=given.role or Role.MEMBER,
            selection_mode=given.selection_mode or "",
            start_date=given.start_date,
            external_id=given.external_id or "",
        )
        named = [n for n in ("actor", "identifier", "new_actor") if getattr(given, n) is not None]
        if len(named) != 1:
            errors.add(
                index,
                "actor",
                "Identify the member by exactly one of: actor (id), identifier "
                "({scheme, value}), new_actor (an actor to create).",
            )
        if entry.role not in _ROLES:
            errors.add(index, "role", f"Unknown role {entry.role!r}.")
        if entry.selection_mode not in _MODES:
            errors.add(index, "selection_mode", f"Unknown selection mode {entry.selection_mode!r}.")
        entries.append(entry)
    return entries


def _reachable(body: Body, allowed_actors: Q | None, effective_date: dt.date) -> Q | None:
    """The actors a scoped caller may name: ``allowed_actors``, and whoever sits in the body.

    A caller that may read the body reads its current members (and the organizations
    they represent) in the member list, wherever they live: it may send that list
    back. Anyone else out of scope stays indistinguishable from a missing id.
    """
    if allowed_actors is None:
        return None
    today = dt.date.today()
    seats = Membership.objects.filter(body=body).filter(
        Q(start_date__lte=effective_date, end_date__isnull=True)
        | Q(start_date__lte=effective_date, end_date__gt=effective_date)
        | Q(start_date__lte=today, end_date__isnull=True)
        | Q(start_date__lte=today, end_date__gt=today)
    )
    return (
        allowed_actors
        | Q(pk__in=seats.values("actor_id"))
        | Q(pk__in=seats.exclude(on_behalf_of_id=None).values("on_behalf_of_id"))
    )


def _resolve_actors(entries: list[_Entry], errors: _Errors, allowed_actors: Q | None) -> None:
    """Turn actor ids, identifiers and on-behalf-of references into actor ids, in bulk."""
    actor_qs = Actor.objects.all()
    if allowed_actors is not None:
        actor_qs = actor_qs.filter(allowed_actors)
    wanted_ids = {
        ref for e in entries for ref in (e.given.actor, e.given.on_behalf_of) if ref is not None
    }
    known: dict[int, str] = {}  # id -> kind
    for chunk in _id_batches(sorted(wanted_ids)):
        known.update(actor_qs.filter(pk__in=chunk).values_list("pk", "kind"))
    by_ident = _actors_by_identifier(
        {e.given.identifier for e in entries if e.given.identifier is not None}, actor_qs
    )
    for entry in entries:
        given = entry.given
        if given.actor is not None:
            if given.actor not in known:
                errors.add(entry.index, "actor", f"No actor with id {given.actor}.")
            else:
                entry.actor_id = given.actor
        if given.identifier is not None:
            key = given.identifier
            entry.actor_id = by_ident.get(key)
            if entry.actor_id is None:
                errors.add(
                    entry.index, "identifier", f"No actor with identifier {key.scheme}:{key.value}."
                )
        if given.on_behalf_of is not None:
            if given.on_behalf_of not in known:
                errors.add(entry.index, "on_behalf_of", f"No actor with id {given.on_behalf_of}.")
            elif known[given.on_behalf_of] != ActorKind.ORGANIZATION:
                errors.add(entry.index, "on_behalf_of", "Must be an organization.")
            else:
                entry.on_behalf_of_id = given.on_behalf_of


def _actors_by_identifier(keys: set[IdentifierKey], actor_qs=None) -> dict[IdentifierKey, int]:
    """The actors holding ``keys``, in one query on PostgreSQL (three array parameters).

    An ``OR`` of one ``Q`` per key costs seconds to build and plan for thousands of keys;
    elsewhere the keys go by chunks of values, matched exactly here.
    """
    found: dict[IdentifierKey, int] = {}
    if not keys:
        return found
    rows = ActorIdentifier.objects.all()
    if actor_qs is not None:
        rows = rows.filter(actor__in=actor_qs)
    columns = ("scheme", "issuer", "value", "actor_id")
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ActorIdentifier._meta.db_table)
        ordered = sorted(keys)
        batches = [
            rows.extra(
                where=[
                    f"({table}.scheme, {table}.issuer, {table}.value) IN "
                    "(SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]))"
                ],
                params=[
                    [k.scheme for k in ordered],
                    [k.issuer for k in ordered],
                    [k.value for k in ordered],
                ],
            )
        ]
    else:
        values = sorted({k.value for k in keys})
        schemes = sorted({k.scheme for k in keys})
        batches = [
            rows.filter(scheme__in=schemes, value__in=values[start : start + 500])
            for start in range(0, len(values), 500)
        ]
    for batch in batches:
        for s, i, v, actor_id in batch.values_list(*columns):
            key = IdentifierKey(s, i, v)
            if key in keys:
                found[key] = actor_id
    return found


def _resolve_colleges(body: Body, entries: list[_Entry], errors: _Errors) -> dict[int, College]:
    colleges = {c.pk: c for c in College.objects.filter(body=body)}
    by_name = {c.name.casefold(): c for c in colleges.values()}
    for entry in entries:
        ref = entry.given.college
        if ref is None or ref == "":
            continue
        college = colleges.get(ref) if isinstance(ref, int) else by_name.get(ref.strip().casefold())
        if college is None:
            errors.add(entry.index, "college", f"This body has no college {ref!r}.")
            continue
        entry.college_id = college.pk
        if not entry.selection_mode:
            entry.selection_mode = college.selection_mode
    return colleges


def _prepare_new_actors(
    body: Body, entries: list[_Entry], errors: _Errors, allowed_territories: Q | None
) -> None:
    """Build and validate the inline new actors, their identifiers and personal data.

    The same checks as ``actor_create`` (the models' own validation, identifiers
    not held by another actor), done for all of them at once; the territory,
    when given, must exist and lie within ``allowed_territories``.
    """
    new = [e for e in entries if e.given.new_actor is not None]
    if not new:
        return
    territory_ids = {e.given.new_actor.territory_id for e in new} - {None}
    territories = Territory.objects.filter(pk__in=territory_ids)
    if allowed_territories is not None:
        territories = territories.filter(allowed_territories)
    known_territories = set(territories.values_list("pk", flat=True))
    keys = [(e, k) for e in new for k in e.given.new_actor.identifiers]
    held = _actors_by_identifier({k for _e, k in keys})
    first_use: dict[IdentifierKey, int] = {}
    for entry in new:
        spec = entry.given.new_actor
        territory_id = spec.territory_id if spec.territory_id is not None else body.territory_id
        if spec.territory_id is not None and spec.territory_id not in known_territories:
            errors.add(
                entry.index, "new_actor.territory", f"No territory with id {spec.territory_id}."
            )
            territory_id = None
        actor = Actor(
            kind=spec.kind,
            category=spec.category,
            name=spec.name,
            given_name=spec.given_name,
            family_name=spec.family_name,
            description=spec.description,
            territory_id=territory_id,
        )
        try:
            actor.full_clean(
                exclude=["territory"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            errors.add_django(entry.index, "new_actor.", exc)
        entry.new_actor = actor
        for position, key in enumerate(spec.identifiers):
            path = f"new_actor.identifiers.{position}"
            identifier = ActorIdentifier(
                actor=actor, scheme=key.scheme, issuer=key.issuer, value=key.value
            )
            try:
                identifier.clean_fields(exclude=["actor"])
            except ValidationError as exc:
                errors.add_django(entry.index, f"{path}.", exc)
            if key in held:
                errors.add(entry.index, path, "This identifier already belongs to another actor.")
            elif key in first_use:
                errors.add(entry.index, path, f"Same identifier as entry {first_use[key]}.")
            else:
                first_use[key] = entry.index
            entry.new_identifiers.append(identifier)
        if spec.personal_data is not None:
            if spec.kind != ActorKind.PERSON:
                errors.add(
                    entry.index, "new_actor.personal_data", "Only persons have personal data."
                )
            record = PersonalData(actor=actor, **spec.personal_data.values())
            try:
                record.full_clean(
                    exclude=["actor"], validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                errors.add_django(entry.index, "new_actor.personal_data.", exc)
            entry.new_personal_data = record


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
    members: Sequence[MemberEntry],
    effective_date: dt.date,
    end_reason: str = EndReason.TERM_ENDED,
    dry_run: bool = False,
    allowed_actors: Q | None = None,
    allowed_territories: Q | None = None,
) -> SyncResult:
    """Make ``body``'s current members exactly ``members`` as of ``effective_date``.

    Each entry names its actor by ``actor`` (id), ``identifier`` or ``new_actor``
    (created inline, with its identifiers and personal data), and may give
    ``college`` (id or name), ``role``, ``selection_mode``, ``on_behalf_of`` (id),
    ``start_date`` and ``external_id``. Entries match stored current memberships by
    external id, else by actor and role. Unmatched stored memberships end on
    ``effective_date`` with ``end_reason``; unchanged ones are not touched.

    ``allowed_actors`` limits which actors entries may name (a territory scope; the
    body's current members stay nameable, see ``_reachable``), ``allowed_territories``
    where new actors may be created. ``dry_run`` runs the very same checks and writes,
    then rolls them back: the answer is the real run's, with null ids for the rows
    it would create.
    """
    if end_reason not in _END_REASONS:
        raise InvalidInput("Unknown end reason.", errors={"end_reason": [f"{end_reason!r}"]})
    errors = _Errors()
    with transaction.atomic(), domain_errors():
        body = Body.objects.select_for_update().get(pk=body.pk)
        entries = _parse_entries(members, errors)
        _resolve_actors(entries, errors, _reachable(body, allowed_actors, effective_date))
        colleges = _resolve_colleges(body, entries, errors)
        _prepare_new_actors(body, entries, errors, allowed_territories)
        errors.raise_if_any()
        plan = _plan(body, entries, effective_date, errors)
        errors.raise_if_any()
        result = SyncResult(effective_date=effective_date, dry_run=dry_run)
        _apply(body, plan, effective_date, end_reason, result)
        result.unchanged = [m.pk for m in plan.unchanged]
        seats_after = [(m.actor_id, m.college_id) for m in plan.unchanged]
        seats_after += [
            (m.actor_id, ch.get("college_id", m.college_id)) for m, ch, _e in plan.updates
        ]
        seats_after += [(e.actor_id, e.college_id) for e in plan.creates]
        result.warnings = _warnings(body, seats_after, colleges)
        if dry_run:
            transaction.set_rollback(True)
    if dry_run:
        # Ids of rows that were never committed mean nothing: the contract is null.
        new_actor_ids = {e.actor_id for e in plan.creates if e.new_actor is not None}
        for created in result.created:
            created["id"] = None
            if created["actor"] in new_actor_ids:
                created["actor"] = None
    return result


def _load(body: Body, pks: list[int]) -> dict[int, Membership]:
    """The memberships a sync changes, as model instances (their body already attached)."""
    out: dict[int, Membership] = {}
    for chunk in _id_batches(pks):
        for m in Membership.objects.filter(pk__in=chunk):
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
                "The database refused an entry (it changed since it was checked); nothing "
                "was written.",
                errors={f"members.{index}.{name}": [message]},
            ) from exc


def _apply(
    body: Body, plan: _Plan, effective_date: dt.date, end_reason: str, result: SyncResult
) -> None:
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
    _create_naming_entries(
        [(e.index, e.new_personal_data) for e in new if e.new_personal_data is not None],
        "new_actor.personal_data",
    )
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
    _create_naming_entries(
        [(e.index, m) for e, m in zip(plan.creates, created, strict=True)], "non_field_errors"
    )
    result.created = [
        {**_membership_summary(m), "index": e.index}
        for m, e in zip(created, plan.creates, strict=True)
    ]
