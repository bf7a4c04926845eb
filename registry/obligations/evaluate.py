"""Evaluate legal obligations on territories and bodies: plain data in, plain data out.

For each rule in force and each territory of its level (and kind) in the closure:

- the population: the measure the rule asks for (the law counts the *population totale*)
  if the territory carries it, else the other measure, said in ``measure_used`` and in the
  note (communes carry only the *population municipale* in the COG files);
- the requirement: ``mandatory`` (no threshold, the threshold met, or the condition that
  makes it so, e.g. a QPV for a CLSPD), ``optional`` (in the band the law allows),
  ``unknown`` (no population, or a condition the data cannot tell), else the rule does not
  apply and no entry is made;
- the status: ``met`` when an active body of the type exists for the territory on the date
  (on the territory itself, or for a commune or an arrondissement on one of its quartiers or
  arrondissements), else ``missing``, ``optional`` or ``unknown`` after the requirement.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

#: Levels whose bodies may sit on a territory below them (a quartier, an arrondissement).
MUNICIPAL_LEVELS = frozenset({"commune", "arrondissement_municipal"})
SUB_MUNICIPAL_LEVELS = frozenset(
    {"quartier", "arrondissement_municipal", "commune_deleguee", "commune_associee"}
)
#: EPCI kinds whose statute gives them a transport (mobility) or spatial planning competence
#: in every case: CA (CGCT L5216-5), CU (L5215-20), métropoles (L5217-2, L3641-1). A
#: communauté de communes holds spatial planning only for the actions of community interest
#: it defines and transport only if it took it: the registry does not record competences.
PLANNING_BY_STATUTE = frozenset({"ca", "cu", "metropole", "metropole_lyon"})

STATUSES = ("met", "missing", "optional", "unknown")
#: The status of an obligation no body meets, by requirement.
STATUS_WITHOUT_BODY = {"mandatory": "missing", "optional": "optional", "unknown": "unknown"}


@dataclass(frozen=True)
class Rule:
    id: int
    code: str
    body_type: str
    legal_basis: str
    legal_url: str
    level: str
    kind: str
    skip_municipal_arrondissements: bool
    overseas_collectivities: bool
    population_measure: str
    comparator: str
    mandatory_from: int | None
    optional_from: int | None
    condition: str
    note: str
    valid_from: dt.date | None
    valid_until: dt.date | None


@dataclass(frozen=True)
class Place:
    """A territory as the rules see it."""

    id: int
    level: str
    kind: str
    code: str
    name: str
    population: int | None  # municipale
    population_total: int | None
    population_year: int | None
    has_qpv: bool = False
    has_arrondissements: bool = False
    #: The COG's zone: metro, drom, or com (an overseas collectivity).
    zone: str = ""


@dataclass(frozen=True)
class BodyRef:
    id: int
    name: str


@dataclass
class Entry:
    territory: Place
    rule: Rule
    requirement: str
    status: str
    population: int | None
    measure_used: str | None
    threshold: int | None
    bodies: list[BodyRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _figure(place: Place, measure: str) -> tuple[int | None, str | None]:
    """The population the rule asks for, else the other measure; and which one it is."""
    figures = {"total": place.population_total, "municipal": place.population}
    if figures.get(measure) is not None:
        return figures[measure], measure
    other = "municipal" if measure == "total" else "total"
    if figures[other] is not None:
        return figures[other], other
    return None, None


def _reaches(rule: Rule, population: int) -> bool:
    if rule.comparator == "more_than":
        return population > rule.mandatory_from
    return population >= rule.mandatory_from


def _measure_label(measure: str) -> str:
    return {"total": _("population totale"), "municipal": _("population municipale")}[measure]


def requirement_of(rule: Rule, place: Place) -> tuple[str | None, int | None, list[str]]:
    """(mandatory | optional | unknown | None when the rule does not apply, threshold, notes)."""
    notes: list[str] = []
    population, measure = _figure(place, rule.population_measure)
    if measure is not None and measure != rule.population_measure:
        notes.append(
            _(
                "The law counts the %(asked)s; the territory carries only the %(used)s, "
                "used instead (the %(asked)s is a little higher)."
            )
            % {
                "asked": _measure_label(rule.population_measure),
                "used": _measure_label(measure),
            }
        )
    if rule.mandatory_from is None:
        return "mandatory", None, notes
    if population is None:
        notes.append(_("No population is recorded for this territory."))
        return "unknown", rule.mandatory_from, notes
    if _reaches(rule, population):
        if rule.condition == "transport_or_planning" and place.kind not in PLANNING_BY_STATUTE:
            notes.append(
                _(
                    "Mandatory only if the EPCI holds the transport or spatial planning "
                    "competence, which the registry does not record for this kind of EPCI."
                )
            )
            return "unknown", rule.mandatory_from, notes
        return "mandatory", rule.mandatory_from, notes
    if rule.condition == "or_has_qpv" and place.has_qpv:
        notes.append(_("Mandatory because the territory has a priority neighbourhood (QPV)."))
        return "mandatory", rule.mandatory_from, notes
    if rule.optional_from is not None and population >= rule.optional_from:
        return "optional", rule.optional_from, notes
    return None, rule.mandatory_from, notes


def applies(rule: Rule, place: Place) -> bool:
    if place.level != rule.level or (rule.kind and place.kind != rule.kind):
        return False
    if place.zone == "com" and not rule.overseas_collectivities:
        return False
    return not (rule.skip_municipal_arrondissements and place.has_arrondissements)


def evaluate(
    rules: list[Rule], places: list[Place], bodies: dict[tuple[int, str], list[BodyRef]]
) -> list[Entry]:
    """Every applicable obligation of every place; ``bodies`` maps (territory id, body type)
    to the active bodies that serve that territory."""
    entries = []
    for place in places:
        for rule in rules:
            if not applies(rule, place):
                continue
            requirement, threshold, notes = requirement_of(rule, place)
            if requirement is None:
                continue
            population, measure = _figure(place, rule.population_measure)
            found = bodies.get((place.id, rule.body_type), [])
            status = "met" if found else STATUS_WITHOUT_BODY[requirement]
            entries.append(
                Entry(
                    territory=place,
                    rule=rule,
                    requirement=requirement,
                    status=status,
                    population=population,
                    measure_used=measure,
                    threshold=threshold,
                    bodies=sorted(found, key=lambda b: b.id),
                    notes=notes,
                )
            )
    return entries


def summary(entries: list[Entry]) -> dict:
    """Counts by status, overall and per rule."""
    counts = Counter(e.status for e in entries)
    per_rule: dict[int, Counter] = {}
    for e in entries:
        per_rule.setdefault(e.rule.id, Counter())[e.status] += 1
    return {
        "total": len(entries),
        **{s: counts.get(s, 0) for s in STATUSES},
        "by_rule": [
            {"rule": rule_id, **{s: c.get(s, 0) for s in STATUSES}}
            for rule_id, c in sorted(per_rule.items())
        ],
    }
