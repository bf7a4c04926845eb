"""Participation bodies (Popolo Organization, classification ``participation-body``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel
from registry.tracking import TrackedQuerySet


class BodyType(models.TextChoices):
    CONSEIL_QUARTIER = "conseil_quartier", _("Neighbourhood council")
    CONSEIL_CITOYEN = "conseil_citoyen", _("Citizens' council (QPV)")
    CONSEIL_DEVELOPPEMENT = "conseil_developpement", _("Development council")
    CESER = "ceser", _("Regional economic, social and environmental council (CESER)")
    CONSEIL_JEUNES = "conseil_jeunes", _("Youth council")
    CONSEIL_AINES = "conseil_aines", _("Elders' council")
    CCSPL = "ccspl", _("Local public services advisory committee (CCSPL)")
    COMITE_CONSULTATIF = "comite_consultatif", _("Advisory committee")
    BUDGET_PARTICIPATIF = "budget_participatif", _("Participatory budget committee")
    COMMISSION_ACCESSIBILITE = "commission_accessibilite", _("Accessibility commission")
    CLSPD = "clspd", _("Local security and crime prevention council (CLSPD)")
    OTHER = "other", _("Other")


class BodyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    DISSOLVED = "dissolved", _("Dissolved")


class ParityRule(models.TextChoices):
    NONE = "none", _("No parity rule")
    MAX_GAP_ONE = "max_gap_1", _("Parity: at most one seat of difference between women and men")
    BALANCED = "balanced", _("Balanced representation sought (no legal threshold)")


class SelectionMode(models.TextChoices):
    LOT = "lot", _("Drawn by lot")
    ELECTION = "election", _("Election")
    APPOINTMENT = "appointment", _("Appointment")
    VOLUNTEER = "volunteer", _("Volunteer")
    EX_OFFICIO = "ex_officio", _("Ex officio")
    DESIGNATION = "designation", _("Designated by an organization")


class BodyQuerySet(TrackedQuerySet):
    def active_on(self, day: dt.date) -> BodyQuerySet:
        """Bodies that exist on ``day``: founded by then and not yet dissolved."""
        return self.filter(
            Q(founding_date__isnull=True) | Q(founding_date__lte=day),
            Q(dissolution_date__isnull=True) | Q(dissolution_date__gt=day),
        ).exclude(status=BodyStatus.DISSOLVED, dissolution_date__isnull=True)


class Body(RegistryModel):
    """A participation body run by a local authority (conseil de quartier, CESER...)."""

    name = models.CharField(_("name"), max_length=300, help_text=_("Official name of the body."))
    body_type = models.CharField(
        _("type"),
        max_length=32,
        choices=BodyType.choices,
        help_text=_("Type of participation body."),
    )
    territory = models.ForeignKey(
        "registry.Territory",
        # Territories are ended, not deleted, while bodies refer to them.
        on_delete=models.PROTECT,
        related_name="bodies",
        help_text=_("The territory the body covers."),
    )
    host = models.ForeignKey(
        "registry.Actor",
        # The host authority is part of the body's identity: refuse to delete it.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_bodies",
        help_text=_("The authority that runs the body (an organization actor)."),
    )
    description = models.TextField(
        _("description"), blank=True, default="", help_text=_("What the body is for.")
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("Law or deliberation that founds it, e.g. 'CGCT art. L2143-1'."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BodyStatus.choices,
        default=BodyStatus.ACTIVE,
        help_text=_("Declared status: active, dormant or dissolved."),
    )
    founding_date = models.DateField(
        _("founding date"), null=True, blank=True, help_text=_("Date of creation.")
    )
    dissolution_date = models.DateField(
        _("dissolution date"),
        null=True,
        blank=True,
        help_text=_("First day the body no longer exists."),
    )
    mandate_years = models.PositiveSmallIntegerField(
        _("mandate length (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Length of a term in years."),
    )
    term_start = models.DateField(
        _("current term start"), null=True, blank=True, help_text=_("Start of the current term.")
    )
    term_end = models.DateField(
        _("current term end"),
        null=True,
        blank=True,
        help_text=_("End of the current term: the next renewal is due by then."),
    )
    seats = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Total number of seats.")
    )
    parity_rule = models.CharField(
        _("parity rule"),
        max_length=16,
        choices=ParityRule.choices,
        default=ParityRule.NONE,
        help_text=_("Gender parity rule that applies to the members."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, help_text=_("Age rule: youngest age to sit.")
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, help_text=_("Age rule: oldest age to sit.")
    )

    objects = BodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolution_date__isnull=True)
                | Q(founding_date__isnull=True)
                | Q(dissolution_date__gte=models.F("founding_date")),
                name="body_dissolution_after_founding",
                violation_error_message=_("The dissolution date cannot come before the founding."),
            ),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="body_term_order",
                violation_error_message=_("The term end cannot come before the term start."),
            ),
            models.CheckConstraint(
                condition=Q(mandate_years__isnull=True)
                | Q(mandate_years__gte=1, mandate_years__lte=10),
                name="body_mandate_years_range",
                violation_error_message=_("A mandate lasts 1 to 10 years."),
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=models.F("min_age")),
                name="body_age_rule_order",
                violation_error_message=_("The maximum age cannot be below the minimum age."),
            ),
        ]
        indexes = [
            models.Index(fields=["body_type", "status"], name="body_type_status_idx"),
            models.Index(fields=["updated_at", "id"], name="body_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {
            **self.check_order(
                "founding_date",
                "dissolution_date",
                _("The dissolution date cannot come before the founding."),
            ),
            **self.check_order(
                "term_start", "term_end", _("The term end cannot come before the term start.")
            ),
            **self.check_order(
                "min_age", "max_age", _("The maximum age cannot be below the minimum age.")
            ),
        }
        if errors:
            raise ValidationError(errors)


class College(RegistryModel):
    """A college of a body: a group of seats filled the same way (residents, associations...)."""

    #: Path to the territory its changes are filed under (see registry.tracking).
    tracking_territory_path = "body__territory_id"

    body = models.ForeignKey(
        Body,
        # A college is part of its body.
        on_delete=models.CASCADE,
        related_name="colleges",
        help_text=_("The body the college belongs to."),
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("Name of the college."))
    seats = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Number of seats in the college.")
    )
    selection_mode = models.CharField(
        _("selection mode"),
        max_length=16,
        choices=SelectionMode.choices,
        help_text=_("How its members are chosen."),
    )

    class Meta:
        verbose_name = _("college")
        verbose_name_plural = _("colleges")
        ordering = ["body_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="college_name_per_body"),
        ]

    def __str__(self) -> str:
        return self.name
