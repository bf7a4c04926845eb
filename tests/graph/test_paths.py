"""graph.paths: ego networks and shortest/strongest paths, checked against hand-worked values."""

import datetime as dt

import networkx as nx
import pytest

from graph.paths import (
    EMPTY_PATH,
    EgoNetwork,
    Fact,
    Paths,
    UnknownNode,
    ego_network,
    paths_between,
)

AS_OF = dt.date(2026, 1, 1)


def actor(g, n, **attrs):
    g.add_node(n, kind="actor", label=n.upper(), category="resident", power=None, **attrs)


def body(g, n):
    g.add_node(n, kind="body", label=n.upper(), category="conseil_quartier", status="active")


def member(g, a, b, key, role="member", weight=3):
    g.add_edge(a, b, key=key, relation="membership", type=role, weight=weight, sign=1)


def interact(g, u, v, key, weight, sign=1, type_="cooperation"):
    g.add_edge(
        u, v, key=key, relation="interaction", type=type_, weight=weight, sign=sign, directed=False
    )


def chain() -> nx.MultiGraph:
    """a1 -m1- b1 -m2- a2 -i1- a3: a path of three hops."""
    g = nx.MultiGraph()
    actor(g, "a1")
    actor(g, "a2")
    actor(g, "a3")
    body(g, "b1")
    member(g, "a1", "b1", "m1")
    member(g, "a2", "b1", "m2")
    interact(g, "a2", "a3", "i1", 2)
    return g


# --- ego networks --------------------------------------------------------------------------


def test_ego_radius_1_is_the_centre_and_its_body():
    ego = ego_network(chain(), "a1", radius=1, as_of=AS_OF)
    # a1 touches only b1 (m1).
    assert [(n.node, n.distance) for n in ego.nodes] == [("a1", 0), ("b1", 1)]
    assert ego.facts == (Fact("a1", "b1", "m1", "membership", "member", 3, 1, "b1"),)
    assert ego.center == "a1" and ego.radius == 1 and ego.as_of == AS_OF


def test_ego_radius_2_reaches_the_co_member_through_the_body():
    ego = ego_network(chain(), "a1", radius=2, as_of=AS_OF)
    # a1 -> b1 (1) -> a2 (2); a3 is 3 hops away and stays out, and so does i1.
    assert [(n.node, n.distance) for n in ego.nodes] == [("a1", 0), ("b1", 1), ("a2", 2)]
    assert [f.key for f in ego.facts] == ["m1", "m2"]
    # m2 reads actor first: (a2, b1).
    assert (ego.facts[1].u, ego.facts[1].v, ego.facts[1].body) == ("a2", "b1", "b1")
    # attributes come along, sorted by name
    a2 = ego.nodes[2]
    assert a2.kind == "actor" and a2.label == "A2"
    assert dict(a2.attributes)["category"] == "resident"
    assert [k for k, _ in a2.attributes] == sorted(k for k, _ in a2.attributes)


def test_ego_radius_0_and_from_the_body():
    g = chain()
    only = ego_network(g, "a1", radius=0, as_of=AS_OF)
    assert [n.node for n in only.nodes] == ["a1"] and only.facts == ()
    # From b1, both members are at 1 hop; actors before bodies only matters at equal distance.
    ego = ego_network(g, "b1", radius=1, as_of=AS_OF)
    assert [(n.node, n.distance) for n in ego.nodes] == [("b1", 0), ("a1", 1), ("a2", 1)]


def test_ego_keeps_facts_between_two_rim_nodes():
    g = chain()
    interact(g, "a1", "a3", "i2", 1)  # now a3 is 1 hop from a1 too
    ego = ego_network(g, "a1", radius=1, as_of=AS_OF)
    # rim: b1 and a3 (distance 1). No fact between b1 and a3; facts: m1, i2.
    assert [(n.node, n.distance) for n in ego.nodes] == [("a1", 0), ("a3", 1), ("b1", 1)]
    assert [f.key for f in ego.facts] == ["i2", "m1"]  # (a1,a3) before (a1,b1)
    ego2 = ego_network(g, "a1", radius=2, as_of=AS_OF)
    # a2 at 2 (via b1 or a3); the three facts among a2/a3/b1 appear: i1 (a2,a3), m2 (a2,b1).
    assert [f.key for f in ego2.facts] == ["i2", "m1", "i1", "m2"]


def test_ego_errors():
    g = chain()
    with pytest.raises(UnknownNode) as exc:
        ego_network(g, "a99", radius=1, as_of=AS_OF)
    assert exc.value.node == "a99"
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, nx.NodeNotFound)
    with pytest.raises(ValueError, match="radius"):
        ego_network(g, "a1", radius=-1, as_of=AS_OF)


# --- paths --------------------------------------------------------------------------------


def weak_and_strong() -> nx.MultiGraph:
    """Two ways from a1 to a2.

    Weak, 2 hops:   a1 -i1(w1)- a5 -i2(w1)- a2            distance 1/1 + 1/1 = 2
    Strong, 3 hops: a1 -m1(president, 5)- b1 -m2(vice_president, 4)- a3 =(i3 w4, i4 w1 -)= a2
      a3-a2 collapses to weight 4 + 1 = 5 (an opposition counts by its strength)
      distance 1/5 + 1/4 + 1/5 = 0.65 < 2, so it is the strongest path.
    a9 is isolated.
    """
    g = nx.MultiGraph()
    for n in ("a1", "a2", "a3", "a5", "a9"):
        actor(g, n)
    body(g, "b1")
    interact(g, "a1", "a5", "i1", 1)
    interact(g, "a5", "a2", "i2", 1)
    member(g, "a1", "b1", "m1", role="president", weight=5)
    member(g, "a3", "b1", "m2", role="vice_president", weight=4)
    interact(g, "a3", "a2", "i3", 4)
    interact(g, "a2", "a3", "i4", 1, sign=-1, type_="conflict")
    return g


def test_shortest_and_strongest_differ():
    result = paths_between(weak_and_strong(), "a1", "a2", as_of=AS_OF)
    assert result.found and result.source == "a1" and result.target == "a2"
    assert result.shortest.nodes == ("a1", "a5", "a2")
    assert result.shortest.hops == 2
    assert result.shortest.total_weight == 2  # 1 + 1
    assert result.shortest.weakest_link == 1
    assert result.strongest.nodes == ("a1", "b1", "a3", "a2")
    assert result.strongest.hops == 3
    assert result.strongest.total_weight == 14  # 5 + 4 + 5
    assert result.strongest.weakest_link == 4  # the vice-president's membership


def test_facts_listed_per_hop():
    steps = paths_between(weak_and_strong(), "a1", "a2", as_of=AS_OF).strongest.steps
    assert steps[0].node == "a1" and steps[0].facts == ()
    # a1 -> b1: the presidency, naming the body
    assert steps[1].node == "b1" and steps[1].kind == "body" and steps[1].label == "B1"
    assert steps[1].facts == (Fact("a1", "b1", "m1", "membership", "president", 5, 1, "b1"),)
    # b1 -> a3: a3's membership of the same body
    assert steps[2].facts == (Fact("a3", "b1", "m2", "membership", "vice_president", 4, 1, "b1"),)
    # a3 -> a2: both interactions, the conflict with its negative sign; no body
    assert steps[3].facts == (
        Fact("a2", "a3", "i3", "interaction", "cooperation", 4, 1, None),
        Fact("a2", "a3", "i4", "interaction", "conflict", 1, -1, None),
    )


def test_alternatives_strongest_first_and_bounded():
    g = weak_and_strong()
    # Only two simple paths a1 -> a2 exist: 0.65 (strong) then 2 (weak).
    result = paths_between(g, "a1", "a2", as_of=AS_OF)
    assert [p.nodes for p in result.alternatives] == [
        ("a1", "b1", "a3", "a2"),
        ("a1", "a5", "a2"),
    ]
    one = paths_between(g, "a1", "a2", as_of=AS_OF, max_paths=1)
    assert [p.nodes for p in one.alternatives] == [("a1", "b1", "a3", "a2")]
    assert paths_between(g, "a1", "a2", as_of=AS_OF, max_paths=0).alternatives == ()
    with pytest.raises(ValueError):
        paths_between(g, "a1", "a2", as_of=AS_OF, max_paths=-1)


def test_shortest_among_equal_hops_is_the_strongest_then_node_order():
    g = nx.MultiGraph()
    for n in ("a1", "a2", "a5", "a6", "a7"):
        actor(g, n)
    # Three 2-hop paths a1 -> a2:
    #   via a5: weights 1, 1 -> distance 2
    #   via a6: weights 2, 2 -> distance 1   (strongest)
    #   via a7: weights 2, 2 -> distance 1   (ties with a6; a6 first in node_order)
    for mid, w in (("a7", 2), ("a5", 1), ("a6", 2)):
        interact(g, "a1", mid, f"i{mid}1", w)
        interact(g, mid, "a2", f"i{mid}2", w)
    result = paths_between(g, "a1", "a2", as_of=AS_OF)
    assert result.shortest.nodes == ("a1", "a6", "a2")
    assert result.strongest.nodes == ("a1", "a6", "a2")
    # Numeric node order, not text: a10 comes after a9 even though "a10" < "a9".
    h = nx.MultiGraph()
    for n in ("a1", "a2", "a9", "a10"):
        actor(h, n)
    for mid in ("a10", "a9"):
        interact(h, "a1", mid, f"x{mid}", 3)
        interact(h, mid, "a2", f"y{mid}", 3)
    assert paths_between(h, "a1", "a2", as_of=AS_OF).shortest.nodes == ("a1", "a9", "a2")


def test_strongest_tie_prefers_fewer_hops():
    g = nx.MultiGraph()
    for n in ("a1", "a2", "a3", "a4"):
        actor(g, n)
    # a1 -(w2)- a2: distance 1/2.  a1 -(w4)- a3 -(w4)- a2: 1/4 + 1/4 = 1/2 as well.
    # Exact fractions make it a true tie; the direct tie wins with fewer hops.
    interact(g, "a1", "a2", "i1", 2)
    interact(g, "a1", "a3", "i2", 4)
    interact(g, "a3", "a2", "i3", 4)
    assert paths_between(g, "a1", "a2", as_of=AS_OF).strongest.nodes == ("a1", "a2")


def test_disconnected_and_same_node():
    g = weak_and_strong()
    result = paths_between(g, "a1", "a9", as_of=AS_OF)
    assert result == Paths("a1", "a9", AS_OF, False, EMPTY_PATH, EMPTY_PATH, ())
    assert result.shortest.steps == () and result.strongest.weakest_link is None
    same = paths_between(g, "a1", "a1", as_of=AS_OF)
    assert same.found and same.shortest.nodes == ("a1",) and same.shortest.hops == 0
    assert same.strongest.weakest_link is None


def test_unknown_endpoint():
    g = weak_and_strong()
    with pytest.raises(UnknownNode):
        paths_between(g, "a99", "a1", as_of=AS_OF)
    with pytest.raises(UnknownNode):
        paths_between(g, "a1", "b99", as_of=AS_OF)


def test_deterministic_whatever_the_insertion_order():
    g = weak_and_strong()
    reversed_g = nx.MultiGraph()
    reversed_g.add_nodes_from(reversed(list(g.nodes(data=True))))
    reversed_g.add_edges_from(reversed(list(g.edges(keys=True, data=True))))
    runs = [paths_between(x, "a1", "a2", as_of=AS_OF) for x in (g, g, reversed_g)]
    assert runs[0] == runs[1] == runs[2]
    egos = [ego_network(x, "a2", radius=2, as_of=AS_OF) for x in (g, reversed_g)]
    assert isinstance(egos[0], EgoNetwork) and egos[0] == egos[1]
