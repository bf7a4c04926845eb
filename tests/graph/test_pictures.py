"""graph.layout and the drawing shared by every export: separated communities, one
position per node in every format, GEXF 1.3 with viz, a legible bilingual SVG."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import string
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.export import picture_of, to_gexf, to_graphml, to_node_link, to_svg
from graph.export.labels import shorten, text_box
from graph.export.messages import MESSAGES
from graph.influence import influence_map
from graph.layout import community_layout
from tests.graph.test_export import sample_map

AS_OF = dt.date(2020, 3, 15)
SVG = "{http://www.w3.org/2000/svg}"
GEXF = "{http://gexf.net/1.3}"
VIZ = "{http://gexf.net/1.3/viz}"


def planted(groups: int, size: int, *, seed: int = 1, bodies: int = 1) -> nx.MultiGraph:
    """``groups`` dense groups of ``size`` actors (each group around ``bodies`` bodies),
    one weak tie between consecutive groups."""
    import random

    rng = random.Random(seed)
    graph = nx.MultiGraph()
    for g in range(groups):
        members = [f"a{g * size + i + 1}" for i in range(size)]
        for i, node in enumerate(members):
            graph.add_node(node, kind="actor", label=f"Actor {g}-{i}", category="resident")
        for b in range(bodies):
            body = f"b{g * bodies + b + 1}"
            graph.add_node(body, kind="body", label=f"Conseil de quartier {g}-{b}", category="x")
            for i, node in enumerate(members):
                if i % bodies == b:
                    graph.add_edge(
                        node,
                        body,
                        key=f"m{body}{node}",
                        relation="membership",
                        type="member",
                        weight=3,
                        sign=1,
                    )
        for i, u in enumerate(members):
            for v in members[i + 1 :]:
                if rng.random() < 0.3:
                    graph.add_edge(
                        u,
                        v,
                        key=f"i{u}{v}",
                        relation="interaction",
                        type="collaboration",
                        weight=2,
                        sign=1,
                    )
        if g:
            graph.add_edge(
                f"a{g * size}",
                members[0],
                key=f"x{g}",
                relation="interaction",
                type="opposition",
                weight=1,
                sign=-1,
            )
    return graph


@pytest.fixture(scope="module")
def three():
    return influence_map(planted(3, 20), as_of=AS_OF, seed=3)


def _layout(im, **kwargs):
    return community_layout(
        im.graph,
        {m.node: m.community for m in im.nodes},
        {m.node: m.pagerank for m in im.nodes},
        seed=im.seed,
        **kwargs,
    )


def _mean_distances(im, positions):
    within, between = [], []
    nodes = list(im.nodes)
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            d = math.dist(positions[a.node], positions[b.node])
            (within if a.community == b.community else between).append(d)
    return sum(within) / len(within), sum(between) / len(between)


@pytest.mark.parametrize("bound", [10_000, 1], ids=["force", "spiral"])
def test_planted_communities_come_out_as_separate_groups(three, bound):
    assert len(three.communities) == 3
    layout = _layout(three, force_max_nodes=bound)
    assert layout.method == ("force" if bound > 1 else "spiral")
    within, between = _mean_distances(three, layout.positions)
    assert within < between / 2.5
    # No two discs overlap, and every node sits in its community's disc.
    for i, a in enumerate(layout.discs):
        for b in layout.discs[i + 1 :]:
            assert math.dist((a.x, a.y), (b.x, b.y)) >= a.radius + b.radius
    disc = {d.community: d for d in layout.discs}
    for m in three.nodes:
        d = disc[m.community]
        assert math.dist(layout.positions[m.node], (d.x, d.y)) <= d.radius + 0.01


def test_spiral_puts_the_highest_pagerank_at_its_community_centre(three):
    layout = _layout(three, force_max_nodes=1)
    for d in layout.discs:
        members = [m for m in three.nodes if m.community == d.community]
        top = max(members, key=lambda m: (m.pagerank, m.node))
        closest = min(members, key=lambda m: math.dist(layout.positions[m.node], (d.x, d.y)))
        assert closest.node == top.node


def test_layout_is_the_same_bytes_for_a_seed(three):
    first = to_node_link(three)
    again = to_node_link(influence_map(planted(3, 20), as_of=AS_OF, seed=3))
    assert first == again
    other = to_node_link(influence_map(planted(3, 20), as_of=AS_OF, seed=4))
    assert [n["x"] for n in first["nodes"]] != [n["x"] for n in other["nodes"]]


@settings(max_examples=25, deadline=None)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 14), st.integers(0, 14), st.integers(1, 5)), max_size=40
    ),
    seed=st.integers(0, 5),
)
def test_any_graph_gets_finite_positions_for_every_node(edges, seed):
    graph = nx.MultiGraph()
    for i in range(15):
        graph.add_node(f"a{i}", kind="actor", label=f"A{i}", category="resident")
    for k, (u, v, w) in enumerate(edges):
        graph.add_edge(
            f"a{u}", f"a{v}", key=f"i{k}", relation="interaction", type="t", weight=w, sign=1
        )
    im = influence_map(graph, as_of=AS_OF, seed=seed)
    picture = picture_of(im)
    assert set(picture.nodes) == {m.node for m in im.nodes}
    assert all(math.isfinite(s.x) and math.isfinite(s.y) for s in picture.nodes.values())
    assert picture_of(im) == picture


# --- the contract of the node-link JSON (the explorer reads it) -----------------------------


def test_node_link_nodes_carry_position_size_colour_and_shape():
    im = sample_map()
    data = to_node_link(im)
    nodes = {n["id"]: n for n in data["nodes"]}
    for node in nodes.values():
        assert isinstance(node["x"], float) and isinstance(node["y"], float)
        assert re.fullmatch(r"#[0-9a-f]{6}", node["color"])
        assert node["size"] >= 3.0
    assert nodes["b1"]["shape"] == "square"
    assert nodes["a1"]["shape"] == "circle"
    top = max(im.nodes, key=lambda m: m.pagerank)
    assert nodes[top.node]["size"] == 18.0  # the largest PageRank draws the largest
    assert data["graph"]["layout_method"] == "force"
    for community in data["graph"]["communities"]:
        head = community["top_members"][0]
        assert community["named_after"] == head
        assert community["name"] == nodes[head]["label"]
        assert community["color"] == nodes[head]["color"]


# --- GEXF 1.3 and GraphML ----------------------------------------------------------------------


def test_gexf_is_1_3_with_viz_on_every_node_and_readable_edge_labels():
    im = sample_map()
    document = to_gexf(im)
    root = ET.fromstring(document)
    assert root.tag == f"{GEXF}gexf" and root.get("version") == "1.3"
    assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in document
    data = {n["id"]: n for n in to_node_link(im)["nodes"]}
    nodes = root.findall(f".//{GEXF}node")
    assert len(nodes) == len(im.nodes)
    for node in nodes:
        expected = data[node.get("id")]
        position = node.find(f"{VIZ}position")
        assert float(position.get("x")) == expected["x"]
        assert float(position.get("y")) == expected["y"]
        assert float(node.find(f"{VIZ}size").get("value")) == expected["size"]
        colour = node.find(f"{VIZ}color")
        assert "#" + "".join(f"{int(colour.get(c)):02x}" for c in "rgb") == expected["color"]
        shape = node.find(f"{VIZ}shape").get("value")
        assert shape == {"circle": "disc", "square": "square"}[expected["shape"]]
    labels = {(e.get("source"), e.get("target")): e.get("label") for e in root.iter(f"{GEXF}edge")}
    assert labels["a1", "b1"] == "president"
    assert labels["a2", "a5"] == "interaction: conflict"
    negative = next(
        e for e in root.iter(f"{GEXF}edge") if (e.get("source"), e.get("target")) == ("a2", "a5")
    )
    assert negative.find(f"{VIZ}shape").get("value") == "dashed"


def test_graphml_positions_equal_the_json_positions():
    im = sample_map()
    back = nx.read_graphml(io.BytesIO(to_graphml(im)))
    assert back.graph["layout_method"] == "force"
    for node in to_node_link(im)["nodes"]:
        got = back.nodes[node["id"]]
        for key in ("x", "y", "size", "color", "shape"):
            assert got[key] == node[key], key
    assert back.edges["a1", "b1"]["label"] == "president"


# --- the SVG -------------------------------------------------------------------------------


def _boxes(svg: str) -> list:
    root = ET.fromstring(svg)
    boxes = []
    for group in ("community-names", "labels"):
        for t in root.find(f".//{SVG}g[@class='{group}']"):
            boxes.append(
                text_box(
                    float(t.get("x")),
                    float(t.get("y")),
                    t.text,
                    float(t.get("font-size")),
                    t.get("text-anchor"),
                )
            )
    return boxes


def test_svg_labels_never_overlap_on_a_paris_size_map():
    im = influence_map(planted(10, 40, bodies=2), as_of=AS_OF, seed=1)
    assert len(im.nodes) > 400
    svg = to_svg(im, labels=40)
    boxes = _boxes(svg)
    assert len(boxes) >= 15  # names and labels were placed, not all dropped
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    names = [t.text for t in ET.fromstring(svg).find(f".//{SVG}g[@class='community-names']")]
    assert len(names) == len(im.communities)  # each community shows its name


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Size",
                "Shape",
                "participation body",
                "Colour: community",
                "mostly negative ties",
                "ties between two communities",
                "Influence map as of",
            ],
        ),
        (
            "fr",
            [
                "Taille",
                "Forme",
                "instance participative",
                "Couleur : communauté",
                "liens surtout négatifs",
                "liens entre deux communautés",
                "Carte d'influence au",
            ],
        ),
    ],
)
def test_svg_legend_explains_size_colour_shape_and_lines_in_the_language(language, words):
    im = sample_map()
    svg = to_svg(im, language=language)
    legend_group = ET.fromstring(svg).find(f".//{SVG}g[@class='legend']")
    legend = " | ".join(t.text for t in legend_group.iter(f"{SVG}text"))
    for word in words:
        assert word in legend
    for community in to_node_link(im)["graph"]["communities"]:
        assert community["name"] in legend


def test_svg_catalogues_have_the_same_keys_and_placeholders():
    def fields(template):
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    en, fr = MESSAGES["en"], MESSAGES["fr"]
    assert en.keys() == fr.keys()
    for key in en:
        assert fields(en[key]) == fields(fr[key]), key


@given(text=st.text(min_size=0, max_size=120), limit=st.integers(8, 60))
def test_shortened_names_fit_their_limit_and_keep_both_ends(text, limit):
    short = shorten(text, limit)
    assert len(short) <= limit
    if len(text) <= limit:
        assert short == text
    else:
        assert "…" in short


def test_a_long_body_name_keeps_the_end_that_tells_it_apart():
    name = "Commission consultative des services publics locaux de Chambray-lès-Tours"
    assert shorten(name, 40) == "Commission … de Chambray-lès-Tours"


def _long_named(groups: int, size: int) -> nx.MultiGraph:
    """``planted`` whose bodies have names as long as the demo's CCSPL."""
    graph = planted(groups, size)
    for node, data in graph.nodes(data=True):
        if data["kind"] == "body":
            data["label"] = f"Commission consultative des services publics locaux {node}"
    return graph


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_svg_names_every_community_even_beside_an_edge_of_the_plot(seed):
    """A name wider than the space between its disc and the plot's edge was left out
    (region:24's easternmost and westernmost communities had none): it slides inwards."""
    from graph.export.svg import LEGEND_WIDTH

    im = influence_map(_long_named(6, 12), as_of=AS_OF, seed=seed)
    assert any(len(c.name) > 40 for c in picture_of(im).communities)
    svg = to_svg(im)
    names = ET.fromstring(svg).find(f".//{SVG}g[@class='community-names']")
    assert len(names) == len(im.communities)
    for name in names:
        box = text_box(
            float(name.get("x")),
            float(name.get("y")),
            name.text,
            float(name.get("font-size")),
            name.get("text-anchor"),
        )
        assert box.x0 >= 0 and box.x1 <= 1400 - LEGEND_WIDTH, (name.text, box)


def test_a_name_is_cut_between_words_rather_than_in_one():
    name = "Commission consultative des services publics locaux de Blois"
    assert shorten(name, 46) == "Commission … services publics locaux de Blois"


@pytest.mark.parametrize(
    ("language", "summary", "title"),
    [
        ("en", "the 600 most central of 1,240 nodes, {c} communities", "Influence map as of 2020-03-15"),
        ("fr", "les 600 nœuds les plus centraux sur 1\u202f240, {c} communautés", "Carte d'influence au 15/03/2020"),
    ],
)  # fmt: skip
def test_svg_writes_counts_and_the_date_as_the_language_does(language, summary, title):
    im = influence_map(planted(31, 39), as_of=AS_OF, seed=1)
    assert len(im.nodes) == 1240
    root = ET.fromstring(to_svg(im, language=language))
    legend = [t.text for t in root.find(f".//{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert legend[:2] == [title, summary.format(c=len(im.communities))]


def test_one_big_community_is_laid_out_as_a_spiral_not_by_force():
    """3,000 nodes passed the map's bound, but in one community nx.spring_layout took 18 s
    (O(n²)): the bound is also on the work, the sum of the squared community sizes."""
    from graph.layout import FORCE_MAX_NODES, FORCE_MAX_WORK

    size = int(FORCE_MAX_WORK**0.5) + 1
    assert size < FORCE_MAX_NODES
    graph = nx.path_graph([f"a{i}" for i in range(size)])
    community_of = dict.fromkeys(graph, 0)
    layout = community_layout(graph, community_of, dict.fromkeys(graph, 1.0), seed=0)
    assert layout.method == "spiral"
    # The same nodes in communities of ten stay within the work bound: laid out by force.
    split = {u: i // 10 for i, u in enumerate(graph)}
    assert community_layout(graph, split, dict.fromkeys(graph, 1.0), seed=0).method == "force"
