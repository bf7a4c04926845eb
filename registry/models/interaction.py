"""Interactions between actors, or between an actor and a body: the influence-map edges."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel


class InteractionType(models.TextChoices):
    COLLABORATION = "collaboration", _("Collaboration")
    FUNDING = "funding", _("Funding")
    INFORMATION = "information", _("Information")
    CONSULTATION = "consultation", _("Consultation")
    REPRESENTATION = "representation", _("Representation")
    HIERARCHY = "hierarchy", _("Hierarchy")
    ALLIANCE = "alliance", _("Alliance")
    OPPOSITION = "opposition", _("Opposition")
    CONFLICT = "conflict", _("Conflict")


class Direction(models.TextChoices):
    DIRECTED = "directed", _("From source to target")
    MUTUAL = "mutual", _("Both ways")


class Sign(models.IntegerChoices):
    POSITIVE = 1, _("Positive")
    NEGATIVE = -1, _("Negative")


class Interaction(RegistryModel):
    """A tie between an actor and another actor or a body.

    Exactly one target: ``target_actor`` or ``target_body``.
    """

    source = models.ForeignKey(
        "registry.Actor",
        # Actors are pseudonymised, not deleted, under their ties.
        on_delete=models.PROTECT,
        related_name="interactions_out",
        help_text=_("The actor the tie starts from."),
    )
    target_actor = models.ForeignKey(
        "registry.Actor",
        # Actors are pseudonymised, not deleted, under their ties.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions_in",
        help_text=_("The actor the tie goes to (or set target_body)."),
    )
    target_body = models.ForeignKey(
        "registry.Body",
        # A tie to a body that no longer exists goes with it.
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions_in",
        help_text=_("The body the tie goes to (or set target_actor)."),
    )
    interaction_type = models.CharField(
        _("type"),
        max_length=20,
        choices=InteractionType.choices,
        help_text=_("Nature of the tie."),
    )
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        default=Direction.DIRECTED,
        help_text=_("Directed from source to target, or mutual."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Strength of the tie, 1 (weak) to 5 (strong)."),
    )
    sign = models.SmallIntegerField(
        _("sign"),
        choices=Sign.choices,
        default=Sign.POSITIVE,
        help_text=_("+1 for a cooperative tie, -1 for an adversarial one."),
    )
    start_date = models.DateField(
        _("start date"), null=True, blank=True, help_text=_("First day of the tie.")
    )
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("First day the tie no longer holds.")
    )
    territory = models.ForeignKey(
        "registry.Territory",
        # Territories are ended, not deleted, while ties refer to them.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
        help_text=_("Where the tie plays out."),
    )
    source_note = models.CharField(
        _("source note"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("How the tie is known: interview, minutes, public record..."),
    )
    confidence = models.DecimalField(
        _("confidence"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Confidence in the tie, 0 to 1."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("Identifier of the tie in the client system (for bulk upserts)."),
    )

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target_actor__isnull=False) & Q(target_body__isnull=True))
                | (Q(target_actor__isnull=True) & Q(target_body__isnull=False)),
                name="interaction_one_target",
                violation_error_message=_("Give exactly one target: an actor or a body."),
            ),
            models.CheckConstraint(
                condition=Q(target_actor__isnull=True) | ~Q(target_actor=models.F("source")),
                name="interaction_not_self",
                violation_error_message=_("An actor cannot interact with itself."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=5),
                name="interaction_weight_range",
                violation_error_message=_("The weight goes from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(sign__in=[1, -1]),
                name="interaction_sign_valid",
                violation_error_message=_("The sign is +1 or -1."),
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1),
                name="interaction_confidence_range",
                violation_error_message=_("The confidence goes from 0 to 1."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="interaction_end_after_start",
                violation_error_message=_("The end date cannot come before the start date."),
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="interaction_external_id_unique",
                violation_error_message=_("This external id is already used."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["territory", "interaction_type"], name="interaction_terr_type_idx"
            ),
            models.Index(fields=["updated_at", "id"], name="interaction_updated_idx"),
        ]

    def __str__(self) -> str:
        target = self.target_actor_id or f"body {self.target_body_id}"
        return f"{self.source_id} → {target} ({self.interaction_type})"

    def clean(self) -> None:
        errors = self.check_order(
            "start_date", "end_date", _("The end date cannot come before the start date.")
        )
        if (self.target_actor_id is None) == (self.target_body_id is None):
            errors["target_actor"] = [_("Give exactly one target: an actor or a body.")]
        elif self.target_actor_id is not None and self.target_actor_id == self.source_id:
            errors["target_actor"] = [_("An actor cannot interact with itself.")]
        if errors:
            raise ValidationError(errors)
