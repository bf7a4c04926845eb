// The view as a file: PNG through sigma's own exporter (@sigma/export-image, which redraws
// the WebGL layers on one canvas), SVG written here from what sigma draws (the positions,
// sizes and colours after the highlights), so both show what is on screen.

import { downloadAsPNG } from "@sigma/export-image";
import { installLabels } from "./labels.js";

export async function exportPng(renderer, fileName) {
  // The exporter draws on a renderer of its own: it gets the same label drawing.
  const withTempRenderer = (temp) => {
    installLabels(temp);
    temp.refresh();
  };
  await downloadAsPNG(renderer, { fileName, backgroundColor: "#ffffff", withTempRenderer });
}

const escapeXml = (text) =>
  String(text).replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]);

/** The SVG text of the current view of `renderer` (its viewport, its highlights), with
 * the labels drawn on screen where they are drawn (`shownLabels`, from labels.js: none
 * overlaps another). */
export function viewAsSvg(renderer, title, shownLabels) {
  const graph = renderer.getGraph();
  const { width, height } = renderer.getDimensions();
  const point = (data) => renderer.framedGraphToViewport(data);
  const round = (value) => Math.round(value * 10) / 10;
  const edges = [];
  const sorted = (items, displayOf) =>
    items.map((key) => ({ key, data: displayOf(key) })).filter(({ data }) => data && !data.hidden).sort((a, b) => (a.data.zIndex || 0) - (b.data.zIndex || 0));
  for (const { key, data } of sorted(graph.edges(), (edge) => renderer.getEdgeDisplayData(edge))) {
    const [source, target] = graph.extremities(key);
    const from = renderer.getNodeDisplayData(source);
    const to = renderer.getNodeDisplayData(target);
    if (!from || !to || from.hidden || to.hidden) continue;
    const a = point(from);
    const b = point(to);
    edges.push(
      `<line x1="${round(a.x)}" y1="${round(a.y)}" x2="${round(b.x)}" y2="${round(b.y)}" stroke="${escapeXml(data.color)}" stroke-width="${round(Math.max(0.5, renderer.scaleSize(data.size)))}"/>`,
    );
  }
  const nodes = [];
  const labels = [];
  for (const { key, data } of sorted(graph.nodes(), (node) => renderer.getNodeDisplayData(node))) {
    const { x, y } = point(data);
    const r = Math.max(1, renderer.scaleSize(data.size));
    if (x < -r || y < -r || x > width + r || y > height + r) continue;
    const fill = escapeXml(data.color);
    nodes.push(
      data.type === "square"
        ? `<rect x="${round(x - r)}" y="${round(y - r)}" width="${round(2 * r)}" height="${round(2 * r)}" fill="${fill}" stroke="#ffffff" stroke-width="0.5"/>`
        : `<circle cx="${round(x)}" cy="${round(y)}" r="${round(r)}" fill="${fill}" stroke="#ffffff" stroke-width="0.5"/>`,
    );
    const label = shownLabels.get(key);
    if (data.label && label) {
      labels.push(`<text x="${round(label.x)}" y="${round(label.baseline)}">${escapeXml(data.label)}</text>`);
    }
  }
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<g class="edges" stroke-linecap="round">${edges.join("")}</g>`,
    `<g class="nodes">${nodes.join("")}</g>`,
    `<g class="labels" font-family="sans-serif" font-size="13" fill="#222222" stroke="#ffffff" stroke-width="3" paint-order="stroke">${labels.join("")}</g>`,
    `</svg>`,
  ].join("\n");
}

export function exportSvg(renderer, fileName, title, shownLabels) {
  const blob = new Blob([viewAsSvg(renderer, title, shownLabels)], { type: "image/svg+xml" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${fileName}.svg`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
