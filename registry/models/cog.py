"""The COG vintage (millésime) the territories were imported from."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel


class CogVintage(RegistryModel):
    """The COG vintage the registry's territories reflect: one row, updated by each import.

    The COG importer (``registry.importers.cog``) reads it to refuse an older vintage
    over a newer one (unless forced) and writes it through the change ledger, whose
    history is the list of the vintages imported.
    """

    #: National reference data: filed under no territory.
    tracking_territory_path = None

    #: The one row's primary key.
    SINGLE_ROW = 1

    vintage = models.PositiveSmallIntegerField(
        _("vintage"),
        help_text=_("Year of the COG vintage (millésime) last imported, e.g. 2026."),
    )
    population_year = models.PositiveSmallIntegerField(
        _("population year of the communes"),
        null=True,
        blank=True,
        help_text=_(
            "Census year of the communes' legal populations in that import (empty: unknown)."
        ),
    )
    epci_population_year = models.PositiveSmallIntegerField(
        _("population year of the EPCIs"),
        null=True,
        blank=True,
        help_text=_("Census year of the EPCI and EPT populations in that import (empty: unknown)."),
    )
    imported_on = models.DateField(
        _("changes dated"),
        help_text=_(
            "Day from which the import's changes hold: new territories start, vanished ones end."
        ),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("The folder the files were read from."),
    )

    class Meta:
        verbose_name = _("COG vintage")
        verbose_name_plural = _("COG vintages")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="cog_vintage_single_row"),
        ]

    def __str__(self) -> str:
        return f"COG {self.vintage}"
