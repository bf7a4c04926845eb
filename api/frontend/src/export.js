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

const LEGEND_LINE = 18;
const LEGEND_COLUMN = 460; // pixels: room for 64 characters of 12-pixel text
const LEGEND_CHARS = 64;
const clip = (text) => (text.length > LEGEND_CHARS ? `${text.slice(0, LEGEND_CHARS - 1)}…` : text);

/** The legend's entries in columns under the map: their SVG and the height they take. */
function legendRows(legend, width, top) {
  const columns = Math.max(1, Math.floor((width - 16) / LEGEND_COLUMN));
  const rows = legend.map((entry, i) => {
    const x = 12 + (i % columns) * LEGEND_COLUMN;
    const y = top + 16 + Math.floor(i / columns) * LEGEND_LINE;
    const color = escapeXml(entry.color);
    const mark = {
      circle: `<circle cx="${x + 6}" cy="${y - 4}" r="5" fill="${color}"/>`,
      square: `<rect x="${x + 1}" y="${y - 9}" width="10" height="10" fill="${color}"/>`,
      line: `<line x1="${x - 2}" y1="${y - 4}" x2="${x + 14}" y2="${y - 4}" stroke="${color}" stroke-width="3"/>`,
      swatch: `<circle cx="${x + 6}" cy="${y - 4}" r="5" fill="${color}"/>`,
    }[entry.kind];
    return `${mark || ""}<text x="${x + 20}" y="${y}">${escapeXml(clip(entry.text))}</text>`;
  });
  const height = legend.length ? 16 + Math.ceil(legend.length / columns) * LEGEND_LINE : 0;
  return { rows, height };
}

/** The SVG text of the current view of `renderer` (its viewport, its highlights), with
 * the labels drawn on screen where they are drawn (`shownLabels`, from labels.js: none
 * overlaps another), and below it the page's legend (`legend`: { kind, color, text }, kind
 * one of circle, square, line, swatch). */
export function viewAsSvg(renderer, title, shownLabels, legend = []) {
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
  const { rows, height: legendHeight } = legendRows(legend, width, height);
  const total = height + legendHeight;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<g class="legend" font-family="sans-serif" font-size="12" fill="#222222">${rows.join("")}</g>`,
    `<g class="edges" stroke-linecap="round">${edges.join("")}</g>`,
    `<g class="nodes">${nodes.join("")}</g>`,
    `<g class="labels" font-family="sans-serif" font-size="13" fill="#222222" stroke="#ffffff" stroke-width="3" paint-order="stroke">${labels.join("")}</g>`,
    `</svg>`,
  ].join("\n");
}

export function exportSvg(renderer, fileName, title, shownLabels, legend) {
  const blob = new Blob([viewAsSvg(renderer, title, shownLabels, legend)], { type: "image/svg+xml" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${fileName}.svg`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
