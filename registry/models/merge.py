"""Merged actors: the record that a duplicate actor was folded into another one.

A merge (``registry.services.merge``) moves everything of the merged actor onto the
survivor and deletes the merged record; this row keeps its id answering with a
pointer to the survivor (``merged_into``), so that clients, entries and links that
still name the old id are sent to the right actor.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel


class ActorMerge(RegistryModel):
    """Actor ``merged_id`` was merged into ``into`` (and no longer exists)."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "into__territory_id"

    merged_id = models.BigIntegerField(
        _("merged actor id"), unique=True, help_text=_("Id of the actor that was merged away.")
    )
    into = models.ForeignKey(
        "registry.Actor",
        # The pointer means nothing once the survivor itself is gone.
        on_delete=models.CASCADE,
        related_name="absorbed",
        help_text=_("The actor it was merged into (the survivor)."),
    )
    merged_name = models.CharField(
        _("merged name"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("Name the merged actor had (pseudonymised with the survivor on erasure)."),
    )
    report = models.JSONField(
        _("report"),
        default=dict,
        blank=True,
        help_text=_("What the merge moved, joined and kept (conflicts included)."),
    )

    class Meta:
        verbose_name = _("actor merge")
        verbose_name_plural = _("actor merges")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.into_id}"
