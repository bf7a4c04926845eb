// Node labels that never overlap. Sigma picks the candidates (its label grid: a few per
// cell of the screen, the biggest nodes first) and draws each where its node is, so two
// long names of close nodes ("Conseil de quartier …") are drawn over each other. Here
// sigma's label drawer only collects the candidates; once sigma has drawn a frame, they
// are drawn forced ones first (the selection, a path), then biggest node first, each to
// the right of its node, else to its left, only where its box meets no label drawn before. A white halo keeps them legible over ties.

import { NodeSquareProgram } from "@sigma/node-square";

const GAP = 3; // pixels between a node and its label (sigma's own)
const PADDING = 2; // pixels kept free around every label

const pending = new WeakMap(); // labels canvas context -> candidates of the frame

/** Sigma's `defaultDrawNodeLabel`: remembers the candidate, draws nothing yet. */
export function collectLabel(context, data, settings) {
  if (!data.label) return;
  if (!pending.has(context)) pending.set(context, []);
  pending.get(context).push({ data, settings });
}

/** Bodies' squares with the same label drawer as the circles (the package has its own). */
export class SquareProgram extends NodeSquareProgram {
  constructor(...args) {
    super(...args);
    this.drawLabel = collectLabel;
  }
}

/** The box of `data`'s label to the right of its node, or (`left`) to its left. */
function labelBox(context, data, settings, left = false) {
  const width = context.measureText(data.label).width;
  const x0 = left ? data.x - data.size - GAP - width : data.x + data.size + GAP;
  const baseline = data.y + settings.labelSize / 3;
  return {
    x: x0,
    baseline,
    x0: x0 - PADDING,
    x1: x0 + width + PADDING,
    y0: baseline - settings.labelSize - PADDING,
    y1: baseline + settings.labelSize * 0.3 + PADDING,
  };
}

const overlaps = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** Draws the frame's candidates without overlap (nor past the right edge, where the
 * side panel stands); returns the labels drawn, by node: where each is written (`x`,
 * `baseline`) and the box it covers (`x0`, `y0`, `x1`, `y1`), in viewport pixels. */
export function drawLabels(context) {
  const right = context.canvas.width / (window.devicePixelRatio || 1);
  const candidates = pending.get(context) || [];
  pending.set(context, []);
  candidates.sort(
    (a, b) =>
      Number(Boolean(b.data.forceLabel)) - Number(Boolean(a.data.forceLabel)) ||
      b.data.size - a.data.size ||
      (a.data.key < b.data.key ? -1 : a.data.key > b.data.key ? 1 : 0),
  );
  const boxes = [];
  const drawn = new Map();
  const free = (box) => box.x0 >= 0 && box.x1 <= right && !boxes.some((other) => overlaps(box, other));
  for (const { data, settings } of candidates) {
    context.font = `${settings.labelWeight} ${settings.labelSize}px ${settings.labelFont}`;
    // Right of the node (sigma's place), else left of it; a forced label goes right anyway.
    const box = [labelBox(context, data, settings), labelBox(context, data, settings, true)].find(free) ||
      (data.forceLabel ? labelBox(context, data, settings) : null);
    if (!box) continue;
    boxes.push(box);
    drawn.set(data.key, box);
    context.lineJoin = "round";
    context.lineWidth = 3;
    context.strokeStyle = "#ffffff";
    context.strokeText(data.label, box.x, box.baseline);
    context.fillStyle = settings.labelColor.color || "#000";
    context.fillText(data.label, box.x, box.baseline);
  }
  return drawn;
}

/** Wires a renderer (the page's, or the PNG exporter's own): after each frame, the labels. */
export function installLabels(renderer, onDrawn = () => {}) {
  const context = renderer.getCanvases().labels.getContext("2d");
  renderer.on("beforeRender", () => pending.set(context, []));
  renderer.on("afterRender", () => onDrawn(drawLabels(context)));
}
