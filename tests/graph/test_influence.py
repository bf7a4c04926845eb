"""graph.influence: metrics checked against values worked out by hand on small graphs."""

from __future__ import annotations

import datetime as dt
import math
import random

import networkx as nx
import pytest

from graph.influence import InfluenceMap, influence_map, role_of, weighted_pagerank
from graph.model import MEMBERSHIP_WEIGHTS

AS_OF = dt.date(2020, 6, 1)


# --- builders of registry graphs (model.py conventions) ---------------------------------


def add_actor(graph: nx.MultiGraph, pk: int, *, category: str = "resident", label: str = "") -> str:
    node = f"a{pk}"
    graph.add_node(
        node,
        kind="actor",
        label=label or f"Actor {pk}",
        actor_kind="person",
        category=category,
        territory="commune:75056",
        power=None,
        interest=3,
        legitimacy=None,
        urgency=None,
    )
    return node


def add_body(graph: nx.MultiGraph, pk: int, *, label: str = "") -> str:
    node = f"b{pk}"
    graph.add_node(
        node,
        kind="body",
        label=label or f"Body {pk}",
        category="neighbourhood_council",
        status="active",
        territory="commune:75056",
    )
    return node


def add_interaction(
    graph: nx.MultiGraph,
    u: str,
    v: str,
    key: str,
    *,
    weight: int = 1,
    sign: int = 1,
    type: str = "cooperation",
) -> None:
    graph.add_edge(
        u,
        v,
        key=key,
        relation="interaction",
        type=type,
        weight=weight,
        sign=sign,
        directed=False,
        source=u,
        start=dt.date(2019, 1, 1),
        end=None,
    )


def add_membership(graph: nx.MultiGraph, actor: str, body: str, key: str, role: str) -> None:
    graph.add_edge(
        actor,
        body,
        key=key,
        relation="membership",
        type=role,
        weight=MEMBERSHIP_WEIGHTS[role],
        sign=1,
        start=dt.date(2019, 1, 1),
        end=None,
    )


def graph_of(edges: list[tuple[int, int]], *, weights: list[int] | None = None) -> nx.MultiGraph:
    """Actors a<i> joined by interactions i0, i1, ... in the given order."""
    graph = nx.MultiGraph()
    for u, v in edges:
        for pk in (u, v):
            if f"a{pk}" not in graph:
                add_actor(graph, pk)
    for index, (u, v) in enumerate(edges):
        weight = weights[index] if weights else 1
        add_interaction(graph, f"a{u}", f"a{v}", f"i{index}", weight=weight)
    return graph


def two_triangles() -> nx.MultiGraph:
    """a1-a2-a3 and a4-a5-a6, joined by the bridge a3-a4."""
    return graph_of([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])


def run(graph: nx.MultiGraph, **kwargs) -> InfluenceMap:
    kwargs.setdefault("seed", 42)
    return influence_map(graph, as_of=AS_OF, **kwargs)


# --- degree, betweenness ------------------------------------------------------------------


def test_star_degree_weighted_degree_and_betweenness():
    # Centre a1, leaves a2..a5 with weights 1, 2, 3, 4.
    im = run(graph_of([(1, 2), (1, 3), (1, 4), (1, 5)], weights=[1, 2, 3, 4]))
    centre = im.node("a1")
    assert centre.degree == 4
    assert centre.weighted_degree == 10.0  # 1 + 2 + 3 + 4
    # Every one of the C(4,2) = 6 leaf pairs goes through the centre; normalised by the
    # C(4,2) = 6 pairs not involving it: 6 / 6 = 1.
    assert centre.betweenness == 1.0
    assert im.node("a5").degree == 1
    assert im.node("a5").weighted_degree == 4.0
    assert all(im.node(f"a{i}").betweenness == 0.0 for i in range(2, 6))


def test_betweenness_runs_on_distance_one_over_weight():
    # Square a1-a2-a3-a4-a1; a1-a2 and a2-a3 strong (5, distance 0.2), the others weak
    # (1, distance 1).
    im = run(graph_of([(1, 2), (2, 3), (3, 4), (4, 1)], weights=[5, 5, 1, 1]))
    # a1..a3: via a2 costs 0.4, via a4 costs 2 -> only through a2 (1 pair).
    # a4..a2: via a1 = 1 + 0.2 = via a3 -> half through a1, half through a3.
    # Other pairs are direct. Normalised by the 3 pairs not involving the node.
    assert im.node("a2").betweenness == pytest.approx(1 / 3, abs=1e-6)  # 1 / 3
    assert im.node("a1").betweenness == pytest.approx(0.5 / 3, abs=1e-6)  # 0.5 / 3
    assert im.node("a3").betweenness == pytest.approx(0.5 / 3, abs=1e-6)
    assert im.node("a4").betweenness == 0.0


# --- PageRank -------------------------------------------------------------------------------


def test_pagerank_of_a_cycle_is_uniform():
    # Every node of a 5-cycle is alike, so each holds 1/5.
    im = run(graph_of([(1, 2), (2, 3), (3, 4), (4, 5), (5, 1)]))
    assert [m.pagerank for m in im.nodes] == [0.2] * 5


def test_pagerank_of_a_star_solved_by_hand():
    # Centre c, 4 leaves l each, damping 0.85, n = 5. A leaf's only tie is the centre,
    # which splits its rank over 4 leaves:
    #   l = 0.15/5 + 0.85 * c/4        c = 0.15/5 + 0.85 * 4l        c + 4l = 1
    # so 1 - 4l = 0.03 + 3.4l  ->  l = 0.97 / 7.4 = 0.1310810...,  c = 3.52 / 7.4 = 0.4756756...
    im = run(graph_of([(1, 2), (1, 3), (1, 4), (1, 5)]))
    assert im.node("a1").pagerank == pytest.approx(3.52 / 7.4, abs=1e-6)
    for leaf in ("a2", "a3", "a4", "a5"):
        assert im.node(leaf).pagerank == pytest.approx(0.97 / 7.4, abs=1e-6)


def test_pagerank_follows_tie_strength():
    # Path a2 - a1 - a3 with weights 1 and 3: a1 sends 1/4 of its walk to a2 and 3/4 to a3.
    #   x2 = 0.05 + 0.85 * x1/4    x3 = 0.05 + 0.85 * 3 x1/4    x1 = 0.05 + 0.85 (x2 + x3)
    # with x1 + x2 + x3 = 1: x1 = 0.05 + 0.85 (1 - x1) -> x1 = 0.9 / 1.85 = 0.486486...
    # x2 = 0.05 + 0.2125 * x1 = 0.153378..., x3 = 0.05 + 0.6375 * x1 = 0.360135...
    ranks = weighted_pagerank(run(graph_of([(1, 2), (1, 3)], weights=[1, 3])).graph)
    x1 = 0.9 / 1.85
    assert ranks["a1"] == pytest.approx(x1, abs=1e-9)
    assert ranks["a2"] == pytest.approx(0.05 + 0.2125 * x1, abs=1e-9)
    assert ranks["a3"] == pytest.approx(0.05 + 0.6375 * x1, abs=1e-9)


def test_pagerank_of_an_isolated_node_with_a_pair():
    # a1 alone, a2-a3 tied. a1 has no tie, so its rank is spread over all three:
    #   x1 = 0.05 + 0.85 x1/3      ->  x1 (1 - 0.85/3) = 0.05  ->  x1 = 0.15 / 2.15
    # and the pair shares the rest equally.
    graph = graph_of([(2, 3)])
    add_actor(graph, 1)
    im = run(graph)
    assert im.node("a1").pagerank == pytest.approx(0.15 / 2.15, abs=1e-6)
    assert im.node("a2").pagerank == pytest.approx((1 - 0.15 / 2.15) / 2, abs=1e-6)


# --- core number, structural holes ----------------------------------------------------------


def test_core_numbers_of_a_triangle_with_a_pendant():
    # The triangle a1 a2 a3 is a 2-core; a4 hangs on a3 with one tie -> 1.
    im = run(graph_of([(1, 2), (2, 3), (1, 3), (3, 4)]))
    assert [m.core_number for m in im.nodes] == [2, 2, 2, 1]


def test_core_number_ignores_self_loops():
    graph = graph_of([(1, 2)])
    add_interaction(graph, "a1", "a1", "i9")
    im = run(graph)
    assert im.node("a1").core_number == 1


def test_burt_constraint_and_effective_size_of_a_star():
    # Centre with 3 leaves, equal weights: p = 1/3 to each, no leaf knows another, so
    # constraint = 3 * (1/3)^2 = 1/3 and effective size = 3 - 0 redundancy = 3.
    im = run(graph_of([(1, 2), (1, 3), (1, 4)]))
    centre = im.node("a1")
    assert centre.constraint == pytest.approx(1 / 3, abs=1e-6)
    assert centre.effective_size == pytest.approx(3.0, abs=1e-6)
    # A leaf has one contact: p = 1, constraint 1^2 = 1, effective size 1.
    assert im.node("a2").constraint == pytest.approx(1.0, abs=1e-6)
    assert im.node("a2").effective_size == pytest.approx(1.0, abs=1e-6)


def test_burt_measures_of_a_triangle():
    # Each node has 2 contacts (p = 1/2) who know each other:
    # effective size = 2 - (1/2 * 1 + 1/2 * 1) = 1;
    # constraint = 2 * (1/2 + 1/2 * 1/2)^2 = 2 * 9/16 = 1.125.
    im = run(graph_of([(1, 2), (2, 3), (1, 3)]))
    for m in im.nodes:
        assert m.effective_size == pytest.approx(1.0, abs=1e-6)
        assert m.constraint == pytest.approx(1.125, abs=1e-6)


def test_isolated_node_has_none_not_nan():
    graph = graph_of([(1, 2)])
    add_body(graph, 7)
    im = run(graph)
    body = im.node("b7")
    assert body.constraint is None
    assert body.effective_size is None
    assert body.degree == 0
    assert body.core_number == 0
    assert body.is_broker is False
    assert body.bridged_communities == 1
    for m in im.nodes:
        for value in (m.pagerank, m.betweenness, m.weighted_degree):
            assert not math.isnan(value)


# --- communities and brokers ----------------------------------------------------------------


def test_two_triangles_communities_and_brokers():
    im = run(two_triangles(), top_members=2)
    # Louvain cuts the bridge. Equal sizes: the community holding a1 is numbered first.
    assert [(c.id, c.size) for c in im.communities] == [(0, 3), (1, 3)]
    assert [m.community for m in im.nodes] == [0, 0, 0, 1, 1, 1]
    # a3 and a4 each reach the other triangle; the others do not.
    assert im.node("a3").bridged_communities == 2
    assert im.node("a1").bridged_communities == 1
    # a3: 2 of its 3 neighbours at home, 1 across: P = 1 - (2/3)^2 - (1/3)^2 = 4/9.
    # Within-community degrees in {a1, a2, a3}: 2, 2, 2 -> all alike, z = 0: no hub.
    assert im.node("a3").participation == pytest.approx(4 / 9, abs=1e-6)
    assert im.node("a3").community_degree_z == 0.0
    assert im.node("a3").role == "peripheral"  # non-hub, 0.05 < P <= 0.62
    assert im.node("a1").participation == 0.0
    assert im.node("a1").role == "ultra_peripheral"
    # One tie into one other community makes no broker (the old rule made a3 and a4 two).
    assert im.brokers == ()
    # Betweenness of a3: the 2 x 3 pairs {a1, a2} x {a4, a5, a6} cross it; normalised by
    # the C(5, 2) = 10 pairs not involving it -> 0.6. Same for a4.
    assert im.node("a3").betweenness == pytest.approx(0.6, abs=1e-6)
    # Top members: the bridge end (3 ties) first, then a1 before a2 (equal rank).
    assert im.communities[0].top_members == ("a3", "a1")
    assert im.communities[1].top_members == ("a4", "a5")


def test_betweenness_of_the_bridge_ends():
    # Two triangles plus a pendant a7 on a4 (n = 7, normalised by C(6, 2) = 15 pairs):
    # a4 carries {a1, a2, a3} x {a5, a6} = 6 pairs and a7 x {a1, a2, a3, a5, a6} = 5 -> 11/15;
    # a3 carries {a1, a2} x {a4, a5, a6, a7} = 8 pairs -> 8/15.
    graph = two_triangles()
    add_actor(graph, 7)
    add_interaction(graph, "a4", "a7", "i99")
    im = run(graph)
    assert im.node("a4").betweenness == pytest.approx(11 / 15, abs=1e-6)
    assert im.node("a3").betweenness == pytest.approx(8 / 15, abs=1e-6)


def wheels(bridges: list[tuple[int, int]]) -> nx.MultiGraph:
    """Three wheels: hub a1 with rim a2..a9 (a cycle), hub a11 with rim a12..a19, hub a21
    with rim a22..a29; then the ``bridges``."""
    edges = []
    for hub in (1, 11, 21):
        rim = list(range(hub + 1, hub + 9))
        edges += [(hub, r) for r in rim]
        edges += [(r, rim[(i + 1) % 8]) for i, r in enumerate(rim)]
    return graph_of(edges + bridges)


def test_a_hub_tied_into_two_other_communities_is_the_one_broker():
    # Hub a1 also holds two ties into each other wheel: a12, a13 and a22, a23.
    im = run(wheels([(1, 12), (1, 13), (1, 22), (1, 23)]))
    assert [c.size for c in im.communities] == [9, 9, 9]
    a1, a11, a12 = im.node("a1"), im.node("a11"), im.node("a12")
    assert a1.community != a11.community != im.node("a21").community
    # a1: k = 12 neighbours, 8 at home, 2 in each other wheel:
    # P = 1 - (8/12)^2 - (2/12)^2 - (2/12)^2 = 1 - 72/144 = 0.5.
    assert a1.participation == pytest.approx(0.5, abs=1e-6)
    # Within-community degrees of a wheel: the hub 8, each rim node 3 (two rim, the hub).
    # Mean 32/9; variance ((40/9)^2 + 8 (5/9)^2) / 9 = 1800/729; sd = 1.5713;
    # hub z = (40/9) / 1.5713 = 2 sqrt(2) = 2.8284 >= 2.5: a hub. Rim z = -(5/9)/1.5713.
    assert a1.community_degree_z == pytest.approx(2 * math.sqrt(2), abs=1e-6)
    assert a1.role == "connector_hub"  # hub, 0.30 < P <= 0.75
    assert a1.is_broker and a1.bridged_communities == 3
    # a11: the same hub, every tie at home: P = 0, a provincial hub, no broker.
    assert a11.participation == 0.0
    assert a11.community_degree_z == pytest.approx(2 * math.sqrt(2), abs=1e-6)
    assert a11.role == "provincial_hub" and not a11.is_broker
    # a12: 3 of 4 neighbours at home, 1 into a1's wheel: P = 1 - 9/16 - 1/16 = 0.375.
    assert a12.participation == pytest.approx(0.375, abs=1e-6)
    assert a12.community_degree_z == pytest.approx(-(5 / 9) / math.sqrt(1800 / 729), abs=1e-6)
    assert a12.role == "peripheral" and not a12.is_broker
    assert im.brokers == ("a1",)


def test_a_hub_tied_into_one_other_community_only_is_no_broker():
    # a1's four outside ties all go to a11's wheel: P = 1 - (8/12)^2 - (4/12)^2 = 4/9,
    # a connector hub, but it reaches one other community, not two.
    im = run(wheels([(1, 12), (1, 13), (1, 14), (1, 15)]))
    a1 = im.node("a1")
    assert a1.participation == pytest.approx(4 / 9, abs=1e-6)
    assert a1.role == "connector_hub"
    assert not a1.is_broker
    assert im.brokers == ()


@pytest.mark.parametrize(
    ("z", "p", "role"),
    [
        (0.0, 0.05, "ultra_peripheral"),
        (2.4, 0.62, "peripheral"),
        (0.0, 0.8, "connector"),
        (0.0, 0.81, "kinless"),
        (2.5, 0.3, "provincial_hub"),
        (3.0, 0.75, "connector_hub"),
        (3.0, 0.76, "kinless_hub"),
    ],
)
def test_roles_follow_guimera_amaral_bounds(z, p, role):
    assert role_of(z, p) == role


# --- filters ----------------------------------------------------------------------------------


def filter_graph() -> nx.MultiGraph:
    graph = nx.MultiGraph()
    add_actor(graph, 1, category="resident")
    add_actor(graph, 2, category="resident")
    add_actor(graph, 3, category="elected_official")
    add_body(graph, 1)
    add_membership(graph, "a1", "b1", "m1", "member")  # weight 3
    add_membership(graph, "a3", "b1", "m2", "president")  # weight 5
    add_interaction(graph, "a1", "a2", "i1", weight=1, type="cooperation")
    add_interaction(graph, "a1", "a2", "i2", weight=4, sign=-1, type="conflict")
    add_interaction(graph, "a2", "a3", "i3", weight=2, type="cooperation")
    return graph


def edge_set(im: InfluenceMap) -> set[tuple[str, str]]:
    return {tuple(sorted(e)) for e in im.graph.edges}


def test_no_filter_keeps_everything_and_sums_parallel_facts():
    im = run(filter_graph())
    assert [m.node for m in im.nodes] == ["a1", "a2", "a3", "b1"]
    assert edge_set(im) == {("a1", "a2"), ("a2", "a3"), ("a1", "b1"), ("a3", "b1")}
    # a1: member (3) + cooperation (1) + conflict (4) = 8.
    assert im.node("a1").weighted_degree == 8.0
    assert im.graph.edges["a1", "a2"]["negative"] == 4


def test_categories_filter_keeps_bodies():
    im = run(filter_graph(), categories={"resident"})
    assert [m.node for m in im.nodes] == ["a1", "a2", "b1"]
    assert im.parameters.categories == ("resident",)


def test_interaction_types_filter():
    im = run(filter_graph(), interaction_types=["cooperation"])
    assert im.graph.edges["a1", "a2"]["facts"] == ("i1",)
    assert im.node("a1").weighted_degree == 4.0  # member 3 + cooperation 1
    assert ("a1", "b1") in edge_set(im)  # memberships are not interactions


def test_min_weight_filter():
    im = run(filter_graph(), min_weight=3)
    # i1 (1) and i3 (2) dropped; memberships (3, 5) and i2 (4) stay.
    assert edge_set(im) == {("a1", "a2"), ("a1", "b1"), ("a3", "b1")}
    assert im.graph.edges["a1", "a2"]["facts"] == ("i2",)
    assert im.node("a2").degree == 1


def test_without_memberships():
    im = run(filter_graph(), include_memberships=False)
    assert edge_set(im) == {("a1", "a2"), ("a2", "a3")}
    assert im.node("b1").degree == 0


# --- betweenness method -----------------------------------------------------------------------


def test_exact_betweenness_up_to_the_threshold():
    im = run(two_triangles(), exact_betweenness_max_nodes=6)
    assert im.betweenness_method == "exact"
    assert im.betweenness_samples is None


def test_sampled_betweenness_above_the_threshold():
    exact = run(two_triangles())
    sampled = run(two_triangles(), exact_betweenness_max_nodes=5, betweenness_samples=3)
    assert sampled.betweenness_method == "sampled"
    assert sampled.betweenness_samples == 3
    assert sampled.parameters.betweenness_samples == 3
    # With as many pivots as nodes the estimate is the exact value.
    full = run(two_triangles(), exact_betweenness_max_nodes=5, betweenness_samples=256)
    assert full.betweenness_samples == 6  # min(256, n)
    assert [m.betweenness for m in full.nodes] == [m.betweenness for m in exact.nodes]
    # Same seed, same pivots.
    again = run(two_triangles(), exact_betweenness_max_nodes=5, betweenness_samples=3)
    assert again == sampled


# --- determinism, empty graph ----------------------------------------------------------------


def random_registry(seed: int, *, reverse: bool) -> nx.MultiGraph:
    rng = random.Random(seed)
    nodes = [(f"a{i}", "actor") for i in range(1, 31)] + [(f"b{i}", "body") for i in range(1, 6)]
    facts = []
    for index in range(70):
        u, v = rng.sample([n for n, _ in nodes], 2)
        if u.startswith("b") and v.startswith("b"):
            continue
        facts.append((u, v, f"i{index}", rng.randint(1, 5), rng.choice((1, 1, -1))))
    graph = nx.MultiGraph()
    for node, kind in reversed(nodes) if reverse else nodes:
        if kind == "actor":
            add_actor(graph, int(node[1:]), category=rng_category(node))
        else:
            add_body(graph, int(node[1:]))
    for u, v, key, weight, sign in reversed(facts) if reverse else facts:
        if reverse:
            u, v = v, u
        add_interaction(graph, u, v, key, weight=weight, sign=sign)
    return graph


def rng_category(node: str) -> str:
    return "elected_official" if int(node[1:]) % 5 == 0 else "resident"


def test_same_inputs_same_map_whatever_the_insertion_order():
    first = run(random_registry(3, reverse=False), seed=11)
    second = run(random_registry(3, reverse=False), seed=11)
    shuffled = run(random_registry(3, reverse=True), seed=11)
    assert first == second
    assert first == shuffled
    assert repr(first) == repr(shuffled)
    sampled = [
        run(random_registry(3, reverse=r), seed=11, exact_betweenness_max_nodes=10)
        for r in (False, True)
    ]
    assert sampled[0] == sampled[1]


def test_floats_are_rounded():
    im = run(random_registry(5, reverse=False))
    for m in im.nodes:
        for value in (m.pagerank, m.betweenness, m.constraint, m.effective_size):
            if value is not None:
                assert value == round(value, 6)


def test_empty_graph():
    im = run(nx.MultiGraph())
    assert im.nodes == ()
    assert im.communities == ()
    assert im.brokers == ()
    assert im.betweenness_method == "exact"
    assert im.graph.number_of_nodes() == 0


def test_result_is_frozen_and_keeps_the_parameters():
    im = run(two_triangles(), min_weight=2, include_memberships=False)
    assert im.as_of == AS_OF
    assert im.seed == 42
    assert im.parameters.min_weight == 2
    assert im.parameters.include_memberships is False
    with pytest.raises(AttributeError):
        im.seed = 1  # type: ignore[misc]
    assert nx.is_frozen(im.graph)
