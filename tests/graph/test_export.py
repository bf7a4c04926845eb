"""graph.export: the exports parse back, carry the metrics, and are deterministic."""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from graph.export import PALETTE, to_gexf, to_graphml, to_node_link, to_svg
from graph.influence import InfluenceMap, influence_map
from tests.graph.test_influence import (
    add_actor,
    add_body,
    add_interaction,
    add_membership,
    two_triangles,
)

AS_OF = dt.date(2020, 3, 15)  # never today: a clock-stamped date would show
SVG = "{http://www.w3.org/2000/svg}"


def sample_map(seed: int = 7) -> InfluenceMap:
    graph = two_triangles()
    add_body(graph, 1, label="Café & <Co>")
    add_membership(graph, "a1", "b1", "m1", "president")
    add_interaction(graph, "a2", "a5", "i50", weight=3, sign=-1, type="conflict")
    add_actor(graph, 9, label='Lonely "quoted"')
    return influence_map(graph, as_of=AS_OF, seed=seed)


@pytest.fixture(scope="module")
def im() -> InfluenceMap:
    return sample_map()


# --- node-link JSON ------------------------------------------------------------------------


def test_node_link_is_json_with_metrics_attributes_and_metadata(im):
    data = to_node_link(im)
    text = json.dumps(data, allow_nan=False)  # no NaN anywhere
    assert json.loads(text) == data
    nodes = {n["id"]: n for n in data["nodes"]}
    assert [n["id"] for n in data["nodes"]] == ["a1", "a2", "a3", "a4", "a5", "a6", "a9", "b1"]
    a1 = nodes["a1"]
    for key in ("pagerank", "betweenness", "community", "core_number", "label", "category"):
        assert key in a1
    assert a1["territory"] == "commune:75056"
    assert nodes["a9"]["constraint"] is None  # isolated
    link = next(link for link in data["links"] if (link["source"], link["target"]) == ("a2", "a5"))
    assert link == {
        "source": "a2",
        "target": "a5",
        "weight": 3,
        "positive": 0,
        "negative": 3,
        "facts": ["i50"],
    }
    graph = data["graph"]
    assert graph["as_of"] == "2020-03-15"
    assert graph["seed"] == 7
    assert graph["betweenness_method"] == "exact"
    assert graph["brokers"] == list(im.brokers)
    assert [c["id"] for c in graph["communities"]] == [c.id for c in im.communities]


# --- GEXF / GraphML ------------------------------------------------------------------------


def test_gexf_parses_back_with_attributes(im):
    back = nx.read_gexf(io.BytesIO(to_gexf(im)), version="1.3")
    assert sorted(back.nodes) == sorted(m.node for m in im.nodes)
    b1 = back.nodes["b1"]
    assert b1["label"] == "Café & <Co>"
    assert b1["pagerank"] == pytest.approx(im.node("b1").pagerank)
    assert b1["community"] == im.node("b1").community
    assert "constraint" not in back.nodes["a9"]  # None is left out
    assert back.edges["a2", "a5"]["negative"] == 3
    assert back.edges["a2", "a5"]["facts"] == "i50"


def test_gexf_is_byte_identical_and_dated_as_of(im):
    first = to_gexf(im)
    assert first == to_gexf(sample_map())
    assert b'lastmodifieddate="2020-03-15"' in first
    assert dt.date.today().isoformat().encode() not in first


def test_graphml_parses_back_with_attributes(im):
    back = nx.read_graphml(io.BytesIO(to_graphml(im)))
    a3 = back.nodes["a3"]
    assert a3["label"] == "Actor 3"
    assert a3["pagerank"] == pytest.approx(im.node("a3").pagerank)
    assert a3["community"] == im.node("a3").community
    assert a3["is_broker"] is im.node("a3").is_broker
    assert a3["participation"] == pytest.approx(im.node("a3").participation)
    assert a3["role"] == im.node("a3").role
    assert "constraint" not in back.nodes["a9"]
    assert back.graph["as_of"] == "2020-03-15"
    assert back.graph["betweenness_method"] == "exact"
    assert back.edges["a1", "b1"]["weight"] == 5


def test_graphml_is_byte_identical(im):
    first = to_graphml(im)
    assert first == to_graphml(sample_map())
    assert dt.date.today().isoformat().encode() not in first


# --- SVG -------------------------------------------------------------------------------------


def drawn(svg: str) -> dict[str, ET.Element]:
    """Node id -> its shape (circle for an actor, rect for a body) in the nodes group."""
    nodes = ET.fromstring(svg).find(f".//{SVG}g[@class='nodes']")
    return {e.get("data-node"): e for e in nodes}


def test_svg_is_well_formed_with_one_shape_per_node(im):
    shapes = drawn(to_svg(im))
    assert set(shapes) == {m.node for m in im.nodes}
    assert shapes["a1"].tag == f"{SVG}circle"
    assert shapes["b1"].tag == f"{SVG}rect"  # a body is a square
    assert shapes["a1"].get("fill") == PALETTE[im.node("a1").community]


def test_svg_escapes_labels_and_shows_as_of_and_communities(im):
    svg = to_svg(im)
    assert "Café &amp; &lt;Co&gt;" in svg
    assert "<Co>" not in svg
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert any("Café & <Co>" in t for t in texts)
    assert any(f"{len(im.communities)} communities" in t for t in texts)
    assert any("2020-03-15" in t for t in texts)


def test_svg_negative_ties_are_dashed(im):
    root = ET.fromstring(to_svg(im))
    negative = root.find(f".//{SVG}g[@class='ties-negative']")
    between = root.find(f".//{SVG}g[@class='ties-between']")
    # a2 - a5 is the one mostly negative tie: dashed, within its community or between two.
    dashed = list(negative) + [line for line in between if line.get("stroke-dasharray")]
    assert len(dashed) == 1


def test_svg_labels_only_the_top_nodes(im):
    svg = to_svg(im, labels=3)
    labels = ET.fromstring(svg).find(f".//{SVG}g[@class='labels']")
    top = {m.label for m in sorted(im.nodes, key=lambda m: -m.pagerank)[:3]}
    assert {t.text for t in labels} <= top


def test_svg_is_deterministic_per_seed(im):
    assert to_svg(im) == to_svg(sample_map())
    assert to_svg(im) != to_svg(sample_map(seed=8))


def test_empty_map_exports():
    empty = influence_map(nx.MultiGraph(), as_of=AS_OF, seed=1)
    assert to_node_link(empty)["nodes"] == []
    assert nx.read_gexf(io.BytesIO(to_gexf(empty)), version="1.3").number_of_nodes() == 0
    assert nx.read_graphml(io.BytesIO(to_graphml(empty))).number_of_nodes() == 0
    assert drawn(to_svg(empty)) == {}


def test_dates_become_iso_strings_and_types_are_unified():
    graph = two_triangles()
    graph.nodes["a1"]["since"] = dt.date(2018, 9, 1)
    graph.nodes["a1"]["start"] = dt.date(2018, 9, 1)  # would make the GEXF dynamic
    graph.nodes["a1"]["score"] = 2  # int here ...
    graph.nodes["a2"]["score"] = 2.5  # ... float there: written as float throughout
    im = influence_map(graph, as_of=AS_OF, seed=1)
    assert to_node_link(im)["nodes"][0]["since"] == "2018-09-01"
    for back in (
        nx.read_gexf(io.BytesIO(to_gexf(im)), version="1.3"),
        nx.read_graphml(io.BytesIO(to_graphml(im))),
    ):
        assert back.nodes["a1"]["since"] == "2018-09-01"
        assert back.nodes["a1"]["score"] == 2.0
        assert back.nodes["a2"]["score"] == 2.5
        assert "since" not in back.nodes["a2"]
        assert back.nodes["a1"]["start_"] == "2018-09-01"


def test_svg_of_a_large_map_shows_only_the_most_central_nodes():
    # A star of 40 leaves around one hub: the hub has the highest PageRank, so a
    # picture limited to 5 nodes keeps the hub and 4 leaves, and says so.
    star = nx.MultiGraph()
    star.add_node("b1", kind="body", label="Hub", category="ccspl")
    for i in range(1, 41):
        star.add_node(f"a{i}", kind="actor", label=f"Leaf {i}", category="resident")
        star.add_edge(
            f"a{i}", "b1", key=f"m{i}", relation="membership", type="member", weight=3, sign=1
        )
    big = influence_map(star, as_of=dt.date(2026, 11, 1), seed=0)
    svg = to_svg(big, max_nodes=5)
    shapes = drawn(svg)
    assert len(shapes) == 5
    assert "b1" in shapes
    assert "the 5 most central of 41 nodes" in svg
