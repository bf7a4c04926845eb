"""GDPR: what the registry holds about a person (right of access), erasure, retention.

- ``person_export`` gathers everything held about one person, JSON-ready, in a
  stable order (actor, identifiers, other names, personal data, memberships,
  attendances, interactions, and the change ledger rows about them).
- ``actor_erase`` pseudonymises a person everywhere, history included: the name
  becomes a random pseudonym, personal data, identifiers and other names are
  deleted, and the change ledger's past rows about them are rewritten so that
  it no longer holds the name or the personal data. Memberships, attendances
  and interactions stay as they are (ids, dates, roles, weights): the analysis
  still holds, about an anonymous person.
- ``retention_apply`` erases the persons whose retention date has passed.

A person may hold the records of others merged into it (``registry.services.merge``):
its identity is its own id and every id merged into it (``ActorMerge``). The export
and the erasure cover them all: the ledger rows of the merged ids and of what they
held, and the name each merged record had (``ActorMerge.merged_name``, pseudonymised
with the person). An erasure addressed to a merged id is refused by the API with the
410 pointing at the survivor: erasing the survivor erases what came from it too.

The writes go through ``registry.tracking`` like every other write, so the
erasure itself is a recorded change (with the pseudonym, never the erased
values). Rewriting past ledger rows is the one exception to "the ledger is
append-only", and it lives here, in ``_rewrite_ledger``: ``ChangeRecord`` is not
a tracked model, so no change to ``registry.tracking`` was needed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from registry import tracking
from registry.exceptions import Conflict, InvalidInput
from registry.models import (
    Actor,
    ActorIdentifier,
    ActorKind,
    ActorOtherName,
    Attendance,
    ChangeRecord,
    Interaction,
    Membership,
    PersonalData,
)
from registry.models.merge import ActorMerge

#: Start of every pseudonym; the rest is random (never derived from an id or a name).
PSEUDONYM_PREFIX = "Personne anonymisée #"
#: What an erased label of the ledger (an identifier, another name) becomes.
ERASED = "[erased]"
#: Version of the export document's layout.
EXPORT_FORMAT = "participation-registry/person-export"
EXPORT_VERSION = 1


class NotAPerson(InvalidInput):
    """Only persons have personal data: an organization is neither exported nor erased."""

    code = "not-a-person"


class AlreadyErased(Conflict):
    """The person was already erased: nothing is left to erase."""

    code = "already-erased"


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did (ids and counts only: never an erased value)."""

    actor_id: int
    pseudonym: str
    personal_data_deleted: bool
    identifiers_deleted: int
    other_names_deleted: int
    ledger_rows_rewritten: int
    memberships_kept: int
    attendances_kept: int
    interactions_kept: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- what is rewritten in the ledger ---------------------------------------------------

#: Per model, the snapshot keys that identify the person and what they become.
#: ``None`` as a replacement means "the pseudonym" (the actor's name).
_ACTOR_REDACTIONS: dict[str, Any] = {
    "name": None,
    "given_name": "",
    "family_name": "",
    "description": "",
    "links": [],
    "sources": [],
}
_DEPENDENT_REDACTIONS: dict[str, dict[str, Any]] = {
    "registry.personaldata": {
        "email": "",
        "phone": "",
        "postal_address": "",
        "gender": "",
        "birth_year": None,
        "sources": [],
    },
    "registry.actoridentifier": {"value": ERASED, "sources": []},
    "registry.actorothername": {"name": ERASED, "note": "", "sources": []},
    # The pointer of a record merged into the person: its name was the person's.
    "registry.actormerge": {"merged_name": None, "sources": []},
}
#: Dependents deleted by the erasure: model, and the ledger label their rows keep.
_DEPENDENT_LABELS = {
    "registry.personaldata": None,  # "Personal data of actor <id>": no data in it
    "registry.actoridentifier": ERASED,
    "registry.actorothername": ERASED,
    "registry.actormerge": None,  # "<merged id> → <id>": no name in it
}
#: Structure kept by the erasure: model label -> the fields naming the actor.
_STRUCTURE = {
    "registry.membership": ("actor_id",),
    "registry.attendance": ("actor_id",),
    "registry.interaction": ("source_id", "target_actor_id"),
}


def _label(model) -> str:
    return model._meta.label_lower


def _identity(actor_id: int) -> list[int]:
    """The actor's id and the ids of the records merged into it (``ActorMerge`` is flat)."""
    merged = ActorMerge.objects.filter(into_id=actor_id).values_list("merged_id", flat=True)
    return [actor_id, *sorted(merged)]


def _dependent_ids(actor_id: int) -> dict[str, set[int]]:
    """Ids of the personal data, identifiers and other names the actor has or ever had.

    Rows deleted long ago (a replaced identifier, a removed other name, the personal
    data of a record merged into it) are found through their ledger snapshots, which
    name the actor, or a record merged into it, in ``actor_id``.
    """
    identity = _identity(actor_id)
    current = {
        _label(PersonalData): PersonalData.objects.filter(actor_id=actor_id),
        _label(ActorIdentifier): ActorIdentifier.objects.filter(actor_id=actor_id),
        _label(ActorOtherName): ActorOtherName.objects.filter(actor_id=actor_id),
    }
    ids: dict[str, set[int]] = {}
    for label, qs in current.items():
        ids[label] = set(qs.values_list("pk", flat=True))
        ids[label] |= set(
            ChangeRecord.objects.filter(model=label)
            .filter(Q(after__actor_id__in=identity) | Q(before__actor_id__in=identity))
            .values_list("object_id", flat=True)
        )
    ids[_label(ActorMerge)] = set(
        ActorMerge.objects.filter(into_id=actor_id).values_list("pk", flat=True)
    )
    return ids


def _structure_ids(actor_id: int) -> dict[str, set[int]]:
    """Ids of the memberships, attendances and interactions of the actor (kept)."""
    return {
        _label(Membership): set(
            Membership.objects.filter(actor_id=actor_id).values_list("pk", flat=True)
        ),
        _label(Attendance): set(
            Attendance.objects.filter(actor_id=actor_id).values_list("pk", flat=True)
        ),
        _label(Interaction): set(
            Interaction.objects.filter(Q(source_id=actor_id) | Q(target_actor_id=actor_id))
            .values_list("pk", flat=True)
            .distinct()
        ),
    }


def _records_about(actor_id: int, *groups: dict[str, set[int]]) -> QuerySet[ChangeRecord]:
    """The ledger rows about the actor (and the records merged into it) and the given
    records of other models."""
    match = Q(model=_label(Actor), object_id__in=_identity(actor_id))
    for group in groups:
        for label, ids in group.items():
            if ids:
                match |= Q(model=label, object_id__in=sorted(ids))
    return ChangeRecord.objects.filter(match).order_by("id")


# --- right of access ---------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _row(instance, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _json(getattr(instance, name)) for name in fields}


def _counterpart(actor: Actor | None) -> dict[str, Any] | None:
    """Another actor, named only if it is an organization (another person's name is theirs)."""
    if actor is None:
        return None
    out: dict[str, Any] = {"id": actor.pk, "kind": actor.kind}
    if actor.kind == ActorKind.ORGANIZATION:
        out["name"] = actor.name
    return out


def person_export(*, actor: Actor) -> dict[str, Any]:
    """Everything the registry holds about a person, as JSON-ready data in a stable order.

    Other persons met along the way (the other end of an interaction) appear by
    id only: their names are their own personal data.
    """
    if actor.kind != ActorKind.PERSON:
        raise NotAPerson("Only persons have a personal data export.")
    actor = Actor.objects.select_related("territory").get(pk=actor.pk)
    territory = actor.territory
    identifiers = ActorIdentifier.objects.filter(actor=actor).order_by(
        "scheme", "issuer", "value", "id"
    )
    other_names = ActorOtherName.objects.filter(actor=actor).order_by("name", "id")
    personal = PersonalData.objects.filter(actor=actor).first()
    memberships = (
        Membership.objects.filter(actor=actor)
        .select_related("body", "college", "on_behalf_of")
        .order_by("start_date", "id")
    )
    attendances = (
        Attendance.objects.filter(actor=actor)
        .select_related("meeting__body")
        .order_by("meeting__date", "meeting_id", "id")
    )
    interactions = (
        Interaction.objects.filter(Q(source=actor) | Q(target_actor=actor))
        .select_related("source", "target_actor", "target_body")
        .distinct()
        .order_by("id")
    )
    memberships, attendances, interactions = (
        list(memberships),
        list(attendances),
        list(interactions),
    )
    dependents = _dependent_ids(actor.pk)
    structure = {
        _label(Membership): {m.pk for m in memberships},
        _label(Attendance): {a.pk for a in attendances},
        _label(Interaction): {i.pk for i in interactions},
    }
    changes = [
        {
            "id": r.pk,
            "at": _json(r.at),
            "action": r.action,
            "type": r.model.split(".", 1)[1],
            "object_id": r.object_id,
            "object_repr": r.object_repr,
            "via": r.via,
            "reason": r.reason,
            "before": r.before,
            "after": r.after,
        }
        for r in _records_about(actor.pk, dependents, structure)
    ]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "actor": {
            **_row(
                actor,
                (
                    "id",
                    "kind",
                    "category",
                    "name",
                    "given_name",
                    "family_name",
                    "description",
                    "links",
                    "sources",
                    "power",
                    "interest",
                    "legitimacy",
                    "urgency",
                    "is_pseudonymised",
                    "created_at",
                    "updated_at",
                ),
            ),
            "territory": None
            if territory is None
            else {
                "id": territory.pk,
                "level": territory.level,
                "code": territory.code,
                "name": territory.name,
            },
        },
        "identifiers": [
            _row(i, ("id", "scheme", "issuer", "value", "sources", "created_at"))
            for i in identifiers
        ],
        "other_names": [
            _row(o, ("id", "name", "note", "start_date", "end_date", "sources", "created_at"))
            for o in other_names
        ],
        "personal_data": None
        if personal is None
        else _row(
            personal,
            (
                "email",
                "phone",
                "postal_address",
                "gender",
                "birth_year",
                "lawful_basis",
                "retention_until",
                "sources",
                "created_at",
                "updated_at",
            ),
        ),
        "memberships": [
            {
                **_row(
                    m,
                    (
                        "id",
                        "role",
                        "selection_mode",
                        "start_date",
                        "end_date",
                        "end_reason",
                        "external_id",
                        "sources",
                    ),
                ),
                "body": {"id": m.body.pk, "name": m.body.name, "body_type": m.body.body_type},
                "college": None
                if m.college is None
                else {"id": m.college.pk, "name": m.college.name},
                "on_behalf_of": _counterpart(m.on_behalf_of),
            }
            for m in memberships
        ],
        "attendances": [
            {
                "id": a.pk,
                "status": a.status,
                "meeting": {
                    "id": a.meeting.pk,
                    "date": _json(a.meeting.date),
                    "kind": a.meeting.kind,
                    "body": {"id": a.meeting.body.pk, "name": a.meeting.body.name},
                },
            }
            for a in attendances
        ],
        "interactions": [
            {
                **_row(
                    i,
                    (
                        "id",
                        "interaction_type",
                        "direction",
                        "weight",
                        "sign",
                        "start_date",
                        "end_date",
                        "territory_id",
                        "source_note",
                        "confidence",
                        "external_id",
                    ),
                ),
                "role": "source" if i.source_id == actor.pk else "target",
                "source": _counterpart(i.source),
                "target_actor": _counterpart(i.target_actor),
                "target_body": None
                if i.target_body is None
                else {"id": i.target_body.pk, "name": i.target_body.name},
            }
            for i in interactions
        ],
        "changes": changes,
    }


# --- erasure -------------------------------------------------------------------------------


def _new_pseudonym() -> str:
    return f"{PSEUDONYM_PREFIX}{secrets.token_hex(6)}"


def _is_pseudonym(name: str) -> bool:
    return name.startswith(PSEUDONYM_PREFIX)


def _redact(values: dict | None, redactions: dict[str, Any], pseudonym: str) -> dict | None:
    if not values:
        return values
    out = dict(values)
    for key, replacement in redactions.items():
        if key in out:
            out[key] = pseudonym if replacement is None else replacement
    return out


def _names_of(actor: Actor, records: Iterable[ChangeRecord]) -> set[str]:
    """Every name the person had, now or in the ledger (to scrub from record labels)."""
    names = {actor.name, actor.given_name, actor.family_name}
    names |= set(ActorOtherName.objects.filter(actor=actor).values_list("name", flat=True))
    names |= set(ActorMerge.objects.filter(into=actor).values_list("merged_name", flat=True))
    for record in records:
        if record.model == _label(Actor):
            for side in (record.before or {}, record.after or {}):
                names |= {str(side.get(k) or "") for k in ("name", "given_name", "family_name")}
        elif record.model == _label(ActorOtherName):
            for side in (record.before or {}, record.after or {}):
                names.add(str(side.get("name") or ""))
        elif record.model == _label(ActorMerge):
            for side in (record.before or {}, record.after or {}):
                names.add(str(side.get("merged_name") or ""))
    # Longest first, so that "Claire Martin" goes before "Claire"; very short names
    # would match inside unrelated words.
    return {n for n in names if len(n.strip()) >= 3 and not _is_pseudonym(n)}


def _scrub(label: str, names: Iterable[str], pseudonym: str) -> str:
    for name in sorted(names, key=len, reverse=True):
        label = label.replace(name, pseudonym)
    return label


def _rewrite_ledger(
    *, actor: Actor, pseudonym: str, dependents: dict[str, set[int]], names: set[str]
) -> int:
    """Remove the person's name and personal data from every ledger row about them.

    Rows of the actor get the pseudonym, rows of its personal data, identifiers
    and other names lose their values; rows of memberships, attendances and
    interactions keep everything but have the name scrubbed from their label,
    had one ever embedded it. Returns how many rows changed.
    """
    structure = _structure_ids(actor.pk)
    changed: list[ChangeRecord] = []
    for record in _records_about(actor.pk, dependents, structure):
        before, after, label = record.before, record.after, record.object_repr
        if record.model == _label(Actor):
            before = _redact(before, _ACTOR_REDACTIONS, pseudonym)
            after = _redact(after, _ACTOR_REDACTIONS, pseudonym)
            label = pseudonym
        elif record.model in _DEPENDENT_REDACTIONS:
            redactions = _DEPENDENT_REDACTIONS[record.model]
            before = _redact(before, redactions, pseudonym)
            after = _redact(after, redactions, pseudonym)
            label = _DEPENDENT_LABELS[record.model] or _scrub(label, names, pseudonym)
        else:
            label = _scrub(label, names, pseudonym)
        if (before, after, label) != (record.before, record.after, record.object_repr):
            record.before, record.after, record.object_repr = before, after, label[:200]
            changed.append(record)
    if changed:
        ChangeRecord.objects.bulk_update(
            changed, ["before", "after", "object_repr"], batch_size=500
        )
    return len(changed)


def _nothing_left(actor: Actor) -> bool:
    return (
        actor.is_pseudonymised
        and _is_pseudonym(actor.name)
        and not actor.given_name
        and not actor.family_name
        and not PersonalData.objects.filter(actor=actor).exists()
        and not ActorIdentifier.objects.filter(actor=actor).exists()
        and not ActorOtherName.objects.filter(actor=actor).exists()
        and all(
            _is_pseudonym(n)
            for n in ActorMerge.objects.filter(into=actor).values_list("merged_name", flat=True)
        )
    )


def actor_erase(*, actor: Actor, reason: str) -> ErasureResult:
    """Pseudonymise a person everywhere, history included; keep the structure.

    The name becomes a random pseudonym (``Personne anonymisée #<hex>``; kept if
    the person was erased before), given and family names, description, links
    and sources are emptied, personal data, identifiers and other names are
    deleted, and the ledger rows about all of them are rewritten. The erasure is
    recorded as a change whose reason starts with "GDPR erasure". Memberships,
    attendances and interactions are not touched.

    Raises ``NotAPerson`` for an organization, ``AlreadyErased`` when nothing is
    left to erase. All or nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            gettext("Say why the person is erased."), errors={"reason": [gettext("Required.")]}
        )
    with transaction.atomic():
        actor = Actor.objects.select_for_update().get(pk=actor.pk)
        if actor.kind != ActorKind.PERSON:
            raise NotAPerson(
                "Only persons can be erased; an organization is not personal data.",
                errors={"kind": ["This actor is an organization."]},
            )
        if _nothing_left(actor):
            raise AlreadyErased(f"Actor {actor.pk} was already erased.")
        pseudonym = actor.name if _is_pseudonym(actor.name) else _new_pseudonym()
        dependents = _dependent_ids(actor.pk)
        names = _names_of(actor, _records_about(actor.pk, dependents))
        with tracking.change_context(reason=f"GDPR erasure: {reason}"[:200]):
            personal = list(PersonalData.objects.filter(actor=actor))
            identifiers = list(ActorIdentifier.objects.filter(actor=actor))
            other_names = list(ActorOtherName.objects.filter(actor=actor))
            for rows in (personal, identifiers, other_names):
                if rows:
                    tracking.bulk_delete(rows)
            tracking.bulk_update(
                [
                    (merge, {"merged_name": pseudonym, "sources": []})
                    for merge in ActorMerge.objects.filter(into=actor)
                ]
            )
            tracking.update(
                actor,
                {
                    "name": pseudonym,
                    "given_name": "",
                    "family_name": "",
                    "description": "",
                    "links": [],
                    "sources": [],
                    "is_pseudonymised": True,
                },
            )
        rewritten = _rewrite_ledger(
            actor=actor, pseudonym=pseudonym, dependents=dependents, names=names
        )
        structure = _structure_ids(actor.pk)
        return ErasureResult(
            actor_id=actor.pk,
            pseudonym=pseudonym,
            personal_data_deleted=bool(personal),
            identifiers_deleted=len(identifiers),
            other_names_deleted=len(other_names),
            ledger_rows_rewritten=rewritten,
            memberships_kept=len(structure[_label(Membership)]),
            attendances_kept=len(structure[_label(Attendance)]),
            interactions_kept=len(structure[_label(Interaction)]),
        )


# --- retention -------------------------------------------------------------------------------


def retention_due(*, today: dt.date) -> QuerySet[Actor]:
    """Persons whose personal data's retention date has passed (``retention_until < today``)."""
    return Actor.objects.filter(
        kind=ActorKind.PERSON, personal_data__retention_until__lt=today
    ).order_by("id")


def retention_apply(*, today: dt.date) -> list[ErasureResult]:
    """Erase every person whose retention date has passed; returns what was erased.

    Each person is erased in a transaction of its own (a long run that stops
    halfway keeps the erasures made so far, each complete). ``retention_due``
    lists them without erasing (a dry run).
    """
    results: list[ErasureResult] = []
    with tracking.change_context(via=tracking.current_context().via or "command"):
        for actor in list(retention_due(today=today)):
            results.append(
                actor_erase(
                    actor=actor, reason=f"retention date passed (before {today.isoformat()})"
                )
            )
    return results
