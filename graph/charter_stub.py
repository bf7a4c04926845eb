"""A stand-in for the charter machinery of ``graph.renewal`` until that package lands.

TEMPORARY (branch ``charters``): the shared interface of issue 13 puts ``Layer``,
``RULES``, ``validate_values`` and ``RenewalConfig.layered`` in ``graph.renewal``
(the ``renewal`` branch). This module gives the same names with the same meaning so
the charters resource, the loader and the analysis wiring can be built and tested
before it; at merge, ``graph.loaders`` and ``api.analysis.charters`` import them
from ``graph.renewal`` instead and this file is deleted.

It knows the indicator codes of the current ``graph.renewal`` and applies thresholds
and weights through ``RenewalConfig.from_overrides`` ("renew" there is "alert");
rule values are validated but only the engine of the ``renewal`` branch uses them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.renewal import _SPECS, DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS, RenewalConfig

__all__ = ["RULES", "Layer", "RenewalConfig", "layered", "validate_values"]

#: Rule name -> (allowed integer range, or the allowed choices), as the interface says.
RULES: dict[str, tuple[int, int] | tuple[str, ...]] = {
    "mandate_years": (1, 10),
    "min_meetings_per_year": (0, 52),
    "answer_delay_days": (1, 730),
    "parity_rule": ("none", "max_gap_1", "balanced"),
    "max_consecutive_terms": (1, 10),
    "min_age": (0, 120),
    "max_age": (0, 120),
}


@dataclass(frozen=True)
class Layer:
    """Values from one source (a charter...), each overriding what comes after it."""

    source: Mapping[str, object]
    thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    rules: Mapping[str, object] = field(default_factory=dict)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _threshold_errors(thresholds: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for code, pair in thresholds.items():
        path = f"thresholds.{code}"
        if code not in DEFAULT_THRESHOLDS:
            errors[path] = f"Unknown indicator {code!r}."
            continue
        if not isinstance(pair, Mapping):
            errors[path] = 'Give {"watch": x, "renew": y}.'
            continue
        for key, value in pair.items():
            if key not in ("watch", "renew"):
                errors[f"{path}.{key}"] = "Unknown key: give watch and renew."
            elif not _number(value):
                errors[f"{path}.{key}"] = "A number."
        watch = pair.get("watch", DEFAULT_THRESHOLDS[code]["watch"])
        renew = pair.get("renew", DEFAULT_THRESHOLDS[code]["alert"])
        if _number(watch) and _number(renew) and not errors:
            higher_is_worse = _SPECS[code][3]
            if (watch > renew) if higher_is_worse else (watch < renew):
                errors[f"{path}.watch"] = "The watch value must come before the renew value."
    return errors


def _rule_errors(rules: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, value in rules.items():
        path = f"rules.{name}"
        allowed = RULES.get(name)
        if allowed is None:
            errors[path] = f"Unknown rule {name!r}."
        elif isinstance(allowed[0], str):
            if value not in allowed:
                errors[path] = f"One of {', '.join(map(str, allowed))}."
        elif (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not allowed[0] <= value <= allowed[1]
        ):
            errors[path] = f"A whole number from {allowed[0]} to {allowed[1]}."
    return errors


def validate_values(
    thresholds: Mapping[str, Any], weights: Mapping[str, Any], rules: Mapping[str, Any]
) -> dict[str, str]:
    """JSON path -> English message for every value at fault; empty when all are valid."""
    errors = _threshold_errors(thresholds)
    for code, weight in weights.items():
        if code not in DEFAULT_WEIGHTS:
            errors[f"weights.{code}"] = f"Unknown indicator {code!r}."
        elif not _number(weight) or weight < 0:
            errors[f"weights.{code}"] = "A number, 0 or more."
    errors.update(_rule_errors(rules))
    return errors


def layered(
    layers: Sequence[Layer],
    *,
    settings_thresholds: Mapping[str, Any] | None = None,
    settings_weights: Mapping[str, Any] | None = None,
) -> RenewalConfig:
    """The first layer that sets a value wins, then the settings, then the defaults."""
    thresholds: dict[str, dict[str, float]] = {}
    weights: dict[str, float] = {}
    for layer in reversed(layers):
        for code, pair in layer.thresholds.items():
            mapped = {("alert" if k == "renew" else k): v for k, v in pair.items()}
            thresholds.setdefault(code, {}).update(mapped)
        weights.update(layer.weights)
    merged = {
        code: dict(pair) if isinstance(pair, Mapping) else {"watch": pair[0], "alert": pair[1]}
        for code, pair in (settings_thresholds or {}).items()
    }
    for code, pair in thresholds.items():
        merged.setdefault(code, {}).update(pair)
    return RenewalConfig.from_overrides(merged, {**(settings_weights or {}), **weights})
