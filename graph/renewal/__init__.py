"""Which consultative bodies need renewal, and why: indicators, statuses and a composite score.

A consultant asks "which councils should we renew first?". The answer must be
explainable, so every indicator is a plain measure with a watch and an alert
threshold, a status (``ok`` / ``watch`` / ``alert`` / ``unknown``) and a
sentence in English and French saying what the value means and what to do.
``unknown`` is never silently counted as fine: it says which data is missing,
and it is left out of the composite score (whose weights are renormalised over
the indicators that are known), so that a body with poor records is neither
rewarded nor punished for it.

The package is pure: it never reads the clock or the database. ``as_of`` is
given; the facts come from ``graph.model`` (built by ``graph.loaders``).

Thresholds are inclusive: a value that reaches the watch (alert) value is
``watch`` (``alert``). "↑" means higher is worse, "↓" lower is worse. The table
below is generated from the one declaration of the indicators
(``graph.renewal.indicators.INDICATORS``); the charter rules that change the
counts are declared in ``graph.renewal.rules``.

{indicator_table}

The composite score is the weighted mean of the status points (ok 0, watch 50,
alert 100) over the indicators whose status is known: 100 is the most urgent
need of renewal.

Layout: ``indicators`` (the declarations), ``rules`` (the charter rules),
``config`` (thresholds, weights and rules in force, by layer), ``base`` (result
dataclasses, constants, formatting), ``maths``, ``network`` (a body's place in
the graph), one module per family of indicators (``members``, ``activity``,
``opinions``, ``composition``, ``network_indicators``) and ``assessment``. Beside the
indicators, ``strengths`` (a subpackage with its own one declaration, ``STRENGTHS``) says
what the body achieved: opinions taken up, newcomers, diversity added, communities
reached; it does not enter the score.
"""

from graph.renewal.assessment import assess_body, composite, rank_bodies, resolve_rules
from graph.renewal.base import (
    AGE_BANDS,
    ALERT,
    OK,
    STATUSES,
    UNKNOWN,
    WATCH,
    Assessment,
    BodyNetwork,
    Context,
    Indicator,
    RuleUse,
)
from graph.renewal.composition import PARITY_THRESHOLD_ON
from graph.renewal.config import Layer, RenewalConfig, validate_values
from graph.renewal.indicators import (
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    INDICATOR_CODES,
    INDICATOR_UNITS,
    INDICATORS,
    IndicatorSpec,
    docstring_table,
)
from graph.renewal.maths import age_band, dissimilarity, gini
from graph.renewal.network import (
    _bfs,
    _is_decision_maker,
    body_network,
    decision_distances,
    membership_index,
)
from graph.renewal.rules import DEFAULT_RULES, RULES, RuleSpec

__doc__ = __doc__.replace("{indicator_table}", docstring_table())

__all__ = [
    "AGE_BANDS",
    "ALERT",
    "DEFAULT_RULES",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_WEIGHTS",
    "INDICATORS",
    "INDICATOR_CODES",
    "INDICATOR_UNITS",
    "OK",
    "PARITY_THRESHOLD_ON",
    "RULES",
    "STATUSES",
    "UNKNOWN",
    "WATCH",
    "Assessment",
    "BodyNetwork",
    "Context",
    "Indicator",
    "IndicatorSpec",
    "Layer",
    "RenewalConfig",
    "RuleSpec",
    "RuleUse",
    "_bfs",
    "_is_decision_maker",
    "age_band",
    "assess_body",
    "body_network",
    "composite",
    "decision_distances",
    "dissimilarity",
    "gini",
    "membership_index",
    "rank_bodies",
    "resolve_rules",
    "validate_values",
]
