"""Entries to actors, colleges and new actors (the order: ``registry.services.resolution``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from registry.identifiers import IdentifierKey
from registry.models import (
    Actor,
    ActorIdentifier,
    ActorKind,
    Body,
    College,
    Membership,
    PersonalData,
    Territory,
)
from registry.names import person_keys
from registry.services import resolution
from registry.services.resolution import PeopleIndex, Person
from registry.services.sync.entries import Entry, Errors


def reachable(body: Body, allowed_actors: Q | None, effective_date: dt.date) -> QuerySet | None:
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
    return Actor.objects.filter(
        allowed_actors
        | Q(pk__in=seats.values("actor_id"))
        | Q(pk__in=seats.exclude(on_behalf_of_id=None).values("on_behalf_of_id"))
    )


def _no_actor(pk: int) -> str:
    return _("No actor with id %(id)s.") % {"id": pk}


def resolve_actors(body: Body, entries: list[Entry], errors: Errors, actors: QuerySet | None):
    """Each entry's actor id, in the order of ``registry.services.resolution``."""
    known = resolution.actors_by_id(
        {r for e in entries for r in (e.given.actor, e.given.on_behalf_of) if r is not None},
        actors,
    )
    keys = {e.given.identifier for e in entries if e.given.identifier is not None}
    keys |= {k for e in entries if e.given.new_actor for k in e.given.new_actor.identifiers}
    by_ident = resolution.actors_by_identifier(keys, actors)
    new: list[Entry] = []
    for entry in entries:
        given = entry.given
        if given.actor is not None:
            row = known.get(given.actor)
            if row is None:
                errors.add(entry.index, "actor", _no_actor(given.actor))
            else:
                entry.actor_id = row.pk
        if given.identifier is not None:
            key = given.identifier
            entry.actor_id = by_ident.get(key)
            if entry.actor_id is None:
                errors.add(
                    entry.index,
                    "identifier",
                    _("No actor with identifier %(key)s.") % {"key": resolution.key_label(key)},
                )
        if given.has("on_behalf_of"):
            ref = given.on_behalf_of
            if ref is None:
                entry.values["on_behalf_of_id"] = None
            elif ref not in known:
                errors.add(entry.index, "on_behalf_of", _no_actor(ref))
            elif known[ref].kind != ActorKind.ORGANIZATION:
                errors.add(entry.index, "on_behalf_of", _("Must be an organization."))
            else:
                entry.values["on_behalf_of_id"] = known[ref].pk
        if given.new_actor is not None:
            held = {by_ident[k] for k in given.new_actor.identifiers if k in by_ident}
            if len(held) > 1:
                names = resolution.actor_names(held)
                errors.add(
                    entry.index,
                    "new_actor.identifiers",
                    _("These identifiers belong to different actors: %(candidates)s.")
                    % {
                        "candidates": ", ".join(
                            f"{pk} ({names.get(pk, '')})" for pk in sorted(held)
                        )
                    },
                )
            elif held:
                entry.actor_id = held.pop()
            else:
                new.append(entry)
    _by_seat_external_id(body, new, actors)
    _by_name(body, [e for e in new if e.actor_id is None], errors, actors)


def _by_seat_external_id(body: Body, new: list[Entry], actors: QuerySet | None) -> None:
    wanted = {
        e.given.external_id for e in new if e.given.has("external_id") and e.given.external_id
    }
    seats = resolution.seats_by_external_id(body.pk, wanted)
    if not seats:
        return
    nameable = resolution.actors_by_id({a for _pk, a in seats.values()}, actors)
    for entry in new:
        seat = seats.get(entry.given.external_id) if entry.given.has("external_id") else None
        if seat is not None and seat[1] in nameable:
            entry.actor_id = seat[1]


def _person(entry: Entry) -> Person:
    spec = entry.given.new_actor
    year = spec.personal_data.birth_year if spec.personal_data is not None else None
    return Person(
        -1 - entry.index,  # an entry of the list, not a stored actor
        spec.name,
        spec.kind,
        spec.territory_id,
        year,
        person_keys(spec.name, spec.given_name, spec.family_name),
    )


def _by_name(body: Body, new: list[Entry], errors: Errors, actors: QuerySet | None) -> None:
    """New actors matching a current or past member by name; new people of the list once."""
    if not new:
        return
    stored = PeopleIndex(
        resolution.body_people(body.pk, {e.given.new_actor.kind for e in new}, actors)
    )
    in_list = PeopleIndex()
    for entry in new:
        person = _person(entry)
        matches = stored.matches(person)
        if len(matches) > 1:
            errors.add(entry.index, "new_actor", resolution.candidates_message(matches))
            continue
        if matches:
            entry.actor_id = matches[0].pk
            continue
        earlier = in_list.matches(person)
        if len(earlier) > 1:
            errors.add(
                entry.index,
                "new_actor",
                _(
                    "May be the same person as entries %(entries)s: tell them apart by birth "
                    "year or territory."
                )
                % {
                    "entries": ", ".join(
                        str(-1 - p.pk) for p in sorted(earlier, key=lambda p: -p.pk)
                    )
                },
            )
        elif earlier:
            entry.shares = -1 - earlier[0].pk
        else:
            in_list.add(person)


def resolve_colleges(body: Body, entries: list[Entry], errors: Errors) -> dict[int, College]:
    colleges = {c.pk: c for c in College.objects.filter(body=body)}
    # A name is the college of that exact name, else the one college of that name in
    # another case ("Habitants" and "habitants" may both exist: neither hides the other).
    exact = {c.name.strip(): c for c in colleges.values()}
    by_name: dict[str, list[College]] = {}
    for c in colleges.values():
        by_name.setdefault(c.name.strip().casefold(), []).append(c)
    for entry in entries:
        if not entry.given.has("college"):
            continue
        ref = entry.given.college
        if ref is None or ref == "":
            entry.values["college_id"] = None
            continue
        if isinstance(ref, int):
            college = colleges.get(ref)
        else:
            same = by_name.get(ref.strip().casefold(), [])
            college = exact.get(ref.strip()) or (same[0] if len(same) == 1 else None)
            if college is None and same:
                errors.add(
                    entry.index,
                    "college",
                    _("Several colleges of this body are named %(ref)r: give its exact name or id.")
                    % {"ref": ref},
                )
                continue
        if college is None:
            errors.add(
                entry.index, "college", _("This body has no college %(ref)r.") % {"ref": ref}
            )
            continue
        entry.values["college_id"] = college.pk
    return colleges


def prepare_new_actors(
    body: Body, entries: list[Entry], errors: Errors, allowed_territories: Q | None
) -> None:
    """Build and validate the inline new actors, their identifiers and personal data.

    The same checks as ``actor_create`` (the models' own validation), done for all of
    them at once; the territory, when given, must exist and lie within
    ``allowed_territories``; ``kind`` and ``category``, optional in an entry that
    resolves to a known actor, are required here. An entry sharing an earlier entry's
    new person adds its identifiers to it (and its personal data if the first had none).

    An identifier already held reaches this point only when its holder is out of the
    writer's reach (a holder it may name is the entry's actor): as in the bulk upserts
    (``registry.services.upserts``), the actor is created without it, the answer being
    exactly that of a free identifier, and the collision is logged once the actor exists.
    """
    new = [e for e in entries if e.given.new_actor is not None and e.actor_id is None]
    if not new:
        return
    territory_ids = {e.given.new_actor.territory_id for e in new} - {None}
    territories = Territory.objects.filter(pk__in=territory_ids)
    if allowed_territories is not None:
        territories = territories.filter(allowed_territories)
    known_territories = set(territories.values_list("pk", flat=True))
    held = resolution.actors_by_identifier({k for e in new for k in e.given.new_actor.identifiers})
    owners = {e.index: e for e in new if e.shares is None}
    first_use: dict[IdentifierKey, int] = {}
    for entry in new:
        spec = entry.given.new_actor
        owner = owners.get(entry.shares) if entry.shares is not None else None
        if owner is None:
            _build_actor(body, entry, errors, known_territories)
        for position, key in enumerate(spec.identifiers):
            path = f"new_actor.identifiers.{position}"
            target = owner or entry
            if key in first_use:
                if first_use[key] != target.index:
                    errors.add(
                        entry.index,
                        path,
                        _("Same identifier as entry %(index)s.") % {"index": first_use[key]},
                    )
                continue
            first_use[key] = target.index
            identifier = ActorIdentifier(
                actor=target.new_actor, scheme=key.scheme, issuer=key.issuer, value=key.value
            )
            try:
                identifier.clean_fields(exclude=["actor"])
            except ValidationError as exc:
                errors.add_django(entry.index, f"{path}.", exc)
            if key in held:
                # Held by an actor the writer may not name (one it may name resolved the
                # entry): answered as a free identifier, not stored (upserts' rule).
                target.hidden_identifiers.append((key, held[key]))
                continue
            target.new_identifiers.append(identifier)
        if spec.personal_data is not None and (owner is None or owner.new_personal_data is None):
            _build_personal_data(owner or entry, entry, spec, errors)


def _build_actor(body: Body, entry: Entry, errors: Errors, known_territories: set[int]) -> None:
    spec = entry.given.new_actor
    missing = [name for name in ("kind", "category") if not getattr(spec, name)]
    for name in missing:
        errors.add(entry.index, f"new_actor.{name}", _needed(name))
    territory_id = spec.territory_id if spec.territory_id is not None else body.territory_id
    if spec.territory_id is not None and spec.territory_id not in known_territories:
        errors.add(
            entry.index,
            "new_actor.territory",
            _("No territory with id %(id)s.") % {"id": spec.territory_id},
        )
        territory_id = None
    actor = Actor(
        kind=spec.kind or "",
        category=spec.category or "",
        name=spec.name,
        given_name=spec.given_name,
        family_name=spec.family_name,
        description=spec.description,
        territory_id=territory_id,
    )
    try:
        actor.full_clean(
            exclude=["territory", *missing], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors.add_django(entry.index, "new_actor.", exc)
    entry.new_actor = actor


def _needed(name: str) -> str:
    if name == "kind":
        return _(
            "Needed to create this member: no current or past member of the body matched "
            "the entry (by identifier, external id or name). Give the kind (person or "
            "organization)."
        )
    return _(
        "Needed to create this member: no current or past member of the body matched the "
        "entry (by identifier, external id or name). Give the category."
    )


def _build_personal_data(target: Entry, entry: Entry, spec, errors: Errors) -> None:
    if spec.kind and spec.kind != ActorKind.PERSON:
        errors.add(entry.index, "new_actor.personal_data", _("Only persons have personal data."))
    record = PersonalData(actor=target.new_actor, **spec.personal_data.values())
    try:
        record.full_clean(exclude=["actor"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.add_django(entry.index, "new_actor.personal_data.", exc)
    target.new_personal_data = record
