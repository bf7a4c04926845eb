"""The assessment of a body: the indicators in declaration order, the rules applied,
the composite score and the summary."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping

from graph.model import BodyFacts, TerritoryProfile
from graph.renewal.base import (
    ALERT,
    STATUS_POINTS,
    STATUSES,
    UNKNOWN,
    WATCH,
    Assessment,
    BodyNetwork,
    Context,
    Indicator,
    RuleUse,
)
from graph.renewal.config import RenewalConfig
from graph.renewal.indicators import BY_CODE, INDICATORS
from graph.renewal.maths import current_actors
from graph.renewal.messages import Phrase, say
from graph.renewal.rules import RULES
from graph.renewal.strengths import STRENGTH, STRENGTH_BY_CODE, Peers, assess_strengths


def resolve_rules(facts: BodyFacts, config: RenewalConfig) -> tuple[RuleUse, ...]:
    """Every rule's value for this body and its source: the body's own value where the
    rule says it wins (``RuleSpec.body_field``), else the configuration's."""
    uses = []
    for name, rule in RULES.items():
        own = getattr(facts, rule.body_field) if rule.body_field else None
        if rule.body_field and own is not None and own != rule.body_unset:
            uses.append(RuleUse(name, own, "body", None))
            continue
        source = config.source_of(f"rule:{name}")
        kind = str(source.get("kind", "default"))
        charter_id = source.get("id") if kind == "charter" else None
        uses.append(RuleUse(name, config.rules.get(name), kind, charter_id))
    return tuple(uses)


def composite(
    indicators: Iterable[Indicator], weights: Mapping[str, float]
) -> tuple[float | None, tuple[tuple[str, float], ...]]:
    """Weighted mean of the status points over the known indicators, and the weights used.

    Unknown indicators are left out and the weights renormalised over the
    others: missing data must neither raise nor lower the urgency.
    """
    known = [
        (i.code, weights.get(i.code, 0), STATUS_POINTS[i.status])
        for i in indicators
        if i.status != UNKNOWN and weights.get(i.code, 0) > 0
    ]
    total = sum(w for _, w, _ in known)
    if total == 0:
        return None, ()
    used = tuple((code, w / total) for code, w, _ in known)
    score = sum(w * points for _, w, points in known) / total
    return score, used


def assess_body(
    facts: BodyFacts,
    *,
    as_of: dt.date,
    network: BodyNetwork | None,
    profile: TerritoryProfile | None,
    config: RenewalConfig,
    network_territory: int | None = None,
    peers: Peers | None = None,
) -> Assessment:
    """All the indicators of one body on ``as_of``, its composite score and summary, and
    its strengths beside them.

    ``network_territory`` is the id of the territory whose graph ``network`` was
    measured in; it is reported as given. ``peers`` (the other bodies of that
    territory) gives the strengths that compare the body with them; without it they
    are ``unknown``.
    """
    rules = resolve_rules(facts, config)
    ctx = Context(
        facts=facts,
        as_of=as_of,
        current=current_actors(facts, as_of),
        network=network,
        profile=profile,
        config=config,
        rules={use.key: use.value for use in rules},
    )
    indicators = [spec.compute(ctx) for spec in INDICATORS]
    score, used = composite(indicators, config.weights)
    counts = Counter(i.status for i in indicators)
    alerts = [i.code for i in indicators if i.status == ALERT]
    if score is None:
        summary_en, summary_fr = say("summary.none")
    else:
        names = Phrase(
            (
                ", ".join(BY_CODE[c].label_en for c in alerts),
                ", ".join(BY_CODE[c].label_fr for c in alerts),
            )
        )
        summary_en, summary_fr = say(
            "summary.alerts" if alerts else "summary.no_alert",
            score=score,
            alerts=len(alerts),
            names=names,
            watch=counts[WATCH],
            unknown=counts[UNKNOWN],
        )
    strengths = assess_strengths(
        facts, as_of=as_of, current=ctx.current, network=network, profile=profile, peers=peers
    )
    shown = [s.code for s in strengths if s.status == STRENGTH]
    if shown:
        more_en, more_fr = say(
            "summary.strengths",
            names=Phrase(
                (
                    ", ".join(STRENGTH_BY_CODE[c].label_en for c in shown),
                    ", ".join(STRENGTH_BY_CODE[c].label_fr for c in shown),
                )
            ),
        )
        summary_en, summary_fr = summary_en + more_en, summary_fr + more_fr
    return Assessment(
        body_id=facts.id,
        body_name=facts.name,
        as_of=as_of,
        score=score,
        indicators=tuple(indicators),
        weights=used,
        counts=tuple((s, counts[s]) for s in STATUSES),
        summary_en=summary_en,
        summary_fr=summary_fr,
        charter=dict(config.charter) if config.charter is not None else None,
        rules=rules,
        network_territory=network_territory,
        strengths=strengths,
    )


def rank_bodies(assessments: Iterable[Assessment]) -> tuple[Assessment, ...]:
    """Most urgent first: score desc (unknown last), then more alerts, then body id."""
    return tuple(
        sorted(
            assessments,
            key=lambda a: (
                -(a.score if a.score is not None else -1.0),
                -len(a.alerts),
                a.body_id,
            ),
        )
    )
