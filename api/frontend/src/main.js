// The explorer page: the form (territory, date, filters), the map, the panel of the
// selected node, the path between two actors, the renewal ranking, the exports.
// The state of the form is mirrored in the URL's fragment (#territory=commune:75056&...),
// so a view can be bookmarked or shared (the credentials never are).

import { ApiError, JobFailed, credentials, getAnalysis, getJson, parameterOf, withQuery } from "./api.js";
import { exportPng, exportSvg } from "./export.js";
import { buildGraph, findNodes } from "./graph.js";
import { config, formatDate, formatNumber, h, t } from "./i18n.js";
import { renderPanel } from "./panel.js";
import { renderRenewal } from "./renewal.js";
import { MapView } from "./view.js";

const $ = (id) => document.getElementById(id);
const FILTERS = ["category", "interaction_type"];

const state = {
  ask: null, // what the shown map was asked with: { territory, as_of, ... }
  data: null,
  graph: null,
  communities: new Map(),
  pathFrom: null,
  pathTo: null,
  generation: 0, // drops answers to superseded requests
};

const view = new MapView($("map"));

function setStatus(key, values = {}, mapState = null) {
  $("status").textContent = key ? t(key, values) : "";
  $("status").dataset.key = key || "";
  if (mapState) $("map").dataset.state = mapState;
}

// --- the form and the URL fragment ------------------------------------------------------

function fillChoices(select, choices) {
  select.replaceChildren(...choices.map(([code, label]) => h("option", { value: code }, label)));
}

function readForm() {
  const selected = (id) => [...$(id).selectedOptions].map((option) => option.value);
  const minWeight = $("min-weight").value.trim();
  return {
    territory: $("territory").value.trim(),
    as_of: $("as-of").value,
    category: selected("category"),
    interaction_type: selected("interaction-type"),
    min_weight: minWeight === "1" ? "" : minWeight,
  };
}

function writeForm(ask) {
  $("territory").value = ask.territory || "";
  $("as-of").value = ask.as_of || "";
  $("min-weight").value = ask.min_weight || "1";
  for (const [name, id] of [["category", "category"], ["interaction_type", "interaction-type"]]) {
    const wanted = new Set(ask[name] || []);
    for (const option of $(id).options) option.selected = wanted.has(option.value);
  }
}

function fromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const ask = { territory: params.get("territory") || "", as_of: params.get("as_of") || "", min_weight: params.get("min_weight") || "" };
  for (const name of FILTERS) ask[name] = params.getAll(name);
  return ask;
}

function toFragment(ask) {
  const query = withQuery("", ask).replace(/^\?/, "");
  window.history.replaceState(null, "", query ? `#${query}` : window.location.pathname);
}

// --- credentials ------------------------------------------------------------------------

function showCredentials() {
  const key = credentials.key();
  $("forget-key").hidden = !key;
  if (key) $("auth-status").textContent = t("key_kept");
  else if (config.staff) $("auth-status").textContent = t("signed_in", { user: config.staff.name });
  else $("auth-status").textContent = "";
}

function askForKey(reason, values = {}) {
  $("key-reason").textContent = t(reason, values);
  showCredentials();
  setStatus(reason, values, "auth");
  if (!$("key-dialog").open) $("key-dialog").showModal();
}

// --- the map ------------------------------------------------------------------------------

function clearMap(mapState) {
  view.renderer?.kill();
  view.renderer = null;
  state.graph = null;
  state.data = null;
  delete $("map").dataset.order;
  delete $("map").dataset.size;
  delete $("map").dataset.selected;
  delete $("map").dataset.path;
  delete $("map").dataset.layout;
  $("map").dataset.state = mapState;
  $("panel").hidden = true;
  $("node-options").replaceChildren();
  $("communities").replaceChildren();
  $("export-png").disabled = true;
  $("export-svg").disabled = true;
}

/** What went wrong, said on the page: a 404 is "not found", never data. */
function showFailure(error, target = "map") {
  if (error instanceof ApiError && error.status === 401) {
    if (credentials.key()) {
      credentials.forget();
      askForKey("bad_key", { detail: error.detail });
    } else {
      askForKey("auth_needed");
    }
    return "auth";
  }
  let key = "error";
  let values = { status: error.status, detail: error.detail };
  let mapState = "error";
  if (error instanceof JobFailed) [key, values] = ["job_failed", { error: error.message }];
  else if (!(error instanceof ApiError)) [key, values] = ["error", { status: "?", detail: String(error) }];
  else if (error.status === 0) key = "network_error";
  else if (error.status === 404) [key, mapState] = [target === "map" ? "not_found" : "node_not_found", "not-found"];
  else if (error.status === 403) [key, values] = ["forbidden", { detail: error.detail }];
  else if (error.status === 400 && (error.problem?.errors || []).some((e) => parameterOf(e) === "territory") && !state.ask?.territory) {
    [key, mapState] = ["choose_territory", "idle"];
  }
  setStatus(key, values, target === "map" ? mapState : null);
  return mapState;
}

function analysisParams(ask, extra = {}) {
  return { territory: ask.territory, as_of: ask.as_of, ...extra };
}

async function load(ask) {
  const generation = ++state.generation;
  const current = () => generation === state.generation;
  state.ask = ask;
  state.pathFrom = state.pathTo = null;
  showPath();
  clearMap("loading");
  setStatus("loading", {}, "loading");
  $("renewal").replaceChildren(h("li", { class: "hint" }, t("renewal_loading")));
  $("renewal").dataset.state = "loading";
  toFragment(ask);
  const mapUrl = withQuery(config.urls.influence_map, analysisParams(ask, {
    category: ask.category,
    interaction_type: ask.interaction_type,
    min_weight: ask.min_weight,
  }));
  const renewalUrl = withQuery(config.urls.renewal, analysisParams(ask));
  const jobStatus = (status) => (config.messages[`job_${status}`] ? t(`job_${status}`) : status);
  const onProgress = (status) => current() && setStatus("queued", { status: jobStatus(status) }, "queued");
  const map = getAnalysis(mapUrl, onProgress).then(
    (data) => current() && drawMap(data),
    (error) => current() && showFailure(error),
  );
  const renewal = getAnalysis(renewalUrl).then(
    (ranking) => current() && renderRenewal($("renewal"), ranking, selectNode),
    (error) => {
      if (!current()) return;
      $("renewal").replaceChildren();
      $("renewal").dataset.state = error.status === 404 ? "not-found" : "error";
    },
  );
  await Promise.all([map, renewal]);
}

function drawMap(data) {
  setStatus("drawing", { nodes: formatNumber(data.nodes.length) });
  const { graph, communities, placedByServer } = buildGraph(data);
  state.data = data;
  state.graph = graph;
  state.communities = communities;
  view.show(graph);
  $("map").dataset.state = "ready";
  $("map").dataset.layout = placedByServer ? "server" : "page";
  $("map").dataset.territory = String(data.graph.territory_id ?? "");
  setStatus("ready", { nodes: formatNumber(graph.order), edges: formatNumber(graph.size), as_of: formatDate(data.graph.as_of) });
  $("node-options").replaceChildren(
    ...graph.nodes().map((node) => h("option", { value: graph.getNodeAttribute(node, "label") })),
  );
  $("communities").replaceChildren(...legendItems([...communities.values()]));
  for (const swatch of $("communities").querySelectorAll(".swatch")) swatch.style.backgroundColor = swatch.dataset.color;
  $("export-png").disabled = false;
  $("export-svg").disabled = false;
  if (!state.ask.territory && data.graph.territory_id) nameTerritory(data.graph.territory_id);
}

/** The legend: each community of a colour of its own by name (biggest first); those that
 * share a colour (beyond the palette, all grey) on one line, as in the SVG picture. */
function legendItems(communities) {
  const byColour = new Map();
  for (const community of communities) byColour.set(community.color, (byColour.get(community.color) || 0) + 1);
  const sorted = communities.sort((a, b) => b.size - a.size || a.id - b.id);
  const swatch = (color) => h("span", { class: "swatch", "data-color": color });
  const items = sorted
    .filter((community) => byColour.get(community.color) === 1)
    .map((community) => h("li", { "data-community": community.id }, swatch(community.color), `${community.name} (${formatNumber(community.size)})`));
  for (const [color, count] of byColour) {
    if (count > 1) items.push(h("li", { "data-community": "rest" }, swatch(color), t("smaller_communities", { count: formatNumber(count) })));
  }
  return items;
}

/** Without a territory asked, the answer is the key's own: show which it is. */
async function nameTerritory(id) {
  try {
    const territory = await getJson(`${config.urls.territories}${id}/`);
    if (!$("territory").value) $("territory").value = territory.key;
  } catch {
    // the map is shown all the same
  }
}

// --- selection, ego network, path --------------------------------------------------------

async function selectNode(node) {
  if (node === null || !state.graph?.hasNode(node)) {
    view.select(null);
    for (const item of $("renewal").querySelectorAll("li.selected")) item.classList.remove("selected");
    $("panel").hidden = true;
    delete $("panel").dataset.node;
    return;
  }
  view.select(node);
  view.centerOn(node);
  // A body's line in the renewal ranking is marked beside the map.
  for (const item of $("renewal").querySelectorAll("li[data-body]")) {
    const mine = `b${item.dataset.body}` === node;
    item.classList.toggle("selected", mine);
    if (mine) item.scrollIntoView({ block: "nearest" });
  }
  const ego = renderPanel($("panel"), {
    graph: state.graph,
    node,
    communities: state.communities,
    onSelect: selectNode,
    onPathFrom: (from) => setPathEnd("pathFrom", from),
    onPathTo: (to) => setPathEnd("pathTo", to),
  });
  const info = state.graph.getNodeAttribute(node, "info");
  if (info.kind === "body") {
    ego.textContent = t("ego", { count: state.graph.degree(node), radius: 1 });
    return;
  }
  const url = withQuery(config.urls.actor_network.replace("{id}", node.slice(1)), analysisParams(state.ask, { radius: 1 }));
  try {
    const network = await getAnalysis(url);
    if (view.selected !== node) return;
    const focus = new Set(network.nodes.map((item) => item.node).filter((key) => state.graph.hasNode(key)));
    focus.add(node);
    view.select(node, focus);
    ego.textContent = t("ego", { count: formatNumber(network.nodes.length - 1), radius: network.radius ?? 1 });
  } catch (error) {
    if (view.selected === node) ego.textContent = t("ego_failed", { detail: error.detail || String(error) });
  }
}

function showPath() {
  const label = (node) => (node && state.graph?.hasNode(node) ? state.graph.getNodeAttribute(node, "label") : "–");
  $("path-from").textContent = label(state.pathFrom);
  $("path-to").textContent = label(state.pathTo);
}

async function setPathEnd(end, node) {
  state[end] = node;
  showPath();
  if (!state.pathFrom || !state.pathTo) {
    setStatus("path_pick");
    return;
  }
  const actorId = (key) => (key.startsWith("a") ? key.slice(1) : null);
  const [from, to] = [actorId(state.pathFrom), actorId(state.pathTo)];
  if (!from || !to) {
    setStatus("path_actors_only");
    return;
  }
  try {
    const paths = await getAnalysis(withQuery(config.urls.paths, analysisParams(state.ask, { from, to })));
    if (!paths.found || !paths.strongest) {
      view.highlightPath(null);
      setStatus("path_none");
      return;
    }
    view.highlightPath(paths.strongest.steps.map((step) => step.node));
    setStatus("path_found", { hops: paths.strongest.hops, weakest: formatNumber(paths.strongest.weakest_link) });
  } catch (error) {
    showFailure(error, "path");
  }
}

function clearPath() {
  state.pathFrom = state.pathTo = null;
  view.highlightPath(null);
  showPath();
}

// --- search, territories, exports ----------------------------------------------------------

function search() {
  const query = $("search").value;
  if (!state.graph || !query.trim()) return;
  const [first] = findNodes(state.graph, query);
  if (first) selectNode(first);
  else setStatus("no_match", { query });
}

let territoryTimer = null;
function suggestTerritories() {
  clearTimeout(territoryTimer);
  const text = $("territory").value.trim();
  if (text.length < 2 || text.includes(":")) return;
  territoryTimer = setTimeout(async () => {
    try {
      // The most populous first, and those named exactly so before them ("Paris": the
      // commune, then its arrondissements).
      const page = await getJson(withQuery(config.urls.territories, { q: text, limit: 50, ordering: "-population" }));
      const exact = (territory) => (territory.name.toLowerCase() === text.toLowerCase() ? 0 : 1);
      const ranked = page.results.map((territory, i) => ({ territory, i })).sort((a, b) => exact(a.territory) - exact(b.territory) || a.i - b.i);
      $("territory-options").replaceChildren(
        ...ranked.slice(0, 15).map(({ territory }) => h("option", { value: territory.key, label: territory.display })),
      );
    } catch {
      // suggestions are a help, not a need
    }
  }, 250);
}

/** The legend under the map, as the SVG export draws it (the words as on the page). */
function legendForExport() {
  const entries = [];
  const keys = { "key-circle": "circle", "key-square": "square", "key-negative": "line", "key-path": "line" };
  for (const mark of document.querySelectorAll(".legend > span")) {
    const kind = keys[mark.className];
    const text = mark.nextSibling?.textContent?.trim();
    if (kind && text) entries.push({ kind, color: getComputedStyle(mark).backgroundColor, text });
  }
  for (const item of $("communities").children) {
    const swatch = item.querySelector(".swatch");
    entries.push({ kind: "swatch", color: swatch?.dataset.color || "#8c8c8c", text: item.textContent.trim() });
  }
  return entries;
}

function fileName() {
  const territory = (state.ask?.territory || $("territory").value || "territory").replace(/[^A-Za-z0-9_-]+/g, "-");
  return `influence-map-${territory}-${state.data?.graph?.as_of || "today"}`;
}

// --- start ----------------------------------------------------------------------------

function start() {
  document.documentElement.lang = config.lang;
  fillChoices($("category"), config.categories);
  fillChoices($("interaction-type"), config.interaction_types);
  view.onClickNode = selectNode;
  $("query").addEventListener("submit", (event) => {
    event.preventDefault();
    load(readForm());
  });
  $("territory").addEventListener("input", suggestTerritories);
  $("search").addEventListener("change", search);
  $("search").addEventListener("keydown", (event) => event.key === "Enter" && search());
  $("path-clear").addEventListener("click", clearPath);
  $("export-png").addEventListener("click", async () => {
    await exportPng(view.renderer, fileName());
    setStatus("exported", { file: `${fileName()}.png` });
  });
  $("export-svg").addEventListener("click", () => {
    exportSvg(view.renderer, fileName(), document.title, view.labels, legendForExport());
    setStatus("exported", { file: `${fileName()}.svg` });
  });
  $("key-form").addEventListener("submit", () => {
    const key = $("api-key").value.trim();
    $("api-key").value = "";
    if (!key) return;
    credentials.remember(key);
    showCredentials();
    load(state.ask || readForm());
  });
  $("forget-key").addEventListener("click", () => {
    credentials.forget();
    showCredentials();
    clearMap("auth");
    $("renewal").replaceChildren();
    if (!config.staff) askForKey("auth_needed");
  });
  showCredentials();
  const ask = fromFragment();
  writeForm(ask);
  state.ask = ask;
  if (!credentials.key() && !config.staff) askForKey("auth_needed");
  else load(ask);
}

start();
