"""The explorer page in a real browser: Debian's Chromium driven by Playwright, against a
live server on the seeded demo data (the machinery: tests/browser/conftest.py).

One database and one server for the module (the territory extract and ``seed_demo``, as
tests/graph/test_planted_cases.py), one browser, a fresh browser context (empty
``sessionStorage``, no cookie) per test. Every page records its requests and console
messages: a request to another host, or a console error (a refused script, a policy
violation), fails the test that made it. The expected values are the API's answers for
the same territory, read by the fixture (``site``).

The screenshots of the explorer and of its SVG export go to ``$TEST_ARTIFACTS`` (default
``tests/artifacts/``, git-ignored).
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import (
    BESIDE_PARIS,
    LOAD_MS,
    PARIS,
    artifact,
    node_with_bodies,
)

pytestmark = [pytest.mark.django_db, pytest.mark.one_database]
SVG = "{http://www.w3.org/2000/svg}"


def test_the_explorer_draws_the_demo_paris_map_with_as_many_nodes_as_the_api(open_page, site):
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    assert page.get_attribute("#map", "data-order") == str(len(site["map"]["nodes"]))
    assert page.locator("#map canvas").count() >= 2  # sigma's WebGL layers
    # Until the influence map carries positions, the page lays the graph out itself.
    placed = all("x" in node for node in site["map"]["nodes"])
    assert page.get_attribute("#map", "data-layout") == ("server" if placed else "page")
    assert re.search(rf"\b{len(site['map']['nodes'])} nodes\b", page.text_content("#status"))
    # Communities named after their most central member.
    first = site["map"]["graph"]["communities"][0]
    labels = {node["id"]: node["label"] for node in site["map"]["nodes"]}
    community_names = page.locator("#communities li").all_text_contents()
    assert any(text.startswith(labels[first["top_members"][0]]) for text in community_names)
    page.screenshot(path=str(artifact("explorer-paris.png")))


def test_the_server_layout_and_strengths_are_used_when_the_answers_carry_them(open_page, site):
    """The contract of the server's layout (node x, y, size, color, shape; community name
    and color) and of the renewal strengths, given by rewriting the answers in flight."""

    def with_layout(route):
        answer = route.fetch()
        data = answer.json()
        for i, node in enumerate(data["nodes"]):
            node.update(
                x=float(i % 20), y=float(i // 20), size=4.0, color="#123456",
                shape="square" if node["kind"] == "body" else "circle",
            )  # fmt: skip
        for community in data["graph"]["communities"]:
            # A colour of its own each (communities sharing one are a single legend line).
            community.update(name=f"Cercle {community['id']}", color=f"#6543{community['id']:02x}")
        route.fulfill(response=answer, json=data)

    def with_strengths(route):
        answer = route.fetch()
        data = answer.json()
        data["ranking"][0]["strengths"] = [
            {
                "code": "attendance",
                "value": 0.9,
                "status": "ok",
                "message_en": "Members attend: 90% on average.",
                "message_fr": "Les membres sont présents : 90 % en moyenne.",
            }
        ]
        route.fulfill(response=answer, json=data)

    view = open_page()
    view.page.route(re.compile(r"/api/analysis/influence-map\?"), with_layout)
    view.page.route(re.compile(r"/api/analysis/renewal\?"), with_strengths)
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    assert page.get_attribute("#map", "data-layout") == "server"
    assert page.locator("#communities li").first.text_content().startswith("Cercle ")
    page.wait_for_selector("#renewal[data-state='ready']", state="attached")
    page.locator("#renewal li[data-body] summary").first.click()
    strengths = page.locator("#renewal li[data-body]").first.locator(".strengths li")
    assert strengths.count() == 1
    assert "Members attend: 90% on average." in strengths.text_content()


def test_the_legend_names_each_colour_once(open_page, site):
    """Paris has 15 communities and the palette 10 colours: the five beyond it, all grey,
    were listed by name with the same grey swatch, as if one could tell them apart."""
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    communities = site["map"]["graph"]["communities"]
    colours = [community["color"] for community in communities]
    shared = {colour for colour in colours if colours.count(colour) > 1}
    assert shared, "the demo's Paris has more communities than colours"
    items = page.locator("#communities li").all_text_contents()
    named = [c for c in communities if c["color"] not in shared]
    assert items[: len(named)] == [f"{c['name']} ({c['size']})" for c in named]
    rest = sum(colours.count(colour) for colour in shared)
    assert items[len(named) :] == [f"{rest} smaller communities"]


def test_the_territory_box_suggests_territories_by_name(open_page, site):
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    page.fill("#territory", "")
    page.type("#territory", "Paris")
    page.wait_for_selector(
        f"#territory-options option[value='{PARIS}']", state="attached", timeout=LOAD_MS
    )


def test_the_key_is_kept_in_the_tab_session_storage_only(open_page, site):
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    assert page.evaluate("() => Object.values(sessionStorage)") == [site["key"]]
    assert page.evaluate("() => localStorage.length") == 0
    assert page.evaluate("() => document.cookie") == ""
    assert [cookie["name"] for cookie in view.context.cookies()] == []
    assert site["key"] not in page.url
    # Another tab of the same browser does not have it.
    other = view.context.new_page()
    other.goto(f"{site['url']}/explore/")
    assert other.evaluate("() => sessionStorage.length") == 0
    assert other.locator("#key-dialog").is_visible()


def test_searching_an_actor_selects_it_and_opens_its_panel(open_page, site):
    node, bodies = node_with_bodies(site["map"])
    expected = next(item for item in site["map"]["nodes"] if item["id"] == node)
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    page.fill("#search", expected["label"])
    page.press("#search", "Enter")
    page.wait_for_selector(f"#panel[data-node='{node}']:not([hidden])")
    assert page.get_attribute("#map", "data-selected") == node
    assert page.text_content("#panel-title") == expected["label"]
    degree = page.text_content("#panel tr[data-metric='degree'] td")
    assert degree == str(expected["degree"])
    assert set(page.locator("#panel .node-list button").all_text_contents()) == set(bodies)
    page.wait_for_function("() => !document.querySelector('#panel .ego').textContent.includes('…')")
    assert "neighbours" in page.text_content("#panel .ego")


def test_the_renewal_list_shows_the_bodies_of_the_territory_in_rank_order(open_page, site):
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    page.wait_for_selector("#renewal[data-state='ready']", timeout=LOAD_MS)
    ranked = [str(entry["body_id"]) for entry in site["renewal"]["ranking"]]
    assert ranked, "the demo's Paris has bodies"
    items = page.locator("#renewal li[data-body]")
    assert [items.nth(i).get_attribute("data-body") for i in range(items.count())] == ranked
    first = site["renewal"]["ranking"][0]
    assert (
        page.locator("#renewal li[data-body] .summary").first.text_content() == first["summary_en"]
    )
    # Its indicators, opened: one line per indicator with its status.
    page.locator("#renewal li[data-body] summary").first.click()
    opened = page.locator("#renewal li[data-body]").first
    codes = opened.locator(".indicators .indicator")
    assert codes.count() == len(first["indicators"])
    # Its strengths beside them, reached first, each labelled as the declaration says.
    strengths = opened.locator(".strengths .strength")
    assert strengths.count() == len(first["strengths"])
    reached = [s["code"] for s in first["strengths"] if s["status"] == "strength"]
    shown = [strengths.nth(i).get_attribute("data-code") for i in range(strengths.count())]
    assert shown[: len(reached)] == reached
    # Clicking a body of the list selects it on the map.
    page.locator("#renewal li[data-body] button.link").first.click()
    page.wait_for_selector(f"#panel[data-node='b{first['body_id']}']:not([hidden])")
    assert page.get_attribute("#map", "data-selected") == f"b{first['body_id']}"
    marked = page.locator("#renewal li.selected")
    assert marked.count() == 1 and marked.get_attribute("data-body") == str(first["body_id"])


def test_choosing_two_actors_highlights_the_strongest_path(open_page, site):
    source, _bodies = node_with_bodies(site["map"])
    target = site["path_to"]
    expected = site["path"]
    assert expected["found"] and expected["source"] == source
    steps = ",".join(step["node"] for step in expected["strongest"]["steps"])
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    labels = {node["id"]: node["label"] for node in site["map"]["nodes"]}
    for node, button in ((source, "#path-from-here"), (target, "#path-to-here")):
        page.fill("#search", labels[node])
        page.press("#search", "Enter")
        page.wait_for_selector(f"#panel[data-node='{node}']")
        page.click(button)
    page.wait_for_selector("#map[data-path]")
    assert page.get_attribute("#map", "data-path") == steps
    assert page.text_content("#path-from") == labels[source]
    assert page.text_content("#path-to") == labels[target]
    page.click("#path-clear")
    assert page.get_attribute("#map", "data-path") is None


def test_the_view_exports_as_png_and_svg(open_page, site, tmp_path):
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    with page.expect_download() as png:
        page.click("#export-png")
    png_file = tmp_path / png.value.suggested_filename
    png.value.save_as(png_file)
    assert png_file.suffix == ".png" and PARIS.replace(":", "-") in png_file.name
    assert png_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.click("#export-svg")
    svg_file = tmp_path / svg.value.suggested_filename
    svg.value.save_as(svg_file)
    text = svg_file.read_text(encoding="utf-8")
    assert svg_file.suffix == ".svg" and text.startswith("<?xml") and "<svg" in text
    root = ET.fromstring(text.encode())
    nodes = root.find(f"{SVG}g[@class='nodes']")
    assert 0 < len(nodes) <= len(site["map"]["nodes"])
    # The legend goes with the picture: shapes, ties and every community line of the page.
    legend = [t.text for t in root.find(f"{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert legend[:2] == ["actor", "body"]
    assert legend[4:] == page.locator("#communities li").all_text_contents()
    shutil.copy(svg_file, artifact("explorer-paris.svg"))
    # The SVG as a browser shows it (set as content: no request).
    picture = view.context.new_page()
    picture.set_content(text.split("\n", 1)[1])
    picture.screenshot(path=str(artifact("explorer-paris-svg.png")))


def test_a_map_too_large_for_the_request_is_drawn_from_its_background_job(
    open_page, site, settings
):
    """A 202 answer is a job: the page follows it to its result (the jobs run at once here:
    django-tasks' immediate backend, in the server's thread)."""
    settings.REGISTRY_ANALYSIS = {**settings.REGISTRY_ANALYSIS, "SYNC_MAX_NODES": 10}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    view = open_page()
    statuses = []
    view.page.on(
        "response",
        lambda r: "influence-map" in r.url and statuses.append((r.status, urlsplit(r.url).query)),
    )
    # A filter no other test asks for: not in the cache yet.
    page = view.open(f"#territory={PARIS}&min_weight=2", key=site["key"])
    view.wait_for_map()
    assert [status for status, _query in statuses] == [202, 200]
    assert statuses[0][1] == statuses[1][1] == "territory=commune%3A75056&min_weight=2"
    assert int(page.get_attribute("#map", "data-order")) > 10


def test_the_page_is_french_with_a_french_browser(open_page, site):
    view = open_page(locale="fr-FR")
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    assert page.get_attribute("html", "lang") == "fr"
    assert page.text_content("h1") == "Explorateur des cartes d'influence"
    assert "nœuds" in page.text_content("#status")
    page.wait_for_selector("#renewal[data-state='ready']")
    first = site["renewal"]["ranking"][0]
    assert (
        page.locator("#renewal li[data-body] .summary").first.text_content() == first["summary_fr"]
    )
    assert page.text_content("#export-png") == "Exporter en PNG"
    # The date and the numbers as French writes them (the demo's map has 1,000+ ties).
    as_of = site["map"]["graph"]["as_of"]
    french_date = "/".join(reversed(as_of.split("-")))
    status = page.text_content("#status")
    assert f"au {french_date}" in status, status
    ties = len(site["map"]["links"])
    assert f"{ties // 1000}\u202f{ties % 1000:03d} liens" in status, status


def _overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


@pytest.mark.parametrize("territory", [PARIS, BESIDE_PARIS])
def test_the_labels_drawn_on_the_map_never_overlap(open_page, site, territory):
    """Sigma's label grid let two long names of close nodes ("Conseil de quartier …")
    be drawn over each other: the page now draws only the labels that meet no other."""
    view = open_page()
    page = view.open(f"#territory={territory}", key=site["key"])
    view.wait_for_map()
    page.wait_for_function("Number(document.getElementById('map').dataset.labels) > 5")
    boxes = page.evaluate("Object.values(document.getElementById('map').labelBoxes)")
    assert len(boxes) > 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    width = page.evaluate("document.getElementById('map').clientWidth")
    assert max(box["x1"] for box in boxes) <= width  # none runs under the side panel
    page.screenshot(path=str(artifact(f"explorer-labels-{territory.replace(':', '-')}.png")))


def test_the_map_stays_within_its_box_above_the_legend(open_page, site):
    """The legend is filled after the map is drawn: sigma's canvas kept its first height
    and covered it."""
    view = open_page()
    page = view.open(f"#territory={PARIS}", key=site["key"])
    view.wait_for_map()
    page.wait_for_timeout(300)  # the resize observer's frame
    box = page.evaluate(
        """() => {
          const rect = (selector) => document.querySelector(selector).getBoundingClientRect();
          return { map: rect("#map").bottom, canvas: rect("#map canvas").bottom,
                   legend: rect(".legend").top, page: window.innerHeight,
                   legendBottom: rect(".legend").bottom };
        }"""
    )
    assert box["canvas"] <= box["map"] + 1 and box["map"] <= box["legend"] + 1, box
    assert box["legendBottom"] <= box["page"] + 1, box  # the legend is on the screen


def test_a_scoped_key_cannot_open_a_territory_out_of_its_reach(open_page, site):
    """Beside the key's territory or missing: the same "not found", and never data."""
    seen = {}
    for territory in (BESIDE_PARIS, "commune:99999"):
        view = open_page()
        page = view.open(f"#territory={territory}", key=site["paris_key"])
        view.wait_for_map("not-found")
        page.wait_for_selector(
            "#renewal[data-state='not-found']", state="attached", timeout=LOAD_MS
        )
        assert page.get_attribute("#map", "data-order") is None
        assert page.locator("#renewal li").count() == 0
        seen[territory] = page.text_content("#status")
    assert seen[BESIDE_PARIS] == seen["commune:99999"]
    assert seen[BESIDE_PARIS].startswith("Not found")
    # Without a territory, the key's own is drawn.
    view = open_page()
    page = view.open("", key=site["paris_key"])
    view.wait_for_map()
    assert page.get_attribute("#map", "data-order") == str(len(site["map"]["nodes"]))
    # The territory box then names it (asked after the map is drawn).
    page.wait_for_function(f"() => document.getElementById('territory').value === '{PARIS}'")


def test_a_staff_session_needs_no_key_and_keeps_its_territory_limit(open_page, site):
    view = open_page(session=True)
    page = view.open("")
    view.wait_for_map()
    assert not page.locator("#key-dialog").is_visible()
    assert "paris-staff" in page.text_content("#auth-status")
    assert page.get_attribute("#map", "data-order") == str(len(site["map"]["nodes"]))
    assert page.evaluate("() => sessionStorage.length") == 0
    view = open_page(session=True)
    page = view.open(f"#territory={BESIDE_PARIS}")
    view.wait_for_map("not-found")


def test_without_credentials_the_page_asks_for_a_key_and_shows_no_data(open_page, site):
    view = open_page()
    page = view.open(f"#territory={PARIS}")
    assert page.locator("#key-dialog").is_visible()
    assert page.get_attribute("#map", "data-state") == "auth"
    assert page.get_attribute("#admin-login", "href") == "/admin/login/?next=/explore/"
    page.fill("#api-key", "bad.key")
    page.click("#use-key")
    page.wait_for_selector("#key-dialog[open]")
    page.wait_for_function(
        "() => document.getElementById('key-reason').textContent.includes('refused')"
    )
    assert page.get_attribute("#map", "data-order") is None
    assert page.evaluate("() => sessionStorage.length") == 0


def test_a_bad_parameter_is_named_on_the_page(open_page, site):
    """The API names the parameter of each error (``errors[].parameter``); the page read
    ``attr``, which it never has, so it said what was wrong but not where."""
    view = open_page()
    page = view.open(f"#territory={PARIS}&min_weight=9", key=site["key"])
    view.wait_for_map("error")
    assert "min_weight: " in page.text_content("#status")


def test_without_a_territory_an_unlimited_key_is_asked_to_choose_one(open_page, site):
    """The API's 400 names ``territory``: the page asks for one instead of showing an error."""
    view = open_page()
    page = view.open("", key=site["key"])
    view.wait_for_map("idle")
    assert page.get_attribute("#status", "data-key") == "choose_territory"
