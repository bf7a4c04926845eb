"""The participation charters that govern each body, as renewal layers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from graph.renewal import Layer
from registry.models import (
    Body,
    Charter,
    TerritoryClosure,
    TerritoryLevel,
)

#: Territory level -> its rank, to order charters of territories equally near a body.
_LEVEL_ORDER = {level: rank for rank, level in enumerate(TerritoryLevel.values)}


def _charter_layer(charter: Charter) -> Layer:
    return Layer(
        source={
            "kind": "charter",
            "id": charter.pk,
            "name": charter.name,
            "territory_id": charter.territory_id,
            "body_type": charter.body_type or None,
            "adopted_by": charter.adopted_by,
            "url": charter.source_url,
        },
        thresholds=charter.thresholds,
        weights=charter.weights,
        rules=charter.rules(),
    )


def charter_layers(body_ids, as_of: dt.date) -> dict[int, list[Layer]]:
    """The charters that govern each body on ``as_of``, the one that wins first.

    A charter governs a body when it is in force on ``as_of`` and its territory is
    the body's or one the body's territory lies in (the closure, both hierarchies),
    and it is for the body's type or for every type. Order: charters for the body's
    type before those for every type; within each, the nearest territory first
    (closure depth), then the level order (``TerritoryLevel``), then the charter id.
    Three queries whatever the number of bodies; every body id given is a key.
    """
    bodies = list(
        Body.objects.filter(id__in=list(body_ids)).values_list("id", "territory_id", "body_type")
    )
    depths: dict[int, dict[int, int]] = defaultdict(dict)
    for descendant, ancestor, depth in TerritoryClosure.objects.filter(
        descendant_id__in={t for _b, t, _k in bodies}
    ).values_list("descendant_id", "ancestor_id", "depth"):
        depths[descendant][ancestor] = depth
    ancestors = {a for found in depths.values() for a in found}
    charters = list(
        Charter.objects.valid_on(as_of)
        .filter(territory_id__in=ancestors)
        .select_related("territory")
        .order_by("id")
    )
    layers: dict[int, list[Layer]] = {int(pk): [] for pk in body_ids}
    for body_id, territory_id, body_type in bodies:
        near = depths[territory_id]
        applicable = [
            c for c in charters if c.territory_id in near and c.body_type in ("", body_type)
        ]
        applicable.sort(
            key=lambda c: (
                c.body_type != body_type,
                near[c.territory_id],
                _LEVEL_ORDER.get(c.territory.level, len(_LEVEL_ORDER)),
                c.pk,
            )
        )
        layers[body_id] = [_charter_layer(c) for c in applicable]
    return layers
