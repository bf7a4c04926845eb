"""Writes to participation charters, validated and recorded like every other write.

Thresholds, weights and rule values are judged by the renewal engine, which lives in
``graph`` (``graph.renewal.validate_values``); ``registry`` may not import ``graph``
(DESIGN.md, the import-linter contracts), so the engine's validator is *installed*
here by the API app when Django starts (``api.apps.ApiConfig.ready``). Without it
(``registry`` used on its own), only the shape of the JSON is checked.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import Charter
from registry.models.charter import RULE_NAMES
from registry.services._common import domain_errors, reject_unknown

CHARTER_FIELDS = frozenset(
    {
        "territory",
        "body_type",
        "name",
        "adopted_by",
        "source_url",
        "valid_from",
        "valid_until",
        "thresholds",
        "weights",
        *RULE_NAMES,
        "sources",
    }
)

#: ``(thresholds, weights, rules) -> {json path: English message}``; empty when valid.
ValuesValidator = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], Mapping]
_validator: ValuesValidator | None = None


def install_values_validator(validator: ValuesValidator | None) -> None:
    """Judge charter values with ``validator`` from now on (None: shape checks only)."""
    global _validator
    _validator = validator


def _infinite(value: Any) -> bool:
    # JSON's 1e999 parses to infinity, which PostgreSQL's jsonb cannot store.
    return isinstance(value, float) and not math.isfinite(value)


def _shape_errors(thresholds: Any, weights: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(thresholds, Mapping):
        errors["thresholds"] = ['An object: indicator code -> {"watch": x, "alert": y}.']
    else:
        for code, pair in thresholds.items():
            if not isinstance(pair, Mapping):
                errors[f"thresholds.{code}"] = ['An object: {"watch": x, "alert": y}.']
                continue
            for key, value in pair.items():
                if _infinite(value):
                    errors[f"thresholds.{code}.{key}"] = ["A finite number."]
    if not isinstance(weights, Mapping):
        errors["weights"] = ["An object: indicator code -> weight."]
    else:
        for code, value in weights.items():
            if _infinite(value):
                errors[f"weights.{code}"] = ["A finite number."]
    return errors


def _check_values(charter: Charter) -> None:
    errors = _shape_errors(charter.thresholds, charter.weights)
    if not errors and _validator is not None:
        found = _validator(charter.thresholds, charter.weights, charter.rules())
        # A rule is a column of its own: its error names the field ("rules.min_age" is
        # "min_age"); thresholds and weights keep their JSON path.
        errors = {path.removeprefix("rules."): [str(m)] for path, m in found.items()}
    if errors:
        raise InvalidInput(gettext("The charter's values are not valid."), errors=errors)


def charter_create(**fields) -> Charter:
    """Create a charter (its thresholds, weights and rules checked by the renewal engine)."""
    reject_unknown(fields, CHARTER_FIELDS, "charter")
    charter = Charter(**fields)
    _check_values(charter)
    with transaction.atomic(), domain_errors():
        return tracking.create(charter)


def charter_update(*, charter: Charter, **changes) -> bool:
    """Change fields of a charter; returns whether anything changed."""
    reject_unknown(changes, CHARTER_FIELDS, "charter")
    changed = copy.copy(charter)
    for name, value in changes.items():
        setattr(changed, name, value)
    _check_values(changed)
    with transaction.atomic(), domain_errors():
        return tracking.update(charter, changes)


def charter_delete(*, charter: Charter) -> None:
    """Delete a charter (recorded): the bodies it governed fall back to the next one up."""
    with transaction.atomic():
        tracking.delete(charter)
