"""Renewal indicators of the membership: mandate, vacancy, tenure, terms, turnover."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from graph.model import BodyFacts, MemberFacts
from graph.renewal.base import (
    ALERT,
    NORMAL_END_REASONS,
    OK,
    UNKNOWN,
    WATCH,
    Context,
    Indicator,
    date_en,
    date_fr,
    graded,
    num_en,
    num_fr,
    pct_en,
    pct_fr,
    unknown_result,
)
from graph.renewal.maths import (
    current_actors,
    tenure_years,
    years_before,
)

# --- the indicators ------------------------------------------------------------------------------


def mandate(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "mandate"
    detail: dict[str, Any] = {
        "body_status": facts.status,
        "term_end": facts.term_end.isoformat() if facts.term_end else None,
    }
    if facts.status in ("dormant", "dissolved"):
        value = float((as_of - facts.term_end).days) if facts.term_end else None
        if facts.status == "dormant":
            en = "The body is declared dormant: relaunch it with a renewal of its members, or dissolve it formally."
            fr = "L'instance est déclarée en sommeil : la relancer en renouvelant ses membres, ou la dissoudre formellement."
        else:
            when_en = f" on {date_en(facts.dissolution_date)}" if facts.dissolution_date else ""
            when_fr = f" le {date_fr(facts.dissolution_date)}" if facts.dissolution_date else ""
            en = f"The body was dissolved{when_en}: recreate it if the consultation is still required, otherwise archive it."
            fr = f"L'instance a été dissoute{when_fr} : la recréer si la consultation reste requise, sinon l'archiver."
        return Indicator(code, value, "days", config.limits(code), ALERT, detail, en, fr)
    if facts.term_end is None:
        return unknown_result(
            code,
            config,
            "The end of the current term is not recorded: enter the term dates to follow the renewal.",
            "La fin du mandat en cours n'est pas renseignée : saisir les dates du mandat pour suivre le renouvellement.",
            **detail,
        )
    days = (as_of - facts.term_end).days
    end_en, end_fr = date_en(facts.term_end), date_fr(facts.term_end)
    messages = {
        ALERT: (
            f"The mandate ended {days} days ago ({end_en}) and has not been renewed: organise the renewal (call for candidates or drawing of lots).",
            f"Le mandat a pris fin il y a {days} jours ({end_fr}) sans renouvellement : organiser le renouvellement (appel à candidatures ou tirage au sort).",
        ),
        WATCH: (
            f"The mandate ends in {-days} days ({end_en}): prepare the renewal now (call for candidates or drawing of lots).",
            f"Le mandat prend fin dans {-days} jours ({end_fr}) : préparer dès maintenant le renouvellement (appel à candidatures ou tirage au sort).",
        ),
        OK: (
            f"The mandate runs until {end_en} ({-days} days left): nothing to do yet.",
            f"Le mandat court jusqu'au {end_fr} (encore {-days} jours) : rien à faire pour l'instant.",
        ),
    }
    return graded(code, float(days), config, detail, messages)


def _seats_of(facts: BodyFacts) -> int | None:
    if facts.seats:
        return facts.seats
    if facts.colleges and all(c.seats for c in facts.colleges):
        return sum(c.seats or 0 for c in facts.colleges)
    return None


def vacancy(ctx: Context) -> Indicator:
    facts, current, config = ctx.facts, ctx.current, ctx.config
    code = "vacancy"
    seats = _seats_of(facts)
    if not seats:
        return unknown_result(
            code,
            config,
            "The number of seats is not recorded: enter it (body or colleges) to measure vacancies.",
            "Le nombre de sièges n'est pas renseigné : le saisir (instance ou collèges) pour mesurer les vacances.",
        )
    filled = len(current)
    rate = max(0.0, (seats - filled) / seats)
    colleges = []
    worst_college = OK
    for college in facts.colleges:
        members = len({a for a, m in current.items() if m.college_id == college.id})
        c_rate = max(0.0, (college.seats - members) / college.seats) if college.seats else None
        c_status = config.grade(code, c_rate) if c_rate is not None else UNKNOWN
        if c_status == ALERT:
            worst_college = ALERT
        colleges.append(
            {
                "id": college.id,
                "name": college.name,
                "seats": college.seats,
                "members": members,
                "vacancy": c_rate,
                "status": c_status,
            }
        )
    status = config.grade(code, rate)
    if status == OK and worst_college == ALERT:
        status = WATCH  # one college badly under-filled is worth a look
    short = [c["name"] for c in colleges if c["status"] == ALERT]
    coll_en = f" Colleges most affected: {', '.join(short)}." if short else ""
    coll_fr = f" Collèges les plus touchés : {', '.join(short)}." if short else ""
    vacant = max(0, seats - filled)
    messages = {
        ALERT: (
            f"{vacant} of {seats} seats are vacant ({pct_en(rate)}): fill them (call for candidates, drawing of lots) or renew the body.{coll_en}",
            f"{vacant} sièges sur {seats} sont vacants ({pct_fr(rate)}) : les pourvoir (appel à candidatures, tirage au sort) ou renouveler l'instance.{coll_fr}",
        ),
        WATCH: (
            f"{vacant} of {seats} seats are vacant ({pct_en(rate)}): plan a partial renewal to fill them.{coll_en}",
            f"{vacant} sièges sur {seats} sont vacants ({pct_fr(rate)}) : prévoir un renouvellement partiel pour les pourvoir.{coll_fr}",
        ),
        OK: (
            f"{filled} members for {seats} seats ({pct_en(rate)} vacant): the body is filled.",
            f"{filled} membres pour {seats} sièges ({pct_fr(rate)} vacants) : l'instance est pourvue.",
        ),
    }
    detail = {"seats": seats, "members": filled, "colleges": colleges}
    return graded(code, rate, config, detail, messages, status=status)


def _tenures(facts: BodyFacts, current: dict[int, MemberFacts], as_of: dt.date) -> list[float]:
    return [
        tenure_years((m for m in facts.members if m.actor_id == actor), as_of) for actor in current
    ]


def tenure_median(ctx: Context) -> Indicator:
    facts, current, as_of, config = ctx.facts, ctx.current, ctx.as_of, ctx.config
    code = "tenure_median"
    if not current:
        return unknown_result(
            code,
            config,
            "No current member is recorded: the tenure cannot be measured; record the memberships.",
            "Aucun membre en cours n'est enregistré : l'ancienneté ne peut être mesurée ; saisir les adhésions.",
        )
    median = statistics.median(_tenures(facts, current, as_of))
    y_en, y_fr = num_en(median), num_fr(median)
    messages = {
        ALERT: (
            f"Half of the members have sat for {y_en} years or more: renew the membership and cap the number of consecutive terms.",
            f"La moitié des membres siègent depuis {y_fr} ans ou plus : renouveler la composition et limiter le nombre de mandats consécutifs.",
        ),
        WATCH: (
            f"The median tenure is {y_en} years: bring in new members at the next renewal.",
            f"L'ancienneté médiane est de {y_fr} ans : faire entrer de nouveaux membres au prochain renouvellement.",
        ),
        OK: (
            f"The median tenure is {y_en} years: the membership renews itself.",
            f"L'ancienneté médiane est de {y_fr} ans : la composition se renouvelle.",
        ),
    }
    return graded(code, median, config, {"members": len(current)}, messages)


def beyond_two_terms(ctx: Context) -> Indicator:
    facts, current, as_of, config = ctx.facts, ctx.current, ctx.as_of, ctx.config
    code = "beyond_two_terms"
    if not current:
        return unknown_result(
            code,
            config,
            "No current member is recorded: the terms served cannot be counted; record the memberships.",
            "Aucun membre en cours n'est enregistré : les mandats effectués ne peuvent être comptés ; saisir les adhésions.",
        )
    assumed = facts.mandate_years is None
    mandate = ctx.rules["mandate_years"]
    tenures = _tenures(facts, current, as_of)
    beyond = sum(1 for t in tenures if t > 2 * mandate)
    share = beyond / len(tenures)
    note_en = (
        f" (assuming a {mandate}-year mandate: the body's mandate length is not recorded)"
        if assumed
        else ""
    )
    note_fr = (
        f" (mandat supposé de {mandate} ans : la durée du mandat de l'instance n'est pas renseignée)"
        if assumed
        else ""
    )
    messages = {
        ALERT: (
            f"{beyond} of {len(tenures)} members ({pct_en(share)}) have sat for more than two terms of {mandate} years{note_en}: renew them in priority and cap consecutive terms.",
            f"{beyond} membre(s) sur {len(tenures)} ({pct_fr(share)}) siègent depuis plus de deux mandats de {mandate} ans{note_fr} : les renouveler en priorité et limiter les mandats consécutifs.",
        ),
        WATCH: (
            f"{beyond} of {len(tenures)} members ({pct_en(share)}) have sat for more than two terms of {mandate} years{note_en}: open their seats at the next renewal.",
            f"{beyond} membre(s) sur {len(tenures)} ({pct_fr(share)}) siègent depuis plus de deux mandats de {mandate} ans{note_fr} : ouvrir leurs sièges au prochain renouvellement.",
        ),
        OK: (
            f"{beyond} of {len(tenures)} members ({pct_en(share)}) have sat for more than two terms of {mandate} years{note_en}: no action needed.",
            f"{beyond} membre(s) sur {len(tenures)} ({pct_fr(share)}) siègent depuis plus de deux mandats de {mandate} ans{note_fr} : aucune action nécessaire.",
        ),
    }
    detail = {
        "members": len(tenures),
        "beyond": beyond,
        "mandate_years": mandate,
        "mandate_assumed": assumed,
    }
    return graded(code, share, config, detail, messages)


def turnover(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "turnover"
    start = years_before(as_of, 1)
    head_start = len(current_actors(facts, start))
    head_end = len(current_actors(facts, as_of))
    average = (head_start + head_end) / 2
    if average == 0:
        return unknown_result(
            code,
            config,
            "No member was recorded over the last 12 months: the turnover cannot be measured; record the memberships.",
            "Aucun membre n'est enregistré sur les 12 derniers mois : la rotation ne peut être mesurée ; saisir les adhésions.",
        )
    still = set(current_actors(facts, as_of))
    reasons: Counter[str] = Counter()
    left: set[int] = set()
    for m in sorted(facts.members, key=lambda m: (m.actor_id, m.start)):
        if m.end and start < m.end <= as_of and m.actor_id not in still and m.actor_id not in left:
            left.add(m.actor_id)
            reasons[m.end_reason or "unknown"] += 1
    departures = sum(n for r, n in reasons.items() if r not in NORMAL_END_REASONS)
    rate = departures / average
    messages = {
        ALERT: (
            f"{departures} members left before the end of their term in the last 12 months ({pct_en(rate)} of the average headcount): find out why and fill the seats.",
            f"{departures} membres sont partis avant la fin de leur mandat au cours des 12 derniers mois ({pct_fr(rate)} de l'effectif moyen) : en comprendre les raisons et pourvoir les sièges.",
        ),
        WATCH: (
            f"{departures} members left before the end of their term in the last 12 months ({pct_en(rate)} of the average headcount): watch the departures and plan to replace them.",
            f"{departures} membres sont partis avant la fin de leur mandat au cours des 12 derniers mois ({pct_fr(rate)} de l'effectif moyen) : suivre les départs et prévoir leur remplacement.",
        ),
        OK: (
            f"{departures} early departures in the last 12 months ({pct_en(rate)} of the average headcount): the membership is stable.",
            f"{departures} départs anticipés au cours des 12 derniers mois ({pct_fr(rate)} de l'effectif moyen) : la composition est stable.",
        ),
    }
    detail = {
        "departures": departures,
        "left_by_reason": dict(sorted(reasons.items())),
        "headcount_start": head_start,
        "headcount_end": head_end,
        "average_headcount": average,
    }
    return graded(code, rate, config, detail, messages)
