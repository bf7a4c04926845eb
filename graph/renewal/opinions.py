"""Renewal indicators of the opinions: issued, answered, adopted, response delay."""

from __future__ import annotations

import datetime as dt
import statistics

from graph.model import BodyFacts
from graph.renewal.base import (
    ALERT,
    OK,
    WATCH,
    Context,
    Indicator,
    graded,
    num_en,
    num_fr,
    pct_en,
    pct_fr,
    unknown_result,
)
from graph.renewal.maths import (
    years_before,
)

#: Days an authority has to answer before an unanswered opinion counts against it.
ANSWER_GRACE_DAYS = 90


def _recent_opinions(facts: BodyFacts, as_of: dt.date):
    return sorted(
        (o for o in facts.opinions if years_before(as_of, 2) < o.date <= as_of),
        key=lambda o: o.date,
    )


def _answered(opinion, as_of: dt.date) -> bool:
    """An answer counts once recorded on or before ``as_of`` ("no_response" is not one)."""
    if opinion.response_outcome == "no_response":
        return False
    if opinion.response_date is not None:
        return opinion.response_date <= as_of
    return opinion.response_outcome != ""


def opinions_issued(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "opinions_issued"
    if not facts.opinions:
        return unknown_result(
            code,
            config,
            "No opinion of the body is recorded: enter its opinions (or confirm it gives none) to measure its output.",
            "Aucun avis de l'instance n'est enregistré : saisir ses avis (ou confirmer qu'elle n'en rend pas) pour mesurer sa production.",
        )
    count = len(_recent_opinions(facts, as_of))
    messages = {
        ALERT: (
            f"{count} opinion(s) issued in the last 24 months: refer questions to the body, or let it take up subjects itself.",
            f"{count} avis rendu(s) au cours des 24 derniers mois : saisir l'instance de questions, ou lui permettre de s'autosaisir.",
        ),
        WATCH: (
            f"Only {count} opinion(s) issued in the last 24 months: refer more questions to the body.",
            f"Seulement {count} avis rendu(s) au cours des 24 derniers mois : saisir davantage l'instance.",
        ),
        OK: (
            f"{count} opinions were issued in the last 24 months.",
            f"{count} avis ont été rendus au cours des 24 derniers mois.",
        ),
    }
    return graded(code, float(count), config, {"opinions": count}, messages)


def opinions_answered(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "opinions_answered"
    recent = _recent_opinions(facts, as_of)
    if not recent:
        return unknown_result(
            code,
            config,
            "No opinion was recorded in the last 24 months: the share answered cannot be measured.",
            "Aucun avis n'est enregistré sur les 24 derniers mois : la part des avis ayant reçu une réponse ne peut être mesurée.",
        )
    # An opinion younger than the grace period and still unanswered is not late yet.
    due = [o for o in recent if _answered(o, as_of) or (as_of - o.date).days > ANSWER_GRACE_DAYS]
    pending = len(recent) - len(due)
    if not due:
        return unknown_result(
            code,
            config,
            f"The {pending} opinion(s) of the last 24 months are less than {ANSWER_GRACE_DAYS} days old and still await an answer: too early to judge.",
            f"Les {pending} avis des 24 derniers mois ont moins de {ANSWER_GRACE_DAYS} jours et attendent encore une réponse : trop tôt pour juger.",
            opinions=len(recent),
            pending=pending,
        )
    recent = due
    answered = sum(1 for o in recent if _answered(o, as_of))
    share = answered / len(recent)
    messages = {
        ALERT: (
            f"Only {answered} of the {len(recent)} opinions of the last 24 months got an answer ({pct_en(share)}): the authority must answer each opinion, or members will stop giving them.",
            f"Seuls {answered} des {len(recent)} avis des 24 derniers mois ont reçu une réponse ({pct_fr(share)}) : l'autorité doit répondre à chaque avis, sans quoi les membres cesseront d'en rendre.",
        ),
        WATCH: (
            f"{answered} of the {len(recent)} opinions of the last 24 months got an answer ({pct_en(share)}): set up a systematic written answer.",
            f"{answered} des {len(recent)} avis des 24 derniers mois ont reçu une réponse ({pct_fr(share)}) : mettre en place une réponse écrite systématique.",
        ),
        OK: (
            f"{answered} of the {len(recent)} opinions of the last 24 months got an answer ({pct_en(share)}).",
            f"{answered} des {len(recent)} avis des 24 derniers mois ont reçu une réponse ({pct_fr(share)}).",
        ),
    }
    return graded(
        code,
        share,
        config,
        {"opinions": len(recent), "answered": answered, "pending": pending},
        messages,
    )


def opinions_adopted(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "opinions_adopted"
    answered = [o for o in _recent_opinions(facts, as_of) if _answered(o, as_of)]
    if not answered:
        return unknown_result(
            code,
            config,
            "No answered opinion in the last 24 months: the share adopted cannot be measured; record the authority's answers.",
            "Aucun avis n'a reçu de réponse au cours des 24 derniers mois : la part des avis suivis ne peut être mesurée ; saisir les réponses de l'autorité.",
        )
    adopted = sum(1 for o in answered if o.response_outcome in ("adopted", "partially_adopted"))
    share = adopted / len(answered)
    messages = {
        ALERT: (
            f"Only {adopted} of the {len(answered)} answered opinions were adopted, even partly ({pct_en(share)}): review with the authority how the opinions feed its decisions.",
            f"Seuls {adopted} des {len(answered)} avis ayant reçu une réponse ont été suivis, même partiellement ({pct_fr(share)}) : revoir avec l'autorité comment les avis nourrissent ses décisions.",
        ),
        WATCH: (
            f"{adopted} of the {len(answered)} answered opinions were adopted, even partly ({pct_en(share)}): refer the body earlier, while decisions are still open.",
            f"{adopted} des {len(answered)} avis ayant reçu une réponse ont été suivis, même partiellement ({pct_fr(share)}) : saisir l'instance plus tôt, quand la décision est encore ouverte.",
        ),
        OK: (
            f"{adopted} of the {len(answered)} answered opinions were adopted, even partly ({pct_en(share)}).",
            f"{adopted} des {len(answered)} avis ayant reçu une réponse ont été suivis, même partiellement ({pct_fr(share)}).",
        ),
    }
    return graded(code, share, config, {"answered": len(answered), "adopted": adopted}, messages)


def response_delay(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "response_delay"
    delays = [
        (o.response_date - o.date).days
        for o in _recent_opinions(facts, as_of)
        if o.response_date is not None and _answered(o, as_of)
    ]
    if not delays:
        return unknown_result(
            code,
            config,
            "No dated answer to an opinion of the last 24 months: record the dates of the authority's answers.",
            "Aucune réponse datée à un avis des 24 derniers mois : saisir les dates des réponses de l'autorité.",
        )
    median = float(statistics.median(delays))
    d_en, d_fr = num_en(median, 0), num_fr(median, 0)
    messages = {
        ALERT: (
            f"The authority answers opinions after {d_en} days (median): agree on an answer deadline, the answer now comes after the decision.",
            f"L'autorité répond aux avis en {d_fr} jours (médiane) : convenir d'un délai de réponse, la réponse arrive aujourd'hui après la décision.",
        ),
        WATCH: (
            f"The authority answers opinions after {d_en} days (median): ask for a faster answer.",
            f"L'autorité répond aux avis en {d_fr} jours (médiane) : demander une réponse plus rapide.",
        ),
        OK: (
            f"The authority answers opinions after {d_en} days (median).",
            f"L'autorité répond aux avis en {d_fr} jours (médiane).",
        ),
    }
    return graded(code, median, config, {"answers": len(delays)}, messages)
