"""The obligations check as an analysis kind: evaluated by ``registry.obligations``, rendered
here as JSON in the language asked (part of the cache key, so each language is its own answer).
"""

from __future__ import annotations

import orjson
from django.utils import translation
from django.utils.translation import gettext as _

from api.analysis.runner import Request, register
from registry.models import BodyType, TerritoryLevel
from registry.obligations.evaluate import Entry, Rule, summary
from registry.obligations.read import obligations_of

#: Territories listed from the top level down (région first), then by code.
_LEVEL_ORDER = {level: i for i, level in enumerate(TerritoryLevel.values)}


def _rule(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "code": rule.code,
        "body_type": rule.body_type,
        "body_type_label": str(BodyType(rule.body_type).label),
        "legal_basis": rule.legal_basis,
        "legal_url": rule.legal_url,
        "level": rule.level,
        "kind": rule.kind,
        "skip_municipal_arrondissements": rule.skip_municipal_arrondissements,
        "overseas_collectivities": rule.overseas_collectivities,
        "population_measure": rule.population_measure,
        "comparator": rule.comparator,
        "mandatory_from": rule.mandatory_from,
        "optional_from": rule.optional_from,
        "condition": rule.condition,
        # Shipped notes are in the catalogue (registry.obligations.shipped); edited ones
        # are shown as written.
        "note": _(rule.note) if rule.note else "",
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_until": rule.valid_until.isoformat() if rule.valid_until else None,
    }


def _entry(entry: Entry) -> dict:
    place, rule = entry.territory, entry.rule
    population = None
    if entry.population is not None:
        population = {
            "value": entry.population,
            "measure": entry.measure_used,
            "year": place.population_year,
        }
    notes = [*entry.notes, *([_(rule.note)] if rule.note else [])]
    return {
        "territory": {
            "id": place.id,
            "level": place.level,
            "kind": place.kind,
            "code": place.code,
            "name": place.name,
        },
        "rule": rule.id,
        "code": rule.code,
        "body_type": rule.body_type,
        "legal_basis": rule.legal_basis,
        "requirement": entry.requirement,
        "status": entry.status,
        "threshold": entry.threshold,
        "comparator": rule.comparator,
        "measure_asked": rule.population_measure,
        "measure_used": entry.measure_used,
        "population": population,
        "bodies": [{"id": b.id, "name": b.name} for b in entry.bodies],
        "note": " ".join(notes),
    }


def _order(entry: Entry):
    return (_LEVEL_ORDER.get(entry.territory.level, 99), entry.territory.code, entry.rule.code)


@register("obligations")
def obligations(request: Request):
    p = dict(request.params)
    with translation.override(p.get("lang", "en")):
        rules, entries = obligations_of(territory_id=request.territory_id, as_of=request.as_of)
        counts = summary(entries)
        codes = {r.id: r.code for r in rules}
        for row in counts["by_rule"]:
            row["code"] = codes[row["rule"]]
        kept = [
            e
            for e in sorted(entries, key=_order)
            if (not p.get("status") or e.status in p["status"])
            and (not p.get("body_type") or e.rule.body_type in p["body_type"])
        ]
        offset, limit = p.get("offset", 0), p.get("limit", 1000)
        document = {
            "territory_id": request.territory_id,
            "as_of": request.as_of.isoformat(),
            "language": p.get("lang", "en"),
            "summary": counts,
            "rules": [_rule(r) for r in rules],
            "count": len(kept),
            "offset": offset,
            "limit": limit,
            "obligations": [_entry(e) for e in kept[offset : offset + limit]],
        }
    return orjson.dumps(document), "application/json", frozenset()
