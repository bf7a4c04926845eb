// The influence map's node-link JSON as a graphology graph, with what sigma draws: x, y,
// size, colour and shape of each node, colour and thickness of each tie. The server's
// own layout and colours (node `x`, `y`, `size`, `color`, `shape`; community `name`,
// `color`) are used when the answer has them; without them the page places the nodes
// itself (a circle ordered by community, then ForceAtlas2: deterministic, no randomness)
// and colours the communities from its own palette.

import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";

/** Colour-blind-safe categorical palette (Okabe-Ito, then Tol's muted). */
export const PALETTE = [
  "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
  "#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#aa4499", "#882255",
];
export const TIE = "#c9ccd1";
export const NEGATIVE_TIE = "#d62728";
export const PATH = "#111111";
export const MUTED = "#eceef1";

const hasNumber = (value) => typeof value === "number" && Number.isFinite(value);

/** The communities of the answer by id: name (its most central member), colour. */
export function communitiesOf(data, labels) {
  const communities = new Map();
  for (const community of data.graph?.communities || []) {
    const first = community.named_after ?? community.top_members?.[0];
    communities.set(community.id, {
      id: community.id,
      size: community.size,
      name: community.name || labels.get(first) || `#${community.id}`,
      namedAfter: first ?? null,
      color: community.color || PALETTE[community.id % PALETTE.length],
    });
  }
  return communities;
}

/** The graph sigma draws, and the communities of its legend. */
export function buildGraph(data) {
  const graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
  const labels = new Map(data.nodes.map((node) => [node.id, node.label]));
  const communities = communitiesOf(data, labels);
  const topRank = Math.max(1e-12, ...data.nodes.map((node) => node.pagerank || 0));
  for (const node of data.nodes) {
    const community = communities.get(node.community);
    graph.addNode(node.id, {
      label: node.label,
      x: node.x,
      y: node.y,
      size: hasNumber(node.size) ? node.size : 3 + 15 * Math.sqrt((node.pagerank || 0) / topRank),
      color: node.color || community?.color || PALETTE[0],
      type: (node.shape || (node.kind === "body" ? "square" : "circle")) === "square" ? "square" : "circle",
      // Bodies drawn over the people around them (else their squares hide under circles).
      zIndex: node.kind === "body" ? 1 : 0,
      info: node,
    });
  }
  for (const link of data.links) {
    if (!graph.hasNode(link.source) || !graph.hasNode(link.target) || link.source === link.target) continue;
    const attributes = {
      weight: link.weight,
      negative: link.negative || 0,
      facts: link.facts || [],
    };
    if (graph.hasEdge(link.source, link.target)) {
      const edge = graph.edge(link.source, link.target);
      attributes.weight += graph.getEdgeAttribute(edge, "weight");
      attributes.negative += graph.getEdgeAttribute(edge, "negative");
      attributes.facts = [...graph.getEdgeAttribute(edge, "facts"), ...attributes.facts];
    }
    graph.mergeEdge(link.source, link.target, {
      ...attributes,
      size: 0.4 + Math.min(attributes.weight, 12) / 4,
      color: attributes.negative > 0 ? NEGATIVE_TIE : TIE,
    });
  }
  const placedByServer = data.nodes.length > 0 && data.nodes.every((node) => hasNumber(node.x) && hasNumber(node.y));
  if (!placedByServer) placeNodes(graph);
  return { graph, communities, placedByServer };
}

/** Places every node: on a circle in community order, then ForceAtlas2 (deterministic). */
export function placeNodes(graph) {
  const order = graph.nodes().map((key, index) => ({ key, index, community: graph.getNodeAttribute(key, "info").community ?? -1 }));
  order.sort((a, b) => a.community - b.community || a.index - b.index);
  const count = Math.max(order.length, 1);
  order.forEach(({ key }, position) => {
    const angle = (2 * Math.PI * position) / count;
    graph.mergeNodeAttributes(key, { x: 100 * Math.cos(angle), y: 100 * Math.sin(angle) });
  });
  if (graph.order < 2) return;
  const settings = forceAtlas2.inferSettings(graph);
  forceAtlas2.assign(graph, {
    iterations: graph.order > 3000 ? 40 : graph.order > 1000 ? 80 : 150,
    settings: { ...settings, barnesHutOptimize: graph.order > 1000, edgeWeightInfluence: 1 },
    getEdgeWeight: "weight",
  });
}

/** Nodes whose label contains `query` (case and accents ignored), exact matches first. */
export function findNodes(graph, query) {
  const fold = (text) => String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  const wanted = fold(query);
  if (!wanted) return [];
  const found = graph.filterNodes((key, attributes) => fold(attributes.label).includes(wanted) || key === query);
  return found.sort((a, b) => {
    const exactA = fold(graph.getNodeAttribute(a, "label")) === wanted ? 0 : 1;
    const exactB = fold(graph.getNodeAttribute(b, "label")) === wanted ? 0 : 1;
    return exactA - exactB || graph.getNodeAttribute(b, "size") - graph.getNodeAttribute(a, "size");
  });
}
