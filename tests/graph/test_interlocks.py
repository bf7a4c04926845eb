"""graph.interlocks: shared members between bodies, checked against hand-worked counts."""

import datetime as dt

import networkx as nx
import pytest

from graph.interlocks import ActorBodies, BodyInterlock, BodyPair, interlocks

AS_OF = dt.date(2026, 1, 1)

#: body -> its memberships (actor, role); a1 holds two roles in b1, a6 two in b4.
MEMBERSHIPS = {
    "b1": [("a1", "president"), ("a1", "member"), ("a2", "member"), ("a3", "member")],
    "b2": [("a2", "member"), ("a3", "secretary"), ("a4", "member")],
    "b3": [("a3", "member"), ("a5", "member")],
    "b4": [("a6", "member"), ("a6", "secretary")],
    "b5": [("a5", "member"), ("a10", "member")],
}


def registry(*, reverse: bool = False) -> nx.MultiGraph:
    """Members: b1 {a1,a2,a3}, b2 {a2,a3,a4}, b3 {a3,a5}, b4 {a6}, b5 {a5,a10}.

    Plus an interaction a1 -- b2 that must not make a1 a member of b2, and an
    actor a7 without any membership.
    """
    nodes = [(f"a{i}", {"kind": "actor", "label": f"A{i}"}) for i in (1, 2, 3, 4, 5, 6, 7, 10)]
    nodes += [(b, {"kind": "body", "label": b.upper(), "category": "cq"}) for b in MEMBERSHIPS]
    edges = []
    m = 0
    for b, seats in MEMBERSHIPS.items():
        for a, role in seats:
            m += 1
            edges.append((a, b, f"m{m}", {"relation": "membership", "type": role, "weight": 3}))
    edges.append(("a1", "b2", "i1", {"relation": "interaction", "type": "petition", "weight": 2}))
    if reverse:
        nodes.reverse()
        edges.reverse()
    g = nx.MultiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return g


def test_pairs_counts_and_jaccard():
    result = interlocks(registry(), as_of=AS_OF)
    # b1∩b2 = {a2,a3}: 2 shared; b1∪b2 = {a1,a2,a3,a4}: 2/4 = 0.5.
    # b3∩b5 = {a5}: 1; b3∪b5 = {a3,a5,a10}: 1/3.
    # b1∩b3 = {a3}: 1; b1∪b3 = {a1,a2,a3,a5}: 1/4.
    # b2∩b3 = {a3}: 1; b2∪b3 = {a2,a3,a4,a5}: 1/4.
    # Order: 2 shared first; among the 1-shared, 1/3 before 1/4; the two 1/4 by node order.
    assert result.pairs == (
        BodyPair("b1", "b2", 2, 0.5, ("a2", "a3")),
        BodyPair("b3", "b5", 1, pytest.approx(1 / 3), ("a5",)),
        BodyPair("b1", "b3", 1, 0.25, ("a3",)),
        BodyPair("b2", "b3", 1, 0.25, ("a3",)),
    )


def test_double_membership_counts_once():
    result = interlocks(registry(), as_of=AS_OF)
    by_body = {b.body: b for b in result.bodies}
    # a1 is president and member of b1: b1 still has 3 members, not 4.
    assert by_body["b1"].members == 3
    # a6's two roles in b4: one member; and the a1 -- b2 interaction adds nobody to b2.
    assert by_body["b4"].members == 1
    assert by_body["b2"].members == 3
    a1 = next(s for s in result.usual_suspects if s.actor == "a1")
    assert a1 == ActorBodies("a1", 1, ("b1",))


def test_usual_suspects_order():
    result = interlocks(registry(), as_of=AS_OF)
    # a3: b1, b2, b3 -> 3. a2: b1, b2 -> 2. a5: b3, b5 -> 2 (after a2 by id).
    # Then the single-body actors by numeric id: a1, a4, a6, a10 (not "a10" < "a4").
    # a7 has no membership and is not listed.
    assert result.usual_suspects == (
        ActorBodies("a3", 3, ("b1", "b2", "b3")),
        ActorBodies("a2", 2, ("b1", "b2")),
        ActorBodies("a5", 2, ("b3", "b5")),
        ActorBodies("a1", 1, ("b1",)),
        ActorBodies("a4", 1, ("b2",)),
        ActorBodies("a6", 1, ("b4",)),
        ActorBodies("a10", 1, ("b5",)),
    )


def test_per_body_summary():
    result = interlocks(registry(), as_of=AS_OF)
    # b1 shares with b2 (0.5) and b3 (0.25); b3 with b1, b2 and b5 (max 1/3); b4 with nobody.
    assert result.bodies == (
        BodyInterlock("b1", 3, 2, 0.5),
        BodyInterlock("b2", 3, 2, 0.5),
        BodyInterlock("b3", 2, 3, pytest.approx(1 / 3)),
        BodyInterlock("b4", 1, 0, 0.0),
        BodyInterlock("b5", 2, 1, pytest.approx(1 / 3)),
    )


def test_projection():
    projection = interlocks(registry(), as_of=AS_OF).projection
    assert list(projection.nodes) == ["b1", "b2", "b3", "b4", "b5"]  # every body, b4 alone
    assert projection.nodes["b1"]["label"] == "B1"
    assert projection.number_of_edges() == 4
    assert projection.edges["b1", "b2"]["weight"] == 2
    assert projection.edges["b1", "b2"]["jaccard"] == 0.5
    assert projection.edges["b1", "b2"]["actors"] == ("a2", "a3")


def test_min_shared_filters_pairs_and_projection_not_summary():
    full = interlocks(registry(), as_of=AS_OF)
    result = interlocks(registry(), as_of=AS_OF, min_shared=2)
    assert [(p.body_a, p.body_b) for p in result.pairs] == [("b1", "b2")]
    assert list(result.projection.edges) == [("b1", "b2")]
    assert result.bodies == full.bodies
    assert result.usual_suspects == full.usual_suspects
    with pytest.raises(ValueError):
        interlocks(registry(), as_of=AS_OF, min_shared=0)


def test_empty_graph():
    result = interlocks(nx.MultiGraph(), as_of=AS_OF)
    assert result.pairs == () and result.usual_suspects == () and result.bodies == ()


def test_deterministic_and_projection_outside_equality():
    runs = [interlocks(registry(), as_of=AS_OF), interlocks(registry(reverse=True), as_of=AS_OF)]
    assert runs[0] == runs[1]
    assert runs[0].projection is not runs[1].projection
    assert sorted(runs[0].projection.edges(data="weight")) == sorted(
        runs[1].projection.edges(data="weight")
    )
