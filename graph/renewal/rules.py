"""The one declaration of the charter rules (``RULES``) and of the values that may set them.

A participation charter (or the installation) may set, beside thresholds and
weights, the rules below; each changes what an indicator counts, and the
assessment lists every rule with its value and where the value came from
(``Assessment.rules``).

=========================  ==============================  =======  ===========================================
rule                       values                          default  what it changes
=========================  ==============================  =======  ===========================================
``mandate_years``          integer 1-10                    3        the mandate length of ``beyond_two_terms``;
                                                                    the body's own ``mandate_years`` wins over
                                                                    a charter
``min_meetings_per_year``  integer 0-52                    none     ``meetings_per_year``: fewer meetings than
                                                                    the rule is an alert (the charter's minimum
                                                                    replaces the thresholds)
``answer_delay_days``      integer 1-730                   90       ``opinions_answered``: an unanswered opinion
                                                                    younger than the delay is not yet late, and
                                                                    is left out (counted in the detail)
``parity_rule``            none, max_gap_1, balanced       none     ``parity``; a body's own rule other than
                                                                    ``none`` wins over a charter
``max_consecutive_terms``  integer 1-10                    2        ``beyond_two_terms``: members whose
                                                                    consecutive service is longer than this
                                                                    many mandates
``min_age``, ``max_age``   integer 0-120                   none     ``age_rule``: members outside the ages, and
                                                                    the bands ``age_gap`` compares with; the
                                                                    body's own age rule wins over a charter
=========================  ==============================  =======  ===========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSpec:
    """One charter rule: its name, the values it takes, its default and the body field that wins."""

    name: str
    label_en: str
    label_fr: str
    minimum: int | None = None  # integer rules: inclusive bounds
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # choice rules: the allowed codes
    default: int | str | None = None
    #: The ``BodyFacts`` attribute whose own value wins over a charter (None: no such field).
    body_field: str | None = None
    #: The body value that does NOT win (the body left the rule unset).
    body_unset: object = None

    def error(self, value: object) -> str | None:
        """The English message saying why ``value`` is not valid for this rule, or None."""
        if value is None:
            return None
        if self.choices:
            if not isinstance(value, str) or value not in self.choices:
                return f"must be one of {', '.join(self.choices)}"
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        if not self.minimum <= value <= self.maximum:
            return f"must be between {self.minimum} and {self.maximum}"
        return None


RULES: dict[str, RuleSpec] = {
    rule.name: rule
    for rule in (
        RuleSpec("mandate_years", "mandate length (years)", "durée du mandat (ans)", 1, 10, default=3, body_field="mandate_years"),
        RuleSpec("min_meetings_per_year", "minimum meetings a year", "nombre minimal de réunions par an", 0, 52),
        RuleSpec("answer_delay_days", "answer delay (days)", "délai de réponse aux avis (jours)", 1, 730, default=90),
        RuleSpec("parity_rule", "parity rule", "règle de parité", choices=("none", "max_gap_1", "balanced"), default="none", body_field="parity_rule", body_unset="none"),
        RuleSpec("max_consecutive_terms", "maximum consecutive terms", "nombre maximal de mandats consécutifs", 1, 10, default=2),
        RuleSpec("min_age", "minimum age", "âge minimal", 0, 120, body_field="min_age"),
        RuleSpec("max_age", "maximum age", "âge maximal", 0, 120, body_field="max_age"),
    )
}  # fmt: skip

#: Rule name -> its default value (None: the rule does not apply unless set).
DEFAULT_RULES: dict[str, int | str | None] = {name: rule.default for name, rule in RULES.items()}


def rule_errors(rules: Mapping[str, object] | None, prefix: str = "rules") -> dict[str, str]:
    """JSON path -> English message for every invalid rule value (unknown names included)."""
    errors: dict[str, str] = {}
    if rules is None:
        return errors
    if not isinstance(rules, Mapping):
        return {prefix: "must be an object mapping a rule name to its value"}
    for name, value in rules.items():
        rule = RULES.get(name)
        if rule is None:
            errors[f"{prefix}.{name}"] = (
                f"unknown rule {name!r}: expected one of {', '.join(RULES)}"
            )
        elif message := rule.error(value):
            errors[f"{prefix}.{name}"] = message
    low, high = rules.get("min_age"), rules.get("max_age")
    if (
        isinstance(low, int)
        and isinstance(high, int)
        and f"{prefix}.min_age" not in errors
        and f"{prefix}.max_age" not in errors
        and low > high
    ):
        errors[f"{prefix}.max_age"] = "must be greater than or equal to min_age"
    return errors
