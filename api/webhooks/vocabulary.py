"""What a subscription may name: the change feed's own vocabulary, derived, never listed.

A resource type is the ``type`` of a feed change: the model name of a record the
ledger tracks (every ``registry`` model that goes through ``registry.tracking``).
An action is one of the ledger's (``ChangeAction``).
"""

from __future__ import annotations

from functools import cache

from django.apps import apps

from registry.models import ChangeAction
from registry.tracking import TrackedModelMixin

ACTIONS: tuple[str, ...] = tuple(ChangeAction.values)
#: With their labels, for the API's choice fields.
ACTION_CHOICES = ChangeAction.choices
#: Resource types only a key with the personal_data scope may subscribe to.
PERSONAL_TYPES = ("personaldata",)


@cache
def resource_types() -> tuple[str, ...]:
    """The feed's record types, sorted."""
    return tuple(
        sorted(
            model._meta.model_name
            for model in apps.get_app_config("registry").get_models()
            if issubclass(model, TrackedModelMixin)
        )
    )
