"""Which thresholds, weights and rules judge each body: its charters, then the settings.

The one place the analysis turns charters into renewal configurations, so that the
single-body answer and the ranking judge a body by the same charter (both call
``configs_for``). The layering itself is the renewal engine's (``RenewalConfig.layered``): the
first charter that sets a value wins (``graph.loaders.charter_layers`` orders them:
body type first, then the nearest territory up the DAG), then the installation
settings (``ANALYSIS_RENEWAL_THRESHOLDS`` / ``_WEIGHTS``), then the defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from api.analysis.runner import config
from graph import loaders
from graph.renewal import RenewalConfig, validate_values

__all__ = ["configs_for", "installation_config", "validate_values"]


def _settings() -> tuple[dict | None, dict | None]:
    return config("RENEWAL_THRESHOLDS") or None, config("RENEWAL_WEIGHTS") or None


def installation_config() -> RenewalConfig:
    """The configuration of a body no charter governs: the settings, then the defaults."""
    thresholds, weights = _settings()
    return RenewalConfig.layered((), settings_thresholds=thresholds, settings_weights=weights)


def configs_for(body_ids: Iterable[int], as_of: dt.date) -> dict[int, RenewalConfig]:
    """Body id -> the renewal configuration it is judged by on ``as_of``."""
    thresholds, weights = _settings()
    return {
        body_id: RenewalConfig.layered(
            layers, settings_thresholds=thresholds, settings_weights=weights
        )
        for body_id, layers in loaders.charter_layers(body_ids, as_of).items()
    }
