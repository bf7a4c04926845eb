"""What every renewal module shares: statuses, constants, the result dataclasses, formatting.

Pure: no clock, no database (see ``graph.renewal``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.model import BodyFacts, MemberFacts, TerritoryProfile
from graph.renewal.messages import say

if TYPE_CHECKING:
    from graph.renewal.config import RenewalConfig
    from graph.renewal.strengths.base import Strength

OK, WATCH, ALERT, UNKNOWN = "ok", "watch", "alert", "unknown"
STATUSES = (OK, WATCH, ALERT, UNKNOWN)
#: Points of each known status in the composite score.
STATUS_POINTS = {OK: 0.0, WATCH: 50.0, ALERT: 100.0}

#: A member sitting in at least this many other bodies counts as a multi-member.
MULTI_MEMBERSHIP_MIN = 3
#: Power (declared 0-5) from which an actor counts as a decision-maker.
DECISION_MAKER_MIN_POWER = 4
#: Age bands of ``TerritoryProfile.age_bands``: label -> (min age, max age) inclusive.
AGE_BANDS = (
    ("<25", 0, 24),
    ("25-39", 25, 39),
    ("40-59", 40, 59),
    ("60-74", 60, 74),
    ("75+", 75, 200),
)
#: End reasons that are not a departure for the turnover (the term is the renewal itself).
NORMAL_END_REASONS = frozenset({"term_ended"})
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One measure of a body, its status and the sentence that explains it (en/fr)."""

    code: str
    value: float | None
    unit: str
    threshold: tuple[float | None, float | None]  # (watch, alert)
    status: str
    detail: dict[str, Any]
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class RuleUse:
    """A rule as applied to a body: its value and its source ("charter", "settings",
    "default" or "body"), with the charter id when a charter set it."""

    key: str
    value: object
    source_kind: str
    charter_id: int | None


@dataclass(frozen=True)
class Context:
    """What an indicator's compute function receives (one per body and date)."""

    facts: BodyFacts
    as_of: dt.date
    current: dict[int, MemberFacts]  # actor id -> its current seat (``current_actors``)
    network: BodyNetwork | None
    profile: TerritoryProfile | None
    config: RenewalConfig
    rules: Mapping[str, Any]  # rule name -> value in force for this body (``resolve_rules``)


@dataclass(frozen=True)
class Assessment:
    """The renewal assessment of one body: indicators, composite score and summary."""

    body_id: int
    body_name: str
    as_of: dt.date
    score: float | None  # 0-100, 100 = most urgent; None when no indicator is known
    indicators: tuple[Indicator, ...]
    weights: tuple[tuple[str, float], ...]  # renormalised over the known indicators
    counts: tuple[tuple[str, int], ...]  # (status, count) in STATUSES order
    summary_en: str
    summary_fr: str
    #: The source mapping of the charter that supplied at least one value, or None.
    charter: Mapping[str, object] | None = None
    #: Every charter rule with the value applied and where it came from (``RULES`` order).
    rules: tuple[RuleUse, ...] = ()
    #: Id of the territory whose graph gave the network indicators (None: not given).
    network_territory: int | None = None
    #: What the body achieved (``graph.renewal.strengths``), beside the indicators.
    strengths: tuple[Strength, ...] = ()

    @property
    def alerts(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators if i.status == ALERT)

    @property
    def strengths_shown(self) -> tuple[str, ...]:
        """The codes of the strengths whose threshold is reached."""
        return tuple(s.code for s in self.strengths if s.status == "strength")

    def strength(self, code: str) -> Strength:
        for item in self.strengths:
            if item.code == code:
                return item
        raise KeyError(code)

    def indicator(self, code: str) -> Indicator:
        for item in self.indicators:
            if item.code == code:
                return item
        raise KeyError(code)


@dataclass(frozen=True)
class BodyNetwork:
    """Where a body's current members stand in the registry graph."""

    body_id: int
    members: tuple[str, ...]  # actor nodes, node_order
    other_bodies: tuple[tuple[str, int], ...]  # (member, number of OTHER bodies they sit in)
    max_jaccard: float  # 0.0 when no other body shares a member
    most_interlocked: str | None  # body node reaching max_jaccard (first in node_order)
    most_interlocked_label: str
    bodies_sharing: int  # other bodies sharing at least one member
    communities_touched: int
    communities_total: int
    reach: float | None  # touched / total; None when there are no communities
    concentration: float | None  # Gini of the members' PageRank; None without members
    decision_makers: int  # decision-makers in the graph (0: distance cannot be known)
    distances: tuple[tuple[str, int | None], ...]  # (member, hops to the nearest one)
    decision_distance: float | None  # mean over reachable members; None when none is


# --- building an indicator ------------------------------------------------------------------


def unknown_result(
    code: str, config: RenewalConfig, key: str, detail: dict[str, Any] | None = None, **values: Any
) -> Indicator:
    """An ``unknown`` indicator whose sentence is ``key`` of the catalogues."""
    en, fr = say(key, **values)
    return Indicator(
        code, None, config.unit(code), config.limits(code), UNKNOWN, detail or {}, en, fr
    )


def graded(
    code: str,
    value: float | None,
    config: RenewalConfig,
    detail: dict[str, Any],
    *,
    key: str | None = None,
    status: str | None = None,
    threshold: tuple[float | None, float | None] | None = None,
    **values: Any,
) -> Indicator:
    """An indicator graded by the thresholds (unless ``status`` is given), whose sentence is
    ``"<key>.<status>"`` of the catalogues (``key`` defaults to the code)."""
    status = status or config.grade(code, value)
    en, fr = say(f"{key or code}.{status}", **values)
    return Indicator(
        code,
        value,
        config.unit(code),
        threshold if threshold is not None else config.limits(code),
        status,
        detail,
        en,
        fr,
    )
