"""Writes to actors, their identifiers, other names and personal data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import Actor, ActorIdentifier, ActorOtherName, PersonalData
from registry.services._common import domain_errors, protected_delete, reject_unknown

ACTOR_FIELDS = frozenset(
    {
        "kind",
        "category",
        "name",
        "given_name",
        "family_name",
        "territory",
        "description",
        "founding_date",
        "dissolution_date",
        "links",
        "sources",
        "power",
        "interest",
        "legitimacy",
        "urgency",
    }
)
PERSONAL_FIELDS = frozenset(
    {"email", "phone", "postal_address", "gender", "birth_year", "lawful_basis", "retention_until"}
)


def actor_create(
    *,
    kind: str,
    category: str,
    name: str,
    identifiers: Iterable[Mapping[str, str]] = (),
    other_names: Iterable[Mapping] = (),
    personal_data: Mapping | None = None,
    **fields,
) -> Actor:
    """Create an actor with its identifiers, other names and (for a person) personal data."""
    reject_unknown(fields, ACTOR_FIELDS, "actor")
    with transaction.atomic(), domain_errors():
        actor = tracking.create(Actor(kind=kind, category=category, name=name, **fields))
        for identifier in identifiers:
            actor_identifier_add(actor=actor, **identifier)
        for other in other_names:
            tracking.create(ActorOtherName(actor=actor, **other))
        if personal_data is not None:
            actor_personal_data_set(actor=actor, **personal_data)
    return actor


def actor_update(
    *,
    actor: Actor,
    identifiers: Iterable[Mapping[str, str]] | None = None,
    other_names: Iterable[Mapping] | None = None,
    personal_data: Mapping | None = None,
    **changes,
) -> bool:
    """Change an actor; lists given (identifiers, other names) replace the stored ones.

    Returns whether anything changed.
    """
    reject_unknown(changes, ACTOR_FIELDS, "actor")
    with transaction.atomic(), domain_errors():
        changed = tracking.update(actor, changes)
        if identifiers is not None:
            changed |= actor_identifiers_set(actor=actor, identifiers=identifiers)
        if other_names is not None:
            changed |= actor_other_names_set(actor=actor, other_names=other_names)
        if personal_data is not None:
            before = tracking.snapshot(actor.personal_data) if _has_personal(actor) else None
            record = actor_personal_data_set(actor=actor, **personal_data)
            changed |= before != tracking.snapshot(record)
        return changed


def _has_personal(actor: Actor) -> bool:
    return PersonalData.objects.filter(actor=actor).exists()


def actor_identifiers_set(*, actor: Actor, identifiers: Iterable[Mapping[str, str]]) -> bool:
    """Make the actor's identifiers exactly ``identifiers``; returns whether anything changed."""
    wanted = {(i["scheme"], i.get("issuer", ""), i["value"]) for i in identifiers}
    current = {(i.scheme, i.issuer, i.value): i for i in actor.identifiers.all()}
    gone = [row for key, row in current.items() if key not in wanted]
    if gone:
        tracking.bulk_delete(gone)
    for scheme, issuer, value in sorted(wanted - set(current)):
        actor_identifier_add(actor=actor, scheme=scheme, value=value, issuer=issuer)
    return bool(gone) or bool(wanted - set(current))


def actor_other_names_set(*, actor: Actor, other_names: Iterable[Mapping]) -> bool:
    """Make the actor's other names exactly ``other_names``; returns whether anything changed."""

    def key(d):
        return (d["name"], d.get("note", ""), d.get("start_date"), d.get("end_date"))

    wanted = {key(o): o for o in other_names}
    current = {(o.name, o.note, o.start_date, o.end_date): o for o in actor.other_names.all()}
    gone = [row for k, row in current.items() if k not in wanted]
    if gone:
        tracking.bulk_delete(gone)
    new = [ActorOtherName(actor=actor, **o) for k, o in wanted.items() if k not in current]
    tracking.bulk_create(new)
    return bool(gone or new)


def actor_delete(*, actor: Actor) -> None:
    """Delete an actor that nothing refers to (members are erased, not deleted)."""
    with transaction.atomic(), protected_delete("actor"):
        tracking.delete(actor)


def actor_identifier_add(
    *, actor: Actor, scheme: str, value: str, issuer: str = ""
) -> ActorIdentifier:
    """Give an actor an identifier; an identifier already held by another actor is refused."""
    with transaction.atomic(), domain_errors():
        held = (
            ActorIdentifier.objects.filter(scheme=scheme, issuer=issuer, value=value)
            .select_related("actor")
            .first()
        )
        if held is not None:
            if held.actor_id == actor.pk:
                return held
            raise InvalidInput(
                gettext("This identifier already belongs to another actor."),
                errors={
                    "identifiers": [
                        gettext("%(scheme)s:%(value)s is held by actor %(actor)s.")
                        % {"scheme": scheme, "value": value, "actor": held.actor_id}
                    ]
                },
            )
        return tracking.create(
            ActorIdentifier(actor=actor, scheme=scheme, value=value, issuer=issuer)
        )


def actor_personal_data_set(*, actor: Actor, **values) -> PersonalData:
    """Create or change a person's personal data (lawful basis and retention date required)."""
    reject_unknown(values, PERSONAL_FIELDS, "personal data record")
    with transaction.atomic(), domain_errors():
        current = PersonalData.objects.filter(actor=actor).first()
        if current is None:
            return tracking.create(PersonalData(actor=actor, **values))
        tracking.update(current, values)
        return current
