"""Shared pieces of every registry model."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.tracking import TrackedManager, TrackedModelMixin
from registry.validators import validate_links


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
        validators=[validate_links],
        help_text=_(
            'Where the information comes from: a list of {"url": ..., "note": ...} objects '
            "(Popolo link objects)."
        ),
    )

    objects = TrackedManager()

    #: Path from the record to the id of the territory its changes are filed under
    #: (scopes the change feed and the caches), e.g. "body__territory_id".
    tracking_territory_path: str | None = "territory_id"
    #: Path to a second territory each change concerns (``ChangeRecord.also_territory_id``),
    #: read on the record as it was before the change; None: the filing path itself, so a
    #: record moved to another territory names the one it left.
    tracking_also_territory_path: str | None = None

    class Meta:
        abstract = True
        # Django's base manager (related-object access, ``Model._base_manager``) is
        # a plain ``Manager`` by default, whose bulk writes would skip the guard.
        # Subclasses declare their own ``Meta`` (which drops this option), but
        # Django then takes the base manager's name from this first parent, so
        # every tracked model's base manager is its guarded ``objects``.
        base_manager_name = "objects"

    def check_order(self, earlier: str, later: str, message, *, strict: bool = False) -> dict:
        """Field error when ``later`` comes before ``earlier`` (both set); {} otherwise.

        The database has the same rule as a check constraint; saying it here
        first names the field at fault instead of the whole record.
        """
        start, end = getattr(self, earlier), getattr(self, later)
        if start is None or end is None:
            return {}
        if end < start or (strict and end == start):
            return {later: [message]}
        return {}

    def tracking_label(self) -> str:
        """How the change ledger names the record (must not need another query)."""
        return str(self)
