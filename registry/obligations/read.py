"""The reads behind an obligations check: five queries whatever the territory's size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Max
from django.db.models.fields.json import KeyTextTransform

from registry.models import Body, BodyStatus, ChangeRecord, LegalObligation, Territory
from registry.models.territory import TerritoryClosure
from registry.obligations.evaluate import (
    MUNICIPAL_LEVELS,
    SUB_MUNICIPAL_LEVELS,
    BodyRef,
    Entry,
    Place,
    Rule,
    evaluate,
)

_RULE_FIELDS = tuple(f.name for f in Rule.__dataclass_fields__.values())


def rules_on(as_of: dt.date) -> list[Rule]:
    """The rules in force on ``as_of``."""
    rows = LegalObligation.objects.valid_on(as_of).order_by("code", "valid_from", "id")
    return [Rule(**row) for row in rows.values(*_RULE_FIELDS)]


def rules_version() -> str:
    """Moves with every recorded change to the rules (part of an answer's cache key)."""
    found = ChangeRecord.objects.filter(model="registry.legalobligation").aggregate(
        i=Max("id"), s=Max("commit_seq")
    )
    return f"{found['s'] or 0}:{found['i'] or 0}"


def _territories(territory_id: int | None):
    """The closure of ``territory_id``; every territory when None (a national count)."""
    if territory_id is None:
        return Territory.objects.all()
    return Territory.objects.within(territory_id)


def places_within(territory_id: int | None, as_of: dt.date, levels: set[str]) -> list[Place]:
    """The territories of the closure of ``territory_id`` at ``levels`` that exist on
    ``as_of``, with whether each has a QPV and arrondissements municipaux below it."""
    rows = list(
        _territories(territory_id)
        .valid_on(as_of)
        .filter(level__in=levels)
        .order_by("level", "code")
        .values(
            "id",
            "level",
            "kind",
            "code",
            "name",
            "population",
            "population_total",
            "population_year",
            zone=KeyTextTransform("zone", "extra"),
        )
    )
    below = defaultdict(set)
    if any(r["level"] in MUNICIPAL_LEVELS for r in rows):
        # A subquery, not a list of ids: a national count has 35,000 communes.
        communes = (
            _territories(territory_id)
            .valid_on(as_of)
            .filter(level__in=MUNICIPAL_LEVELS & set(levels))
            .values("id")
        )
        links = (
            TerritoryClosure.objects.filter(
                ancestor_id__in=communes,
                depth__gt=0,
                descendant__level__in=("quartier", "arrondissement_municipal"),
            )
            .filter(descendant__in=Territory.objects.valid_on(as_of))
            .values_list("ancestor_id", "descendant__level", "descendant__kind")
        )
        for ancestor, level, kind in links:
            below[ancestor].add("qpv" if level == "quartier" and kind == "qpv" else level)
    return [
        Place(
            **{**r, "zone": r["zone"] or ""},
            has_qpv="qpv" in below[r["id"]],
            has_arrondissements="arrondissement_municipal" in below[r["id"]],
        )
        for r in rows
    ]


def bodies_serving(
    territory_id: int | None, as_of: dt.date, places: list[Place], body_types: set[str]
) -> dict[tuple[int, str], list[BodyRef]]:
    """(place id, body type) -> the active bodies serving that place on ``as_of``.

    A body serves the territory it is attached to; a commune's or an arrondissement's
    also the bodies attached to its quartiers, arrondissements and communes déléguées.
    Only bodies within ``territory_id`` are read (so within the reader's reach).
    """
    wanted = {p.id for p in places}
    municipal = {p.id for p in places if p.level in MUNICIPAL_LEVELS}
    rows = list(
        Body.objects.active_on(as_of)
        .filter(
            status=BodyStatus.ACTIVE,
            body_type__in=body_types,
            territory_id__in=_territories(territory_id).values("id"),
        )
        .values_list("id", "name", "body_type", "territory_id", "territory__level")
    )
    sub = {t for _i, _n, _b, t, level in rows if level in SUB_MUNICIPAL_LEVELS}
    ancestors = defaultdict(set)
    if sub and municipal:
        for ancestor, descendant in TerritoryClosure.objects.filter(
            descendant_id__in=sub, depth__gt=0
        ).values_list("ancestor_id", "descendant_id"):
            if ancestor in municipal:
                ancestors[descendant].add(ancestor)
    found: dict[tuple[int, str], list[BodyRef]] = defaultdict(list)
    for pk, name, body_type, territory, _level in rows:
        ref = BodyRef(pk, name)
        for place in ({territory} & wanted) | ancestors.get(territory, set()):
            found[(place, body_type)].append(ref)
    return dict(found)


def obligations_of(*, territory_id: int | None, as_of: dt.date) -> tuple[list[Rule], list[Entry]]:
    """The rules in force and every applicable obligation of the territory and below
    (``None``: of every territory, e.g. to count a whole COG vintage)."""
    rules = rules_on(as_of)
    if not rules:
        return rules, []
    places = places_within(territory_id, as_of, {r.level for r in rules})
    bodies = bodies_serving(territory_id, as_of, places, {r.body_type for r in rules})
    return rules, evaluate(rules, places, bodies)
