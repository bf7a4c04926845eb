"""Writes to the legal obligation rules (``registry.models.LegalObligation``)."""

from __future__ import annotations

from django.db import transaction

from registry import tracking
from registry.models import LegalObligation
from registry.obligations.shipped import SHIPPED, SOURCES
from registry.services._common import domain_errors, protected_delete, reject_unknown

#: What a caller may set: every field of the rule but the bookkeeping.
OBLIGATION_FIELDS = frozenset(
    f.name
    for f in LegalObligation._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at"}
)


def legal_obligation_create(**fields) -> LegalObligation:
    """Create a rule (validated, recorded)."""
    reject_unknown(fields, OBLIGATION_FIELDS, "legal obligation")
    with transaction.atomic(), domain_errors():
        return tracking.create(LegalObligation(**fields))


def legal_obligation_update(*, obligation: LegalObligation, **changes) -> bool:
    """Change fields of a rule; returns whether anything changed."""
    reject_unknown(changes, OBLIGATION_FIELDS, "legal obligation")
    with transaction.atomic(), domain_errors():
        return tracking.update(obligation, changes)


def legal_obligation_delete(*, obligation: LegalObligation) -> None:
    with transaction.atomic(), protected_delete("legal obligation"):
        tracking.delete(obligation)


def legal_obligations_load_shipped() -> int:
    """Create the shipped rules that are missing (by code and start date); returns how many.

    Migration 0014 loads them into every new database; this puts them back where they
    were removed (a flushed test database, a demo reset). Rules edited since are kept.
    """
    existing = set(LegalObligation.objects.values_list("code", "valid_from"))
    missing = [
        LegalObligation(**{"sources": SOURCES, **row})
        for row in SHIPPED
        if (row["code"], row.get("valid_from")) not in existing
    ]
    with transaction.atomic(), domain_errors():
        tracking.bulk_create(missing)
    return len(missing)
