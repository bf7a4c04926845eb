"""Participation charters: a collectivity's own rules for its bodies, as data.

A charter belongs to a territory (and optionally to one body type) and holds what
the renewal assessment judges bodies by: thresholds and weights of the indicators,
and rule values (mandate length, meetings a year, answer delay, parity, consecutive
terms, age). A body is judged by the nearest applicable charter up the territory
DAG (``graph.loaders.charter_layers``), else by the installation's settings.

The rule columns and their ranges are declared once, in ``CHARTER_RULES``: the
fields, their validators and the database check constraints derive from it; the
renewal engine's own declaration (``graph.renewal.RULES``) is checked against it by
a test, since ``registry`` may not import ``graph``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry.models.base import RegistryModel
from registry.models.body import BodyType, ParityRule
from registry.tracking import TrackedQuerySet


@dataclass(frozen=True)
class CharterRule:
    """One integer rule a charter may set: its column, label and allowed range."""

    name: str
    label: Promise
    help_text: Promise
    minimum: int
    maximum: int


#: The integer rules of a charter (``parity_rule`` is a choice, declared on the model).
CHARTER_RULES: tuple[CharterRule, ...] = (
    CharterRule(
        "mandate_years",
        _("mandate length (years)"),
        _("Length of a term in years (a body's own mandate length wins)."),
        1,
        10,
    ),
    CharterRule(
        "min_meetings_per_year",
        _("minimum meetings a year"),
        _("Fewest meetings (plenary sessions) a body must hold each year."),
        0,
        52,
    ),
    CharterRule(
        "answer_delay_days",
        _("answer delay (days)"),
        _(
            "Days the authority has to answer an opinion; an opinion still unanswered after "
            "them counts as unanswered."
        ),
        1,
        730,
    ),
    CharterRule(
        "max_consecutive_terms",
        _("maximum consecutive terms"),
        _("Most terms in a row a member may serve."),
        1,
        10,
    ),
    CharterRule("min_age", _("minimum age"), _("Age rule: youngest age to sit."), 0, 120),
    CharterRule("max_age", _("maximum age"), _("Age rule: oldest age to sit."), 0, 120),
)
#: Every rule a charter may set, in the order the API and the admin show them.
RULE_NAMES: tuple[str, ...] = (*(r.name for r in CHARTER_RULES), "parity_rule")


#: The rules by name.
RULES_BY_NAME: dict[str, CharterRule] = {rule.name: rule for rule in CHARTER_RULES}


def _rule_field(name: str) -> models.PositiveSmallIntegerField:
    rule = RULES_BY_NAME[name]
    return models.PositiveSmallIntegerField(
        rule.label,
        null=True,
        blank=True,
        validators=[MinValueValidator(rule.minimum), MaxValueValidator(rule.maximum)],
        help_text=rule.help_text,
    )


def _rule_constraint(rule: CharterRule) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{rule.name}__isnull": True})
        | Q(**{f"{rule.name}__gte": rule.minimum, f"{rule.name}__lte": rule.maximum}),
        name=f"charter_{rule.name}_range",
        violation_error_message=_("A charter rule is out of its allowed range."),
    )


class CharterQuerySet(TrackedQuerySet):
    def valid_on(self, day: dt.date) -> CharterQuerySet:
        """Charters in force on ``day`` (validity start <= day < validity end)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gt=day),
        )


class Charter(RegistryModel):
    """A participation charter: the rules a territory sets for its bodies (of one type or all).

    Empty rule columns mean "not set by this charter": the next charter up the
    territory DAG, then the installation's settings, then the defaults apply.
    """

    territory = models.ForeignKey(
        "registry.Territory",
        # Territories are ended, not deleted, while charters refer to them.
        on_delete=models.PROTECT,
        related_name="charters",
        help_text=_("The territory whose bodies (and those below it) the charter governs."),
    )
    body_type = models.CharField(
        _("body type"),
        max_length=32,
        choices=BodyType.choices,
        blank=True,
        default="",
        help_text=_("The type of body the charter is for; empty: every type."),
    )
    name = models.CharField(_("name"), max_length=300, help_text=_("Title of the charter."))
    adopted_by = models.CharField(
        _("adopted by"),
        max_length=500,
        blank=True,
        default="",
        help_text=_(
            "The deliberation that adopted the charter (assembly, reference, date), "
            "e.g. 'Conseil municipal, délibération n° 2024-12'."
        ),
    )
    source_url = models.CharField(
        _("source URL"),
        max_length=500,
        blank=True,
        default="",
        # A CharField with the URL rule: blank is "not known" (an empty URLField's
        # schema would be a oneOf that both branches match).
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where the text of the charter is published (an http(s) address)."),
    )
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("First day the charter applies.")
    )
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("First day the charter no longer applies; empty while in force."),
    )
    thresholds = models.JSONField(
        _("thresholds"),
        default=dict,
        blank=True,
        help_text=_(
            'Indicator thresholds: indicator code -> {"watch": x, "alert": y} (either may be '
            "left out); indicators not listed keep the thresholds in force above."
        ),
    )
    weights = models.JSONField(
        _("weights"),
        default=dict,
        blank=True,
        help_text=_(
            "Indicator weights in the composite score: indicator code -> weight (0 or more)."
        ),
    )
    mandate_years = _rule_field("mandate_years")
    min_meetings_per_year = _rule_field("min_meetings_per_year")
    answer_delay_days = _rule_field("answer_delay_days")
    max_consecutive_terms = _rule_field("max_consecutive_terms")
    min_age = _rule_field("min_age")
    max_age = _rule_field("max_age")
    parity_rule = models.CharField(
        _("parity rule"),
        max_length=16,
        choices=ParityRule.choices,
        blank=True,
        default="",
        help_text=_("Gender parity rule for the members; empty: not set by this charter."),
    )

    objects = CharterQuerySet.as_manager()

    class Meta:
        verbose_name = _("charter")
        verbose_name_plural = _("charters")
        ordering = ["territory_id", "body_type", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="charter_validity_order",
                violation_error_message=_("The validity end must come after its start."),
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=models.F("min_age")),
                name="charter_age_rule_order",
                violation_error_message=_("The maximum age cannot be below the minimum age."),
            ),
            models.CheckConstraint(
                condition=Q(body_type="") | Q(body_type__in=BodyType.values),
                name="charter_body_type_known",
                violation_error_message=_("Unknown body type."),
            ),
            models.CheckConstraint(
                condition=Q(parity_rule="") | Q(parity_rule__in=ParityRule.values),
                name="charter_parity_rule_known",
                violation_error_message=_("Unknown parity rule."),
            ),
            *(_rule_constraint(rule) for rule in CHARTER_RULES),
        ]
        indexes = [
            models.Index(fields=["territory", "body_type"], name="charter_territory_type_idx"),
            models.Index(fields=["updated_at", "id"], name="charter_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def rules(self) -> dict[str, object]:
        """The rules this charter sets (empty columns left out)."""
        values = {name: getattr(self, name) for name in RULE_NAMES}
        return {k: v for k, v in values.items() if v not in (None, "")}

    def clean(self) -> None:
        errors = {
            **self.check_order(
                "valid_from",
                "valid_until",
                _("The validity end must come after its start."),
                strict=True,
            ),
            **self.check_order(
                "min_age", "max_age", _("The maximum age cannot be below the minimum age.")
            ),
        }
        if errors:
            raise ValidationError(errors)
