"""The Django admin of the registry, for a collectivity's staff.

Every write made here goes through ``registry.services`` (or
``registry.tracking``) and is recorded in the change ledger with the user and
``via="admin"``; see ``registry.admin.base``. Staff limited to a territory reach
only what lies within it (``registry.admin.scope``). One module per family of models.
"""

from registry.admin import (
    activity,
    actors,
    bodies,
    charters,
    interactions,
    ledger,
    obligations,
    staff,
    territories,
)

__all__ = [
    "activity",
    "actors",
    "bodies",
    "charters",
    "interactions",
    "ledger",
    "obligations",
    "staff",
    "territories",
]
