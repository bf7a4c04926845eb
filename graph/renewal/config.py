"""Thresholds, weights and rules in force, and which layer supplied each of them.

The values come, in this order of precedence, from the layers given (the
charters that apply to a body, nearest first), then from the installation
settings, then from the defaults declared in ``graph.renewal.indicators`` and
``graph.renewal.rules``. ``RenewalConfig.source_of`` names the source of each.

A threshold pair is ``{"watch": x, "alert": y}``, named after the status each one
leads to, for the settings and the charters alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.renewal.base import ALERT, OK, WATCH
from graph.renewal.indicators import (
    BY_CODE,
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    UNIT_RANGES,
    WEIGHT_RANGE,
)
from graph.renewal.rules import DEFAULT_RULES, RULES, rule_errors

#: The rules that make one rule together (taken whole from one layer).
AGE_RULE: tuple[str, ...] = ("min_age", "max_age")
#: The two thresholds of an indicator, named after the status each leads to.
THRESHOLD_KEYS: tuple[str, ...] = ("watch", "alert")
DEFAULT_SOURCE: Mapping[str, object] = {"kind": "default", "id": None, "name": "defaults"}
SETTINGS_SOURCE: Mapping[str, object] = {"kind": "settings", "id": None, "name": "settings"}


@dataclass(frozen=True)
class Layer:
    """One source of values (a charter, the settings, a body): partial mappings allowed.

    ``source`` holds ``kind`` ("charter" | "settings" | "default" | "body"),
    ``id`` (charter id or None), ``name``, ``territory_id``, ``body_type`` (or
    None), ``adopted_by`` (the deliberation) and ``url``.
    """

    source: Mapping[str, object]
    thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    rules: Mapping[str, object] = field(default_factory=dict)


def _is_number(x: object) -> bool:
    """A JSON number that is finite (ranges are checked by the caller)."""
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and math.isfinite(x))


def _within(x: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= x <= bounds[1]


def _threshold_errors(thresholds: Mapping[str, Any] | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if thresholds is None:
        return errors
    if not isinstance(thresholds, Mapping):
        return {"thresholds": "must be an object mapping an indicator code to its thresholds"}
    for code, value in thresholds.items():
        path = f"thresholds.{code}"
        if code not in BY_CODE:
            errors[path] = f"unknown renewal indicator {code!r}"
            continue
        if isinstance(value, list | tuple) and len(value) == 2:
            value = {"watch": value[0], "alert": value[1]}
        if not isinstance(value, Mapping):
            errors[path] = 'must be {"watch": x, "alert": y} (either key may be left out)'
            continue
        merged = dict(DEFAULT_THRESHOLDS[code])
        for key, number in value.items():
            if key not in THRESHOLD_KEYS:
                errors[f"{path}.{key}"] = f"unknown threshold {key!r}: expected watch or alert"
            elif not _is_number(number):
                errors[f"{path}.{key}"] = "must be a number"
            elif not _within(number, UNIT_RANGES[BY_CODE[code].unit]):
                low, high = UNIT_RANGES[BY_CODE[code].unit]
                errors[f"{path}.{key}"] = (
                    f"must be between {low:g} and {high:g} ({BY_CODE[code].unit})"
                )
            else:
                merged[key] = number
        watch, alert = merged["watch"], merged["alert"]
        if path not in errors and not any(k.startswith(path + ".") for k in errors):
            worse = BY_CODE[code].higher_is_worse
            if (watch > alert) if worse else (watch < alert):
                direction = "at most" if worse else "at least"
                errors[path] = (
                    f"watch must come before alert: watch ({watch:g}) must be {direction} "
                    f"alert ({alert:g}) for this indicator ({BY_CODE[code].arrow})"
                )
    return errors


def _weight_errors(weights: Mapping[str, Any] | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if weights is None:
        return errors
    if not isinstance(weights, Mapping):
        return {"weights": "must be an object mapping an indicator code to its weight"}
    for code, weight in weights.items():
        if code not in BY_CODE:
            errors[f"weights.{code}"] = f"unknown renewal indicator {code!r}"
        elif not _is_number(weight) or not _within(weight, WEIGHT_RANGE):
            errors[f"weights.{code}"] = (
                f"must be a number between {WEIGHT_RANGE[0]:g} and {WEIGHT_RANGE[1]:g}"
            )
    return errors


def validate_values(
    thresholds: Mapping[str, Any] | None,
    weights: Mapping[str, Any] | None,
    rules: Mapping[str, Any] | None,
) -> dict[str, str]:
    """JSON path (``thresholds.parity.watch``, ``weights.turnover``, ``rules.parity_rule``)
    -> English error message, for settings and charters alike; empty when all is valid.

    Unknown indicator codes, threshold keys and rule names are errors; a watch
    value beyond the alert value (after merging onto the defaults) is one too.
    """
    return {**_threshold_errors(thresholds), **_weight_errors(weights), **rule_errors(rules)}


def _normalised(value: Any) -> dict[str, float]:
    if isinstance(value, list | tuple):
        return {"watch": value[0], "alert": value[1]}
    return dict(value)


def _without(layer: Layer, errors: Mapping[str, str]) -> Layer:
    """The layer less every value an error names (its path or a path below it)."""

    def bad(path: str) -> bool:
        return any(e == path or e.startswith(path + ".") for e in errors)

    return Layer(
        layer.source,
        {
            c: v
            for c, v in layer.thresholds.items()
            if not bad(f"thresholds.{c}") and isinstance(v, Mapping | list | tuple)
        },
        {c: w for c, w in layer.weights.items() if not bad(f"weights.{c}")},
        {n: v for n, v in layer.rules.items() if not bad(f"rules.{n}")},
    )


@dataclass(frozen=True)
class RenewalConfig:
    """Thresholds, weights and rules in force, with the source of every value set."""

    thresholds: dict[str, dict[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
    )
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    rules: dict[str, object] = field(default_factory=lambda: dict(DEFAULT_RULES))
    #: ``"threshold:<code>.watch"`` / ``"weight:<code>"`` / ``"rule:<name>"`` -> source,
    #: for the values not taken from the defaults.
    sources: dict[str, Mapping[str, object]] = field(default_factory=dict)
    #: The governing charter: the source of the first layer of kind "charter" (the
    #: nearest applicable one), None when no charter applies.
    charter: Mapping[str, object] | None = None

    @classmethod
    def from_overrides(
        cls,
        thresholds: Mapping[str, Any] | None = None,
        weights: Mapping[str, Any] | None = None,
    ) -> RenewalConfig:
        """The installation settings merged onto the defaults; a typo fails loudly.

        ``thresholds`` maps a code to ``{"watch": x, "alert": y}`` (either key may
        be left out) or to a ``(watch, alert)`` pair. Any error of
        ``validate_values`` raises ``ValueError`` naming the key.
        """
        return cls.layered((), settings_thresholds=thresholds, settings_weights=weights)

    @classmethod
    def layered(
        cls,
        layers: Sequence[Layer],
        *,
        settings_thresholds: Mapping[str, Any] | None = None,
        settings_weights: Mapping[str, Any] | None = None,
    ) -> RenewalConfig:
        """For each value, the first layer that sets it wins, then the settings, then the
        defaults. Invalid settings raise ``ValueError``. Layers are validated where they
        are written (``validate_values``); a value stored before a rule it breaks existed
        is left out here (the next layer, the settings or the defaults supply it, and
        ``sources`` says so), so that one old record never stops an assessment."""
        settings = Layer(SETTINGS_SOURCE, settings_thresholds or {}, settings_weights or {})
        thresholds = {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
        weights, rules = dict(DEFAULT_WEIGHTS), dict(DEFAULT_RULES)
        sources: dict[str, Mapping[str, object]] = {}
        for layer in (settings, *reversed(tuple(layers))):  # the first layer written last
            errors = validate_values(layer.thresholds, layer.weights, layer.rules)
            if errors and layer is settings:
                path, message = next(iter(sorted(errors.items())))
                raise ValueError(f"renewal {layer.source.get('kind')} value {path}: {message}")
            if errors:
                layer = _without(layer, errors)
            for code, value in layer.thresholds.items():
                # A layer that sets either threshold of an indicator sets the pair, the
                # other from the defaults: the pair it was validated as, so that layers
                # never combine into a watch beyond the alert.
                thresholds[code] = dict(DEFAULT_THRESHOLDS[code])
                for key in THRESHOLD_KEYS:
                    sources.pop(f"threshold:{code}.{key}", None)
                for key, number in _normalised(value).items():
                    thresholds[code][key] = number
                    sources[f"threshold:{code}.{key}"] = layer.source
            for code, weight in layer.weights.items():
                weights[code] = weight
                sources[f"weight:{code}"] = layer.source
            if any(layer.rules.get(name) is not None for name in AGE_RULE):
                # The age rule likewise: both bounds from the layer that sets one.
                for name in AGE_RULE:
                    rules[name] = DEFAULT_RULES[name]
                    sources.pop(f"rule:{name}", None)
            for name, value in layer.rules.items():
                if value is not None:
                    rules[name] = value
                    sources[f"rule:{name}"] = layer.source
        # The charter that governs: the nearest applicable one (the first charter layer),
        # whether or not it sets a value; what it leaves unset comes from below, and
        # ``sources`` says so value by value.
        charter = next(
            (layer.source for layer in layers if layer.source.get("kind") == "charter"), None
        )
        return cls(thresholds, weights, rules, sources, charter)

    def source_of(self, key: str) -> Mapping[str, object]:
        """The source of ``threshold:<code>.watch|alert``, ``weight:<code>`` or
        ``rule:<name>``: the layer that supplied it, else the defaults."""
        kind, _, name = key.partition(":")
        if kind not in ("threshold", "weight", "rule") or not name:
            raise KeyError(key)
        return self.sources.get(key, DEFAULT_SOURCE)

    def unit(self, code: str) -> str:
        return BY_CODE[code].unit

    def grade(self, code: str, value: float) -> str:
        """The status of ``value`` for indicator ``code`` (thresholds inclusive)."""
        limits = self.thresholds[code]
        if BY_CODE[code].higher_is_worse:
            if value >= limits["alert"]:
                return ALERT
            return WATCH if value >= limits["watch"] else OK
        if value <= limits["alert"]:
            return ALERT
        return WATCH if value <= limits["watch"] else OK

    def limits(self, code: str) -> tuple[float, float]:
        return (self.thresholds[code]["watch"], self.thresholds[code]["alert"])


__all__ = ["RULES", "Layer", "RenewalConfig", "validate_values"]
