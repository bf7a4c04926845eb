"""graph.stakeholders: Mendelow quadrants and salience classes, checked by hand."""

import datetime as dt

import networkx as nx
import pytest

from graph.stakeholders import (
    QUADRANT_LABELS,
    QUADRANTS,
    SALIENCE_CLASSES,
    SALIENCE_LABELS,
    network_power,
    quadrant,
    salience,
    stakeholder_grid,
)

AS_OF = dt.date(2026, 1, 1)


def actor(g, n, power=None, interest=None, legitimacy=None, urgency=None, category="resident"):
    g.add_node(
        n,
        kind="actor",
        label=n.upper(),
        category=category,
        power=power,
        interest=interest,
        legitimacy=legitimacy,
        urgency=urgency,
    )


def by_node(grid):
    return {e.node: e for e in grid.entries}


def test_four_quadrants_and_unknown():
    g = nx.MultiGraph()
    actor(g, "a1", power=4, interest=4)  # high, high
    actor(g, "a2", power=5, interest=1)  # high, low
    actor(g, "a3", power=1, interest=3)  # low, high (3 is high: >= threshold)
    actor(g, "a4", power=2.9, interest=2)  # low, low (2.9 is below 3)
    actor(g, "a5", power=5, interest=None)  # interest missing
    g.add_node("b1", kind="body", label="B1")  # bodies are not stakeholders here
    grid = stakeholder_grid(g, as_of=AS_OF, pagerank={})
    entries = by_node(grid)
    assert [e.node for e in grid.entries] == ["a1", "a2", "a3", "a4", "a5"]
    assert {n: e.quadrant for n, e in entries.items()} == {
        "a1": "manage_closely",
        "a2": "keep_satisfied",
        "a3": "keep_informed",
        "a4": "monitor",
        "a5": "unknown",
    }
    assert entries["a5"].missing == ("interest", "legitimacy", "urgency")
    assert dict(grid.quadrant_counts) == {
        "manage_closely": 1,
        "keep_satisfied": 1,
        "keep_informed": 1,
        "monitor": 1,
        "unknown": 1,
    }
    assert [q for q, _ in grid.quadrant_counts] == list(QUADRANTS)


def test_threshold_is_a_parameter():
    # power 2, interest 2: low/low at 3, high/high at 2.
    assert quadrant(2, 2) == "monitor"
    assert quadrant(2, 2, threshold=2) == "manage_closely"
    assert quadrant(None, 4) == "unknown"
    g = nx.MultiGraph()
    actor(g, "a1", power=2, interest=2, legitimacy=2, urgency=1)
    entry = stakeholder_grid(g, as_of=AS_OF, pagerank={}, threshold=2).entries[0]
    assert (entry.quadrant, entry.salience) == ("manage_closely", "dominant")


@pytest.mark.parametrize(
    ("power", "legitimacy", "urgency", "expected"),
    [
        (0, 0, 0, "non_stakeholder"),
        (4, 1, 1, "dormant"),
        (1, 4, 1, "discretionary"),
        (1, 1, 4, "demanding"),
        (3, 3, 2, "dominant"),
        (5, 0, 5, "dangerous"),
        (2, 3, 3, "dependent"),
        (3, 3, 3, "definitive"),
    ],
)
def test_eight_salience_classes(power, legitimacy, urgency, expected):
    assert salience(power, legitimacy, urgency) == expected


def test_salience_in_the_grid_with_missing_attributes():
    g = nx.MultiGraph()
    # One actor per class; then actors with an attribute unknown (no PageRank given, so
    # an undeclared power stays unknown), a12 declaring nothing at all.
    actor(g, "a1", power=0, legitimacy=0, urgency=0)
    actor(g, "a2", power=4, legitimacy=1, urgency=1)
    actor(g, "a3", power=1, legitimacy=4, urgency=1)
    actor(g, "a4", power=1, legitimacy=1, urgency=4)
    actor(g, "a5", power=3, legitimacy=3, urgency=0)
    actor(g, "a6", power=5, legitimacy=0, urgency=5)
    actor(g, "a7", power=0, legitimacy=3, urgency=3)
    actor(g, "a8", power=3, legitimacy=3, urgency=3)
    actor(g, "a9", power=4)  # L, U unknown: dormant, dominant, dangerous or definitive
    actor(g, "a10", legitimacy=4)  # P, U unknown
    actor(g, "a11", power=0, legitimacy=0)  # U unknown: non-stakeholder or demanding
    actor(g, "a12")
    grid = stakeholder_grid(g, as_of=AS_OF, pagerank={})
    entries = by_node(grid)
    assert [entries[f"a{i}"].salience for i in range(1, 13)] == [
        "non_stakeholder",
        "dormant",
        "discretionary",
        "demanding",
        "dominant",
        "dangerous",
        "dependent",
        "definitive",
        "unknown",
        "unknown",
        "unknown",
        "unknown",
    ]
    assert entries["a9"].missing == ("interest", "legitimacy", "urgency")
    assert entries["a10"].power_source == "unknown" and entries["a10"].power is None
    assert entries["a10"].missing == ("power", "interest", "urgency")
    assert entries["a11"].missing == ("interest", "urgency")
    assert entries["a12"].missing == ("power", "interest", "legitimacy", "urgency")
    assert dict(grid.salience_counts) == {
        "definitive": 1,
        "dominant": 1,
        "dangerous": 1,
        "dependent": 1,
        "dormant": 1,
        "discretionary": 1,
        "demanding": 1,
        "non_stakeholder": 1,
        "unknown": 4,
    }
    assert [c for c, _ in grid.salience_counts] == list(SALIENCE_CLASSES)
    # Interest is unknown everywhere but a1..a8's none: the quadrant is unknown too.
    assert {entries[f"a{i}"].quadrant for i in range(1, 13)} == {"unknown"}


def test_an_unknown_attribute_gives_unknown_never_absent():
    assert salience(None, None, None) == "unknown"
    assert salience(5, 5, None) == "unknown"
    assert salience(None, 0, 0) == "unknown"
    assert salience(0, 0, 0) == "non_stakeholder"


def test_power_falls_back_to_pagerank_percentile_with_ties():
    g = nx.MultiGraph()
    actor(g, "a1", interest=4)
    actor(g, "a2", interest=4, legitimacy=4)
    actor(g, "a3", interest=4)
    actor(g, "a4", interest=1, legitimacy=4)
    actor(g, "a5", interest=4)  # no PageRank: power unknown
    actor(g, "a6", power=1, interest=4)  # declared power wins, but it is in the ranking
    g.add_node("b1", kind="body", label="B1")  # a body's PageRank is not in the ranking
    pagerank = {
        "a1": 0.10,
        "a2": 0.20,
        "a3": 0.20 + 1e-15,  # power-iteration noise: a tie with a2
        "a4": 0.40,
        "a6": 0.30,
        "b1": 0.90,
    }
    # Actors with a PageRank: a1 .1, a2 .2, a3 .2, a6 .3, a4 .4 (n = 5).
    # Ranks 1, 2.5, 2.5 (tie averaged: 2 and 3), 4, 5.
    # Percentile (rank - 1) / (n - 1): 0, 1.5/4, 1.5/4, 3/4, 1 -> power x5: 0, 1.875, 1.875, 3.75, 5.
    assert network_power(g, pagerank) == pytest.approx(
        {"a1": 0.0, "a2": 1.875, "a3": 1.875, "a6": 3.75, "a4": 5.0}
    )
    entries = by_node(stakeholder_grid(g, as_of=AS_OF, pagerank=pagerank))
    assert [(entries[n].power, entries[n].power_source) for n in ("a1", "a2", "a3", "a4")] == [
        (0.0, "network"),
        (1.875, "network"),
        (1.875, "network"),
        (5.0, "network"),
    ]
    assert (entries["a6"].power, entries["a6"].power_source) == (1, "declared")
    assert (entries["a5"].power, entries["a5"].power_source) == (None, "unknown")
    # 1.875 < 3: keep informed; a4's 5 with interest 1: keep satisfied; a5 unknown.
    assert entries["a2"].quadrant == "keep_informed"
    assert entries["a4"].quadrant == "keep_satisfied"
    assert entries["a6"].quadrant == "keep_informed"
    assert entries["a5"].quadrant == "unknown"
    # salience uses the inferred power too; urgency is not declared, so the class is
    # unknown: a4 (P, L present) dominant or definitive, a2 (L) discretionary or dependent.
    assert entries["a4"].salience == "unknown"
    assert entries["a2"].salience == "unknown"
    g.nodes["a4"]["urgency"] = 0
    g.nodes["a2"]["urgency"] = 0
    entries = by_node(stakeholder_grid(g, as_of=AS_OF, pagerank=pagerank))
    assert entries["a4"].salience == "dominant"
    assert entries["a2"].salience == "discretionary"
    assert "power" not in entries["a2"].missing and "power" in entries["a5"].missing


def test_network_power_edge_cases():
    g = nx.MultiGraph()
    actor(g, "a1")
    # A single actor (or all tied) sits in the middle: 0.5 x 5.
    assert network_power(g, {"a1": 0.3}) == {"a1": 2.5}
    actor(g, "a2")
    actor(g, "a3")
    assert network_power(g, {"a1": 0.2, "a2": 0.2, "a3": 0.2}) == {
        "a1": 2.5,
        "a2": 2.5,
        "a3": 2.5,
    }
    assert network_power(g, {}) == {}


def test_entry_fields_and_order():
    g = nx.MultiGraph()
    actor(g, "a10", power=4, interest=4, category="elected_official")
    actor(g, "a9", power=1, interest=1)
    grid = stakeholder_grid(g, as_of=AS_OF, pagerank={})
    assert [e.node for e in grid.entries] == ["a9", "a10"]  # numeric order
    e = grid.entries[1]
    assert (e.label, e.category, e.power, e.interest, e.power_source) == (
        "A10",
        "elected_official",
        4,
        4,
        "declared",
    )
    assert grid.as_of == AS_OF and grid.threshold == 3


def test_labels_in_both_languages():
    for labels, codes in ((QUADRANT_LABELS, QUADRANTS), (SALIENCE_LABELS, SALIENCE_CLASSES)):
        for lang in ("en", "fr"):
            assert set(labels[lang]) == set(codes)
            assert all(labels[lang].values())
    assert QUADRANT_LABELS["fr"]["manage_closely"] == "Gérer de près"
    assert QUADRANT_LABELS["fr"]["keep_satisfied"] == "Satisfaire"
    assert QUADRANT_LABELS["fr"]["keep_informed"] == "Tenir informé"
    assert QUADRANT_LABELS["fr"]["monitor"] == "Surveiller"
    assert QUADRANT_LABELS["fr"]["unknown"] == "Inconnu"
    assert SALIENCE_LABELS["en"]["non_stakeholder"] == "Non-stakeholder"
    assert SALIENCE_LABELS["fr"]["non_stakeholder"] == "Non partie prenante"
    assert SALIENCE_LABELS["fr"]["dormant"] == "Latente"
    assert SALIENCE_LABELS["fr"]["definitive"] == "Définitive"


def test_deterministic():
    def build(order):
        g = nx.MultiGraph()
        for n in order:
            actor(g, n, interest=int(n[1:]) % 6, legitimacy=3)
        return g

    pagerank = {f"a{i}": 0.1 * (i % 3) for i in range(1, 8)}
    nodes = [f"a{i}" for i in range(1, 8)]
    runs = [
        stakeholder_grid(build(nodes), as_of=AS_OF, pagerank=pagerank),
        stakeholder_grid(build(nodes), as_of=AS_OF, pagerank=pagerank),
        stakeholder_grid(build(list(reversed(nodes))), as_of=AS_OF, pagerank=pagerank),
    ]
    assert runs[0] == runs[1] == runs[2]
