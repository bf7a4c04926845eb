"""Renewal indicators of activity: attendance, its trend, meetings, dormancy."""

from __future__ import annotations

import datetime as dt

from graph.model import BodyFacts
from graph.renewal.base import (
    ALERT,
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    OK,
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
    years_before,
)


def _meetings_in(facts: BodyFacts, start: dt.date, as_of: dt.date):
    return sorted((m for m in facts.meetings if start < m.date <= as_of), key=lambda m: m.date)


def attendance(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "attendance"
    meetings = [
        m
        for m in _meetings_in(facts, years_before(as_of, 1), as_of)
        if m.present + m.excused + m.absent
    ]
    if not meetings:
        return unknown_result(
            code,
            config,
            "No attendance was recorded for a meeting of the last 12 months: record who attended.",
            "Aucune présence n'est enregistrée pour une réunion des 12 derniers mois : saisir les présences.",
        )
    present = sum(m.present for m in meetings)
    convened = sum(m.present + m.excused + m.absent for m in meetings)
    rate = present / convened
    messages = {
        ALERT: (
            f"Only {pct_en(rate)} of the members attended the meetings of the last 12 months ({len(meetings)} meeting(s)): ask the absent members whether they will stay, and renew the body.",
            f"Seuls {pct_fr(rate)} des membres ont assisté aux réunions des 12 derniers mois ({len(meetings)} réunion(s)) : demander aux absents s'ils restent et renouveler l'instance.",
        ),
        WATCH: (
            f"Attendance was {pct_en(rate)} over the last 12 months ({len(meetings)} meeting(s)): contact the members who no longer come.",
            f"L'assiduité a été de {pct_fr(rate)} sur les 12 derniers mois ({len(meetings)} réunion(s)) : contacter les membres qui ne viennent plus.",
        ),
        OK: (
            f"Attendance was {pct_en(rate)} over the last 12 months ({len(meetings)} meeting(s)): the members take part.",
            f"L'assiduité a été de {pct_fr(rate)} sur les 12 derniers mois ({len(meetings)} réunion(s)) : les membres participent.",
        ),
    }
    detail = {"meetings": len(meetings), "present": present, "convened": convened}
    return graded(code, rate, config, detail, messages)


def attendance_trend(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "attendance_trend"
    start = years_before(as_of, 3)
    points = [
        (
            (m.date - start).days / DAYS_PER_YEAR,
            100 * m.present / (m.present + m.excused + m.absent),
        )
        for m in _meetings_in(facts, start, as_of)
        if m.present + m.excused + m.absent
    ]
    xs = [x for x, _ in points]
    if len(points) < 3 or len(set(xs)) < 2:
        return unknown_result(
            code,
            config,
            "Fewer than 3 meetings with attendance were recorded over the last 3 years: the trend cannot be measured; record the attendance of each meeting.",
            "Moins de 3 réunions avec présences sont enregistrées sur les 3 dernières années : la tendance ne peut être mesurée ; saisir les présences de chaque réunion.",
            meetings=len(points),
        )
    mx = sum(xs) / len(xs)
    my = sum(y for _, y in points) / len(points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    s_en, s_fr = num_en(slope), num_fr(slope)
    messages = {
        ALERT: (
            f"Attendance is falling by {num_en(-slope)} points a year over the last 3 years: the body is emptying; renew it before it becomes dormant.",
            f"L'assiduité baisse de {num_fr(-slope)} points par an sur les 3 dernières années : l'instance se vide ; la renouveler avant qu'elle ne tombe en sommeil.",
        ),
        WATCH: (
            f"Attendance is falling by {num_en(-slope)} points a year over the last 3 years: ask the members what would bring them back (schedule, agenda, feedback).",
            f"L'assiduité baisse de {num_fr(-slope)} points par an sur les 3 dernières années : demander aux membres ce qui les ferait revenir (horaires, ordre du jour, retours).",
        ),
        OK: (
            f"Attendance changes by {s_en} points a year over the last 3 years: no downward trend.",
            f"L'assiduité évolue de {s_fr} points par an sur les 3 dernières années : pas de tendance à la baisse.",
        ),
    }
    return graded(code, slope, config, {"meetings": len(points)}, messages)


def meetings_per_year(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "meetings_per_year"
    if not facts.meetings:
        return unknown_result(
            code,
            config,
            "No meeting of the body is recorded: enter its meetings to measure its activity.",
            "Aucune réunion de l'instance n'est enregistrée : saisir ses réunions pour mesurer son activité.",
        )
    count = len(_meetings_in(facts, years_before(as_of, 1), as_of))
    messages = {
        ALERT: (
            f"The body met {count} time(s) in the last 12 months: it is barely active; set a calendar of meetings or renew it.",
            f"L'instance s'est réunie {count} fois au cours des 12 derniers mois : elle est à peine active ; fixer un calendrier de réunions ou la renouveler.",
        ),
        WATCH: (
            f"The body met {count} times in the last 12 months: plan more regular meetings.",
            f"L'instance s'est réunie {count} fois au cours des 12 derniers mois : prévoir des réunions plus régulières.",
        ),
        OK: (
            f"The body met {count} times in the last 12 months: it is active.",
            f"L'instance s'est réunie {count} fois au cours des 12 derniers mois : elle est active.",
        ),
    }
    return graded(code, float(count), config, {"meetings": count}, messages)


def dormancy(ctx: Context) -> Indicator:
    facts, as_of, config = ctx.facts, ctx.as_of, ctx.config
    code = "dormancy"
    past = [m.date for m in facts.meetings if m.date <= as_of]
    if not past:
        return unknown_result(
            code,
            config,
            "No meeting of the body is recorded: enter its meetings to know whether it is dormant.",
            "Aucune réunion de l'instance n'est enregistrée : saisir ses réunions pour savoir si elle est en sommeil.",
        )
    last = max(past)
    months = (as_of - last).days / DAYS_PER_MONTH
    m_en, m_fr = num_en(months), num_fr(months)
    l_en, l_fr = date_en(last), date_fr(last)
    messages = {
        ALERT: (
            f"The last meeting was {m_en} months ago ({l_en}): the body is dormant; relaunch it with a renewal of its members.",
            f"La dernière réunion date de {m_fr} mois ({l_fr}) : l'instance est en sommeil ; la relancer en renouvelant ses membres.",
        ),
        WATCH: (
            f"The last meeting was {m_en} months ago ({l_en}): convene the body.",
            f"La dernière réunion date de {m_fr} mois ({l_fr}) : réunir l'instance.",
        ),
        OK: (
            f"The last meeting was {m_en} months ago ({l_en}).",
            f"La dernière réunion date de {m_fr} mois ({l_fr}).",
        ),
    }
    return graded(code, months, config, {"last_meeting": last.isoformat()}, messages)
