"""Legal obligations as data: which participation bodies the law requires of which territories.

One row is one rule of one text over one period: a body type, the article that
requires it (and its Légifrance address), the territories it applies to (a level,
optionally a kind), the population measure the law counts and the thresholds
(mandatory from, optional from), an extra condition the data may or may not tell,
and the dates the rule was in force. A threshold that changed is two rows (the
conseil de développement: 20,000 from 2015, 50,000 from 29 December 2019).
``registry.obligations`` evaluates them on the territories' populations.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel
from registry.models.body import BodyType
from registry.models.territory import TerritoryKind, TerritoryLevel
from registry.tracking import TrackedQuerySet


class PopulationMeasure(models.TextChoices):
    TOTAL = "total", _("Total population (population totale)")
    MUNICIPAL = "municipal", _("Municipal population (population municipale)")


class Comparator(models.TextChoices):
    AT_LEAST = "at_least", _("At least the threshold (≥)")
    MORE_THAN = "more_than", _("More than the threshold (>)")


class ObligationCondition(models.TextChoices):
    NONE = "", _("None")
    #: CSI L132-4: "communes de plus de 5 000 habitants et ... communes comprenant un QPV".
    OR_HAS_QPV = "or_has_qpv", _("Or the territory has a priority neighbourhood (QPV)")
    #: CGCT L2143-3: EPCI "compétents en matière de transports ou d'aménagement de l'espace".
    TRANSPORT_OR_PLANNING = (
        "transport_or_planning",
        _("The EPCI holds the transport or spatial planning competence"),
    )


class LegalObligationQuerySet(TrackedQuerySet):
    def valid_on(self, day: dt.date) -> LegalObligationQuerySet:
        """Rules in force on ``day`` (valid_from <= day < valid_until)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gt=day),
        )


class LegalObligation(RegistryModel):
    """A rule of law that requires (or allows) a participation body of some territories."""

    #: National data: filed under no territory (see registry.tracking).
    tracking_territory_path = None

    code = models.SlugField(
        _("code"),
        max_length=64,
        help_text=_(
            "Stable identifier of the rule across its versions, e.g. 'ccspl-commune'; "
            "one row per period it was in force."
        ),
    )
    body_type = models.CharField(
        _("body type"),
        max_length=32,
        choices=BodyType.choices,
        help_text=_("Type of the body the rule requires."),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=200,
        help_text=_("The article that sets the rule, e.g. 'CGCT art. L2143-1'."),
    )
    legal_url = models.URLField(
        _("legal text"), max_length=500, help_text=_("Address of the text on Légifrance.")
    )
    level = models.CharField(
        _("territory level"),
        max_length=32,
        choices=TerritoryLevel.choices,
        help_text=_("Level of the territories the rule applies to."),
    )
    kind = models.CharField(
        _("territory kind"),
        max_length=20,
        choices=TerritoryKind.choices,
        blank=True,
        default="",
        help_text=_("Only territories of this kind (e.g. qpv); empty: every kind of the level."),
    )
    skip_municipal_arrondissements = models.BooleanField(
        _("not for communes with arrondissements"),
        default=False,
        help_text=_(
            "The rule does not apply to a commune divided into arrondissements municipaux "
            "(Paris, Lyon, Marseille): another row applies it to each arrondissement."
        ),
    )
    overseas_collectivities = models.BooleanField(
        _("also in the overseas collectivities"),
        default=False,
        help_text=_(
            "Whether the rule also applies in the overseas collectivities (zone 'com' of the "
            "COG: Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna, "
            "Polynésie française, Nouvelle-Calédonie, TAAF, Clipperton), which their own "
            "statutes govern."
        ),
    )
    population_measure = models.CharField(
        _("population measure"),
        max_length=16,
        choices=PopulationMeasure.choices,
        default=PopulationMeasure.TOTAL,
        help_text=_("Population the law counts (the total population, unless a text says else)."),
    )
    comparator = models.CharField(
        _("comparator"),
        max_length=16,
        choices=Comparator.choices,
        default=Comparator.AT_LEAST,
        help_text=_(
            "How the population meets the mandatory threshold: 'at_least' (80 000 habitants "
            "et plus) or 'more_than' (plus de 10 000 habitants)."
        ),
    )
    mandatory_from = models.PositiveIntegerField(
        _("mandatory from"),
        null=True,
        blank=True,
        help_text=_("Population threshold of the obligation; empty: every such territory."),
    )
    optional_from = models.PositiveIntegerField(
        _("optional from"),
        null=True,
        blank=True,
        help_text=_(
            "Below the mandatory threshold, the population from which the law allows the body "
            "(inclusive: 'entre 20 000 et 79 999'); empty: no optional band."
        ),
    )
    condition = models.CharField(
        _("condition"),
        max_length=32,
        choices=ObligationCondition.choices,
        blank=True,
        default="",
        help_text=_("An extra condition of the text, evaluated where the data tells."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        default="",
        help_text=_("What the rule says beyond the data (exemptions, joint bodies...)."),
    )
    valid_from = models.DateField(
        _("in force from"), null=True, blank=True, help_text=_("First day the rule is in force.")
    )
    valid_until = models.DateField(
        _("in force until"),
        null=True,
        blank=True,
        help_text=_("First day the rule is no longer in force; empty if current."),
    )

    objects = LegalObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal obligation")
        verbose_name_plural = _("legal obligations")
        ordering = ["code", "valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"],
                name="legal_obligation_code_period",
                violation_error_message=_("A rule with this code already starts on that date."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="legal_obligation_validity_order",
                violation_error_message=_("The end of the rule must come after its start."),
            ),
            models.CheckConstraint(
                condition=Q(optional_from__isnull=True)
                | Q(mandatory_from__isnull=True)
                | Q(optional_from__lte=models.F("mandatory_from")),
                name="legal_obligation_band_order",
                violation_error_message=_(
                    "The optional threshold cannot be above the mandatory one."
                ),
            ),
        ]

    def __str__(self) -> str:
        since = f" ({self.valid_from.isoformat()})" if self.valid_from else ""
        return f"{self.code}{since}: {self.legal_basis}"

    def clean(self) -> None:
        errors = self.check_order(
            "valid_from",
            "valid_until",
            _("The end of the rule must come after its start."),
            strict=True,
        )
        if (
            self.optional_from is not None
            and self.mandatory_from is not None
            and self.optional_from > self.mandatory_from
        ):
            errors["optional_from"] = [
                _("The optional threshold cannot be above the mandatory one.")
            ]
        if errors:
            raise ValidationError(errors)
