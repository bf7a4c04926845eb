// The panel of the selected node: what it is, its metrics, its bodies (an actor) or its
// members (a body), its ego network, and the buttons that make it one end of a path.

import { config, formatNumber, h, t } from "./i18n.js";

const categoryLabels = new Map(config.categories);

/** Whether a tie is (or holds) a membership: its facts are memberships ids `m…`. */
const isMembership = (graph, edge) => graph.getEdgeAttribute(edge, "facts").some((fact) => fact.startsWith("m"));

/** The node's neighbours joined to it by a membership, largest first. */
export function membershipNeighbours(graph, node) {
  return graph
    .filterNeighbors(node, (other) => isMembership(graph, graph.edge(node, other)))
    .sort((a, b) => graph.getNodeAttribute(b, "size") - graph.getNodeAttribute(a, "size"));
}

function kindLine(info) {
  if (info.kind === "body") return [t("body"), config.body_types[info.category] || info.category].filter(Boolean).join(" · ");
  return [t("actor"), categoryLabels.get(info.category) || info.category].filter(Boolean).join(" · ");
}

function nodeList(graph, nodes, onSelect) {
  if (!nodes.length) return h("p", { class: "hint" }, t("none"));
  return h(
    "ul",
    { class: "node-list" },
    nodes.map((other) =>
      h("li", {}, h("button", { type: "button", class: "link", "data-node": other, onclick: () => onSelect(other) }, graph.getNodeAttribute(other, "label"))),
    ),
  );
}

/** Fills `container` with the panel of `node`; returns the element the ego network goes in. */
export function renderPanel(container, { graph, node, communities, onSelect, onPathFrom, onPathTo }) {
  const info = graph.getNodeAttribute(node, "info");
  const community = communities.get(info.community);
  const metrics = Object.entries(config.metrics).map(([key, label]) =>
    h("tr", { "data-metric": key }, h("th", { scope: "row" }, label), h("td", {}, formatNumber(info[key]))),
  );
  metrics.push(
    h("tr", { "data-metric": "role" }, h("th", { scope: "row" }, t("role")), h("td", {}, config.roles[info.role] || info.role || "–")),
    h("tr", { "data-metric": "is_broker" }, h("th", { scope: "row" }, t("broker")), h("td", {}, info.is_broker ? t("yes") : t("no"))),
  );
  const isActor = info.kind !== "body";
  const ego = h("p", { class: "ego hint" }, "…");
  container.replaceChildren(
    h("button", { type: "button", class: "close", "aria-label": "×", onclick: () => onSelect(null) }, "×"),
    h("h2", { id: "panel-title" }, info.label),
    h("p", { class: "kind" }, kindLine(info)),
    community
      ? h("p", { class: "community" }, h("span", { class: "swatch", "data-color": community.color }), t("community", { name: community.name }))
      : null,
    h("h3", {}, t("metrics")),
    h("table", { class: "metrics" }, h("tbody", {}, metrics)),
    h("h3", {}, isActor ? t("bodies") : t("members")),
    nodeList(graph, membershipNeighbours(graph, node), onSelect),
    ego,
    isActor
      ? h(
          "p",
          { class: "path-buttons" },
          h("button", { type: "button", id: "path-from-here", onclick: () => onPathFrom(node) }, t("path_from_here")),
          " ",
          h("button", { type: "button", id: "path-to-here", onclick: () => onPathTo(node) }, t("path_to_here")),
        )
      : null,
  );
  container.dataset.node = node;
  container.hidden = false;
  for (const swatch of container.querySelectorAll(".swatch")) swatch.style.backgroundColor = swatch.dataset.color;
  return ego;
}
