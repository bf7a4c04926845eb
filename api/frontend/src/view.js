// The map on screen (sigma.js, WebGL) and what is highlighted on it: the selected node,
// its ego network, a path. The DOM of #map says what is drawn, for people and for the
// browser tests: data-order (nodes), data-size (ties), data-selected, data-path.

import Sigma from "sigma";
import { MUTED, PATH } from "./graph.js";
import { SquareProgram, collectLabel, installLabels } from "./labels.js";

/** Sigma's settings of the map (also those of the PNG exporter's own renderer). */
export const SIGMA_SETTINGS = {
  nodeProgramClasses: { square: SquareProgram },
  defaultDrawNodeLabel: collectLabel,
  // Candidates for a label: the biggest nodes of each 150-pixel cell, at least 7 pixels
  // wide; labels.js then draws only those that overlap no other.
  labelRenderedSizeThreshold: 7,
  labelGridCellSize: 150,
  labelDensity: 1,
  labelSize: 13,
  zIndex: true,
};

export class MapView {
  constructor(container) {
    this.container = container;
    this.renderer = null;
    this.graph = null;
    this.selected = null;
    this.focus = null; // Set of nodes (the selection's ego network), or null
    this.path = null; // { nodes: Set, edges: Set }, or null
    this.onClickNode = () => {};
    this.labels = new Map(); // node -> box of its label, for the labels drawn (labels.js)
    // Sigma sizes its canvases on a window resize only: the map's box also changes when
    // the legend below it is filled, or the bar above it wraps.
    new ResizeObserver(() => this.renderer?.refresh()).observe(container);
  }

  show(graph) {
    this.renderer?.kill();
    this.graph = graph;
    this.selected = null;
    this.focus = null;
    this.path = null;
    this.renderer = new Sigma(graph, this.container, {
      ...SIGMA_SETTINGS,
      nodeReducer: (node, data) => this.reduceNode(node, data),
      edgeReducer: (edge, data) => this.reduceEdge(edge, data),
    });
    installLabels(this.renderer, (drawn) => {
      this.labels = drawn;
      // For the browser tests: which labels are drawn, and where (viewport pixels).
      this.container.labelBoxes = Object.fromEntries(drawn);
      this.container.dataset.labels = String(drawn.size);
    });
    this.renderer.refresh(); // the first frame, drawn by the constructor, had no labels
    this.renderer.on("clickNode", ({ node }) => this.onClickNode(node));
    this.container.dataset.order = String(graph.order);
    this.container.dataset.size = String(graph.size);
    this.mark();
  }

  reduceNode(node, data) {
    const shown = { ...data };
    const inPath = this.path?.nodes.has(node);
    const dimmed = (this.path && !inPath) || (!this.path && this.focus && !this.focus.has(node));
    // Bodies (zIndex 1) over people (0); what is lit over what is dimmed; the selection on top.
    const base = data.zIndex || 0;
    if (dimmed) {
      shown.color = MUTED;
      shown.label = null;
      shown.zIndex = base;
    } else if (this.path || this.focus) {
      shown.zIndex = 2 + base;
    }
    if (inPath) shown.forceLabel = true;
    if (node === this.selected) {
      shown.highlighted = true;
      shown.forceLabel = true;
      shown.zIndex = 4;
    }
    return shown;
  }

  reduceEdge(edge, data) {
    const shown = { ...data };
    if (this.path) {
      if (this.path.edges.has(edge)) {
        shown.color = PATH;
        shown.size = Math.max(3, data.size * 1.5);
        shown.zIndex = 2;
      } else {
        shown.hidden = true;
      }
    } else if (this.focus) {
      const [source, target] = this.graph.extremities(edge);
      if (!(this.focus.has(source) && this.focus.has(target))) shown.hidden = true;
    }
    return shown;
  }

  /** Selects a node (null: none), with the nodes to keep lit around it. */
  select(node, focus = null) {
    this.selected = node;
    this.focus = node === null ? null : focus || new Set([node, ...this.graph.neighbors(node)]);
    this.mark();
    this.renderer?.refresh({ skipIndexation: true });
  }

  /** Highlights a path: its nodes in order; the ties between consecutive ones. */
  highlightPath(nodes) {
    if (!nodes) {
      this.path = null;
    } else {
      const edges = new Set();
      for (let i = 1; i < nodes.length; i += 1) {
        if (this.graph.hasEdge(nodes[i - 1], nodes[i])) edges.add(this.graph.edge(nodes[i - 1], nodes[i]));
      }
      this.path = { nodes: new Set(nodes), edges, order: nodes };
    }
    this.mark();
    this.renderer?.refresh({ skipIndexation: true });
  }

  /** Moves the camera to a node. */
  centerOn(node) {
    const data = this.renderer?.getNodeDisplayData(node);
    if (data) this.renderer.getCamera().animate({ x: data.x, y: data.y, ratio: 0.5 }, { duration: 300 });
  }

  mark() {
    const dataset = this.container.dataset;
    if (this.selected) dataset.selected = this.selected;
    else delete dataset.selected;
    if (this.path) dataset.path = this.path.order.join(",");
    else delete dataset.path;
  }
}
