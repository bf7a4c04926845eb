"""Shared pieces of every registry model."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.tracking import TrackedManager, TrackedModelMixin


class RegistryModel(TrackedModelMixin, models.Model):
    """Abstract base of every tracked registry record.

    Every write to a subclass goes through ``registry.services``, which record
    it in the change ledger (``ChangeRecord``); the manager refuses untracked
    writes (see ``registry.tracking``).
    """

    created_at = models.DateTimeField(
        _("created at"), auto_now_add=True, help_text=_("When the record was created (UTC).")
    )
    updated_at = models.DateTimeField(
        _("updated at"), auto_now=True, help_text=_("When the record last changed (UTC).")
    )
    sources = models.JSONField(
        _("sources"),
        default=list,
        blank=True,
        help_text=_(
            'Where the information comes from: a list of {"url": ..., "note": ...} objects '
            "(Popolo link objects)."
        ),
    )

    objects = TrackedManager()

    class Meta:
        abstract = True

    def tracking_label(self) -> str:
        """How the change ledger names the record (must not need another query)."""
        return str(self)

    def territory_for_tracking(self) -> int | None:
        """The territory a change to this record belongs to (scopes the change feed and cache)."""
        return getattr(self, "territory_id", None)
