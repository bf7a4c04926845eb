"""Writes to actors, their identifiers, other names and personal data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

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


def actor_update(*, actor: Actor, **changes) -> bool:
    """Change fields of an actor; returns whether anything changed."""
    reject_unknown(changes, ACTOR_FIELDS, "actor")
    with transaction.atomic(), domain_errors():
        return tracking.update(actor, changes)


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
                "This identifier already belongs to another actor.",
                errors={"identifiers": [f"{scheme}:{value} is held by actor {held.actor_id}."]},
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
