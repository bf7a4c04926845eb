"""Stakeholder maps: the Mendelow power/interest grid and Mitchell-Agle-Wood salience.

These are the two grids facilitators already use on paper; computing them
from the registry keeps them consistent across bodies and over time. The
attributes are declared by whoever fills in the registry (0-5). Power is the
one most often left blank, and the network says something about it: when it
is not declared, the actor's PageRank percentile among the graph's actors
stands in (and ``power_source`` says so, so that a reader can tell a
judgement from an inference). Interest, legitimacy and urgency are never
inferred: they are about intentions that a graph does not show.

What is not known is said so, never guessed: an actor whose power or interest
is unknown has the quadrant ``unknown``, and one whose power, legitimacy or
urgency is unknown has the salience class ``unknown`` (each of the eight
classes is one combination of the three, so one unknown attribute leaves two
or more classes possible; counting it as absent classed 316 of Paris's 406
actors "non-stakeholder", which nobody had said). ``missing`` lists what was
not declared.

Pure module: the PageRank comes in as a mapping (computed by
``graph.influence`` or anything else); returns frozen dataclasses sorted by
``node_order``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from graph.model import node_order

__all__ = [
    "ATTRIBUTES",
    "POWER_SOURCES",
    "QUADRANTS",
    "QUADRANT_LABELS",
    "SALIENCE_CLASSES",
    "SALIENCE_LABELS",
    "StakeholderEntry",
    "StakeholderGrid",
    "network_power",
    "quadrant",
    "salience",
    "stakeholder_grid",
]

#: The declared 0-5 attributes of an actor, in the order ``missing`` lists them.
ATTRIBUTES: tuple[str, ...] = ("power", "interest", "legitimacy", "urgency")

#: Where an entry's power comes from: declared, inferred from the network, or nowhere.
POWER_SOURCES: tuple[str, ...] = ("declared", "network", "unknown")

#: Mendelow quadrant codes, in display order ("unknown" when interest or power is unknown).
QUADRANTS: tuple[str, ...] = (
    "manage_closely",
    "keep_satisfied",
    "keep_informed",
    "monitor",
    "unknown",
)

#: Mitchell-Agle-Wood salience classes, from most to least salient, then "unknown"
#: (power, legitimacy or urgency unknown).
SALIENCE_CLASSES: tuple[str, ...] = (
    "definitive",
    "dominant",
    "dangerous",
    "dependent",
    "dormant",
    "discretionary",
    "demanding",
    "non_stakeholder",
    "unknown",
)

#: Labels of the quadrants by language ("en", "fr"), then code.
QUADRANT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "manage_closely": "Manage closely",
        "keep_satisfied": "Keep satisfied",
        "keep_informed": "Keep informed",
        "monitor": "Monitor",
        "unknown": "Unknown",
    },
    "fr": {
        "manage_closely": "Gérer de près",
        "keep_satisfied": "Satisfaire",
        "keep_informed": "Tenir informé",
        "monitor": "Surveiller",
        "unknown": "Inconnu",
    },
}

#: Labels of the salience classes by language ("en", "fr"), then code.
SALIENCE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "definitive": "Definitive",
        "dominant": "Dominant",
        "dangerous": "Dangerous",
        "dependent": "Dependent",
        "dormant": "Dormant",
        "discretionary": "Discretionary",
        "demanding": "Demanding",
        "non_stakeholder": "Non-stakeholder",
        "unknown": "Unknown",
    },
    "fr": {
        "definitive": "Définitive",
        "dominant": "Dominante",
        "dangerous": "Dangereuse",
        "dependent": "Dépendante",
        "dormant": "Latente",
        "discretionary": "Discrétionnaire",
        "demanding": "Exigeante",
        "non_stakeholder": "Non partie prenante",
        "unknown": "Inconnue",
    },
}

# (power, legitimacy, urgency) present -> class
_SALIENCE: dict[tuple[bool, bool, bool], str] = {
    (False, False, False): "non_stakeholder",
    (True, False, False): "dormant",
    (False, True, False): "discretionary",
    (False, False, True): "demanding",
    (True, True, False): "dominant",
    (True, False, True): "dangerous",
    (False, True, True): "dependent",
    (True, True, True): "definitive",
}

#: PageRank values equal to this many decimals are ties (power iteration leaves
#: noise around 1e-17 between nodes that are in fact symmetric).
_TIE_DECIMALS = 12


@dataclass(frozen=True)
class StakeholderEntry:
    node: str
    label: str
    category: str
    #: Declared power, or 5 x PageRank percentile when not declared, or None.
    power: float | None
    power_source: str  # one of POWER_SOURCES
    interest: float | None
    legitimacy: float | None
    urgency: float | None
    quadrant: str  # one of QUADRANTS
    salience: str  # one of SALIENCE_CLASSES
    #: The attributes that were neither declared nor inferred (in ATTRIBUTES
    #: order): they make the quadrant or the salience class "unknown".
    missing: tuple[str, ...]


@dataclass(frozen=True)
class StakeholderGrid:
    as_of: dt.date
    threshold: float
    #: One entry per actor of the graph, in ``node_order``.
    entries: tuple[StakeholderEntry, ...]
    #: (quadrant, count) for every code of QUADRANTS, in that order, zeros included.
    quadrant_counts: tuple[tuple[str, int], ...]
    #: (class, count) for every code of SALIENCE_CLASSES, in that order, zeros included.
    salience_counts: tuple[tuple[str, int], ...]


def quadrant(power: float | None, interest: float | None, *, threshold: float = 3) -> str:
    """Mendelow's quadrant; "unknown" when either coordinate is unknown.

    A missing coordinate is not a low one: placing an actor we know nothing
    about in "monitor" would hide it.
    """
    if power is None or interest is None:
        return "unknown"
    high_power, high_interest = power >= threshold, interest >= threshold
    if high_power:
        return "manage_closely" if high_interest else "keep_satisfied"
    return "keep_informed" if high_interest else "monitor"


def salience(
    power: float | None,
    legitimacy: float | None,
    urgency: float | None,
    *,
    threshold: float = 3,
) -> str:
    """Mitchell, Agle and Wood's class from the attributes present (>= threshold);
    "unknown" when any of the three is unknown.

    As in the grid, a missing attribute is not an absent one: with power
    present and urgency unknown the actor may be dormant or dangerous, and
    calling it either (or a non-stakeholder when nothing was declared) would
    state what nobody recorded.
    """
    if power is None or legitimacy is None or urgency is None:
        return "unknown"
    return _SALIENCE[(power >= threshold, legitimacy >= threshold, urgency >= threshold)]


def network_power(graph: nx.MultiGraph, pagerank: Mapping[str, float]) -> dict[str, float]:
    """5 x the percentile rank of each actor's PageRank among the graph's actors.

    The percentile is ``(rank - 1) / (n - 1)`` with ranks from 1 (lowest
    PageRank) to n and tied actors sharing their average rank, so the most
    central actor gets 5, the least central 0, and a tie (or a single actor)
    sits where its average rank falls (0.5 x 5 when everybody ties). A
    percentile rather than the raw score because PageRank values shrink as
    the graph grows while the declared scale does not. Actors without a
    PageRank are left out (their power stays unknown).
    """
    scores = {
        n: round(float(pagerank[n]), _TIE_DECIMALS)
        for n in sorted(graph.nodes, key=node_order)
        if _is_actor(graph, n) and n in pagerank
    }
    n = len(scores)
    if n == 0:
        return {}
    if n == 1:
        return dict.fromkeys(scores, 2.5)
    ordered = sorted(scores.values())
    average_rank: dict[float, float] = {}
    start = 0
    while start < n:
        end = start
        while end + 1 < n and ordered[end + 1] == ordered[start]:
            end += 1
        # positions start..end (0-based) are ranks start+1..end+1
        average_rank[ordered[start]] = (start + end) / 2 + 1
        start = end + 1
    return {node: 5 * (average_rank[score] - 1) / (n - 1) for node, score in scores.items()}


def _is_actor(graph: nx.MultiGraph, node: str) -> bool:
    kind = graph.nodes[node].get("kind")
    return kind == "actor" if kind else node.startswith("a")


def stakeholder_grid(
    graph: nx.MultiGraph,
    *,
    as_of: dt.date,
    pagerank: Mapping[str, float],
    threshold: float = 3,
) -> StakeholderGrid:
    """The Mendelow quadrant and the salience class of every actor, with counts.

    ``threshold`` is where "high" (grid) and "present" (salience) start on the
    0-5 scale. Declared power always wins over the network's.
    """
    inferred = network_power(graph, pagerank)
    entries = []
    for node in sorted(graph.nodes, key=node_order):
        if not _is_actor(graph, node):
            continue
        data = graph.nodes[node]
        power = data.get("power")
        if power is not None:
            power_source = "declared"
        elif node in inferred:
            power, power_source = inferred[node], "network"
        else:
            power_source = "unknown"
        interest = data.get("interest")
        legitimacy = data.get("legitimacy")
        urgency = data.get("urgency")
        values = {
            "power": power,
            "interest": interest,
            "legitimacy": legitimacy,
            "urgency": urgency,
        }
        entries.append(
            StakeholderEntry(
                node=node,
                label=data.get("label", ""),
                category=data.get("category", ""),
                power=power,
                power_source=power_source,
                interest=interest,
                legitimacy=legitimacy,
                urgency=urgency,
                quadrant=quadrant(power, interest, threshold=threshold),
                salience=salience(power, legitimacy, urgency, threshold=threshold),
                missing=tuple(name for name, value in values.items() if value is None),
            )
        )
    return StakeholderGrid(
        as_of=as_of,
        threshold=threshold,
        entries=tuple(entries),
        quadrant_counts=tuple((q, sum(e.quadrant == q for e in entries)) for q in QUADRANTS),
        salience_counts=tuple((c, sum(e.salience == c for e in entries)) for c in SALIENCE_CLASSES),
    )
