"""Territories (Popolo Area): régions down to quartiers, in two hierarchies."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel
from registry.tracking import TrackedQuerySet


class TerritoryLevel(models.TextChoices):
    REGION = "region", _("Region")
    DEPARTEMENT = "departement", _("Department")
    ARRONDISSEMENT = "arrondissement", _("Arrondissement")
    EPCI = "epci", _("Inter-municipal authority (EPCI)")
    EPT = "ept", _("Territorial public establishment (EPT)")
    COMMUNE = "commune", _("Municipality")
    COMMUNE_DELEGUEE = "commune_deleguee", _("Delegated municipality")
    COMMUNE_ASSOCIEE = "commune_associee", _("Associated municipality")
    ARRONDISSEMENT_MUNICIPAL = "arrondissement_municipal", _("Municipal arrondissement")
    QUARTIER = "quartier", _("Neighbourhood")
    OTHER = "other", _("Other")


class TerritoryKind(models.TextChoices):
    """Finer kind within a level (EPCI legal form, priority neighbourhood...)."""

    NONE = "", _("None")
    CC = "cc", _("Communauté de communes")
    CA = "ca", _("Communauté d'agglomération")
    CU = "cu", _("Communauté urbaine")
    METROPOLE = "metropole", _("Metropolis")
    METROPOLE_LYON = "metropole_lyon", _("Métropole de Lyon")
    QPV = "qpv", _("Priority neighbourhood (QPV)")


class RelationKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative (region, department, arrondissement)")
    INTERCOMMUNAL = "intercommunal", _("Inter-municipal (EPCI, EPT)")
    MUNICIPAL = "municipal", _("Within a municipality")


class TerritoryQuerySet(TrackedQuerySet):
    def within(self, territory: Territory | int, *, include_self: bool = True) -> TerritoryQuerySet:
        """Territories inside ``territory`` at any depth, through either hierarchy.

        One indexed join on the closure table; ``include_self`` keeps the
        territory itself.
        """
        pk = territory.pk if isinstance(territory, Territory) else territory
        qs = self.filter(ancestor_links__ancestor_id=pk)
        if not include_self:
            qs = qs.exclude(pk=pk)
        return qs

    def valid_on(self, day: dt.date) -> TerritoryQuerySet:
        """Territories that exist on ``day`` (validity start <= day < validity end)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gt=day),
        )


class Territory(RegistryModel):
    """A territory (Popolo Area), identified by its level and official code.

    Territories form a DAG: a commune sits in an arrondissement (hence a
    département and a région) and in an EPCI. ``TerritoryRelation`` holds the
    direct links; ``TerritoryClosure`` their transitive closure, which makes
    "within X" one indexed query.
    """

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "id"

    level = models.CharField(
        _("level"),
        max_length=32,
        choices=TerritoryLevel.choices,
        help_text=_("Administrative level: region, departement, epci, commune, quartier..."),
    )
    code = models.CharField(
        _("code"),
        max_length=20,
        help_text=_(
            "Official code within the level: INSEE code for communes, departments and regions, "
            "SIREN for EPCIs and EPTs, the collectivity's own code for neighbourhoods."
        ),
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("Official name."))
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=TerritoryKind.choices,
        default="",
        blank=True,
        help_text=_("Finer kind within the level: EPCI legal form (cc, ca, cu, metropole), qpv."),
    )
    population = models.PositiveIntegerField(
        _("population (municipal)"),
        null=True,
        blank=True,
        help_text=_(
            "INSEE legal population, municipal measure (population municipale): the figure "
            "the COG files give every commune."
        ),
    )
    population_total = models.PositiveIntegerField(
        _("population (total)"),
        null=True,
        blank=True,
        help_text=_(
            "INSEE legal population, total measure (population totale: municipal plus the "
            "population counted apart), the measure most legal thresholds use; empty where "
            "the source does not give it (communes in the COG files)."
        ),
    )
    population_year = models.PositiveSmallIntegerField(
        _("population year"),
        null=True,
        blank=True,
        help_text=_(
            "Reference year of the legal populations (millésime of the census), e.g. 2023 for "
            "the populations in force on 1 January 2026."
        ),
    )
    siren = models.CharField(
        _("SIREN"),
        max_length=9,
        blank=True,
        default="",
        help_text=_("SIREN number of the collectivity, where it has one."),
    )
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("First day the territory exists.")
    )
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_(
            "First day the territory no longer exists (merged, dissolved); empty if current."
        ),
    )
    successor = models.ForeignKey(
        "self",
        # A successor is history: losing it must not delete the predecessor.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text=_("The territory that absorbed this one (e.g. the commune nouvelle)."),
    )
    extra = models.JSONField(
        _("extra"),
        default=dict,
        blank=True,
        help_text=_("Other published attributes (postcodes, zone, chef-lieu...)."),
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="territory_natural_key"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="territory_validity_order",
                violation_error_message=_("The validity end must come after its start."),
            ),
        ]
        indexes = [models.Index(fields=["name"], name="territory_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()} {self.code})"

    def clean(self) -> None:
        errors = self.check_order(
            "valid_from",
            "valid_until",
            _("The validity end must come after its start."),
            strict=True,
        )
        if errors:
            raise ValidationError(errors)

    def tracking_label(self) -> str:
        return f"{self.name} ({self.level} {self.code})"


class TerritoryRelation(RegistryModel):
    """A direct link: ``child`` lies within ``parent`` in one of the hierarchies."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "child_id"
    #: The parent too: a link that goes takes the child's territories out of it.
    tracking_also_territory_path = "parent_id"

    parent = models.ForeignKey(
        Territory,
        # A territory with children cannot vanish silently: end its validity instead.
        on_delete=models.PROTECT,
        related_name="child_relations",
        help_text=_("The containing territory."),
    )
    child = models.ForeignKey(
        Territory,
        # A link means nothing without its child.
        on_delete=models.CASCADE,
        related_name="parent_relations",
        help_text=_("The contained territory."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=RelationKind.choices,
        help_text=_("Which hierarchy the link belongs to."),
    )

    class Meta:
        verbose_name = _("territory relation")
        verbose_name_plural = _("territory relations")
        ordering = ["parent_id", "child_id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="territory_relation_unique"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("child")),
                name="territory_relation_not_self",
                violation_error_message=_("A territory cannot contain itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} in {self.parent_id} ({self.kind})"


class TerritoryClosure(models.Model):
    """Derived: every (ancestor, descendant) pair, itself included at depth 0.

    Rebuilt by ``registry.services.territories`` from ``TerritoryRelation``;
    never edited by hand, hence not in the change ledger.
    """

    ancestor = models.ForeignKey(
        Territory,
        # Derived rows follow their territories (Django cascades); no database foreign
        # key, whose checks cost a national import seconds for rows rebuilt from
        # TerritoryRelation anyway.
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="descendant_links",
        help_text=_("The containing territory."),
    )
    descendant = models.ForeignKey(
        Territory,
        # Derived rows follow their territories (see ancestor).
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="ancestor_links",
        help_text=_("The contained territory."),
    )
    depth = models.PositiveSmallIntegerField(
        help_text=_("Length of the shortest path from ancestor to descendant (0 for itself).")
    )

    class Meta:
        verbose_name = _("territory closure row")
        verbose_name_plural = _("territory closure rows")
        constraints = [
            models.UniqueConstraint(
                fields=["ancestor", "descendant"], name="territory_closure_pair"
            ),
        ]
        indexes = [
            models.Index(fields=["descendant", "ancestor"], name="territory_closure_desc_idx")
        ]

    def __str__(self) -> str:
        return f"{self.descendant_id} within {self.ancestor_id} ({self.depth})"
