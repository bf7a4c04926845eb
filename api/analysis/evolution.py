"""The evolution as analysis kinds: one snapshot per date, cached on its own, and the answer.

``evolution-snapshot`` is internal (no route serves it): the snapshot of a territory on
one date (``graph.evolution.take_snapshot``: the territory's graph as the reader may see
it, and every body's renewal assessment as the ranking makes it), cached by the runner
under (territory, date, seed, reach) and its data version like any answer, so that asking
2020..2026 and then 2022..2026 computes each shared date once. Its payload also records
what it read (``reads``), so the evolution's own version covers every date.

``evolution`` reads (or computes) the snapshot of each date and compares the first with
the last (``graph.evolution.compare``). A background job computes it the same way: every
snapshot lands in the cache on the way.
"""

from __future__ import annotations

import datetime as dt

import orjson

from api.analysis import runner
from api.analysis.kinds import JSON, _json, _outside, _restricted, assessments, plain
from api.analysis.runner import Reads, Request, register
from graph import loaders
from graph.evolution import (
    BodyScore,
    IndicatorState,
    compare,
    snapshot_dates,
    snapshot_from_plain,
    take_snapshot,
)
from graph.model import body_node
from graph.positions import Positions
from registry.params import parse_date

SNAPSHOT = "evolution-snapshot"


def snapshot_request(request: Request, day: dt.date) -> Request:
    """The snapshot of ``request``'s territory on ``day``, as the same reader sees it."""
    seed = dict(request.params)["seed"]
    return Request(
        kind=SNAPSHOT,
        territory_id=request.territory_id,
        as_of=day,
        params=(("seed", seed),),
        fmt="json",
        reach=request.reach,
    )


def dates_of(request: Request) -> tuple[dt.date, ...]:
    p = dict(request.params)
    return snapshot_dates(parse_date(p["from"]), parse_date(p["to"]), p["step"])


@register(SNAPSHOT)
def snapshot(request: Request):
    seed = dict(request.params)["seed"]
    assessed = assessments(request)
    # The territory's graph is often one the assessments already built (a body whose
    # network territory it is): the same call with the same seed, so loaded and
    # positioned (PageRank, communities, core numbers) once.
    built = assessed.networks.get(request.territory_id)
    if built is not None:
        graph = built.graph
        positions = Positions(
            pagerank=built.pagerank, communities=built.communities, core=built.core
        )
    else:
        graph = loaders.registry_graph(
            territory_id=request.territory_id,
            as_of=request.as_of,
            reach_territory_id=request.reach,
        )
        positions = None
    scores = [
        BodyScore(
            body=body_node(a.body_id),
            label=a.body_name,
            score=a.score,
            counts=a.counts,
            indicators=tuple(IndicatorState(i.code, i.value, i.status) for i in a.indicators),
        )
        for a in assessed.assessments
    ]
    result = take_snapshot(
        graph,
        as_of=request.as_of,
        seed=seed,
        scores=scores,
        hidden=_restricted(graph),
        positions=positions,
    )
    read = assessed.reads(request)
    read = Reads(
        outside_actor_ids=read.outside_actor_ids | _outside(graph),
        territory_ids=read.territory_ids,
    )
    document = {
        "snapshot": plain(result),
        "reads": {
            "outside": sorted(read.outside_actor_ids),
            "territories": sorted(read.territory_ids),
        },
    }
    return _json(document), JSON, read


@register("evolution")
def evolution(request: Request):
    p = dict(request.params)
    snapshots = []
    outside: set[int] = set()
    territories: set[int] = set()
    days = dates_of(request)
    for day in days:
        ask = snapshot_request(request, day)
        found = runner.lookup(ask) or runner.compute(ask)
        document = orjson.loads(found.payload)
        snapshots.append(document["snapshot"])
        outside.update(document["reads"]["outside"])
        territories.update(document["reads"]["territories"])
    changes = compare(
        snapshot_from_plain(snapshots[0], as_of=days[0]),
        snapshot_from_plain(snapshots[-1], as_of=days[-1]),
    )
    document = {
        "territory_id": request.territory_id,
        "from": p["from"],
        "to": p["to"],
        "step": p["step"],
        "seed": p["seed"],
        "dates": [s["as_of"] for s in snapshots],
        "snapshots": snapshots,
        "changes": plain(changes),
    }
    reads = Reads(outside_actor_ids=frozenset(outside), territory_ids=frozenset(territories))
    return _json(document), JSON, reads
