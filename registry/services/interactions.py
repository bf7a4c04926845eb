"""Writes to interactions, the edge ledger of the influence maps."""

from __future__ import annotations

from django.db import transaction

from registry import tracking
from registry.models import Interaction
from registry.services._common import domain_errors, reject_unknown

INTERACTION_FIELDS = frozenset(
    {
        "source",
        "target_actor",
        "target_body",
        "interaction_type",
        "direction",
        "weight",
        "sign",
        "start_date",
        "end_date",
        "territory",
        "source_note",
        "confidence",
        "external_id",
        "sources",
    }
)


def interaction_create(**fields) -> Interaction:
    """Record a tie from an actor to another actor or to a body."""
    reject_unknown(fields, INTERACTION_FIELDS, "interaction")
    with transaction.atomic(), domain_errors():
        return tracking.create(Interaction(**fields))


def interaction_update(*, interaction: Interaction, **changes) -> bool:
    reject_unknown(changes, INTERACTION_FIELDS, "interaction")
    with transaction.atomic(), domain_errors():
        return tracking.update(interaction, changes)


def interaction_delete(*, interaction: Interaction) -> None:
    with transaction.atomic():
        tracking.delete(interaction)
